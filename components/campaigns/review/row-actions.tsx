"use client";
import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { Field, Textarea } from "@/components/ui/form";
import { readFormError } from "@/components/catalog/form-errors";
import { COMMENT_MAX, COMMENT_MIN } from "@/server/domain/campaigns/schema";
import { ConfirmDialog } from "../confirm-dialog";
import { PersonPicker, type Person } from "../people-picker";
import type { ReviewItemRow } from "../types";
import { needsComment, whyComment, type Command, type Decision } from "./workspace";

/** Keep / Revoke with a comment (required to keep privileged or unverified-origin access), and Reassign: each in a dialog. */
export function RowActions({ r, active, onConflict, onDecided, command }: { r: ReviewItemRow; active: boolean; onConflict: (id: string, msg: string | null) => void; onDecided: (id: string, d: Decision) => void; command: Command | null }) {
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
    if (f.code === "CONFLICT") onConflict(r.id, `${mode === "REASSIGN" ? "Not reassigned" : "Not decided"}: ${f.message}`);
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
    <div className="flex flex-wrap gap-1 md:flex-nowrap">
      <Button variant="secondary" className="px-1.5 py-0.5 text-xs" onClick={() => open("KEEP")} aria-label={`Keep ${what}`}>
        Keep
      </Button>
      <Button variant="secondary" className="px-1.5 py-0.5 text-xs text-red-700" onClick={() => open("REVOKE")} aria-label={`Revoke ${what}`}>
        Revoke
      </Button>
      <Button variant="ghost" className="px-1.5 py-0.5 text-xs" onClick={() => open("REASSIGN")} aria-label={`Reassign ${what}`}>
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
          hint={required ? `A comment is required to keep ${whyComment({ privileged: r.privileged, originUnverified: r.context.originUnverified })}: say why it is still needed (at least ${COMMENT_MIN} characters).` : "Kept with the decision in the report."}
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
