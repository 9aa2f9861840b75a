"use client";
/**
 * The review table's columns, one line per item where it fits at 1440 px (holder, access with its risk,
 * origin, since, suggestion, the decision buttons or the decision taken); on a phone each row is a card (meta.card). Module-level constants: see
 * ./workspace.tsx for why they must not be rebuilt per render.
 */
import Link from "next/link";
import { createColumnHelper } from "@tanstack/react-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import { plural } from "../labels";
import type { ReviewItemRow } from "../types";
import { RowActions } from "./row-actions";
import { useWorkspace } from "./workspace";

const col = createColumnHelper<ReviewItemRow>();

function SelectAllHeader() {
  const w = useWorkspace();
  if (!w.active) return null;
  const all = w.openIds.length > 0 && w.openIds.every((id) => w.selected.has(id));
  return (
    <input
      type="checkbox"
      aria-label="Select every open item on this page"
      className="h-4 w-4 rounded border-slate-300 text-brand-600"
      checked={all}
      disabled={w.openIds.length === 0}
      onChange={(e) => w.selectPage(e.target.checked)}
    />
  );
}

function SelectCell({ r }: { r: ReviewItemRow }) {
  const w = useWorkspace();
  if (!w.active || r.decision) return null;
  return (
    <input
      type="checkbox"
      aria-label={`Select ${r.entitlementName} for ${r.identityName}`}
      className="h-4 w-4 rounded border-slate-300 text-brand-600"
      checked={w.selected.has(r.id)}
      onChange={(e) => w.toggle(r, e.target.checked)}
    />
  );
}

function HolderCell({ r }: { r: ReviewItemRow }) {
  const w = useWorkspace();
  const focused = w.focusedId === r.id;
  return (
    <span className={`inline-flex flex-wrap items-center gap-x-1.5 gap-y-0.5 rounded ${focused ? "ring-2 ring-brand-500 ring-offset-2" : ""}`} data-focused={focused || undefined} data-testid={focused ? "focused-item" : undefined}>
      <Link href={`/identities/${r.identityId}`} className="max-w-28 truncate font-medium text-brand-700 hover:underline max-md:max-w-none max-md:whitespace-normal" title={r.identityName}>
        {r.identityName}
      </Link>
      {r.identityKind !== "HUMAN" && <KindBadge kind={r.identityKind} />}
    </span>
  );
}

/** The entitlement's name on its line (the longest thing a reviewer must read), then its system, risk and privilege. */
function AccessCell({ r }: { r: ReviewItemRow }) {
  return (
    <span className="flex flex-col items-start gap-0.5" title={`${r.entitlementName} (${r.systemName})`}>
      <span className="max-w-64 truncate font-medium text-slate-900 max-md:max-w-none max-md:whitespace-normal max-md:[overflow-wrap:anywhere]">{r.entitlementName}</span>
      <span className="inline-flex items-center gap-1.5 max-md:flex-wrap">
        <span className="max-w-28 truncate text-xs text-slate-500 max-md:max-w-none">{r.systemName}</span>
        <RiskBadge risk={r.risk} />
        {r.privileged && <PrivilegedBadge />}
      </span>
    </span>
  );
}

/** How the grant came to be: unverified, who approved it, break-glass or policy. */
function OriginCell({ r }: { r: ReviewItemRow }) {
  const c = r.context;
  if (c.originUnverified) {
    return (
      <Badge tone="amber" title="Imported standing access, or no approved request behind it: nobody is on record as having approved it">
        Unverified
      </Badge>
    );
  }
  if (r.origin === "BREAK_GLASS") return <Badge tone="red">Break-glass</Badge>;
  const by = c.approvedBy && c.approvedBy.length > 0 ? `Approved by ${c.approvedBy.map((a) => `${a.name} (${a.authority})`).join(", ")}` : "Approved automatically by policy";
  return (
    <span className="block max-w-28 truncate text-xs text-slate-600 max-md:max-w-none max-md:whitespace-normal" title={by}>
      {by}
    </span>
  );
}

