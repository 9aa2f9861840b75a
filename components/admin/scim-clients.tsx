"use client";
/**
 * SCIM clients (identity providers) and their tokens: register a client (its first token is shown once),
 * rotate a token with an overlap window (the new one is shown once), revoke one at once. Admins change;
 * security and auditors read. Tokens are never shown again: the table lists prefixes, states and dates.
 */
import Link from "next/link";
import { createContext, useContext, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC } from "@/components/trpc/client";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, Input, Select, Textarea } from "@/components/ui/form";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { ReasonAction } from "@/components/grants/reason-action";
import { readFormError } from "@/components/catalog/form-errors";
import { OwnerPicker, type OwnerChoice } from "@/components/identities/owner-picker";
import { DEFAULT_OVERLAP_HOURS, ZCreateScimClient, type ApiTokenState } from "@/server/domain/api-tokens/schema";

type TokenView = { id: string; prefix: string; state: ApiTokenState; createdAt: Date; expiresAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; overlapUntil: Date | null };
type ClientView = { id: string; displayName: string; status: string; purpose: string | null; owner: { id: string; displayName: string } | null; credentialExpiresAt: Date | null; tokens: TokenView[] };
type Row = TokenView & { client: ClientView };
type Revealed = { token: string; prefix: string; client: string; expiresAt: Date };

const STATE: Record<ApiTokenState, { label: string; tone: Tone }> = {
  active: { label: "Active", tone: "green" },
  overlap: { label: "Rotated (still valid)", tone: "amber" },
  replaced: { label: "Rotated out", tone: "slate" },
  expired: { label: "Expired", tone: "slate" },
  revoked: { label: "Revoked", tone: "red" },
};
const OVERLAPS = [1, 24, 72, 168];

/** What the row actions need from the page (columns are module-level, so they read it from context). */
const PageCtx = createContext<{ canManage: boolean; reveal: (r: Revealed) => void }>({ canManage: false, reveal: () => undefined });

