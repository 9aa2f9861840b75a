"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { RiskBadge } from "@/components/ui/badge";
import type { Page } from "@/server/domain/list";
import type { SystemRow } from "@/server/domain/catalog/queries";
import { CONNECTOR_KINDS, CONNECTOR_LABEL, RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";

const col = createColumnHelper<SystemRow>();

const columns = [
  col.accessor("name", {
    id: "name",
    header: "System",
    cell: (c) => c.getValue(),
  }),
  col.accessor("ownerName", { id: "owner", header: "Owner" }),
  col.accessor("criticality", { id: "criticality", header: "Criticality", cell: (c) => <RiskBadge risk={c.getValue()} /> }),
  col.accessor("connector", { id: "connector", header: "Connector", cell: (c) => CONNECTOR_LABEL[c.getValue()] }),
  col.accessor("entitlementCount", { id: "entitlements", header: "Entitlements", cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
  col.accessor("activeGrantCount", { id: "activeGrants", header: "Active grants", cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
];

/** The systems table of /catalog: server-paged, URL state (q, criticality, connector, sort, dir, page, size). */
export function SystemsTable({ page, sort, dir }: { page: Page<SystemRow>; sort?: string; dir: "asc" | "desc" }) {
  return (
    <DataTable
      label="Systems"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort ?? "name"}
      dir={dir}
      searchPlaceholder="Search systems by name, description or owner…"
      filters={[
        { key: "criticality", label: "Criticality", options: RISK_LEVELS.map((r) => ({ value: r, label: RISK_LABEL[r] })) },
        { key: "connector", label: "Connector", options: CONNECTOR_KINDS.map((k) => ({ value: k, label: CONNECTOR_LABEL[k] })) },
      ]}
      emptyMessage="No systems match these filters."
      rowHref={(row) => `/catalog/systems/${row.id}`}
    />
  );
}
