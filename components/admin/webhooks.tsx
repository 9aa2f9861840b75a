"use client";
/**
 * Webhook subscriptions to the ledger (/admin/webhooks): the list with each one's cursor, lag and state, and
 * (admins and security) the form to create one. A generated signing secret is shown once, here, right after
 * creation; Warrant never shows it again. Security and auditors read; admins and security change.
 */
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC } from "@/components/trpc/client";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/form";
import { formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { readFormError } from "@/components/catalog/form-errors";
import { ZCreateWebhookInput, type WebhookState, type WebhookView } from "@/server/domain/webhooks/schema";

export const WEBHOOK_STATE: Record<WebhookState, { label: string; tone: Tone }> = {
  delivering: { label: "Delivering", tone: "blue" },
  "caught up": { label: "Caught up", tone: "green" },
  retrying: { label: "Retrying", tone: "amber" },
  paused: { label: "Paused: dead letter", tone: "red" },
  disabled: { label: "Disabled", tone: "slate" },
  deleted: { label: "Deleted", tone: "slate" },
};

const col = createColumnHelper<WebhookView>();
const dash = <span className="text-slate-500">—</span>;
const columns = [
  col.accessor("name", {
    header: "Subscription",
    enableSorting: false,
    meta: { card: "title" },
    cell: (c) => (
      <div className="min-w-40">
        <span className="font-medium">{c.getValue()}</span>
        <p className="text-xs text-slate-600 [overflow-wrap:anywhere]">{c.row.original.url}</p>
      </div>
    ),
  }),
  col.accessor("state", {
    header: "State",
    enableSorting: false,
    meta: { card: "subtitle" },
    cell: (c) => (
      <div className="space-y-1">
        <Badge tone={WEBHOOK_STATE[c.getValue()].tone}>{WEBHOOK_STATE[c.getValue()].label}</Badge>
        {c.row.original.attempts > 0 && c.getValue() === "retrying" && <p className="text-xs text-slate-600">next try {formatDateTime(c.row.original.nextAttemptAt)}</p>}
      </div>
    ),
  }),
  col.accessor("eventTypes", { header: "Events", enableSorting: false, cell: (c) => (c.getValue().length ? <span className="text-xs">{c.getValue().join(", ")}</span> : "All") }),
  col.accessor("format", { header: "Format", enableSorting: false, cell: (c) => (c.getValue() === "ocsf" ? "OCSF" : "Warrant") }),
  col.accessor("cursorSeq", { header: "Delivered up to", enableSorting: false, cell: (c) => <span className="tabular-nums">seq {c.getValue()}</span> }),
  col.accessor("lag", { header: "Behind", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue()} events</span> }),
  col.accessor("lastDeliveredAt", { header: "Last delivery", enableSorting: false, cell: (c) => (c.getValue() ? formatDateTime(c.getValue()!) : dash) }),
];

