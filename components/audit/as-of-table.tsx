"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, RiskBadge } from "@/components/ui/badge";
import { formatDate, formatDateTime } from "@/components/ui/format";
import type { AsOfRow } from "@/server/domain/audit/as-of";
import type { Page } from "@/server/domain/list";
import { GrantStatusBadge } from "./badges";

const col = createColumnHelper<AsOfRow>();

const columns = [
  col.accessor("holder", {
    id: "holder",
    header: "Holder",
    cell: (c) => (
      <div>
        <div className="font-medium text-slate-900">{c.getValue()}</div>
        <div className="flex items-center gap-1 text-xs text-slate-500">
          <KindBadge kind={c.row.original.holderKind} /> {c.row.original.holderEmail}
          {c.row.original.holderStatus !== "ACTIVE" && <Badge tone="slate">{c.row.original.holderStatus.toLowerCase()} now</Badge>}
        </div>
      </div>
    ),
  }),
  col.accessor("entitlement", {
    id: "entitlement",
    header: "Entitlement",
    cell: (c) => (
      <div className="flex flex-wrap items-center gap-2">
        {c.getValue()} <RiskBadge risk={c.row.original.risk} />
      </div>
    ),
  }),
  col.accessor("startsAt", { id: "startsAt", header: "Held from", cell: (c) => <span title={formatDateTime(c.getValue())}>{formatDate(c.getValue())}</span> }),
  col.display({
    id: "until",
    header: "Until",
    cell: (c) =>
      c.row.original.revokedAt ? (
        <span>
          <span title={formatDateTime(c.row.original.revokedAt)}>{formatDate(c.row.original.revokedAt)}</span> <span className="text-xs text-slate-500">({c.row.original.revocationCause?.toLowerCase() ?? "revoked"})</span>
        </span>
      ) : (
        <span className="text-slate-600">Still held{c.row.original.expiresAt ? ` · ends ${formatDate(c.row.original.expiresAt)}` : ""}</span>
      ),
  }),
  col.accessor("origin", { header: "Origin", enableSorting: false, cell: (c) => (c.getValue() === "IMPORTED" ? <Badge tone="amber">Origin unverified</Badge> : <Badge tone="blue">{c.getValue() === "BREAK_GLASS" ? "Break-glass" : "Request"}</Badge>) }),
  col.accessor("status", { header: "Status now", enableSorting: false, cell: (c) => <GrantStatusBadge status={c.getValue()} /> }),
];

export function AsOfTable({ page, sort, dir, systemName, date }: { page: Page<AsOfRow>; sort?: string; dir: "asc" | "desc"; systemName: string; date: string }) {
  return (
    <DataTable
      label={`Access in ${systemName} on ${date}`}
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort ?? "holder"}
      dir={dir}
      searchPlaceholder="Filter by holder or entitlement…"
      emptyMessage={`Nobody held access in ${systemName} on ${date}.`}
      rowHref={(r) => `/audit/grants/${r.grantId}`}
    />
  );
}
