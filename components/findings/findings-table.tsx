"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { useTRPC } from "@/components/trpc/client";
import { ReasonAction } from "@/components/grants/reason-action";
import type { Page } from "@/server/domain/list";
import type { FindingRow } from "@/server/domain/findings/queries";
import { FINDING_KIND_LABEL, FINDING_KINDS, FINDING_STATUS_LABEL, FINDING_STATUSES, type FindingKind } from "@/server/domain/findings/schema";

const col = createColumnHelper<FindingRow>();

const kindLabel = (k: string) => FINDING_KIND_LABEL[k as FindingKind] ?? k;

/** A one-line summary of what the finding records (its details), for the table. */
function summary(r: FindingRow): string | null {
  const d = r.details;
  const s = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : null);
  if (r.kind === "NHI_OWNER_LEFT") return s("formerOwner") ? `Owner ${s("formerOwner")} left${s("reason") ? `: ${s("reason")}` : ""}` : null;
  if (r.kind === "PROVISIONING_FAILED") return s("error") ? `${s("action") === "REVOKE" ? "Removing" : "Granting"} failed: ${s("error")}` : null;
  if (r.kind === "BREAK_GLASS_REVIEW_LATE") return "The post-incident review by security is overdue.";
  if (r.kind === "CONNECTOR_TARGET_CHANGED") return targetSummary(d);
  return null;
}

/** "By Grace Kim: url https://a → https://b; secretRef env:X → env:Y" (references, never secret values). */
function targetSummary(d: Record<string, unknown>): string | null {
  const obj = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, unknown>) : null);
  const before = obj(d.before);
  const after = obj(d.after);
  const changed = Array.isArray(d.changed) ? d.changed.filter((k): k is string => typeof k === "string") : [];
  if (!after) return null;
  const show = (v: unknown) => (v === null || v === undefined ? "(none)" : String(v));
  const parts = changed.map((k) => (before ? `${k} ${show(before[k])} → ${show(after[k])}` : `${k} ${show(after[k])}`));
  const by = typeof d.changedBy === "string" ? `By ${d.changedBy}${before ? "" : " (new system)"}: ` : "";
  return `${by}${parts.join("; ")}`;
}

function ResolveAction({ row }: { row: FindingRow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const resolve = useMutation(trpc.findings.resolve.mutationOptions());
  return (
    <ReasonAction
      trigger="Resolve…"
      label="What was done?"
      hint="Kept with the finding and in the evidence ledger. 5 to 1000 characters."
      submits={[{ label: "Resolve", run: (note) => resolve.mutateAsync({ id: row.id, note }), done: "Finding resolved." }]}
      onDone={() => router.refresh()}
    />
  );
}

const columns = [
  col.accessor("kind", {
    header: "Kind",
    cell: (c) => <Badge tone={c.getValue() === "PROVISIONING_FAILED" || c.getValue() === "CONNECTOR_TARGET_CHANGED" ? "red" : "amber"}>{kindLabel(c.getValue())}</Badge>,
  }),
  col.display({
    id: "subject",
    header: "Subject",
    cell: (c) => {
      const r = c.row.original;
      const text = summary(r);
      return (
        <div className="min-w-56 max-w-md">
          {r.subject.href ? (
            <Link href={r.subject.href} className="font-medium text-brand-700 hover:underline">
              {r.subject.label}
            </Link>
          ) : (
            <span className="font-medium text-slate-900">{r.subject.label}</span>
          )}
          {text && <p className="break-words text-xs text-slate-600">{text}</p>}
        </div>
      );
    },
  }),
  col.accessor("status", {
    header: "Status",
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="space-y-1">
          <Badge tone={r.status === "OPEN" ? "orange" : "green"}>{FINDING_STATUS_LABEL[r.status]}</Badge>
          {r.status === "RESOLVED" && (
            <p className="max-w-72 text-xs text-slate-600">
              {r.resolvedBy ? `By ${r.resolvedBy.name}` : "Resolved"}
              {r.resolutionNote ? `: ${r.resolutionNote}` : ""}
            </p>
          )}
        </div>
      );
    },
  }),
  col.accessor((r) => r.assignee?.name ?? "", { id: "assignee", header: "Assigned to", enableSorting: false, cell: (c) => c.getValue() || <span className="text-slate-400">—</span> }),
  col.accessor("createdAt", { header: "Opened", cell: (c) => formatDateTime(c.getValue()) }),
  col.accessor("resolvedAt", { header: "Resolved", cell: (c) => (c.getValue() ? formatDateTime(c.getValue()) : <span className="text-slate-400">—</span>) }),
  col.display({
    id: "actions",
    header: "Action",
    cell: (c) => (c.row.original.canResolve ? <ResolveAction row={c.row.original} /> : null),
  }),
];

/** Findings (exceptions that need a person), filterable by kind and status; resolve with a note. */
export function FindingsTable({ page, sort, dir }: { page: Page<FindingRow>; sort?: string; dir: "asc" | "desc" }) {
  return (
    <DataTable
      label="Findings"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort}
      dir={dir}
      searchPlaceholder="Search by identity, entitlement, system or incident…"
      filters={[
        { key: "kind", label: "Kind", options: FINDING_KINDS.map((k) => ({ value: k, label: FINDING_KIND_LABEL[k] })) },
        { key: "status", label: "Status", options: FINDING_STATUSES.map((s) => ({ value: s, label: FINDING_STATUS_LABEL[s] })) },
      ]}
      emptyMessage="No findings match these filters."
    />
  );
}
