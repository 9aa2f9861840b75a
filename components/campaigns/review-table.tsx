"use client";
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { DataTable, type FilterDef } from "@/components/data-table/data-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, Textarea } from "@/components/ui/form";
import { formatDate } from "@/components/ui/format";
import { readFormError } from "@/components/catalog/form-errors";
import { BULK_MAX, COMMENT_MAX, COMMENT_MIN, commentRequired } from "@/server/domain/campaigns/schema";
import { ConfirmDialog } from "./confirm-dialog";
import { PersonPicker, type Person } from "./people-picker";
import { plural } from "./labels";
import type { ReviewItemRow } from "./types";

type Decision = "KEEP" | "REVOKE";
/** A keyboard shortcut aimed at one row: `n` makes each press distinct. */
type Command = { id: string; mode: Decision; n: number };
const col = createColumnHelper<ReviewItemRow>();

const needsComment = (r: ReviewItemRow, d: Decision) => commentRequired(d, { privileged: r.privileged, originUnverified: r.context.originUnverified });
const whyComment = (r: ReviewItemRow) =>
  r.privileged && r.context.originUnverified ? "privileged access of unverified origin" : r.privileged ? "privileged access" : "access of unverified origin";

/** How the grant came to be, how long it is held, earlier decisions, peers: what helps decide. */
function Context({ r }: { r: ReviewItemRow }) {
  const c = r.context;
  return (
    <div className="min-w-64 max-w-md space-y-1 whitespace-normal text-xs text-slate-600">
      <p>
        {c.originUnverified ? (
          <Badge tone="amber" title="Imported standing access, or no approved request behind it: nobody is on record as having approved it">
            Origin unverified
          </Badge>
        ) : c.approvedBy && c.approvedBy.length > 0 ? (
          <>
            Approved by{" "}
            {c.approvedBy.map((a, i) => (
              <span key={`${a.name}-${i}`}>
                {i > 0 && ", "}
                <span className="font-medium text-slate-800">{a.name}</span> ({a.authority})
              </span>
            ))}
          </>
        ) : r.origin === "BREAK_GLASS" ? (
          <Badge tone="red">Break-glass</Badge>
        ) : (
          "Approved automatically by policy"
        )}
      </p>
      <p>
        Held {plural(r.heldDays, "day")} (since {formatDate(r.grantStartsAt)})
      </p>
      {c.previousDecisions.length > 0 ? (
        <p>
          Before:{" "}
          {c.previousDecisions.map((p, i) => (
            <span key={i}>
              {i > 0 && "; "}
              {p.decision === "KEEP" ? "kept" : "revoked"} in {p.campaignName} ({formatDate(p.decidedAt)})
            </span>
          ))}
        </p>
      ) : (
        <p>Never reviewed before</p>
      )}
      {c.departmentSize > 0 && (
        <p>
          {c.peersInDepartmentHolding} of {c.departmentSize} others in {r.identityKind === "HUMAN" ? "their department" : "the owner's department"} hold it
        </p>
      )}
    </div>
  );
}

