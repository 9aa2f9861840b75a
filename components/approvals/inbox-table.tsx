"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import type { Page } from "@/server/domain/list";
import type { InboxRow } from "@/server/domain/approvals/queries";
import { APPROVAL_KIND_LABEL, APPROVAL_KINDS } from "@/server/domain/approvals/schema";
import { RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";
import { formatHours, kindLabel } from "@/components/requests/badges";

const col = createColumnHelper<InboxRow>();
const columns = [
  col.accessor((r) => r.entitlement.name, {
    id: "entitlement",
    header: "Entitlement",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        {c.getValue()}
        <span className="font-normal text-slate-500">{c.row.original.system.name}</span>
      </span>
    ),
  }),
  col.accessor((r) => r.entitlement.risk, {
    id: "risk",
    header: "Risk",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        <RiskBadge risk={c.getValue()} />
        {c.row.original.entitlement.privileged && <PrivilegedBadge />}
      </span>
    ),
  }),
  col.accessor((r) => r.requester.name, {
    id: "requester",
    header: "Requested by / for",
    cell: (c) => {
      const r = c.row.original;
      return (
        <span className="inline-flex items-center gap-1.5">
          {r.requester.name}
          {r.beneficiary.id !== r.requester.id && (
            <>
              <span className="text-slate-400">for</span> {r.beneficiary.name} {r.beneficiary.kind !== "HUMAN" && <KindBadge kind={r.beneficiary.kind} />}
            </>
          )}
        </span>
      );
    },
  }),
  col.accessor("kind", {
    id: "kind",
    header: "Stage",
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <span className="inline-flex items-center gap-1.5">
          {kindLabel(r.kind)} ({r.position}/{r.stageCount})
          {r.escalated && <Badge tone="amber">Escalated</Badge>}
          {r.onBehalfOf && <Badge tone="violet">for {r.onBehalfOf.map((p) => p.name).join(", ")}</Badge>}
        </span>
      );
    },
  }),
  col.accessor("durationHours", { id: "duration", header: "Duration", enableSorting: false, cell: (c) => formatHours(c.getValue()) }),
  col.accessor("openedAt", { id: "openedAt", header: "Waiting since", cell: (c) => formatDateTime(c.getValue()) }),
  col.accessor("deadlineAt", { id: "deadlineAt", header: "Expires", cell: (c) => formatDateTime(c.getValue()) }),
];

/** Open stages the viewer can decide (themselves or as a delegate). A row opens the request to decide it. */
export function InboxTable({ page, sort, dir, systems }: { page: Page<InboxRow>; sort?: string; dir: "asc" | "desc"; systems: { id: string; name: string }[] }) {
  return (
    <DataTable
      label="Approvals waiting for you"
      columns={columns}
      rows={page.rows}
      total={page.total}
      totalCapped={page.totalCapped}
      page={page.page}
      size={page.size}
      sort={sort ?? "openedAt"}
      dir={dir}
      searchPlaceholder="Search by entitlement, system, person or justification…"
      filters={[
        { key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) },
        { key: "risk", label: "Risk", options: RISK_LEVELS.map((r) => ({ value: r, label: RISK_LABEL[r] })) },
        { key: "kind", label: "Stage", options: APPROVAL_KINDS.map((k) => ({ value: k, label: APPROVAL_KIND_LABEL[k] })) },
      ]}
      emptyMessage="Nothing is waiting for your decision."
      rowHref={(r) => `/requests/${r.requestId}`}
    />
  );
}
