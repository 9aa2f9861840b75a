"use client";
import { useMemo, useState } from "react";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import type { Page } from "@/server/domain/list";
import type { InboxRow } from "@/server/domain/approvals/queries";
import { APPROVAL_KIND_LABEL, APPROVAL_KINDS } from "@/server/domain/approvals/schema";
import { machineChainText, onBehalfRelationText } from "@/server/domain/requests/schema";
import { RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";
import { formatHours, kindLabel } from "@/components/requests/badges";
import { BulkDecideBar, type Selected } from "./bulk-decide-bar";
import { DecidedNotice } from "./decided-notice";

const col = createColumnHelper<InboxRow>();
const columns = [
  col.accessor((r) => r.entitlement.name, {
    id: "entitlement",
    header: "Entitlement",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        {c.getValue()}
        <span className="font-normal text-slate-500">{c.row.original.system.name}</span>
      </span>
    ),
  }),
  col.accessor((r) => r.entitlement.risk, {
    id: "risk",
    header: "Risk",
    cell: (c) => (
      <span className="inline-flex items-center gap-1.5">
        <RiskBadge risk={c.getValue()} />
        {c.row.original.entitlement.privileged && <PrivilegedBadge />}
      </span>
    ),
  }),
  col.accessor((r) => r.requester.name, {
    id: "requester",
    header: "Requested by / for",
    cell: (c) => {
      const r = c.row.original;
      // A machine asked: the whole chain (which agent, whose it is, for whom), as on the request page.
      if (r.machineRequester) return <span data-testid="machine-chain">{machineChainText(r.machineRequester, r.beneficiary)}</span>;
      return (
        <span className="inline-flex items-center gap-1.5">
          {r.requester.name}
          {r.beneficiary.id !== r.requester.id && (
            <>
              <span className="text-slate-400">for</span> {r.beneficiary.name} {r.beneficiary.kind !== "HUMAN" && <KindBadge kind={r.beneficiary.kind} />}
              {r.relation && onBehalfRelationText(r.requester.name, r.relation) && <span className="text-xs text-slate-500">({onBehalfRelationText(r.requester.name, r.relation)})</span>}
            </>
          )}
        </span>
      );
    },
  }),
  col.accessor("kind", {
    id: "kind",
    header: "Stage",
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <span className="inline-flex items-center gap-1.5">
          {kindLabel(r.kind)} ({r.position}/{r.stageCount})
          {r.escalated && <Badge tone="amber">Escalated</Badge>}
          {r.onBehalfOf && <Badge tone="violet">for {r.onBehalfOf.map((p) => p.name).join(", ")}</Badge>}
        </span>
      );
    },
  }),
  col.accessor("durationHours", { id: "duration", header: "Duration", enableSorting: false, cell: (c) => formatHours(c.getValue()) }),
  col.accessor("openedAt", { id: "openedAt", header: "Waiting since", cell: (c) => formatDateTime(c.getValue()) }),
  col.accessor("deadlineAt", { id: "deadlineAt", header: "Expires", cell: (c) => formatDateTime(c.getValue()) }),
];

const titleOf = (r: InboxRow) => `${r.entitlement.name} for ${r.beneficiary.name}`;
const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();

/** A leading checkbox column: select rows of this page to decide them together. */
function selectColumn(selected: Map<string, Selected>, toggle: (rows: InboxRow[], on: boolean) => void, rows: InboxRow[]) {
  const all = rows.length > 0 && rows.every((r) => selected.has(r.stepId));
  return col.display({
    id: "select",
    header: () => (
      <input type="checkbox" aria-label="Select every request on this page" checked={all} onChange={(e) => toggle(rows, e.target.checked)} className="h-4 w-4 rounded border-slate-300" />
    ),
    cell: (c) => (
      <span onClick={stop} className="-m-2 inline-flex p-2">
        <input
          type="checkbox"
          aria-label={`Select ${titleOf(c.row.original)}`}
          checked={selected.has(c.row.original.stepId)}
          onChange={(e) => toggle([c.row.original], e.target.checked)}
          className="h-4 w-4 rounded border-slate-300"
        />
      </span>
    ),
  });
}

/**
 * Open stages the viewer can decide (themselves or as a delegate). A row opens the request to decide it;
 * the checkboxes select rows to approve or deny together with one reason.
 */
export function InboxTable({ page, sort, dir, systems }: { page: Page<InboxRow>; sort?: string; dir: "asc" | "desc"; systems: { id: string; name: string }[] }) {
  const [selected, setSelected] = useState<Map<string, Selected>>(new Map());
  const toggle = (rows: InboxRow[], on: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const r of rows) {
        if (on) next.set(r.stepId, { requestId: r.requestId, stepId: r.stepId, expectedRevision: r.revision, title: titleOf(r) });
        else next.delete(r.stepId);
      }
      return next;
    });
  // Only what is still in the inbox stays selected (after a refresh, decided rows are gone).
  const live = useMemo(() => [...selected.values()].filter((s) => page.rows.some((r) => r.stepId === s.stepId)), [selected, page.rows]);
  const allColumns = [selectColumn(selected, toggle, page.rows), ...columns];
  return (
    <div className="space-y-3">
    <DecidedNotice emptyInbox={page.total === 0} />
    <BulkDecideBar selected={live} onDone={(keep) => setSelected((prev) => new Map([...prev].filter(([k]) => keep.includes(k))))} />
    <DataTable
      label="Approvals waiting for you"
      columns={allColumns}
      rows={page.rows}
      total={page.total}
      totalCapped={page.totalCapped}
      page={page.page}
      size={page.size}
      sort={sort ?? "openedAt"}
      dir={dir}
      searchPlaceholder="Search by entitlement, system, person or justification…"
      filters={[
        { key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) },
        { key: "risk", label: "Risk", options: RISK_LEVELS.map((r) => ({ value: r, label: RISK_LABEL[r] })) },
        { key: "kind", label: "Stage", options: APPROVAL_KINDS.map((k) => ({ value: k, label: APPROVAL_KIND_LABEL[k] })) },
      ]}
      emptyMessage="Nothing is waiting for your decision."
      rowHref={(r) => `/requests/${r.requestId}`}
      linkColumn="entitlement"
    />
    </div>
  );
}
