"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import type { AuditGrantRow } from "@/server/domain/audit/grant-search";
import { GRANT_ORIGINS, GRANT_ORIGIN_LABEL, GRANT_STATUSES, GRANT_STATUS_LABEL } from "@/server/domain/audit/schema";
import type { Page } from "@/server/domain/list";
import { GrantStatusBadge } from "./badges";

const col = createColumnHelper<AuditGrantRow>();

const columns = [
  col.accessor("holder", {
    id: "holder",
    header: "Holder",
    cell: (c) => (
      <div>
        <div className="font-medium text-slate-900">{c.getValue()}</div>
        <div className="flex items-center gap-1 text-xs text-slate-500">
          <KindBadge kind={c.row.original.holderKind} /> {c.row.original.holderEmail}
        </div>
      </div>
    ),
  }),
  col.accessor("entitlement", {
    id: "entitlement",
    header: "Entitlement",
    cell: (c) => (
      <div>
        <div>{c.getValue()}</div>
        <div className="text-xs text-slate-500">{c.row.original.system}</div>
      </div>
    ),
  }),
  col.accessor("origin", {
    header: "Origin",
    enableSorting: false,
    cell: (c) => (c.getValue() === "IMPORTED" ? <Badge tone="amber">Origin unverified</Badge> : <Badge tone={c.getValue() === "BREAK_GLASS" ? "red" : "blue"}>{GRANT_ORIGIN_LABEL[c.getValue() as "REQUEST"]}</Badge>),
  }),
  col.accessor("status", { id: "status", header: "Status", cell: (c) => <GrantStatusBadge status={c.getValue()} /> }),
  col.accessor("startsAt", { id: "startsAt", header: "Started", cell: (c) => formatDate(c.getValue()) }),
  col.display({
    id: "ends",
    header: "Ends / ended",
    cell: (c) => (c.row.original.revokedAt ? `Revoked ${formatDate(c.row.original.revokedAt)}` : c.row.original.expiresAt ? formatDate(c.row.original.expiresAt) : <span className="text-slate-500">Standing</span>),
  }),
];

export function AuditGrantsTable({ page, sort, dir }: { page: Page<AuditGrantRow>; sort?: string; dir: "asc" | "desc" }) {
  return (
    <DataTable
      label="Grants"
      columns={columns}
      rows={page.rows}
      total={page.total}
      totalCapped={page.totalCapped}
      page={page.page}
      size={page.size}
      sort={sort ?? "startsAt"}
      dir={dir}
      searchPlaceholder="Holder, email, entitlement, system or id…"
      filters={[
        { key: "status", label: "Status", options: GRANT_STATUSES.map((s) => ({ value: s, label: GRANT_STATUS_LABEL[s] })) },
        { key: "origin", label: "Origin", options: GRANT_ORIGINS.map((o) => ({ value: o, label: GRANT_ORIGIN_LABEL[o] })) },
      ]}
      emptyMessage="No grant matches. Try a holder's name, an entitlement or a system."
      rowHref={(r) => `/audit/grants/${r.id}`}
    />
  );
}
