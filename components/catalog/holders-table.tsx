"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, StatusBadge } from "@/components/ui/badge";
import { formatDate, relativeDays } from "@/components/ui/format";
import type { Page } from "@/server/domain/list";
import type { HolderRow } from "@/server/domain/catalog/queries";
import { RevokeGrantButton } from "@/components/grants/revoke-grant-button";

const col = createColumnHelper<HolderRow>();

const ORIGIN: Record<HolderRow["origin"], { label: string; tone: "slate" | "amber" | "red"; title?: string }> = {
  REQUEST: { label: "Request", tone: "slate" },
  IMPORTED: { label: "Imported", tone: "amber", title: "Standing access imported from the system: origin unverified" },
  BREAK_GLASS: { label: "Break-glass", tone: "red" },
};

const columns = [
  col.accessor((r) => r.identity.name, { id: "identity", header: "Holder", enableSorting: false }),
  col.accessor((r) => r.identity.kind, { id: "kind", header: "Kind", enableSorting: false, cell: (c) => <KindBadge kind={c.getValue()} /> }),
  col.accessor("status", { header: "Status", enableSorting: false, cell: (c) => <StatusBadge status={c.getValue()} /> }),
  col.accessor("origin", {
    header: "Origin",
    enableSorting: false,
    cell: (c) => {
      const o = ORIGIN[c.getValue()];
      return (
        <Badge tone={o.tone} title={o.title}>
          {o.label}
        </Badge>
      );
    },
  }),
  col.accessor("since", { header: "Since", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  col.accessor("expires", {
    header: "Expires",
    enableSorting: false,
    cell: (c) => {
      const d = c.getValue();
      return d ? (
        <span>
          {formatDate(d)} <span className="text-xs text-slate-500">({relativeDays(d)})</span>
        </span>
      ) : (
        <span className="text-amber-800">No end date</span>
      );
    },
  }),
];

/** Who holds an entitlement: grants whose access is in effect, newest first, paged via ?page and ?size. */
export function HoldersTable({ holders, revocableIds }: { holders: Page<HolderRow>; revocableIds?: string[] }) {
  // A Revoke column for owners, admins and security (the ids they may revoke); the row's link is not followed from it.
  const withActions = revocableIds?.length
    ? [
        ...columns,
        col.display({
          id: "actions",
          header: "Action",
          cell: (c) =>
            revocableIds.includes(c.row.original.grantId) ? (
              <div onClick={(e) => e.stopPropagation()}>
                <RevokeGrantButton grantId={c.row.original.grantId} what={`${c.row.original.identity.name}'s access`} />
              </div>
            ) : null,
        }),
      ]
    : columns;
  return (
    <DataTable
      label="Holders"
      columns={withActions}
      rows={holders.rows}
      total={holders.total}
      page={holders.page}
      size={holders.size}
      emptyMessage="Nobody holds this entitlement."
      rowHref={(row) => `/identities/${row.identity.id}`}
    />
  );
}