/** Keep / Revoke with a comment (required to keep privileged or unverified-origin access), and Reassign: each in a dialog. */
function RowActions({ r, active, onConflict, onDecided, command }: { r: ReviewItemRow; active: boolean; onConflict: (id: string, msg: string | null) => void; onDecided: (id: string, d: Decision) => void; command: Command | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [mode, setMode] = useState<null | Decision | "REASSIGN">(null);
  const [comment, setComment] = useState(r.comment ?? "");
  const [reason, setReason] = useState("");
  const [to, setTo] = useState<Person | null>(null);
  const [error, setError] = useState<string | null>(null);
  const done = () => {
    setMode(null);
    setError(null);
    onConflict(r.id, null);
    router.refresh();
  };
  const fail = (e: unknown) => {
    const f = readFormError(e);
    setError(f.message);
    if (f.code === "CONFLICT") onConflict(r.id, f.message);
  };
  const decide = useMutation(
    trpc.campaigns.decide.mutationOptions({
      onSuccess: (_, vars) => {
        onDecided(r.id, vars.decision);
        done();
      },
      onError: fail,
    }),
  );
  const reassign = useMutation(trpc.campaigns.reassign.mutationOptions({ onSuccess: done, onError: fail }));
  const open = (m: Decision | "REASSIGN") => {
    setError(null);
    setMode(m);
  };
  // A keyboard shortcut aimed at this row (y keep, r revoke, c comment: the keep dialog, comment first).
  const lastCommand = useRef(0);
  useEffect(() => {
    if (!command || command.id !== r.id || command.n === lastCommand.current || !active) return;
    lastCommand.current = command.n;
    setError(null);
    setMode(command.mode);
  }, [command, r.id, active]);
  const cancel = () => {
    setMode(null);
    setError(null);
  };

  if (!active) return null;
  const what = `${r.entitlementName} for ${r.identityName}`;
  const decision = mode === "KEEP" || mode === "REVOKE" ? mode : null;
  const required = decision ? needsComment(r, decision) : false;
  const missing = required && comment.trim().length < COMMENT_MIN;
  return (
    <div className="flex flex-wrap gap-1.5">
      <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => open("KEEP")} aria-label={`Keep ${what}`}>
        Keep
      </Button>
      <Button variant="secondary" className="px-2 py-1 text-xs text-red-700" onClick={() => open("REVOKE")} aria-label={`Revoke ${what}`}>
        Revoke
      </Button>
      <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => open("REASSIGN")} aria-label={`Reassign ${what}`}>
        Reassign
      </Button>
      <ConfirmDialog
        open={decision !== null}
        title={decision === "KEEP" ? `Keep ${what}?` : `Revoke ${what}?`}
        confirmLabel={decision === "KEEP" ? "Keep access" : "Revoke access"}
        confirmVariant={decision === "REVOKE" ? "danger" : "primary"}
        busy={decide.isPending}
        confirmDisabled={missing}
        onCancel={cancel}
        onConfirm={() => decision && decide.mutate({ itemId: r.id, expectedVersion: r.version, decision, comment: comment.trim() || undefined })}
      >
        <p>{decision === "KEEP" ? "The access stays as it is." : `The access will be removed from ${r.systemName} when the campaign closes, through its connector, and confirmed by read-back.`}</p>
        <Field
          label={required ? "Comment (required)" : "Comment (optional)"}
          hint={required ? `A comment is required to keep ${whyComment(r)}: say why it is still needed (at least ${COMMENT_MIN} characters).` : "Kept with the decision in the report."}
          error={error}
        >
          {(p) => <Textarea {...p} rows={3} value={comment} maxLength={COMMENT_MAX} onChange={(e) => setComment(e.target.value)} autoFocus />}
        </Field>
      </ConfirmDialog>
      <ConfirmDialog
        open={mode === "REASSIGN"}
        title={`Reassign ${what}`}
        confirmLabel="Reassign item"
        busy={reassign.isPending}
        confirmDisabled={!to || reason.trim().length < COMMENT_MIN}
        onCancel={cancel}
        onConfirm={() => to && reassign.mutate({ itemId: r.id, expectedVersion: r.version, toId: to.id, reason: reason.trim() })}
      >
        <p>The item moves to the person you choose; the reassignment and its reason are recorded. Nobody can be given their own access to review.</p>
        <PersonPicker label="Reassign to" value={to?.id ?? ""} onChange={setTo} initial={to} excludeIds={[r.identityId]} />
        <Field label="Reason for reassigning" hint={`Why this person can decide better (${COMMENT_MIN} to 500 characters).`} error={error}>
          {(p) => <Textarea {...p} rows={2} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
        </Field>
      </ConfirmDialog>
    </div>
  );
}

function DecisionCell({ r }: { r: ReviewItemRow }) {
  if (!r.decision) return <Badge tone="slate">Open</Badge>;
  return (
    <div className="max-w-56 space-y-0.5 whitespace-normal">
      <Badge tone={r.decision === "KEEP" ? "green" : "red"}>{r.decision === "KEEP" ? "Kept" : "Revoked"}</Badge>
      {r.decidedAt && <p className="text-xs text-slate-500">{formatDate(r.decidedAt)}</p>}
      {r.comment && <p className="text-xs text-slate-600">“{r.comment}”</p>}
    </div>
  );
}

