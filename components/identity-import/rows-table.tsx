"use client";
/** One kind of row of an import preview (joiners, movers, invalid rows, …): server-paged, state in the URL. */
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import type { Page } from "@/server/domain/list";
import type { ImportRowView } from "@/server/domain/identity-import/queries";

const col = createColumnHelper<ImportRowView>();

const FIELD: Record<string, string> = {
  displayName: "name",
  department: "department",
  title: "title",
  managerEmail: "manager",
  externalId: "external id",
  employeeNumber: "employee number",
  ownerEmail: "owner",
  purpose: "purpose",
  expiresAt: "credential expiry",
};
const show = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.slice(0, 10) : String(v));

/** What a row will do, in words: the new person's details, each change as "field: from → to", or why it is invalid. */
function describe(r: ImportRowView): string {
  if (r.reason) return r.reason;
  const d = r.detail;
  if ("reason" in d && typeof d.reason === "string") return d.reason === "absent from the full list" ? "Not in the full list: leaves" : "Marked leaver in the file";
  if ("email" in d || "kind" in d) {
    return [d.kind ? String(d.kind).toLowerCase().replace("_", " ") : null, d.department, d.title, d.managerEmail ? `manager ${d.managerEmail}` : null, d.ownerEmail ? `owner ${d.ownerEmail}` : null, d.purpose, d.expiresAt ? `expires ${show(d.expiresAt)}` : null]
      .filter(Boolean)
      .join(" · ");
  }
  const changes = Object.entries(d as Record<string, { from: unknown; to: unknown }>).map(([k, c]) => `${FIELD[k] ?? k}: ${show(c.from)} → ${show(c.to)}`);
  return changes.length ? changes.join("; ") : "Comes back (active again)";
}

const COLUMNS = [
  col.accessor("displayName", {
    id: "name",
    header: "Name",
    enableSorting: false,
    meta: { card: "title" },
    cell: ({ row: { original: r } }) => (
      <span className="inline-flex flex-col">
        <span>{r.displayName}</span>
        {r.email && <span className="text-xs font-normal text-slate-500">{r.email}</span>}
      </span>
    ),
  }),
  col.accessor("line", { id: "line", header: "Line", enableSorting: false, cell: (c) => <span className="tabular-nums">{c.getValue() ?? "—"}</span> }),
  col.display({ id: "what", header: "What happens", meta: { card: "subtitle" }, cell: ({ row: { original: r } }) => <span className="whitespace-normal">{describe(r)}</span> }),
];

export function ImportRowsTable({ page, label, emptyMessage }: { page: Page<ImportRowView>; label: string; emptyMessage: string }) {
  return (
    <DataTable
      label={label}
      columns={COLUMNS}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      searchPlaceholder="Search by name or email"
      emptyMessage={emptyMessage}
    />
  );
}
