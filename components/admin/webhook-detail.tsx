"use client";
/**
 * One webhook subscription (/admin/webhooks/<id>): its state and cursor, enable/disable, replay from a seq,
 * rotate the secret, change the settings, delete (webhook-maintenance.tsx), the latest delivery attempts and
 * the dead letters, each open one with Replay or Skip. Admins and security act; auditors read. A deleted
 * subscription is shown read-only, as evidence. Every action is recorded in the evidence ledger.
 */
import { createContext, useContext, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC } from "@/components/trpc/client";
import { DataTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, DetailList, NoticeBanner } from "@/components/ui/card";
import { Field, Input } from "@/components/ui/form";
import { formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { readFormError } from "@/components/catalog/form-errors";
import type { WebhookView } from "@/server/domain/webhooks/schema";
import { RevealedSecret, WEBHOOK_STATE } from "./webhooks";
import { DeleteWebhookButton, EditWebhook, overlapNote, RotateSecretButton, type Rotated } from "./webhook-maintenance";

type AttemptView = { id: string; at: Date; fromSeq: string; toSeq: string; events: number; httpStatus: number | null; ok: boolean; error: string | null; durationMs: number };
type DeadLetterView = { id: string; createdAt: Date; fromSeq: string; toSeq: string; events: number; attempts: number; lastError: string; status: "OPEN" | "REPLAYED" | "SKIPPED"; resolvedAt: Date | null };

const Ctx = createContext<{ canManage: boolean }>({ canManage: false });

const attemptCol = createColumnHelper<AttemptView>();
const attemptColumns = [
  attemptCol.accessor("at", { header: "When", enableSorting: false, meta: { card: "title" }, cell: (c) => formatDateTime(c.getValue()) }),
  attemptCol.accessor("ok", { header: "Outcome", enableSorting: false, meta: { card: "subtitle" }, cell: (c) => <Badge tone={c.getValue() ? "green" : "red"}>{c.getValue() ? "Delivered" : "Failed"}</Badge> }),
  attemptCol.accessor((r) => `${r.fromSeq}–${r.toSeq}`, { id: "range", header: "Seqs", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
  attemptCol.accessor("events", { header: "Events", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
  attemptCol.accessor("httpStatus", { header: "HTTP", enableSorting: false, cell: (c) => c.getValue() ?? "no answer" }),
  attemptCol.accessor("durationMs", { header: "Took", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue()} ms</span> }),
  attemptCol.accessor("error", { header: "Error", enableSorting: false, cell: (c) => (c.getValue() ? <span className="text-xs [overflow-wrap:anywhere]">{c.getValue()}</span> : "—") }),
];

function DeadLetterActions({ row }: { row: DeadLetterView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { canManage } = useContext(Ctx);
  const replay = useMutation(trpc.webhooks.replayDeadLetter.mutationOptions());
  const skip = useMutation(trpc.webhooks.skipDeadLetter.mutationOptions());
  if (!canManage || row.status !== "OPEN") return null;
  const run = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      notify.success(done);
      router.refresh();
    } catch (e) {
      notify.error(e);
    }
  };
  return (
    <div className="flex flex-wrap gap-2">
      <Button className="px-2 py-1 text-xs" disabled={replay.isPending} onClick={() => run(() => replay.mutateAsync({ deadLetterId: row.id }), "Dead letter replayed: delivery resumes from it.")}>
        Replay
      </Button>
      <Button variant="danger" className="px-2 py-1 text-xs" disabled={skip.isPending} onClick={() => run(() => skip.mutateAsync({ deadLetterId: row.id }), "Dead letter skipped: delivery resumes after it.")}>
        Skip
      </Button>
    </div>
  );
}

const DL_TONE = { OPEN: "red", REPLAYED: "green", SKIPPED: "amber" } as const;
const dlCol = createColumnHelper<DeadLetterView>();
const deadLetterColumns = [
  dlCol.accessor("createdAt", { header: "Since", enableSorting: false, meta: { card: "title" }, cell: (c) => formatDateTime(c.getValue()) }),
  dlCol.accessor("status", { header: "Status", enableSorting: false, meta: { card: "subtitle" }, cell: (c) => <Badge tone={DL_TONE[c.getValue()]}>{c.getValue() === "OPEN" ? "Open" : c.getValue() === "REPLAYED" ? "Replayed" : "Skipped"}</Badge> }),
  dlCol.accessor((r) => `${r.fromSeq}–${r.toSeq}`, { id: "range", header: "Seqs", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
  dlCol.accessor("events", { header: "Events", enableSorting: false }),
  dlCol.accessor("attempts", { header: "Attempts", enableSorting: false }),
  dlCol.accessor("lastError", { header: "Last error", enableSorting: false, cell: (c) => <span className="text-xs [overflow-wrap:anywhere]">{c.getValue()}</span> }),
  dlCol.display({ id: "actions", header: "Action", meta: { card: "action" }, cell: (c) => <DeadLetterActions row={c.row.original} /> }),
];

function Controls({ sub, onRotated }: { sub: WebhookView; onRotated: (r: Rotated) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toggle = useMutation(trpc.webhooks.setEnabled.mutationOptions());
  const replay = useMutation(trpc.webhooks.replayFrom.mutationOptions());
  const [fromSeq, setFromSeq] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function onReplay(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await replay.mutateAsync({ id: sub.id, fromSeq: fromSeq.trim() });
      notify.success(`Delivery restarts at seq ${fromSeq.trim()}.`);
      setFromSeq("");
      router.refresh();
    } catch (err) {
      setError(readFormError(err).message);
    }
  }
  return (
    <Card title="Actions" className="mb-6">
      <div className="flex flex-wrap items-end gap-6">
        <Button
          variant={sub.enabled ? "secondary" : "primary"}
          disabled={toggle.isPending}
          onClick={async () => {
            try {
              await toggle.mutateAsync({ id: sub.id, enabled: !sub.enabled });
              notify.success(sub.enabled ? "Subscription disabled." : "Subscription enabled.");
              router.refresh();
            } catch (e) {
              notify.error(e);
            }
          }}
        >
          {sub.enabled ? "Disable" : "Enable"}
        </Button>
        <form onSubmit={onReplay} className="flex flex-wrap items-end gap-2" noValidate>
          <Field label="Replay from seq" hint="Events from this seq on are sent again, in order." error={error}>
            {(p) => <Input {...p} name="fromSeq" inputMode="numeric" value={fromSeq} onChange={(e) => setFromSeq(e.target.value)} className="w-40" />}
          </Field>
          <Button type="submit" variant="secondary" disabled={replay.isPending || !fromSeq.trim()}>
            Replay
          </Button>
        </form>
        <RotateSecretButton sub={sub} onRotated={onRotated} />
        <DeleteWebhookButton sub={sub} />
      </div>
    </Card>
  );
}

export function WebhookDetail({ sub, head, attempts, deadLetters, canManage: mayManage }: { sub: WebhookView; head: string; attempts: AttemptView[]; deadLetters: DeadLetterView[]; canManage: boolean }) {
  const [rotated, setRotated] = useState<Rotated | null>(null);
  // A deleted subscription is evidence only: nothing on it can be changed.
  const canManage = mayManage && !sub.deletedAt;
  return (
    <Ctx.Provider value={{ canManage }}>
      {rotated && <RevealedSecret name={sub.name} secret={rotated.secret} note={overlapNote(rotated)} onClose={() => setRotated(null)} />}
      {sub.deletedAt && (
        <div className="mb-6">
          <NoticeBanner>Deleted on {formatDateTime(sub.deletedAt)}: nothing is delivered to it again. Its attempts and dead letters are kept below as evidence.</NoticeBanner>
        </div>
      )}
      <Card title="Subscription" className="mb-6">
        <DetailList
          items={[
            { label: "State", value: <Badge tone={WEBHOOK_STATE[sub.state].tone}>{WEBHOOK_STATE[sub.state].label}</Badge> },
            { label: "Receiver", value: <span className="[overflow-wrap:anywhere]">{sub.url}</span> },
            { label: "Event types", value: sub.eventTypes.length ? sub.eventTypes.join(", ") : "All" },
            { label: "Format", value: sub.format === "ocsf" ? "OCSF 1.3" : "Warrant ledger events" },
            { label: "Signing secret", value: sub.secret },
            ...(sub.secretRotatedAt ? [{ label: "Secret rotated", value: formatDateTime(sub.secretRotatedAt) }] : []),
            ...(sub.previousSecretUntil ? [{ label: "Previous secret", value: `still signs, next to the new one, until ${formatDateTime(sub.previousSecretUntil)}` }] : []),
            { label: "Delivered up to", value: sub.deletedAt ? `seq ${sub.cursorSeq} (delivery ended)` : `seq ${sub.cursorSeq} of ${head} (${sub.lag} behind)` },
            { label: "Failed attempts of the current batch", value: sub.attempts ? `${sub.attempts}, next try ${formatDateTime(sub.nextAttemptAt)}` : "none" },
            { label: "Last error", value: sub.lastError ?? "none" },
            { label: "Last delivery", value: sub.lastDeliveredAt ? formatDateTime(sub.lastDeliveredAt) : "never" },
          ]}
        />
      </Card>
      {canManage && <Controls sub={sub} onRotated={setRotated} />}
      {canManage && <EditWebhook key={`${sub.name}|${sub.url}|${sub.eventTypes.join(",")}|${sub.format}`} sub={sub} />}
      <h2 className="mb-2 text-lg font-semibold text-slate-900">Dead letters</h2>
      <p className="mb-3 text-sm text-slate-700">A batch that failed every attempt pauses the subscription until it is replayed (sent again) or skipped (not sent; recorded in the ledger).</p>
      <div className="mb-8">
        <DataTable label="Dead letters" columns={deadLetterColumns} rows={deadLetters} total={deadLetters.length} page={1} size={Math.max(deadLetters.length, 1)} emptyMessage="No dead letters." />
      </div>
      <h2 className="mb-2 text-lg font-semibold text-slate-900">Recent attempts</h2>
      <DataTable label="Recent delivery attempts" columns={attemptColumns} rows={attempts} total={attempts.length} page={1} size={Math.max(attempts.length, 1)} emptyMessage="Nothing delivered yet." />
    </Ctx.Provider>
  );
}
