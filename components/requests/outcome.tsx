"use client";
import Link from "next/link";
import type { RequestOutcome } from "@/server/domain/requests/service";
import { formatDateTime } from "@/components/ui/format";
import { RequestStatusBadge } from "./badges";
import { StageList } from "./stage-list";

/** What happened to a request just submitted or edited: denied (reasons), granted at once, or its stages. */
/** Reasons as sentences ("…afterwards. The access…"). */
function sentences(reasons: string[]): string {
  return reasons.map((r) => (/[.!?]$/.test(r) ? r : `${r}.`)).join(" ");
}

export function OutcomePanel({ outcome }: { outcome: RequestOutcome }) {
  const d = outcome.decision;
  const tone = outcome.status === "DENIED" ? "border-red-200 bg-red-50" : outcome.status === "APPROVED" ? "border-emerald-200 bg-emerald-50" : "border-brand-100 bg-white";
  return (
    <section role="status" aria-live="polite" className={`space-y-3 rounded-lg border p-4 ${tone}`} data-testid="request-outcome">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="text-base font-semibold text-slate-900">
          {outcome.status === "DENIED" ? "Denied by policy" : outcome.status === "APPROVED" ? "Approved at once" : "Submitted: waiting for approval"}
        </h2>
        <RequestStatusBadge status={outcome.status} />
      </div>
      {outcome.status === "DENIED" && (
        <ul className="list-disc space-y-1 pl-5 text-sm text-red-800">
          {d.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {outcome.status === "APPROVED" && (
        <p className="text-sm text-emerald-900">
          {sentences(d.reasons)} The access is being provisioned{outcome.grant?.expiresAt ? ` and ends ${formatDateTime(outcome.grant.expiresAt)}` : ""}.
          {outcome.reviewDueAt && <> Security has been notified; a post-incident review is due by {formatDateTime(outcome.reviewDueAt)}.</>}
        </p>
      )}
      {outcome.status === "PENDING" && (
        <>
          <p className="text-sm text-slate-700">{sentences(d.reasons)}</p>
          <StageList stages={outcome.stages} />
        </>
      )}
      <p className="text-xs text-slate-500">
        Decided by policy version {d.policyVersion} (SHA-256 <span className="font-mono">{d.policyHash.slice(0, 12)}…</span>), determining policies: {d.determining.join(", ") || "none"}.
      </p>
      <Link href={`/requests/${outcome.id}`} className="inline-block text-sm font-medium text-brand-700 hover:underline">
        Open the request →
      </Link>
    </section>
  );
}
