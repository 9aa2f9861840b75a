"use client";
/**
 * The "Reconciliation" section of a system's page: the last runs with their counts, "Reconcile now" (with
 * the access export for a manual system), and the findings with their actions (adopt, revoke, re-provision,
 * accept). The server decides who may do what; the buttons shown follow its `actions` hint.
 */
import Link from "next/link";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, DetailList } from "@/components/ui/card";
import { Checkbox, Field, Input } from "@/components/ui/form";
import { formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { useTRPC } from "@/components/trpc/client";
import { readFormError } from "@/components/catalog/form-errors";
import { ReasonAction } from "@/components/grants/reason-action";
import type { ReconFindingRow, ReconRunRow } from "@/server/domain/reconciliation/queries";
import { ACCEPT_MAX_DAYS, ADOPT_MAX_DAYS, RECON_KIND_LABEL, RECON_KINDS, RECON_OUTCOME_LABEL, type ReconKind } from "@/server/domain/reconciliation/schema";

export type ReconciliationView = {
  system: { id: string; name: string; connector: string; reconcileEveryHours: number };
  canReconcile: boolean;
  canAct: boolean;
  needsUpload: boolean;
  firstRun: boolean;
  onboarding: { runId: string; at: Date; adopted: number } | null;
  runs: ReconRunRow[];
  open: Record<ReconKind, number>;
  findings: { rows: ReconFindingRow[]; total: number; page: number; pageSize: number };
};

const KIND_TONE: Record<ReconKind, Tone> = { UNMANAGED_ACCESS: "orange", MISSING_ACCESS: "amber", ORPHAN_ACCOUNT: "red" };
const col = createColumnHelper<ReconFindingRow>();

function DaysField({ label, max, value, onChange }: { label: string; max: number; value: number; onChange: (n: number) => void }) {
  return (
    <Field label={label} hint={`1 to ${max} days.`}>
      {(p) => <Input {...p} type="number" min={1} max={max} value={value} onChange={(e) => onChange(Number(e.target.value))} />}
    </Field>
  );
}

function FindingActions({ row }: { row: ReconFindingRow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const adopt = useMutation(trpc.reconciliation.adopt.mutationOptions());
  const revoke = useMutation(trpc.reconciliation.revoke.mutationOptions());
  const reprovision = useMutation(trpc.reconciliation.reprovision.mutationOptions());
  const accept = useMutation(trpc.reconciliation.accept.mutationOptions());
  const [adoptDays, setAdoptDays] = useState(90);
  const [acceptDays, setAcceptDays] = useState(30);
  const done = () => router.refresh();
  return (
    <div className="flex flex-wrap gap-2">
      {row.actions.includes("adopt") && (
        <ReasonAction
          trigger="Adopt…"
          label="Why is this access right?"
          hint="It becomes an imported grant (origin unverified): the next review decides it."
          submits={[{ label: "Adopt", run: (reason) => adopt.mutateAsync({ findingId: row.id, days: adoptDays, reason }), done: "Adopted as imported access." }]}
          onDone={done}
        >
          <DaysField label="Ends in (days)" max={ADOPT_MAX_DAYS} value={adoptDays} onChange={setAdoptDays} />
        </ReasonAction>
      )}
      {row.actions.includes("revoke") && (
        <ReasonAction
          trigger="Revoke…"
          triggerVariant="danger"
          label="Why remove it?"
          hint="The connector removes it; it counts as removed when the system's read-back confirms it."
          submits={[{ label: "Revoke", variant: "danger", run: (reason) => revoke.mutateAsync({ findingId: row.id, reason }), done: "Removal sent to the system." }]}
          onDone={done}
        />
      )}
      {row.actions.includes("reprovision") && (
        <ReasonAction
          trigger="Re-provision…"
          label="Why provision it again?"
          submits={[{ label: "Re-provision", run: (reason) => reprovision.mutateAsync({ findingId: row.id, reason }), done: "Provisioning sent again." }]}
          onDone={done}
        />
      )}
      {row.actions.includes("accept") && (
        <ReasonAction
          trigger="Accept…"
          triggerVariant="ghost"
          label="Why accept this difference?"
          hint="Reopened by the first run after the end date if it is still there."
          submits={[{ label: "Accept", run: (reason) => accept.mutateAsync({ findingId: row.id, days: acceptDays, reason }), done: "Accepted as an exception." }]}
          onDone={done}
        >
          <DaysField label="Accepted for (days)" max={ACCEPT_MAX_DAYS} value={acceptDays} onChange={setAcceptDays} />
        </ReasonAction>
      )}
    </div>
  );
}

function Outcome({ r }: { r: ReconFindingRow }) {
  if (r.status === "OPEN") return <Badge tone="orange">{r.reopenedAt ? "Reopened" : "Open"}</Badge>;
  const task = r.task;
  return (
    <div className="space-y-1">
      <Badge tone={r.outcome === "ACCEPTED" ? "slate" : "green"}>{r.outcome ? RECON_OUTCOME_LABEL[r.outcome] : "Resolved"}</Badge>
      {task && <p className="text-xs text-slate-600">{task.status === "DONE" ? (task.confirmed ? "Confirmed by the system's read-back" : "Done") : task.status === "FAILED" ? "The connector failed: see Tasks" : "Waiting for the connector"}</p>}
      {r.acceptedUntil && <p className="text-xs text-slate-600">Until {formatDateTime(r.acceptedUntil)}</p>}
      {r.reason && <p className="max-w-72 break-words text-xs text-slate-600">{r.reason}</p>}
    </div>
  );
}

const columns = [
  col.accessor("account", {
    header: "Account",
    enableSorting: false,
    meta: { card: "title" },
    cell: (c) => <span className="font-mono text-xs md:whitespace-nowrap max-md:break-all">{c.getValue()}</span>,
  }),
  col.accessor("kind", { header: "Kind", enableSorting: false, cell: (c) => <Badge tone={KIND_TONE[c.getValue()]}>{RECON_KIND_LABEL[c.getValue()]}</Badge> }),
  col.accessor("entitlement", { header: "Entitlement", enableSorting: false }),
  col.display({
    id: "identity",
    header: "Identity",
    meta: { label: "Identity" },
    cell: (c) => {
      const who = c.row.original.identity;
      if (!who) return <span className="text-slate-600">None in Warrant</span>;
      return (
        <span>
          <Link href={`/identities/${who.id}`} className="text-brand-700 hover:underline">
            {who.name}
          </Link>
          {who.status !== "ACTIVE" && <span className="ml-1 text-xs text-slate-600">({who.status.toLowerCase()})</span>}
        </span>
      );
    },
  }),
  col.accessor("createdAt", { header: "Found", enableSorting: false, cell: (c) => formatDateTime(c.getValue()) }),
  col.display({ id: "outcome", header: "Status", meta: { label: "Status" }, cell: (c) => <Outcome r={c.row.original} /> }),
  col.display({ id: "actions", header: "Action", cell: (c) => (c.row.original.actions.length ? <FindingActions row={c.row.original} /> : null) }),
];

/** Resolved findings offer no action: no empty action cell (or empty card footer on a phone). */
const resolvedColumns = columns.filter((c) => c.id !== "actions");

function ReconcileNow({ view }: { view: ReconciliationView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.reconciliation.reconcileNow.mutationOptions());
  const [file, setFile] = useState<File | null>(null);
  const [adoptExisting, setAdoptExisting] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    setError(null);
    try {
      const accessExport = view.needsUpload && file ? await file.text() : undefined;
      const res = await run.mutateAsync({ systemId: view.system.id, ...(accessExport !== undefined ? { accessExport } : {}), ...(view.firstRun ? { adoptExisting } : {}) });
      const c = res.counts;
      const adopted = res.onboarding ? ` Onboarding: ${c.adopted} existing memberships came in as imported grants.` : "";
      notify.success("Reconciled.", `${res.memberships} memberships read: ${c.UNMANAGED_ACCESS} unmanaged, ${c.MISSING_ACCESS} missing, ${c.ORPHAN_ACCOUNT} orphan; ${c.opened} new, ${c.resolved} resolved.${adopted}`);
      router.refresh();
    } catch (e) {
      setError(readFormError(e).message);
    }
  };
  return (
    <div className="space-y-2">
      {view.needsUpload && (
        <Field label="Access export (CSV: account,entitlement)" hint="Accounts are email addresses; entitlements their role or group name. At most 1 MB." error={error}>
          {(p) => <Input {...p} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
      )}
      {view.firstRun && (
        <Checkbox
          label="Adopt existing access (onboarding)"
          hint="First reconciliation: access of active people found in the system comes in as imported grants (origin unverified) for a first review. Untick to decide finding by finding."
          checked={adoptExisting}
          onChange={(e) => setAdoptExisting(e.target.checked)}
        />
      )}
      {!view.needsUpload && error && (
        <p role="alert" className="text-sm font-medium text-red-700">
          {error}
        </p>
      )}
      <Button onClick={go} disabled={run.isPending || (view.needsUpload && !file)}>
        {run.isPending ? "Reconciling…" : "Reconcile now"}
      </Button>
    </div>
  );
}

function runSummary(r: ReconRunRow): string {
  const c = r.counts;
  if (r.status === "FAILED") return r.error ?? "Failed";
  if (r.status === "RUNNING") return "Running…";
  return `${r.memberships} memberships: ${c.UNMANAGED_ACCESS ?? 0} unmanaged, ${c.MISSING_ACCESS ?? 0} missing, ${c.ORPHAN_ACCOUNT ?? 0} orphan (${c.opened ?? 0} new, ${c.resolved ?? 0} resolved${c.adopted ? `, ${c.adopted} adopted by onboarding` : ""})`;
}

export function ReconciliationSection({ view, showing }: { view: ReconciliationView; showing: "OPEN" | "RESOLVED" }) {
  const last = view.runs[0];
  const schedule = view.needsUpload ? "On upload of an access export" : view.system.reconcileEveryHours > 0 ? `Every ${view.system.reconcileEveryHours} hours, and on demand` : "On demand only";
  return (
    <section aria-labelledby="reconciliation-heading" className="space-y-3">
      <h2 id="reconciliation-heading" className="text-lg font-semibold text-slate-900">
        Reconciliation
      </h2>
      {view.onboarding && (
        <div role="status" className="rounded-md border border-brand-200 bg-brand-50 p-3 text-sm text-slate-800">
          Onboarding: {view.onboarding.adopted} existing {view.onboarding.adopted === 1 ? "membership" : "memberships"} came in as imported grants ({formatDateTime(view.onboarding.at)}) —{" "}
          <Link href={`/campaigns/new?system=${view.system.id}`} className="font-medium text-brand-700 hover:underline">
            launch a first review
          </Link>
          .
        </div>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Last run" className="lg:col-span-2">
          <DetailList
            items={[
              { label: "When", value: last ? `${formatDateTime(last.startedAt)} (${last.trigger === "SCHEDULED" ? "scheduled" : "on demand"})` : "Never" },
              { label: "Result", value: last ? <span className="break-words">{runSummary(last)}</span> : "—" },
              { label: "Target snapshot (SHA-256)", value: last?.snapshotSha256 ? <span className="break-all font-mono text-xs">{last.snapshotSha256}</span> : "—" },
              { label: "Schedule", value: schedule },
              ...RECON_KINDS.map((k) => ({ label: `Open: ${RECON_KIND_LABEL[k]}`, value: view.open[k] })),
            ]}
          />
        </Card>
        {view.canReconcile && (
          <Card title="Compare with the system">
            <p className="mb-3 text-sm text-slate-600">Reads who holds what in {view.system.name} and records what differs from Warrant.</p>
            <ReconcileNow view={view} />
          </Card>
        )}
      </div>
      <nav aria-label="Reconciliation findings" className="flex gap-3 text-sm">
        {(["OPEN", "RESOLVED"] as const).map((s) => (
          <Link key={s} href={`?recon=${s.toLowerCase()}#reconciliation-heading`} aria-current={showing === s ? "page" : undefined} className={showing === s ? "font-semibold text-slate-900" : "text-brand-700 hover:underline"}>
            {s === "OPEN" ? "Open findings" : "Resolved findings"}
          </Link>
        ))}
      </nav>
      <DataTable
        label={`${showing === "OPEN" ? "Open" : "Resolved"} reconciliation findings`}
        columns={showing === "OPEN" ? columns : resolvedColumns}
        rows={view.findings.rows}
        total={view.findings.rows.length}
        page={1}
        size={Math.max(view.findings.rows.length, 1)}
        emptyMessage={showing === "OPEN" ? "Nothing differs from Warrant (as of the last run)." : "No resolved findings yet."}
      />
      {view.findings.total > view.findings.rows.length && (
        <p className="text-sm text-slate-600">
          Showing the {view.findings.rows.length} newest of {view.findings.total}.
        </p>
      )}
    </section>
  );
}
