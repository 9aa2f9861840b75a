"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import type { Page } from "@/server/domain/list";
import type { MyRequestRow } from "@/server/domain/requests/queries";
import { REQUEST_STATUS_LABEL, REQUEST_STATUSES } from "@/server/domain/requests/schema";
import { formatHours, kindLabel, RequestStatusBadge } from "./badges";

const col = createColumnHelper<MyRequestRow>();
const columns = [
  col.accessor((r) => r.entitlement.name, {
    id: "entitlement",
    header: "Entitlement",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        {c.getValue()}
        {c.row.original.emergency && <Badge tone="red">Emergency</Badge>}
      </span>
    ),
  }),
  col.accessor((r) => r.system.name, { id: "system", header: "System" }),
  col.accessor((r) => r.entitlement.risk, {
    id: "risk",
    header: "Risk",
    enableSorting: false,
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        <RiskBadge risk={c.getValue()} />
        {c.row.original.entitlement.privileged && <PrivilegedBadge />}
      </span>
    ),
  }),
  col.accessor((r) => r.beneficiary.name, {
    id: "beneficiary",
    header: "For",
    enableSorting: false,
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        {c.getValue()}
        {c.row.original.beneficiary.kind !== "HUMAN" && <KindBadge kind={c.row.original.beneficiary.kind} />}
      </span>
    ),
  }),
  col.accessor("status", {
    id: "status",
    header: "Status",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        <RequestStatusBadge status={c.getValue()} />
        {c.row.original.openStage && (
          <span className="text-xs text-slate-500">
            {kindLabel(c.row.original.openStage.kind)} ({c.row.original.openStage.position}/{c.row.original.openStage.of})
          </span>
        )}
      </span>
    ),
  }),
  col.accessor("durationHours", { id: "duration", header: "Duration", enableSorting: false, cell: (c) => formatHours(c.getValue()) }),
  col.accessor("createdAt", { id: "createdAt", header: "Submitted", cell: (c) => formatDateTime(c.getValue()) }),
];

export function MyRequestsTable({ page, sort, dir }: { page: Page<MyRequestRow>; sort?: string; dir: "asc" | "desc" }) {
  return (
    <DataTable
      label="My requests"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort ?? "createdAt"}
      dir={dir}
      searchPlaceholder="Search by entitlement, system, identity or justification…"
      filters={[{ key: "status", label: "Status", options: REQUEST_STATUSES.map((s) => ({ value: s, label: REQUEST_STATUS_LABEL[s] })) }]}
      emptyMessage="No requests match these filters."
      rowHref={(r) => `/requests/${r.id}`}
    />
  );
}
