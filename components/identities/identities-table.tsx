"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { KindBadge, StatusBadge } from "@/components/ui/badge";
import type { Page } from "@/server/domain/list";
import type { IdentityRow } from "@/server/domain/identities/queries";
import { IDENTITY_KINDS, IDENTITY_STATUSES, KIND_LABELS, STATUS_LABELS } from "@/server/domain/identities/schema";

const col = createColumnHelper<IdentityRow>();

const columnsFor = (seesAllAccess: boolean) => [
  col.accessor("displayName", {
    id: "displayName",
    header: "Name",
    cell: ({ row: { original: r } }) => (
      <span className="inline-flex flex-col">
        <span>{r.displayName}</span>
        <span className="max-w-xs truncate text-xs font-normal text-slate-500">
          {(r.kind === "HUMAN" ? [r.title, r.email] : [r.systemName, r.purpose]).filter(Boolean).join(" · ")}
        </span>
      </span>
    ),
  }),
  col.accessor("kind", { id: "kind", header: "Kind", cell: (c) => <KindBadge kind={c.getValue()} /> }),
  col.accessor("department", { id: "department", header: "Department", cell: (c) => c.getValue() ?? <span className="text-slate-400">—</span> }),
  col.display({
    id: "responsible",
    header: "Manager / owner",
    enableSorting: false,
    cell: ({ row: { original: r } }) =>
      r.kind === "HUMAN" ? (
        r.managerName ?? <span className="text-slate-400">—</span>
      ) : (
        <span>
          <span className="text-xs text-slate-500">Owner </span>
          {r.ownerName}
        </span>
      ),
  }),
  col.accessor("status", { id: "status", header: "Status", cell: (c) => <StatusBadge status={c.getValue()} /> }),
  col.accessor("activeGrantCount", {
    id: "grants",
    header: "Active grants",
    // Ordering by others' access would reveal it: only for those who see everyone's (admin, security, auditor).
    enableSorting: seesAllAccess,
    cell: (c) => {
      const n = c.getValue();
      return n === null ? <span className="text-slate-400" title="Shown to the person, their manager or owner, security, admins and auditors">—</span> : <span className="tabular-nums">{n}</span>;
    },
  }),
];

/** The directory table of /identities: server-paged, all state in the URL (q, kind, department, status, sort, dir, page, size). */
export function IdentitiesTable({ page, sort, dir, departments, seesAllAccess }: { page: Page<IdentityRow>; sort?: string; dir: "asc" | "desc"; departments: string[]; seesAllAccess: boolean }) {
  return (
    <DataTable
      label="Directory"
      columns={columnsFor(seesAllAccess)}
      rows={page.rows}
      total={page.total}
      totalCapped={page.totalCapped}
      page={page.page}
      size={page.size}
      sort={sort ?? "displayName"}
      dir={dir}
      searchPlaceholder={seesAllAccess ? "Search by name, email, department or purpose…" : "Search by name, department or purpose…"}
      filters={[
        {
          key: "kind",
          label: "Kind",
          options: [
            ...IDENTITY_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] })),
            { value: "NON_HUMAN", label: "Any non-human" },
          ],
        },
        { key: "department", label: "Department", options: departments.map((d) => ({ value: d, label: d })) },
        { key: "status", label: "Status", options: IDENTITY_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })) },
      ]}
      emptyMessage="No one matches these filters."
      rowHref={(row) => `/identities/${row.id}`}
    />
  );
}
