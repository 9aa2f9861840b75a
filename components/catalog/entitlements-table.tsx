"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable, type FilterDef } from "@/components/data-table/data-table";
import { Badge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { holdingLabel } from "./my-access";
import type { Page } from "@/server/domain/list";
import type { EntitlementRow } from "@/server/domain/catalog/queries";
import { RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";

const col = createColumnHelper<EntitlementRow>();

const nameColumn = col.accessor("name", { id: "name", header: "Entitlement", cell: (c) => c.getValue() });
const mineColumn = col.display({
  id: "mine",
  header: "Your access",
  cell: (c) => {
    const l = holdingLabel(c.row.original.mine);
    return l ? <Badge tone={l.tone}>{l.text.replace(/^You hold it/, "Held")}</Badge> : <span className="text-slate-400">—</span>;
  },
});
const systemColumn = col.accessor("systemName", { id: "system", header: "System" });
const otherColumns = [
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
  col.accessor((r) => r.owner.name, { id: "owner", header: "Owner", enableSorting: false }),
  col.accessor("maxDurationDays", {
    id: "maxDurationDays",
    header: "Max duration",
    cell: (c) => <span className="tabular-nums">{c.getValue()} days</span>,
  }),
  col.accessor("requestable", {
    id: "requestable",
    header: "Requestable",
    enableSorting: false,
    cell: (c) => (c.getValue() ? "Yes" : <span className="text-slate-500">No</span>),
  }),
  col.accessor("activeHolderCount", { id: "holders", header: "Holders", cell: (c) => <span className="tabular-nums">{c.getValue()}</span> }),
];

const flagOptions = [
  { value: "true", label: "Yes" },
  { value: "false", label: "No" },
];

/**
 * An entitlements table, server-paged with URL state. On /catalog/entitlements it spans systems (system
 * column and filter); on a system's page `systemId` is fixed by the page and the system column is hidden.
 */
export function EntitlementsTable({
  page,
  sort,
  dir,
  systems,
  withinSystem = false,
}: {
  page: Page<EntitlementRow>;
  sort?: string;
  dir: "asc" | "desc";
  /** Systems for the system filter (omit on a system's own page). */
  systems?: { id: string; name: string }[];
  withinSystem?: boolean;
}) {
  const filters: FilterDef[] = [];
  if (systems) filters.push({ key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) });
  filters.push(
    { key: "risk", label: "Risk", options: RISK_LEVELS.map((r) => ({ value: r, label: RISK_LABEL[r] })) },
    { key: "privileged", label: "Privileged", options: flagOptions },
    { key: "requestable", label: "Requestable", options: flagOptions },
  );
  return (
    <DataTable
      label="Entitlements"
      columns={withinSystem ? [nameColumn, mineColumn, ...otherColumns] : [nameColumn, systemColumn, mineColumn, ...otherColumns]}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort ?? "name"}
      dir={dir}
      searchPlaceholder={withinSystem ? "Search this system's entitlements…" : "Search entitlements by name, description, system or group…"}
      filters={filters}
      emptyMessage="No entitlements match these filters."
      rowHref={(row) => `/catalog/entitlements/${row.id}`}
    />
  );
}
