"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, ErrorBanner } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/form";
import { formatDateTime } from "@/components/ui/format";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import type { MyDelegations } from "@/server/domain/delegations/queries";
import { DELEGATION_MAX_DAYS } from "@/server/domain/delegations/schema";

const STATE_TONE: Record<string, Tone> = { ACTIVE: "green", UPCOMING: "blue", ENDED: "slate", REVOKED: "slate" };
const toLocalInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function DelegationForm({ now }: { now: Date }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [q, setQ] = useState("");
  const [toId, setToId] = useState("");
  const [startsAt, setStartsAt] = useState(toLocalInput(now));
  const [endsAt, setEndsAt] = useState(toLocalInput(new Date(now.getTime() + 7 * 86_400_000)));
  const [reason, setReason] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const people = useQuery(trpc.delegations.delegateOptions.queryOptions({ q: q || undefined }));
  const create = useMutation(
    trpc.delegations.create.mutationOptions({
      onSuccess: () => {
        setReason("");
        setToId("");
        router.refresh();
      },
      onError: (e) => setError(readFormError(e)),
    }),
  );
  function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    create.mutate({ toId, startsAt: startsAt ? new Date(startsAt) : new Date(Number.NaN), endsAt: endsAt ? new Date(endsAt) : new Date(Number.NaN), reason });
  }
  const fe = error?.fields ?? {};
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Delegate my approvals" noValidate>
      {error && <ErrorBanner title="The delegation was not created">{error.message}</ErrorBanner>}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Find a person" hint="Search by name or email.">
          {(a) => <Input {...a} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Name or email…" />}
        </Field>
        <Field label="Delegate to" error={fe.toId}>
          {(a) => (
            <Select {...a} value={toId} onChange={(e) => setToId(e.target.value)} required>
              <option value="">Choose a person…</option>
              {(people.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.title ? ` — ${p.title}` : ""}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="From" error={fe.startsAt}>
          {(a) => <Input {...a} type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required />}
        </Field>
        <Field label="Until" error={fe.endsAt} hint={`At most ${DELEGATION_MAX_DAYS} days.`}>
          {(a) => <Input {...a} type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} required />}
        </Field>
      </div>
      <Field label="Reason" error={fe.reason} hint="e.g. “On leave 3–14 March”.">
        {(a) => <Input {...a} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} required />}
      </Field>
      <Button type="submit" disabled={create.isPending}>
        {create.isPending ? "Saving…" : "Delegate my approvals"}
      </Button>
    </form>
  );
}

function RevokeButton({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const revoke = useMutation(trpc.delegations.revoke.mutationOptions({ onSuccess: () => router.refresh(), onError: (e) => setError(e.message) }));
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" className="px-2 py-1 text-xs" disabled={revoke.isPending} onClick={() => revoke.mutate({ id })}>
        Revoke
      </Button>
      {error && <span className="text-xs text-red-700">{error}</span>}
    </span>
  );
}

function DelegationList({ rows, mine }: { rows: MyDelegations["given"]; mine: boolean }) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">{mine ? "You have not delegated your approvals." : "Nobody has delegated approvals to you."}</p>;
  return (
    <table className="min-w-full text-sm">
      <thead>
        <tr className="text-left text-xs uppercase tracking-wide text-slate-500">
          <th className="py-1.5 pr-4">{mine ? "To" : "From"}</th>
          <th className="py-1.5 pr-4">Window</th>
          <th className="py-1.5 pr-4">Reason</th>
          <th className="py-1.5 pr-4">State</th>
          {mine && <th className="py-1.5" />}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((d) => (
          <tr key={d.id}>
            <td className="py-2 pr-4 font-medium text-slate-900">{mine ? d.to.name : d.from.name}</td>
            <td className="py-2 pr-4 text-slate-700">
              {formatDateTime(d.startsAt)} – {formatDateTime(d.endsAt)}
            </td>
            <td className="py-2 pr-4 text-slate-700">{d.reason}</td>
            <td className="py-2 pr-4">
              <Badge tone={STATE_TONE[d.state]}>{d.state.charAt(0) + d.state.slice(1).toLowerCase()}</Badge>
            </td>
            {mine && <td className="py-2">{(d.state === "ACTIVE" || d.state === "UPCOMING") && <RevokeButton id={d.id} />}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Create and revoke my delegations; see the ones given to me. */
export function DelegationsPanel({ data, now }: { data: MyDelegations; now: Date }) {
  return (
    <div className="space-y-6">
      <Card title="Delegate my approvals (out of office)">
        <DelegationForm now={now} />
      </Card>
      <Card title="Delegations I gave">
        <DelegationList rows={data.given} mine />
      </Card>
      <Card title="Delegated to me">
        <DelegationList rows={data.received} mine={false} />
      </Card>
    </div>
  );
}
