"use client";
/**
 * Decide the selected inbox rows at once with one reason (approvals.decideMany). Each stage is decided on
 * its own on the server; what was refused is listed here with its reason, and the rest leave the inbox.
 */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Field, Textarea } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import { DECIDE_MANY_MAX, REASON_MAX } from "@/server/domain/approvals/schema";

export type Selected = { requestId: string; stepId: string; expectedRevision: number; title: string };
type Outcome = { stepId: string; ok: boolean; message?: string };

export function BulkDecideBar({ selected, onDone }: { selected: Selected[]; onDone: (keep: string[]) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const [report, setReport] = useState<{ decided: number; decision: "APPROVE" | "DENY"; refused: { title: string; message: string }[] } | null>(null);
  const decideMany = useMutation(
    trpc.approvals.decideMany.mutationOptions({
      onSuccess: (out, vars) => {
        const byStep = new Map(selected.map((s) => [s.stepId, s.title]));
        const outcomes = out.outcomes as Outcome[];
        const refused = outcomes.filter((o) => !o.ok).map((o) => ({ title: byStep.get(o.stepId) ?? o.stepId, message: o.message ?? "" }));
        setReport({ decided: outcomes.length - refused.length, decision: vars.decision, refused });
        setReason("");
        // Keep the refused ones selected (they are still in the inbox if they can be retried).
        onDone(outcomes.filter((o) => !o.ok).map((o) => o.stepId));
        router.refresh();
      },
      onError: (e) => setError(readFormError(e)),
    }),
  );
  const go = (decision: "APPROVE" | "DENY") => {
    setError(null);
    setReport(null);
    decideMany.mutate({ items: selected.map(({ requestId, stepId, expectedRevision }) => ({ requestId, stepId, expectedRevision })), decision, reason: reason.trim() || undefined });
  };
  const n = selected.length;
  const tooMany = n > DECIDE_MANY_MAX;
  return (
    <div className="space-y-2">
      {report && (
        <div role="status" data-testid="bulk-report" className="rounded-md border border-green-200 bg-green-50 px-4 py-2.5 text-sm text-green-900">
          <p className="font-medium">
            {report.decision === "APPROVE" ? "Approved" : "Denied"} {report.decided} of {report.decided + report.refused.length}.
          </p>
          {report.refused.length > 0 && (
            <ul className="mt-1 list-disc pl-5 text-amber-900">
              {report.refused.map((r) => (
                <li key={r.title + r.message}>
                  <span className="font-medium">{r.title}</span>: {r.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {n > 0 && (
        <section aria-label="Decide the selected requests" data-testid="bulk-bar" className="rounded-lg border border-brand-100 bg-brand-50 p-3">
          {error && (
            <div className="mb-2">
              <ErrorBanner title="Nothing was decided">{error.message}</ErrorBanner>
            </div>
          )}
          <div className="flex flex-col gap-3 md:flex-row md:items-end">
            <p className="text-sm font-medium text-slate-900 md:w-40 md:pb-2">
              {n} selected{tooMany && <span className="block text-xs font-normal text-red-700">At most {DECIDE_MANY_MAX} at once</span>}
            </p>
            <div className="flex-1">
              <Field label="One reason for all (required to deny)" error={error?.fields.reason}>
                {(a) => <Textarea {...a} rows={1} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={REASON_MAX} />}
              </Field>
            </div>
            <div className="flex gap-2 md:pb-0.5">
              <Button onClick={() => go("APPROVE")} disabled={decideMany.isPending || tooMany}>
                Approve {n}
              </Button>
              <Button variant="danger" onClick={() => go("DENY")} disabled={decideMany.isPending || tooMany}>
                Deny {n}
              </Button>
            </div>
          </div>
        </section>
      )}
    </div>
  );
}
