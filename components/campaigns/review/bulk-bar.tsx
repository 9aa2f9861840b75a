"use client";
/**
 * The bulk bar of the review workspace: what is selected, "select all matching", and the actions on the
 * selection, each confirmed in a dialog that says what will happen: keep / revoke (one decision and comment
 * for all), accept the server's suggestions (each item decided as suggested, its comment naming the
 * suggestion's reasons; refused per item when the server no longer agrees), and reassign to another reviewer.
 * Calls go BULK_MAX items at a time through campaigns.bulkDecide / campaigns.bulkReassign; refusals come back
 * per item and are shown on the rows.
 */
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { Field, Textarea } from "@/components/ui/form";
import { readFormError } from "@/components/catalog/form-errors";
import { BULK_MAX, COMMENT_MAX, COMMENT_MIN, commentRequired } from "@/server/domain/campaigns/schema";
import { ConfirmDialog } from "../confirm-dialog";
import { plural } from "../labels";
import { PersonPicker, type Person } from "../people-picker";
import { whyComment, type Decision, type Pick } from "./workspace";

type Mode = Decision | "SUGGESTED" | "REASSIGN";
/** What a bulk action did: items decided here (shown at once), refusals per item, and a sentence. */
export type BulkOutcome = { decided: Record<string, Decision>; conflicts: Record<string, string>; notice: string };

const chunks = <T,>(a: T[]) => Array.from({ length: Math.ceil(a.length / BULK_MAX) }, (_, i) => a.slice(i * BULK_MAX, (i + 1) * BULK_MAX));