/** What a selected item needs for a bulk decision (it may be on another page: select-all-matching). */
type Pick = { id: string; version: number; identityName: string; entitlementName: string; privileged: boolean; originUnverified: boolean };
const pickOf = (r: ReviewItemRow): Pick => ({ id: r.id, version: r.version, identityName: r.identityName, entitlementName: r.entitlementName, privileged: r.privileged, originUnverified: r.context.originUnverified });
const pickNeedsComment = (p: Pick, d: Decision) => commentRequired(d, p);

/**
 * The workspace's changing state, read by the table's cells through context. The column definitions are
 * module constants: @tanstack/react-table renders a cell function as a component, so columns rebuilt on
 * every render (inline, closing over state) gave every cell a new component type on each re-render (a
 * refresh, a selection, a decision elsewhere), and React unmounted and re-created the row's actions with
 * their open dialog and what the person had typed in it.
 */
type Workspace = {
  active: boolean;
  selected: Map<string, Pick>;
  openIds: string[];
  conflicts: Record<string, string>;
  focusedId: string | null;
  command: Command | null;
  toggle: (r: ReviewItemRow, on: boolean) => void;
  selectPage: (on: boolean) => void;
  decided: (id: string, d: Decision) => void;
  conflict: (id: string, msg: string | null) => void;
};
const WorkspaceCtx = createContext<Workspace | null>(null);
const useWorkspace = () => useContext(WorkspaceCtx)!;

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
    <span className={`inline-flex items-center gap-1.5 rounded ${focused ? "ring-2 ring-brand-500 ring-offset-2" : ""}`} data-focused={focused || undefined} data-testid={focused ? "focused-item" : undefined}>
      <Link href={`/identities/${r.identityId}`} className="font-medium text-brand-700 hover:underline">
        {r.identityName}
      </Link>
      {r.identityKind !== "HUMAN" && <KindBadge kind={r.identityKind} />}
    </span>
  );
}

function DecisionColumnCell({ r }: { r: ReviewItemRow }) {
  const w = useWorkspace();
  return (
    <div className="space-y-1">
      <DecisionCell r={r} />
      {w.conflicts[r.id] && (
        <p role="alert" className="max-w-56 whitespace-normal text-xs font-medium text-red-700">
          Not decided: {w.conflicts[r.id]}
        </p>
      )}
    </div>
  );
}

function ActionsCell({ r }: { r: ReviewItemRow }) {
  const w = useWorkspace();
  return <RowActions r={r} active={w.active && !r.decision} onDecided={w.decided} onConflict={w.conflict} command={w.command} />;
}

const COLUMNS = [
  col.display({ id: "select", enableSorting: false, header: () => <SelectAllHeader />, cell: (c) => <SelectCell r={c.row.original} /> }),
  col.accessor("identityName", { id: "identity", header: "Holder", cell: (c) => <HolderCell r={c.row.original} /> }),
  col.accessor("entitlementName", {
    id: "entitlement",
    header: "Access",
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="space-y-0.5">
          <p className="font-medium text-slate-900">{r.entitlementName}</p>
          <p className="flex flex-wrap items-center gap-1 text-xs text-slate-500">
            {r.systemName} <RiskBadge risk={r.risk} />
            {r.privileged && <PrivilegedBadge />}
          </p>
        </div>
      );
    },
  }),
  col.accessor("heldDays", { header: "Context", cell: (c) => <Context r={c.row.original} /> }),
  col.accessor("decision", { header: "Decision", cell: (c) => <DecisionColumnCell r={c.row.original} /> }),
  col.display({ id: "actions", header: "Action", cell: (c) => <ActionsCell r={c.row.original} /> }),
];

const SHORTCUTS: [string, string][] = [
  ["j / k", "next / previous item"],
  ["y", "keep the current item"],
  ["r", "revoke the current item"],
  ["c", "comment: keep the current item with a comment"],
  ["x", "select or unselect the current item"],
  ["?", "show these shortcuts"],
];

/** Keys typed into a field, or with a modifier, or while a dialog is open, are not shortcuts. */
function isShortcutTarget(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  const t = e.target as HTMLElement | null;
  if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return false;
  return !document.querySelector("dialog[open]");
}

/**
 * The reviewer workspace table: my items with the context to decide them, per-row Keep / Revoke / Reassign,
 * row checkboxes (and every item matching the filters, beyond this page) for bulk decisions with a
 * confirmation that says what will happen, and keyboard shortcuts. Conflicts (an item changed or reassigned
 * meanwhile) are shown on the item.
 */
