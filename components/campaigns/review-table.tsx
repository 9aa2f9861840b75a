"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useTRPCClient } from "@/components/trpc/client";
import { DataTable, type FilterDef } from "@/components/data-table/data-table";
import { readFormError } from "@/components/catalog/form-errors";
import { ConfirmDialog } from "./confirm-dialog";
import { BulkBar, type BulkOutcome } from "./review/bulk-bar";
import { REVIEW_COLUMNS } from "./review/columns";
import { pickOf, WorkspaceCtx, type Command, type Decision, type Pick, type Workspace } from "./review/workspace";
import type { ReviewItemRow } from "./types";

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
  const client = useTRPCClient();
  const router = useRouter();
  const [selected, setSelected] = useState<Map<string, Pick>>(new Map());
  const [conflicts, setConflicts] = useState<Record<string, string>>({});
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

  function bulkDone(o: BulkOutcome) {
    setLocal((prev) => ({ ...prev, ...o.decided }));
    setConflicts((prev) => ({ ...prev, ...o.conflicts }));
    setNotice(o.notice);
    setSelected(new Map());
    setMatching("idle");
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
          <BulkBar
            campaignId={campaignId}
            selected={selected}
            matching={matching}
            canSelectMatching={allOnPage && matching !== "all" && openMatching > openIds.length}
            onSelectMatching={selectAllMatching}
            onClear={() => {
              setSelected(new Map());
              setMatching("idle");
            }}
            onHelp={() => setHelp(true)}
            onDone={bulkDone}
          />
        )}
        {bulkError && (
          <p role="alert" className="text-sm font-medium text-red-700">
            {bulkError}
          </p>
        )}
        <DataTable
          label="My review items"
          columns={REVIEW_COLUMNS}
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
      </div>
    </WorkspaceCtx.Provider>
  );
}