export function BulkBar({
  campaignId,
  selected,
  matching,
  canSelectMatching,
  onSelectMatching,
  onClear,
  onHelp,
  onDone,
}: {
  campaignId: string;
  selected: Map<string, Pick>;
  matching: "idle" | "loading" | "all";
  canSelectMatching: boolean;
  onSelectMatching: () => void;
  onClear: () => void;
  onHelp: () => void;
  onDone: (o: BulkOutcome) => void;
}) {
  const trpc = useTRPC();
  const [mode, setMode] = useState<Mode | null>(null);
  const [comment, setComment] = useState("");
  const [reason, setReason] = useState("");
  const [to, setTo] = useState<Person | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bulkDecide = useMutation(trpc.campaigns.bulkDecide.mutationOptions());
  const bulkReassign = useMutation(trpc.campaigns.bulkReassign.mutationOptions());

  const chosen = [...selected.values()];
  const suggested = chosen.filter((p) => p.suggestion);
  const suggestedRevoke = suggested.filter((p) => p.suggestion!.decision === "REVOKE");
  const suggestedKeep = suggested.filter((p) => p.suggestion!.decision === "KEEP");
  const decision = mode === "KEEP" || mode === "REVOKE" ? mode : null;
  const needing = decision ? chosen.filter((p) => commentRequired(decision, p)) : [];
  const commentMissing = needing.length > 0 && comment.trim().length < COMMENT_MIN;
  const holders = new Set(chosen.map((p) => p.identityId));

  const open = (m: Mode) => {
    setError(null);
    setMode(m);
  };
  function finish(o: BulkOutcome) {
    setMode(null);
    setComment("");
    setReason("");
    setBusy(false);
    onDone(o);
  }

  /** Decides `groups` (decision → items) through bulkDecide; partial success still reports what was done. */
  async function decide(groups: [Decision, Pick[]][], asSuggested: boolean) {
    setBusy(true);
    setError(null);
    const decided: Record<string, Decision> = {};
    const conflicts: Record<string, string> = {};
    let n = 0;
    try {
      for (const [d, picks] of groups) {
        for (const part of chunks(picks)) {
          const res = await bulkDecide.mutateAsync({ campaignId, decision: d, asSuggested, items: part.map((p) => ({ itemId: p.id, expectedVersion: p.version })), comment: comment.trim() || undefined });
          n += res.decided;
          const refused = new Set(res.conflicts.map((x) => x.itemId));
          for (const x of res.conflicts) conflicts[x.itemId] = `Not decided: ${x.reason}`;
          for (const p of part) if (!refused.has(p.id)) decided[p.id] = d;
        }
      }
    } catch (e) {
      setError(readFormError(e).message);
      setBusy(false);
      if (n === 0) return;
    }
    const refused = Object.keys(conflicts).length;
    const what = asSuggested ? `${plural(n, "suggestion")} accepted` : `${plural(n, "item")} ${groups[0]![0] === "KEEP" ? "kept" : "revoked"}`;
    finish({ decided, conflicts, notice: `${what}${refused ? `; ${plural(refused, "item")} not decided (see the rows marked “Not decided”)` : ""}.` });
  }

  async function reassign() {
    if (!to) return;
    setBusy(true);
    setError(null);
    const conflicts: Record<string, string> = {};
    let n = 0;
    try {
      for (const part of chunks(chosen)) {
        const res = await bulkReassign.mutateAsync({ campaignId, toId: to.id, reason: reason.trim(), items: part.map((p) => ({ itemId: p.id, expectedVersion: p.version })) });
        n += res.reassigned;
        for (const x of res.conflicts) conflicts[x.itemId] = `Not reassigned: ${x.reason}`;
      }
    } catch (e) {
      setError(readFormError(e).message);
      setBusy(false);
      if (n === 0) return;
    }
    const refused = Object.keys(conflicts).length;
    finish({ decided: {}, conflicts, notice: `${plural(n, "item")} reassigned to ${to.name}${refused ? `; ${plural(refused, "item")} not reassigned (see the rows marked “Not reassigned”)` : ""}.` });
  }

  const none = selected.size === 0;
  return (
    <>
      <div className={`flex flex-wrap items-center gap-2 rounded-md border px-3 py-2 text-sm ${selected.size ? "border-brand-100 bg-brand-50" : "border-slate-200 bg-white"}`} aria-label="Bulk actions" role="group">
        <span className="text-slate-700" data-testid="selection-count">
          {selected.size ? `${plural(selected.size, "item")} selected${matching === "all" ? " (every open item matching the filters)" : ""}` : "Select items to act on them together."}
        </span>
        {canSelectMatching && (
          <Button variant="ghost" className="px-2 py-1 text-xs text-brand-700" onClick={onSelectMatching} disabled={matching === "loading"}>
            {matching === "loading" ? "Selecting…" : `Select all open items matching the filters`}
          </Button>
        )}
        <div className="flex-1" />
        <Button variant="secondary" className="px-2.5 py-1 text-xs" disabled={suggested.length === 0} onClick={() => open("SUGGESTED")}>
          {suggested.length ? `Accept ${plural(suggested.length, "suggestion")}…` : "Accept suggestions…"}
        </Button>
        <Button className="px-2.5 py-1 text-xs" disabled={none} onClick={() => open("KEEP")}>
          Keep selected…
        </Button>
        <Button variant="danger" className="px-2.5 py-1 text-xs" disabled={none} onClick={() => open("REVOKE")}>
          Revoke selected…
        </Button>
        <Button variant="secondary" className="px-2.5 py-1 text-xs" disabled={none} onClick={() => open("REASSIGN")}>
          Reassign selected…
        </Button>
        {!none && (
          <Button variant="ghost" className="px-2.5 py-1 text-xs" onClick={onClear}>
            Clear selection
          </Button>
        )}
        <Button variant="ghost" className="px-2 py-1 text-xs" onClick={onHelp} aria-label="Keyboard shortcuts">
          <kbd className="rounded border border-slate-300 px-1 font-mono">?</kbd>
        </Button>
      </div>
      {error && !mode && (
        <p role="alert" className="text-sm font-medium text-red-700">
          {error}
        </p>
      )}

      <ConfirmDialog
        open={decision !== null}
        title={decision === "KEEP" ? `Keep ${plural(chosen.length, "grant")}?` : `Revoke ${plural(chosen.length, "grant")}?`}
        confirmLabel={decision === "KEEP" ? `Keep ${plural(chosen.length, "grant")}` : `Revoke ${plural(chosen.length, "grant")}`}
        confirmVariant={decision === "REVOKE" ? "danger" : "primary"}
        busy={busy}
        confirmDisabled={commentMissing}
        onCancel={() => setMode(null)}
        onConfirm={() => decision && void decide([[decision, chosen]], false)}
      >
        <p data-testid="bulk-summary">
          {decision === "KEEP"
            ? `Keep ${plural(chosen.length, "grant")}: the access stays as it is.${needing.length ? ` ${needing.length} of them ${needing.length === 1 ? "is" : "are"} privileged or of unverified origin and need${needing.length === 1 ? "s" : ""} a comment.` : ""}`
            : `Revoke ${plural(chosen.length, "grant")}: the access will be removed from the target systems when the campaign closes.`}
        </p>
        {needing.length > 0 && (
          <ul className="max-h-32 list-disc overflow-y-auto pl-5 text-xs text-slate-600">
            {needing.map((p) => (
              <li key={p.id}>
                {p.identityName}: {p.entitlementName} ({whyComment(p)})
              </li>
            ))}
          </ul>
        )}
        <Field
          label={needing.length > 0 ? "Comment (required, applies to every selected item)" : "Comment (optional, applies to every selected item)"}
          hint={needing.length > 0 ? `Say why this access is still needed (at least ${COMMENT_MIN} characters).` : undefined}
          error={error}
        >
          {(p) => <Textarea {...p} rows={2} value={comment} maxLength={COMMENT_MAX} onChange={(e) => setComment(e.target.value)} />}
        </Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={mode === "SUGGESTED"}
        title={`Accept ${plural(suggested.length, "suggestion")}?`}
        confirmLabel={`Accept ${plural(suggested.length, "suggestion")}`}
        busy={busy}
        onCancel={() => setMode(null)}
        onConfirm={() =>
          void decide(
            ([["REVOKE", suggestedRevoke], ["KEEP", suggestedKeep]] as [Decision, Pick[]][]).filter(([, g]) => g.length > 0),
            true,
          )
        }
      >
        <p data-testid="suggested-summary">
          {[suggestedRevoke.length ? `Revoke ${plural(suggestedRevoke.length, "grant")}` : null, suggestedKeep.length ? `keep ${plural(suggestedKeep.length, "grant")}` : null].filter(Boolean).join(" and ")}
          , as suggested. Each decision&apos;s comment names the suggestion&apos;s reasons. An item whose facts changed since this page loaded is not decided.
          {chosen.length > suggested.length ? ` ${plural(chosen.length - suggested.length, "selected item")} without a suggestion ${chosen.length - suggested.length === 1 ? "is" : "are"} left as ${chosen.length - suggested.length === 1 ? "it is" : "they are"}.` : ""}
        </p>
        <ul className="max-h-32 list-disc overflow-y-auto pl-5 text-xs text-slate-600">
          {suggested.slice(0, 50).map((p) => (
            <li key={p.id}>
              {p.identityName}: {p.entitlementName} — {p.suggestion!.text}
            </li>
          ))}
          {suggested.length > 50 && <li>and {plural(suggested.length - 50, "more item")}</li>}
        </ul>
        <Field label="Comment (optional, added after the suggestion's reasons)" error={error}>
          {(p) => <Textarea {...p} rows={2} value={comment} maxLength={COMMENT_MAX - 200} onChange={(e) => setComment(e.target.value)} />}
        </Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={mode === "REASSIGN"}
        title={`Reassign ${plural(chosen.length, "item")}`}
        confirmLabel={`Reassign ${plural(chosen.length, "item")}`}
        busy={busy}
        confirmDisabled={!to || reason.trim().length < COMMENT_MIN}
        onCancel={() => setMode(null)}
        onConfirm={() => void reassign()}
      >
        <p data-testid="reassign-summary">
          The {plural(chosen.length, "item")} move to the person you choose; each reassignment and its reason are recorded, and they get one notification. An item they hold themselves is not moved (nobody reviews their own access).
        </p>
        <PersonPicker label="Reassign to" value={to?.id ?? ""} onChange={setTo} initial={to} excludeIds={holders.size === 1 ? [...holders] : []} />
        <Field label="Reason for reassigning" hint={`Why this person can decide better (${COMMENT_MIN} to 500 characters).`} error={error}>
          {(p) => <Textarea {...p} rows={2} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
        </Field>
      </ConfirmDialog>
    </>
  );
}
