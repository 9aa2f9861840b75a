"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner, ReloadLink } from "@/components/ui/card";
import { Field, Input, Textarea } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import { JUSTIFICATION_MAX } from "@/server/domain/requests/schema";

function StaleHint({ error }: { error: FormError }) {
  if (error.code !== "CONFLICT") return null;
  return <ReloadLink />;
}

/** Cancel or edit a pending request (the requester). Editing voids the approvals given so far. */
export function RequestActions({ request }: { request: { id: string; revision: number; justification: string; durationHours: number; ticketUrl: string | null; approvedCount: number } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [justification, setJustification] = useState(request.justification);
  const [hours, setHours] = useState(String(request.durationHours));
  const [ticketUrl, setTicketUrl] = useState(request.ticketUrl ?? "");
  const [error, setError] = useState<FormError | null>(null);
  const onError = (e: unknown) => setError(readFormError(e));
  const cancel = useMutation(trpc.requests.cancel.mutationOptions({ onSuccess: () => router.refresh(), onError }));
  const edit = useMutation(
    trpc.requests.edit.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        router.refresh();
      },
      onError,
    }),
  );

  function onEdit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const h = Number(hours);
    edit.mutate({
      id: request.id,
      expectedRevision: request.revision,
      ...(justification !== request.justification ? { justification } : {}),
      ...(h !== request.durationHours ? { durationHours: Number.isFinite(h) ? h : Number.NaN } : {}),
      ...(ticketUrl !== (request.ticketUrl ?? "") ? { ticketUrl: ticketUrl.trim() || null } : {}),
    });
  }

  return (
    <div className="space-y-3">
      {error && (
        <ErrorBanner title="Not done">
          {error.message}
          <StaleHint error={error} />
        </ErrorBanner>
      )}
      {!editing ? (
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => setEditing(true)}>
            Edit request
          </Button>
          <Button
            variant="danger"
            disabled={cancel.isPending}
            onClick={() => {
              if (window.confirm("Cancel this request? Approvers will no longer be able to decide it.")) cancel.mutate({ id: request.id, expectedRevision: request.revision });
            }}
          >
            {cancel.isPending ? "Cancelling…" : "Cancel request"}
          </Button>
        </div>
      ) : (
        <form onSubmit={onEdit} className="space-y-4" aria-label="Edit request" noValidate>
          {request.approvedCount > 0 && (
            <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Approvals are bound to the exact request: saving a change voids the {request.approvedCount === 1 ? "approval" : `${request.approvedCount} approvals`} given so far, and the stages start again.
            </p>
          )}
          <Field label="Justification" error={error?.fields.justification}>
            {(a) => <Textarea {...a} rows={4} value={justification} onChange={(e) => setJustification(e.target.value)} maxLength={JUSTIFICATION_MAX} />}
          </Field>
          <Field label="Duration (hours)" error={error?.fields.durationHours}>
            {(a) => <Input {...a} type="number" min={1} step={1} value={hours} onChange={(e) => setHours(e.target.value)} />}
          </Field>
          <Field label="Ticket link (optional)" error={error?.fields.ticketUrl}>
            {(a) => <Input {...a} type="url" value={ticketUrl} onChange={(e) => setTicketUrl(e.target.value)} maxLength={500} />}
          </Field>
          <div className="flex gap-2">
            <Button type="submit" disabled={edit.isPending}>
              {edit.isPending ? "Saving…" : "Save changes"}
            </Button>
            <Button variant="secondary" onClick={() => setEditing(false)}>
              Keep as is
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}

/** Approve or deny the open stage (an eligible approver or their delegate). Deny needs a reason. */
export function DecisionPanel({ requestId, stepId, revision, authorityText }: { requestId: string; stepId: string; revision: number; authorityText: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const decide = useMutation(trpc.approvals.decide.mutationOptions({ onSuccess: () => router.refresh(), onError: (e) => setError(readFormError(e)) }));
  const go = (decision: "APPROVE" | "DENY") => {
    setError(null);
    decide.mutate({ requestId, stepId, decision, reason: reason.trim() || undefined, expectedRevision: revision });
  };
  return (
    <div className="space-y-3" data-testid="decision-panel">
      <p className="text-sm text-slate-700">
        You can decide this stage as: <span className="font-medium">{authorityText}</span>. Your decision is recorded with this authority and bound to revision {revision} of the request.
      </p>
      {error && (
        <ErrorBanner title="Your decision was not recorded">
          {error.message}
          <StaleHint error={error} />
        </ErrorBanner>
      )}
      <Field label="Reason (required to deny)" error={error?.fields.reason}>
        {(a) => <Textarea {...a} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />}
      </Field>
      <div className="flex gap-2">
        <Button onClick={() => go("APPROVE")} disabled={decide.isPending}>
          Approve
        </Button>
        <Button variant="danger" onClick={() => go("DENY")} disabled={decide.isPending}>
          Deny
        </Button>
      </div>
    </div>
  );
}
