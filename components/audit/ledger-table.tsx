"use client";
import Link from "next/link";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { formatDateTime } from "@/components/ui/format";
import type { LedgerRow } from "@/server/ledger/queries";
import type { Page } from "@/server/domain/list";
import { eventLabel } from "@/server/domain/audit/schema";

const col = createColumnHelper<LedgerRow>();

const SUBJECT_PAGE: Record<string, (id: string) => string> = {
  Identity: (id) => `/identities/${id}`,
  Grant: (id) => `/audit/grants/${id}`,
  AccessRequest: (id) => `/requests/${id}`,
  Campaign: (id) => `/campaigns/${id}`,
  System: (id) => `/catalog/systems/${id}`,
  Entitlement: (id) => `/catalog/entitlements/${id}`,
};

const columns = [
  col.accessor("seq", { id: "seq", header: "Seq", cell: (c) => <span className="font-mono tabular-nums">{c.getValue()}</span> }),
  col.display({
    id: "link",
    header: "Link",
    cell: (c) =>
      c.row.original.link.ok ? (
        <span title="Its hash recomputes and links to the event before it" className="inline-flex items-center gap-1 text-xs font-medium text-emerald-700">
          <span aria-hidden>✓</span> verified
        </span>
      ) : (
        <span title={c.row.original.link.reason ?? "broken"} className="inline-flex items-center gap-1 text-xs font-medium text-red-700">
          <span aria-hidden>✗</span> broken
          <span className="sr-only">: {c.row.original.link.reason}</span>
        </span>
      ),
  }),
  col.accessor("occurredAt", { header: "Time (UTC)", enableSorting: false, cell: (c) => formatDateTime(c.getValue()) }),
  // The event in words, its code underneath: the code is what packs, filters and the search use.
  col.accessor("action", {
    header: "Event",
    enableSorting: false,
    cell: (c) => (
      <span className="block">
        <span className="block text-sm">{eventLabel(c.getValue())}</span>
        <span className="block font-mono text-xs text-slate-500">{c.getValue()}</span>
      </span>
    ),
  }),
  col.display({
    id: "subject",
    header: "Subject",
    cell: (c) => {
      const { subjectType, subjectId } = c.row.original;
      const href = SUBJECT_PAGE[subjectType]?.(subjectId);
      const label = (
        <>
          {subjectType} <span className="font-mono">{subjectId.slice(0, 8)}</span>
        </>
      );
      return href ? (
        <Link href={href} className="text-xs text-brand-700 hover:underline" title={subjectId}>
          {label}
        </Link>
      ) : (
        <span className="text-xs text-slate-600" title={subjectId}>
          {label}
        </span>
      );
    },
  }),
  col.accessor("actorName", {
    header: "Actor",
    enableSorting: false,
    cell: (c) =>
      c.row.original.actorId ? (
        <Link href={`?actorId=${c.row.original.actorId}`} className="hover:underline" title="Show only this actor's events">
          {c.getValue() ?? c.row.original.actorId.slice(0, 8)}
        </Link>
      ) : (
        <span className="text-slate-500">Warrant (system)</span>
      ),
  }),
  col.display({
    id: "details",
    header: "Details",
    cell: (c) => (
      <details className="max-w-md">
        <summary className="cursor-pointer text-xs text-brand-700">payload & hashes</summary>
        <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-[11px]">{JSON.stringify(c.row.original.payload, null, 2)}</pre>
        <p className="mt-1 break-all font-mono text-[11px] text-slate-500">hash {c.row.original.hash}</p>
        <p className="break-all font-mono text-[11px] text-slate-500">prev {c.row.original.prevHash}</p>
        {!c.row.original.link.ok && <p className="mt-1 text-[11px] font-medium text-red-700">{c.row.original.link.reason}</p>}
      </details>
    ),
  }),
];

export function LedgerTable({ page, dir, actions, subjectTypes }: { page: Page<LedgerRow>; dir: "asc" | "desc"; actions: string[]; subjectTypes: string[] }) {
  return (
    <DataTable
      label="Ledger events"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort="seq"
      dir={dir}
      searchPlaceholder="Search by action or subject id…"
      filters={[
        { key: "action", label: "Event", options: actions.map((a) => ({ value: a, label: eventLabel(a) })) },
        { key: "subjectType", label: "Subject", options: subjectTypes.map((s) => ({ value: s, label: s })) },
      ]}
      emptyMessage="No ledger events match these filters."
    />
  );
}