/** Held since when, and what earlier reviews decided. */
function SinceCell({ r }: { r: ReviewItemRow }) {
  const prev = r.context.previousDecisions;
  const before = prev.length ? `Before: ${prev.map((p) => `${p.decision === "KEEP" ? "kept" : "revoked"} in ${p.campaignName} (${formatDate(p.decidedAt)})`).join("; ")}` : "Never reviewed before";
  return (
    <span className="whitespace-nowrap text-xs text-slate-800 max-md:whitespace-normal" title={`Held ${plural(r.heldDays, "day")}. ${before}`}>
      {formatDate(r.grantStartsAt)}
      <span className="hidden text-slate-500 max-md:block">{before}</span>
    </span>
  );
}

/** The server's suggestion and its reasons, or how many peers hold it. */
function SuggestionCell({ r }: { r: ReviewItemRow }) {
  const s = r.context.suggestion;
  if (s) {
    const [, why] = s.text.split(" — ");
    return (
      <span className="flex flex-col items-start gap-0.5" data-testid="suggestion">
        <Badge tone={s.decision === "REVOKE" ? "orange" : "green"} title={`Suggested from the data: ${s.text}`}>
          Suggest: {s.decision === "REVOKE" ? "revoke" : "keep"}
        </Badge>
        <span className="line-clamp-2 max-w-44 whitespace-normal text-xs leading-tight text-slate-600 max-md:max-w-none" title={why}>
          {why}
        </span>
      </span>
    );
  }
  const c = r.context;
  if (c.departmentSize === 0) return null;
  return (
    <span className="whitespace-nowrap text-xs text-slate-500">
      {c.peersInDepartmentHolding} of {c.departmentSize} peers hold it
    </span>
  );
}

/** The decision buttons of an open item (when the campaign is active), or the decision taken; a refusal below. */
function ActionsCell({ r }: { r: ReviewItemRow }) {
  const w = useWorkspace();
  const open = w.active && !r.decision;
  return (
    <div className="space-y-0.5">
      {open ? (
        <RowActions r={r} active onDecided={w.decided} onConflict={w.conflict} command={w.command} />
      ) : !r.decision ? (
        <Badge tone="slate">Open</Badge>
      ) : (
        <div className="max-w-56 space-y-0.5 whitespace-normal">
          <Badge tone={r.decision === "KEEP" ? "green" : "red"}>{r.decision === "KEEP" ? "Kept" : "Revoked"}</Badge>
          {r.decidedAt && <p className="text-xs text-slate-500">{formatDate(r.decidedAt)}</p>}
          {r.comment && <p className="text-xs text-slate-600">“{r.comment}”</p>}
        </div>
      )}
      {w.conflicts[r.id] && (
        <p role="alert" className="max-w-56 whitespace-normal text-xs font-medium text-red-700">
          {w.conflicts[r.id]}
        </p>
      )}
    </div>
  );
}

export const REVIEW_COLUMNS = [
  col.display({ id: "select", enableSorting: false, header: () => <SelectAllHeader />, cell: (c) => <SelectCell r={c.row.original} /> }),
  col.accessor("identityName", { id: "identity", header: "Holder", cell: (c) => <HolderCell r={c.row.original} />, meta: { card: "title" } }),
  col.accessor("entitlementName", { id: "entitlement", header: "Access", cell: (c) => <AccessCell r={c.row.original} />, meta: { card: "subtitle" } }),
  col.accessor("origin", { id: "origin", header: "Origin", enableSorting: false, cell: (c) => <OriginCell r={c.row.original} /> }),
  col.accessor("heldDays", { id: "heldDays", header: "Since", cell: (c) => <SinceCell r={c.row.original} /> }),
  col.display({ id: "suggestion", header: "Suggestion", enableSorting: false, cell: (c) => <SuggestionCell r={c.row.original} /> }),
  col.accessor("decision", { id: "actions", header: "Decision", enableSorting: false, cell: (c) => <ActionsCell r={c.row.original} /> }),
];
