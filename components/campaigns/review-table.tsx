"use client";
import { useEffect, useMemo, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC } from "@/components/trpc/client";
import { DataTable, type FilterDef } from "@/components/data-table/data-table";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, Textarea } from "@/components/ui/form";
import { formatDate } from "@/components/ui/format";
import { readFormError } from "@/components/catalog/form-errors";
import { COMMENT_MAX, COMMENT_MIN, commentRequired } from "@/server/domain/campaigns/schema";
import { ConfirmDialog } from "./confirm-dialog";
import { PersonPicker, type Person } from "./people-picker";
import { plural } from "./labels";
import type { ReviewItemRow } from "./types";

type Decision = "KEEP" | "REVOKE";
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
function RowActions({ r, active, onConflict, onDecided }: { r: ReviewItemRow; active: boolean; onConflict: (id: string, msg: string | null) => void; onDecided: (id: string, d: Decision) => void }) {
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

/**
 * The reviewer workspace table: my items with the context to decide them, per-row Keep / Revoke / Reassign,
 * and row checkboxes for bulk decisions (with a confirmation that says what will happen). Conflicts (an item
 * changed or reassigned meanwhile) are shown on the item.
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
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [conflicts, setConflicts] = useState<Record<string, string>>({});
  const [bulk, setBulk] = useState<Decision | null>(null);
  const [bulkComment, setBulkComment] = useState("");
  const [bulkError, setBulkError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Decided here and not yet re-read from the server (router.refresh is in flight): shown as decided at once.
  const [local, setLocal] = useState<Record<string, Decision>>({});
  useEffect(() => setLocal({}), [rows]);
  const view = useMemo(() => rows.map((r) => (local[r.id] && !r.decision ? { ...r, decision: local[r.id] } : r)), [rows, local]);

  // A new page of rows (after a decision, a filter or paging): keep only selections still on screen and open.
  const openIds = useMemo(() => view.filter((r) => !r.decision).map((r) => r.id), [view]);
  useEffect(() => setSelected((s) => new Set([...s].filter((id) => openIds.includes(id)))), [openIds]);

  const chosen = view.filter((r) => selected.has(r.id));
  const needing = bulk ? chosen.filter((r) => needsComment(r, bulk)) : [];
  const bulkMissing = needing.length > 0 && bulkComment.trim().length < COMMENT_MIN;

  const bulkDecide = useMutation(
    trpc.campaigns.bulkDecide.mutationOptions({
      onSuccess: (res, vars) => {
        const c: Record<string, string> = {};
        for (const x of res.conflicts) c[x.itemId] = x.reason;
        setLocal((prev) => {
          const next = { ...prev };
          for (const it of vars.items) if (!c[it.itemId]) next[it.itemId] = vars.decision;
          return next;
        });
        setConflicts((prev) => ({ ...prev, ...c }));
        setNotice(`${plural(res.decided, "item")} ${bulk === "KEEP" ? "kept" : "revoked"}${res.conflicts.length ? `; ${plural(res.conflicts.length, "item")} not decided (see the rows marked “Not decided”)` : ""}.`);
        setBulk(null);
        setBulkComment("");
        setSelected(new Set());
        router.refresh();
      },
      onError: (e) => setBulkError(readFormError(e).message),
    }),
  );

  const allOnPage = openIds.length > 0 && openIds.every((id) => selected.has(id));
  const columns = [
    col.display({
      id: "select",
      enableSorting: false,
      header: () =>
        active ? (
          <input
            type="checkbox"
            aria-label="Select every open item on this page"
            className="h-4 w-4 rounded border-slate-300 text-brand-600"
            checked={allOnPage}
            disabled={openIds.length === 0}
            onChange={(e) => setSelected(e.target.checked ? new Set(openIds) : new Set())}
          />
        ) : null,
      cell: (c) => {
        const r = c.row.original;
        if (!active || r.decision) return null;
        return (
          <input
            type="checkbox"
            aria-label={`Select ${r.entitlementName} for ${r.identityName}`}
            className="h-4 w-4 rounded border-slate-300 text-brand-600"
            checked={selected.has(r.id)}
            onChange={(e) => {
              const next = new Set(selected);
              if (e.target.checked) next.add(r.id);
              else next.delete(r.id);
              setSelected(next);
            }}
          />
        );
      },
    }),
    col.accessor("identityName", {
      id: "identity",
      header: "Holder",
      cell: (c) => {
        const r = c.row.original;
        return (
          <span className="inline-flex items-center gap-1.5">
            <Link href={`/identities/${r.identityId}`} className="font-medium text-brand-700 hover:underline">
              {r.identityName}
            </Link>
            {r.identityKind !== "HUMAN" && <KindBadge kind={r.identityKind} />}
          </span>
        );
      },
    }),
    col.accessor("entitlementName", {
      id: "entitlement",
      header: "Access",
      cell: (c) => {
        const r = c.row.original;
        return (
          <div className="space-y-1">
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
    col.accessor("decision", {
      header: "Decision",
      cell: (c) => {
        const r = c.row.original;
        return (
          <div className="space-y-1">
            <DecisionCell r={r} />
            {conflicts[r.id] && (
              <p role="alert" className="max-w-56 whitespace-normal text-xs font-medium text-red-700">
                Not decided: {conflicts[r.id]}
              </p>
            )}
          </div>
        );
      },
    }),
    col.display({
      id: "actions",
      header: "Action",
      cell: (c) => (
        <RowActions
          r={c.row.original}
          active={active && !c.row.original.decision}
          onDecided={(id, d) => setLocal((p) => ({ ...p, [id]: d }))}
          onConflict={(id, msg) =>
            setConflicts((p) => {
              const n = { ...p };
              if (msg) n[id] = msg;
              else delete n[id];
              return n;
            })
          }
        />
      ),
    }),
  ];

  const filters: FilterDef[] = [
    { key: "systemId", label: "System", options: systems.map((s) => ({ value: s.id, label: s.name })) },
    { key: "risk", label: "Risk", options: ["LOW", "MEDIUM", "HIGH", "CRITICAL"].map((r) => ({ value: r, label: r.charAt(0) + r.slice(1).toLowerCase() })) },
    { key: "origin", label: "Origin", options: [{ value: "REQUEST", label: "Approved request" }, { value: "IMPORTED", label: "Imported (unverified)" }, { value: "BREAK_GLASS", label: "Break-glass" }] },
  ];

  return (
    <div className="space-y-3">
      {notice && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {notice}
        </p>
      )}
      {active && (
        <div className={`flex flex-wrap items-center gap-2 rounded-md border px-3 py-2 text-sm ${selected.size ? "border-brand-200 bg-brand-50" : "border-slate-200 bg-white"}`} aria-label="Bulk decision" role="group">
          <span className="text-slate-700">{selected.size ? `${plural(selected.size, "item")} selected` : "Select items to decide them together."}</span>
          <div className="flex-1" />
          <Button className="px-2.5 py-1 text-xs" disabled={selected.size === 0} onClick={() => { setBulkError(null); setBulk("KEEP"); }}>
            Keep selected…
          </Button>
          <Button variant="danger" className="px-2.5 py-1 text-xs" disabled={selected.size === 0} onClick={() => { setBulkError(null); setBulk("REVOKE"); }}>
            Revoke selected…
          </Button>
          {selected.size > 0 && (
            <Button variant="ghost" className="px-2.5 py-1 text-xs" onClick={() => setSelected(new Set())}>
              Clear selection
            </Button>
          )}
        </div>
      )}
      <DataTable
        label="My review items"
        columns={columns}
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
      <ConfirmDialog
        open={bulk !== null}
        title={bulk === "KEEP" ? `Keep ${plural(chosen.length, "grant")}?` : `Revoke ${plural(chosen.length, "grant")}?`}
        confirmLabel={bulk === "KEEP" ? `Keep ${plural(chosen.length, "grant")}` : `Revoke ${plural(chosen.length, "grant")}`}
        confirmVariant={bulk === "REVOKE" ? "danger" : "primary"}
        busy={bulkDecide.isPending}
        confirmDisabled={bulkMissing}
        onCancel={() => setBulk(null)}
        onConfirm={() => bulk && bulkDecide.mutate({ campaignId, decision: bulk, items: chosen.map((r) => ({ itemId: r.id, expectedVersion: r.version })), comment: bulkComment.trim() || undefined })}
      >
        <p data-testid="bulk-summary">
          {bulk === "KEEP"
            ? `Keep ${plural(chosen.length, "grant")}: the access stays as it is.${needing.length ? ` ${needing.length} of them ${needing.length === 1 ? "is" : "are"} privileged or of unverified origin and need${needing.length === 1 ? "s" : ""} a comment.` : ""}`
            : `Revoke ${plural(chosen.length, "grant")}: the access will be removed from the target systems when the campaign closes.`}
        </p>
        {needing.length > 0 && (
          <ul className="max-h-32 list-disc overflow-y-auto pl-5 text-xs text-slate-600">
            {needing.map((r) => (
              <li key={r.id}>
                {r.identityName}: {r.entitlementName} ({whyComment(r)})
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
  );
}