/** A secret Warrant generated, shown once (after creation or a rotation). `note` says what happens to the old one. */
export function RevealedSecret({ name, secret, note, onClose }: { name: string; secret: string; note?: string; onClose: () => void }) {
  return (
    <div role="status" className="mb-6 rounded-md border border-amber-300 bg-amber-50 p-4">
      <h2 className="font-semibold text-slate-900">Signing secret for {name}: copy it now</h2>
      <p className="mt-1 text-sm text-slate-700">
        It is shown once. The receiver checks each POST with it: HMAC-SHA256 over <code>timestamp.body</code> (see docs/events.md).
      </p>
      {note && <p className="mt-1 text-sm font-medium text-slate-800">{note}</p>}
      <label className="mt-3 block text-sm font-medium text-slate-800" htmlFor="webhook-new-secret">
        Secret
      </label>
      <input id="webhook-new-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900" />
      <div className="mt-3 flex gap-2">
        <Button variant="secondary" onClick={() => navigator.clipboard?.writeText(secret).then(() => notify.success("Secret copied."))}>
          Copy
        </Button>
        <Button variant="ghost" onClick={onClose}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

function CreateWebhook({ onSecret }: { onSecret: (name: string, secret: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.webhooks.create.mutationOptions());
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [types, setTypes] = useState("");
  const [format, setFormat] = useState<"warrant" | "ocsf">("warrant");
  const [secretRef, setSecretRef] = useState("");
  const [startAt, setStartAt] = useState<"head" | "start">("head");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const eventTypes = types.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const parsed = ZCreateWebhookInput.safeParse({ name, url, eventTypes, format, secretRef: secretRef.trim() || undefined, startAt });
    if (!parsed.success) {
      const errs: Record<string, string> = {};
      for (const i of parsed.error.issues) errs[String(i.path[0])] ??= i.message;
      setErrors(errs);
      return;
    }
    setErrors({});
    try {
      const out = await create.mutateAsync(parsed.data);
      if (out.secret) onSecret(out.name, out.secret);
      notify.success("Webhook subscription created.", out.secret ? "Copy its signing secret now: it is shown once." : undefined);
      setName("");
      setUrl("");
      setTypes("");
      setSecretRef("");
      router.refresh();
    } catch (err) {
      setErrors({ form: readFormError(err).message });
    }
  }

  return (
    <Card title="Subscribe a receiver" className="mb-6">
      <form onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate>
        <SubscriptionFields name={[name, setName]} url={[url, setUrl]} types={[types, setTypes]} format={[format, setFormat]} errors={errors} />
        <Field label="Signing secret reference (optional)" hint="env:WARRANT_CONNECTOR_<NAME> or file:<name>. Leave blank and Warrant generates a secret, shown once." error={errors.secretRef}>
          {(p) => <Input {...p} name="secretRef" value={secretRef} maxLength={200} onChange={(e) => setSecretRef(e.target.value)} />}
        </Field>
        <Field label="Start with" error={errors.startAt}>
          {(p) => (
            <Select {...p} name="startAt" value={startAt} onChange={(e) => setStartAt(e.target.value as "head" | "start")}>
              <option value="head">New events only</option>
              <option value="start">The whole ledger, from seq 1</option>
            </Select>
          )}
        </Field>
        {errors.form && <p className="text-sm text-red-700 md:col-span-2">{errors.form}</p>}
        <div className="md:col-span-2">
          <Button type="submit" disabled={create.isPending}>
            Create subscription
          </Button>
        </div>
      </form>
    </Card>
  );
}

type FieldState<T> = [T, (v: T) => void];

/** The fields a subscription is created and edited with: name, receiver URL, event types, format. */
export function SubscriptionFields(o: { name: FieldState<string>; url: FieldState<string>; types: FieldState<string>; format: FieldState<"warrant" | "ocsf">; errors: Record<string, string | undefined> }) {
  const { errors } = o;
  return (
    <>
      <Field label="Name" hint='e.g. "Splunk HEC" or "GRC evidence store".' error={errors.name}>
        {(p) => <Input {...p} name="name" value={o.name[0]} maxLength={100} onChange={(e) => o.name[1](e.target.value)} />}
      </Field>
      <Field label="Receiver URL" hint="https://… (plain http:// only to 127.0.0.1 or localhost). Redirects are refused." error={errors.url}>
        {(p) => <Input {...p} name="url" type="url" value={o.url[0]} maxLength={500} onChange={(e) => o.url[1](e.target.value)} />}
      </Field>
      <Field label="Event types" hint='Blank for every event; else actions or families separated by commas, e.g. "grant.*, request.approved".' error={errors.eventTypes}>
        {(p) => <Input {...p} name="eventTypes" value={o.types[0]} onChange={(e) => o.types[1](e.target.value)} />}
      </Field>
      <Field label="Format" hint="OCSF keeps the original event, its seq and hash under unmapped." error={errors.format}>
        {(p) => (
          <Select {...p} name="format" value={o.format[0]} onChange={(e) => o.format[1](e.target.value as "warrant" | "ocsf")}>
            <option value="warrant">Warrant ledger events</option>
            <option value="ocsf">OCSF 1.3</option>
          </Select>
        )}
      </Field>
    </>
  );
}

export function Webhooks({ rows, head, canManage }: { rows: WebhookView[]; head: string; canManage: boolean }) {
  const [revealed, setRevealed] = useState<{ name: string; secret: string } | null>(null);
  return (
    <>
      {revealed && <RevealedSecret {...revealed} onClose={() => setRevealed(null)} />}
      {canManage && <CreateWebhook onSecret={(name, secret) => setRevealed({ name, secret })} />}
      <p className="mb-3 text-sm text-slate-700">
        The ledger is at seq <span className="tabular-nums">{head}</span>. Each subscription is delivered in seq order, at least once, from its own cursor.
      </p>
      <DataTable
        label="Webhook subscriptions"
        columns={columns}
        rows={rows}
        total={rows.length}
        page={1}
        size={Math.max(rows.length, 1)}
        rowHref={(r) => `/admin/webhooks/${r.id}`}
        openLabel="Open subscription"
        emptyMessage="No webhook subscriptions yet."
      />
    </>
  );
}
