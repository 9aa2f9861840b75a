"use client";
/**
 * The approver's decision on the request page: approve or deny (a reason is required to deny), then on to
 * the next request waiting in the inbox, or back to the inbox when none is left. Where to go is read fresh
 * after the decision (the inbox may have changed meanwhile); the next page says what was just decided.
 */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner, ReloadLink } from "@/components/ui/card";
import { Field, Textarea } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import { REASON_MAX } from "@/server/domain/approvals/schema";
import { decidedNoticeParams } from "./decided-notice";

export function DecisionPanel({ requestId, stepId, revision, authorityText, title }: { requestId: string; stepId: string; revision: number; authorityText: string; title: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const [leaving, setLeaving] = useState(false);
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: async (out, vars) => {
        setLeaving(true);
        const notice = decidedNoticeParams(vars.decision === "APPROVE" ? (out.status === "PENDING" ? "approved-stage" : "approved") : "denied", title);
        // The next stage waiting for me, other than this request (its stage may now be mine again: skip it).
        const inbox = await client.approvals.inbox.query({ page: 1, size: 5, sort: "openedAt", dir: "asc" }).catch(() => null);
        const next = inbox?.rows.find((r) => r.requestId !== requestId);
        router.push(next ? `/requests/${next.requestId}?${notice}` : `/approvals?${notice}`);
      },
      onError: (e) => setError(readFormError(e)),
    }),
  );
  const go = (decision: "APPROVE" | "DENY") => {
    setError(null);
    decide.mutate({ requestId, stepId, decision, reason: reason.trim() || undefined, expectedRevision: revision });
  };
  const busy = decide.isPending || leaving;
  return (
    <div className="space-y-3" data-testid="decision-panel">
      {error && (
        <ErrorBanner title="Your decision was not recorded">
          {error.message}
          {error.code === "CONFLICT" && <ReloadLink />}
        </ErrorBanner>
      )}
      <Field label="Reason (required to deny)" error={error?.fields.reason}>
        {(a) => <Textarea {...a} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={REASON_MAX} />}
      </Field>
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => go("APPROVE")} disabled={busy}>
          Approve
        </Button>
        <Button variant="danger" onClick={() => go("DENY")} disabled={busy}>
          Deny
        </Button>
        <span className="text-xs text-slate-500">{busy ? "Recording your decision…" : "Then on to the next request in your inbox."}</span>
      </div>
      <p className="text-xs text-slate-600">
        You decide as <span className="font-medium">{authorityText}</span>; your decision is bound to revision {revision} of the request.
      </p>
    </div>
  );
}