export function ReviewTable({
  campaignId,
  rows,
  total,
  page,
  size,
  sort,
  dir,
  systems,
  active,
  filter,
}: {
  campaignId: string;
  rows: ReviewItemRow[];
  total: number;
  page: number;
  size: number;
  sort?: string;
  dir: "asc" | "desc";
  systems: { id: string; name: string }[];
  active: boolean;
  /** The filters of this view (state, system, risk, origin, search), for "select all matching". */
  filter: { state: "open" | "decided" | "all"; systemId?: string; risk?: "LOW" | "MEDIUM" | "HIGH" | "CRITICAL"; origin?: "REQUEST" | "IMPORTED" | "BREAK_GLASS"; q?: string };
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const [selected, setSelected] = useState<Map<string, Pick>>(new Map());
  const [conflicts, setConflicts] = useState<Record<string, string>>({});
  const [bulk, setBulk] = useState<Decision | null>(null);
  const [bulkComment, setBulkComment] = useState("");
  const [bulkError, setBulkError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [matching, setMatching] = useState<"idle" | "loading" | "all">("idle");
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const [command, setCommand] = useState<Command | null>(null);
  const [help, setHelp] = useState(false);
  // Decided here and not yet re-read from the server (router.refresh is in flight): shown as decided at once.
  const [local, setLocal] = useState<Record<string, Decision>>({});
  useEffect(() => setLocal({}), [rows]);
  const view = useMemo(() => rows.map((r) => (local[r.id] && !r.decision ? { ...r, decision: local[r.id] } : r)), [rows, local]);
  const openIds = useMemo(() => view.filter((r) => !r.decision).map((r) => r.id), [view]);

  // A decided item leaves the selection; a selection beyond this page ("all matching") stays.
  useEffect(() => {
    const decidedHere = new Set(view.filter((r) => r.decision).map((r) => r.id));
    setSelected((s) => (([...s.keys()].some((id) => decidedHere.has(id))) ? new Map([...s].filter(([id]) => !decidedHere.has(id))) : s));
  }, [view]);
  // Another view (filter, page, sort): "all matching" no longer describes the selection.
  const filterKey = JSON.stringify(filter);
  useEffect(() => setMatching("idle"), [filterKey]);

  const chosen = [...selected.values()];
  const needing = bulk ? chosen.filter((p) => pickNeedsComment(p, bulk)) : [];
  const bulkMissing = needing.length > 0 && bulkComment.trim().length < COMMENT_MIN;

  const bulkDecide = useMutation(trpc.campaigns.bulkDecide.mutationOptions());
  const [bulkBusy, setBulkBusy] = useState(false);
  async function runBulk(decision: Decision) {
    setBulkBusy(true);
    setBulkError(null);
    const c: Record<string, string> = {};
    let decided = 0;
    try {
      // At most BULK_MAX per call; each call decides its items under the same rules as one decision.
      for (let i = 0; i < chosen.length; i += BULK_MAX) {
        const part = chosen.slice(i, i + BULK_MAX);
        const res = await bulkDecide.mutateAsync({ campaignId, decision, items: part.map((p) => ({ itemId: p.id, expectedVersion: p.version })), comment: bulkComment.trim() || undefined });
        decided += res.decided;
        for (const x of res.conflicts) c[x.itemId] = x.reason;
      }
    } catch (e) {
      setBulkError(readFormError(e).message);
      setBulkBusy(false);
      if (decided === 0) return;
    }
    setLocal((prev) => {
      const next = { ...prev };
      for (const p of chosen) if (!c[p.id]) next[p.id] = decision;
      return next;
    });
    setConflicts((prev) => ({ ...prev, ...c }));
    const refused = Object.keys(c).length;
    setNotice(`${plural(decided, "item")} ${decision === "KEEP" ? "kept" : "revoked"}${refused ? `; ${plural(refused, "item")} not decided (see the rows marked “Not decided”)` : ""}.`);
    setBulk(null);
    setBulkComment("");
    setSelected(new Map());
    setMatching("idle");
    setBulkBusy(false);
    router.refresh();
  }

  /** Every open item of mine matching this view's filters, page after page (ids and versions only used). */
  async function selectAllMatching() {
    setMatching("loading");
    setBulkError(null);
    try {
      const all = new Map<string, Pick>();
      for (let p = 1; p <= 100; p++) {
        const res = await client.campaigns.myItems.query({ ...filter, state: "open", campaignId, page: p, size: 200 });
        for (const r of res.rows) all.set(r.id, pickOf(r));
        if (p * res.size >= res.total) break;
      }
      setSelected(all);
      setMatching("all");
    } catch (e) {
      setBulkError(readFormError(e).message);
      setMatching("idle");
    }
  }

  const rowsRef = useRef(view);
  rowsRef.current = view;
  const focusedRef = useRef(focusedId);
  focusedRef.current = focusedId;
  const commandSeq = useRef(0);
  // A command is read once, by its row's effect (children's effects run before this one), then cleared: a
  // row mounted later never replays it.
  useEffect(() => {
    if (command) setCommand(null);
  }, [command]);
  // Keyboard shortcuts (see SHORTCUTS); the focused row starts at the first open item.
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (!isShortcutTarget(e)) return;
      const list = rowsRef.current;
      if (e.key === "?") {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (list.length === 0) return;
      const idx = Math.max(0, list.findIndex((r) => r.id === focusedRef.current));
      const current = list.find((r) => r.id === focusedRef.current) ?? null;
      if (e.key === "j" || e.key === "k") {
        e.preventDefault();
        const next = current ? Math.min(list.length - 1, Math.max(0, idx + (e.key === "j" ? 1 : -1))) : 0;
        setFocusedId(list[next]!.id);
        return;
      }
      if (!current || !active || current.decision) return;
      if (e.key === "y" || e.key === "r" || e.key === "c") {
        e.preventDefault();
        setCommand({ id: current.id, mode: e.key === "r" ? "REVOKE" : "KEEP", n: ++commandSeq.current });
      } else if (e.key === "x") {
        e.preventDefault();
        setSelected((s) => {
          const n = new Map(s);
          if (n.has(current.id)) n.delete(current.id);
          else n.set(current.id, pickOf(current));
          return n;
        });
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [active]);

  const workspace = useMemo<Workspace>(
    () => ({
      active,
      selected,
      openIds,
      conflicts,
      focusedId,
      command,
      toggle: (r, on) =>
        setSelected((s) => {
          const n = new Map(s);
          if (on) n.set(r.id, pickOf(r));
          else n.delete(r.id);
          return n;
        }),
      selectPage: (on) => {
        setMatching("idle");
        setSelected(on ? new Map(view.filter((r) => !r.decision).map((r) => [r.id, pickOf(r)])) : new Map());
      },
      decided: (id, d) => setLocal((p) => ({ ...p, [id]: d })),
      conflict: (id, msg) =>
        setConflicts((p) => {
          const n = { ...p };
          if (msg) n[id] = msg;
          else delete n[id];
          return n;
        }),
    }),
    [active, selected, openIds, conflicts, focusedId, command, view],
  );

  const filters: FilterDef[] = [
    { key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) },
    { key: "risk", label: "Risk", options: ["LOW", "MEDIUM", "HIGH", "CRITICAL"].map((r) => ({ value: r, label: r.charAt(0) + r.slice(1).toLowerCase() })) },
    { key: "origin", label: "Origin", options: [{ value: "REQUEST", label: "Approved request" }, { value: "IMPORTED", label: "Imported (unverified)" }, { value: "BREAK_GLASS", label: "Break-glass" }] },
  ];
  const allOnPage = openIds.length > 0 && openIds.every((id) => selected.has(id));
  const openMatching = filter.state === "decided" ? 0 : total;

  return (
    <WorkspaceCtx.Provider value={workspace}>
      <div className="space-y-3">
        {notice && (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            {notice}
          </p>
        )}
        {active && (
          <div className={`flex flex-wrap items-center gap-2 rounded-md border px-3 py-2 text-sm ${selected.size ? "border-brand-100 bg-brand-50" : "border-slate-200 bg-white"}`} aria-label="Bulk decision" role="group">
            <span className="text-slate-700" data-testid="selection-count">
              {selected.size ? `${plural(selected.size, "item")} selected${matching === "all" ? " (every open item matching the filters)" : ""}` : "Select items to decide them together."}
            </span>
            {allOnPage && matching !== "all" && openMatching > openIds.length && (
              <Button variant="ghost" className="px-2 py-1 text-xs text-brand-700" onClick={selectAllMatching} disabled={matching === "loading"}>
                {matching === "loading" ? "Selecting…" : `Select all open items matching the filters`}
              </Button>
            )}
            <div className="flex-1" />
            <Button className="px-2.5 py-1 text-xs" disabled={selected.size === 0} onClick={() => { setBulkError(null); setBulk("KEEP"); }}>
              Keep selected…
            </Button>
            <Button variant="danger" className="px-2.5 py-1 text-xs" disabled={selected.size === 0} onClick={() => { setBulkError(null); setBulk("REVOKE"); }}>
              Revoke selected…
            </Button>
            {selected.size > 0 && (
              <Button variant="ghost" className="px-2.5 py-1 text-xs" onClick={() => { setSelected(new Map()); setMatching("idle"); }}>
                Clear selection
              </Button>
            )}
            <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
              <kbd className="rounded border border-slate-300 px-1 font-mono">?</kbd>
            </Button>
          </div>
        )}
        {bulkError && !bulk && (
          <p role="alert" className="text-sm font-medium text-red-700">
            {bulkError}
          </p>
        )}
        <DataTable
          label="My review items"
          columns={COLUMNS}
          rows={view}
          total={total}
          page={page}
          size={size}
          sort={sort}
          dir={dir}
          searchPlaceholder="Search by holder…"
          filters={filters}
          emptyMessage="No items match these filters."
        />
        <ConfirmDialog open={help} title="Keyboard shortcuts" confirmLabel="Got it" onConfirm={() => setHelp(false)} onCancel={() => setHelp(false)}>
          <dl className="grid grid-cols-[5rem_1fr] gap-x-3 gap-y-1.5" data-testid="shortcut-help">
            {SHORTCUTS.map(([k, what]) => (
              <div key={k} className="contents">
                <dt>
                  <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 font-mono text-xs">{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </ConfirmDialog>
        <ConfirmDialog
          open={bulk !== null}
          title={bulk === "KEEP" ? `Keep ${plural(chosen.length, "grant")}?` : `Revoke ${plural(chosen.length, "grant")}?`}
          confirmLabel={bulk === "KEEP" ? `Keep ${plural(chosen.length, "grant")}` : `Revoke ${plural(chosen.length, "grant")}`}
          confirmVariant={bulk === "REVOKE" ? "danger" : "primary"}
          busy={bulkBusy}
          confirmDisabled={bulkMissing}
          onCancel={() => setBulk(null)}
          onConfirm={() => bulk && void runBulk(bulk)}
        >
          <p data-testid="bulk-summary">
            {bulk === "KEEP"
              ? `Keep ${plural(chosen.length, "grant")}: the access stays as it is.${needing.length ? ` ${needing.length} of them ${needing.length === 1 ? "is" : "are"} privileged or of unverified origin and need${needing.length === 1 ? "s" : ""} a comment.` : ""}`
              : `Revoke ${plural(chosen.length, "grant")}: the access will be removed from the target systems when the campaign closes.`}
          </p>
          {needing.length > 0 && (
            <ul className="max-h-32 list-disc overflow-y-auto pl-5 text-xs text-slate-600">
              {needing.map((p) => (
                <li key={p.id}>
                  {p.identityName}: {p.entitlementName} ({p.privileged && p.originUnverified ? "privileged access of unverified origin" : p.privileged ? "privileged access" : "access of unverified origin"})
                </li>
              ))}
            </ul>
          )}
          <Field
            label={needing.length > 0 ? "Comment (required, applies to every selected item)" : "Comment (optional, applies to every selected item)"}
            hint={needing.length > 0 ? `Say why this access is still needed (at least ${COMMENT_MIN} characters).` : undefined}
            error={bulkError}
          >
            {(p) => <Textarea {...p} rows={2} value={bulkComment} maxLength={COMMENT_MAX} onChange={(e) => setBulkComment(e.target.value)} />}
          </Field>
        </ConfirmDialog>
      </div>
    </WorkspaceCtx.Provider>
  );
}
