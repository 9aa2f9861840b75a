"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import type { Page } from "@/server/domain/list";
import type { EntitlementRow } from "@/server/domain/catalog/queries";
import { RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";

const col = createColumnHelper<EntitlementRow>();
const columns = [
  col.accessor("name", { id: "name", header: "Entitlement" }),
  col.accessor("systemName", { id: "system", header: "System" }),
  col.accessor("risk", {
    id: "risk",
    header: "Risk",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        <RiskBadge risk={c.getValue()} />
        {c.row.original.privileged && <PrivilegedBadge />}
      </span>
    ),
  }),
  col.accessor("description", { id: "description", header: "What it gives", enableSorting: false, cell: (c) => <span className="block max-w-md truncate text-slate-600">{c.getValue()}</span> }),
  col.accessor("maxDurationDays", { id: "maxDurationDays", header: "Max duration", cell: (c) => <span className="tabular-nums">{c.getValue()} days</span> }),
];

/** Requestable entitlements to pick from (server-paged, URL state); a row opens the request form. */
export function RequestableTable({ page, sort, dir, systems }: { page: Page<EntitlementRow>; sort?: string; dir: "asc" | "desc"; systems: { id: string; name: string }[] }) {
  return (
    <DataTable
      label="Requestable entitlements"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort ?? "name"}
      dir={dir}
      searchPlaceholder="Search by entitlement, description or system…"
      filters={[
        { key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) },
        { key: "risk", label: "Risk", options: RISK_LEVELS.map((r) => ({ value: r, label: RISK_LABEL[r] })) },
      ]}
      emptyMessage="No requestable entitlements match these filters."
      rowHref={(row) => `/requests/new?entitlementId=${row.id}`}
    />
  );
}