function RotateAction({ row }: { row: Row }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { reveal } = useContext(PageCtx);
  const rotate = useMutation(trpc.scimClients.rotate.mutationOptions());
  const [hours, setHours] = useState(DEFAULT_OVERLAP_HOURS);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex flex-wrap items-end gap-2">
      <Field label="Old token valid for" error={error}>
        {(p) => (
          <Select {...p} value={hours} onChange={(e) => setHours(Number(e.target.value))} className="w-32 py-1 text-xs">
            {OVERLAPS.map((h) => (
              <option key={h} value={h}>
                {h < 24 ? `${h} hour` : `${h / 24} day${h === 24 ? "" : "s"}`}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Button
        variant="secondary"
        className="px-2 py-1 text-xs"
        disabled={rotate.isPending}
        onClick={async () => {
          setError(null);
          try {
            const t = await rotate.mutateAsync({ tokenId: row.id, overlapHours: hours });
            reveal({ token: t.token, prefix: t.prefix, client: row.client.displayName, expiresAt: t.expiresAt });
            notify.success("Token rotated.", "Copy the new token now: it is shown once.");
            router.refresh();
          } catch (e) {
            setError(readFormError(e).message);
          }
        }}
      >
        Rotate
      </Button>
    </div>
  );
}

function TokenActions({ row }: { row: Row }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { canManage } = useContext(PageCtx);
  const revoke = useMutation(trpc.scimClients.revoke.mutationOptions());
  if (!canManage || row.state === "revoked" || row.state === "expired") return null;
  return (
    <div className="flex flex-col items-start gap-2">
      {row.state === "active" && <RotateAction row={row} />}
      <ReasonAction
        trigger="Revoke…"
        triggerVariant="danger"
        label="Why revoke this token?"
        hint="It stops working at once. Kept in the evidence ledger. 5 to 1000 characters."
        submits={[{ label: "Revoke now", variant: "danger", run: (reason) => revoke.mutateAsync({ tokenId: row.id, reason }), done: "Token revoked." }]}
        onDone={() => router.refresh()}
      />
    </div>
  );
}

const col = createColumnHelper<Row>();
const dash = <span className="text-slate-500">—</span>;
const columns = [
  col.accessor((r) => r.client.displayName, {
    id: "client",
    header: "Client",
    enableSorting: false,
    meta: { card: "title" },
    cell: (c) => (
      <div className="min-w-40">
        <Link href={`/identities/${c.row.original.client.id}`} className="font-medium text-brand-700 hover:underline">
          {c.getValue()}
        </Link>
        <p className="text-xs text-slate-600">Owner: {c.row.original.client.owner?.displayName ?? "—"}</p>
      </div>
    ),
  }),
  col.accessor("prefix", { header: "Token", enableSorting: false, meta: { card: "subtitle" }, cell: (c) => <code className="text-xs">{c.getValue()}…</code> }),
  col.accessor("state", {
    header: "State",
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="space-y-1">
          <Badge tone={STATE[r.state].tone}>{STATE[r.state].label}</Badge>
          {r.state === "overlap" && r.overlapUntil && <p className="text-xs text-slate-600">until {formatDateTime(r.overlapUntil)}</p>}
          {r.revokedAt && <p className="text-xs text-slate-600">{formatDateTime(r.revokedAt)}</p>}
        </div>
      );
    },
  }),
  col.accessor("createdAt", { header: "Issued", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  col.accessor("lastUsedAt", { header: "Last used", enableSorting: false, cell: (c) => (c.getValue() ? formatDateTime(c.getValue()) : dash) }),
  col.accessor("expiresAt", { header: "Expires", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  col.display({ id: "actions", header: "Action", meta: { card: "action" }, cell: (c) => <TokenActions row={c.row.original} /> }),
];

function RevealedToken({ revealed, baseUrl, onClose }: { revealed: Revealed; baseUrl: string; onClose: () => void }) {
  return (
    <div role="status" className="mb-6 rounded-md border border-amber-300 bg-amber-50 p-4">
      <h2 className="font-semibold text-slate-900">New token for {revealed.client}: copy it now</h2>
      <p className="mt-1 text-sm text-slate-700">
        It is shown once and stored only as a hash. Paste it into your identity provider as the bearer token, with the base URL <code>{baseUrl}</code>. It expires on{" "}
        {formatDate(revealed.expiresAt)}.
      </p>
      <label className="mt-3 block text-sm font-medium text-slate-800" htmlFor="scim-new-token">
        Token
      </label>
      <input id="scim-new-token" readOnly value={revealed.token} onFocus={(e) => e.currentTarget.select()} className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900" />
      <div className="mt-3 flex gap-2">
        <Button variant="secondary" onClick={() => navigator.clipboard?.writeText(revealed.token).then(() => notify.success("Token copied."))}>
          Copy
        </Button>
        <Button variant="ghost" onClick={onClose}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

const toDay = (d: Date) => d.toISOString().slice(0, 10);

function CreateClient({ onCreated }: { onCreated: (r: Revealed) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.scimClients.create.mutationOptions());
  const [displayName, setDisplayName] = useState("");
  const [owner, setOwner] = useState<OwnerChoice | null>(null);
  const [purpose, setPurpose] = useState("");
  const [expires, setExpires] = useState(toDay(new Date(Date.now() + 180 * 86_400_000)));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { displayName, ownerId: owner?.id ?? "", purpose, expiresAt: new Date(`${expires}T00:00:00.000Z`) };
    const parsed = ZCreateScimClient.safeParse(input);
    if (!parsed.success) {
      const errs: Record<string, string> = {};
      for (const i of parsed.error.issues) errs[String(i.path[0])] ??= String(i.path[0]) === "ownerId" ? "Choose the accountable owner: an active person." : i.message;
      setErrors(errs);
      return;
    }
    setErrors({});
    try {
      const t = await create.mutateAsync(parsed.data);
      onCreated({ token: t.token, prefix: t.prefix, client: displayName.trim(), expiresAt: t.expiresAt });
      notify.success("SCIM client registered.", "Copy its token now: it is shown once.");
      setDisplayName("");
      setPurpose("");
      setOwner(null);
      router.refresh();
    } catch (err) {
      const m = readFormError(err).message;
      setErrors(/owner/i.test(m) ? { ownerId: m } : /expir|days/i.test(m) ? { expiresAt: m } : { form: m });
    }
  }

  return (
    <Card title="Register a SCIM client" className="mb-6">
      <form onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <Field label="Name" hint='e.g. "Okta SCIM" or "Entra ID provisioning".' error={errors.displayName}>
          {(p) => <Input {...p} name="displayName" value={displayName} maxLength={120} onChange={(e) => setDisplayName(e.target.value)} />}
        </Field>
        <Field label="Accountable owner" hint="An active person who answers for this client." error={errors.ownerId}>
          {(p) => <OwnerPicker id={p.id} name="ownerId" value={owner} onChange={setOwner} aria-invalid={p["aria-invalid"]} aria-describedby={p["aria-describedby"]} />}
        </Field>
        <Field label="Purpose" hint="What it provisions, from where." error={errors.purpose}>
          {(p) => <Textarea {...p} name="purpose" value={purpose} maxLength={500} onChange={(e) => setPurpose(e.target.value)} />}
        </Field>
        <Field label="Credential expires on" hint="At most a year from today; every token of the client stops then." error={errors.expiresAt}>
          {(p) => <Input {...p} type="date" name="expiresAt" value={expires} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
        {errors.form && <p className="text-sm text-red-700 md:col-span-2">{errors.form}</p>}
        <div className="md:col-span-2">
          <Button type="submit" disabled={create.isPending}>
            Register and issue a token
          </Button>
        </div>
      </form>
    </Card>
  );
}

export function ScimClients({ clients, baseUrl, canManage }: { clients: ClientView[]; baseUrl: string; canManage: boolean }) {
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const rows: Row[] = clients.flatMap((client) => client.tokens.map((t) => ({ ...t, client })));
  return (
    <PageCtx.Provider value={{ canManage, reveal: setRevealed }}>
      {revealed && <RevealedToken revealed={revealed} baseUrl={baseUrl} onClose={() => setRevealed(null)} />}
      {canManage && <CreateClient onCreated={setRevealed} />}
      <p className="mb-3 text-sm text-slate-700">
        Base URL for identity providers: <code>{baseUrl}</code> (see docs/scim.md for Okta and Entra ID).
      </p>
      <DataTable label="SCIM client tokens" columns={columns} rows={rows} total={rows.length} page={1} size={Math.max(rows.length, 1)} emptyMessage="No SCIM clients yet." />
    </PageCtx.Provider>
  );
}
