"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { useTRPC } from "@/components/trpc/client";
import { ReasonAction } from "@/components/grants/reason-action";
import type { BreakGlassReviewRow } from "@/server/domain/provisioning/queries";

/** Break-glass access waiting for security's post-incident review (a short list: no paging needed). */
export function BreakGlassReviews({ rows }: { rows: BreakGlassReviewRow[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const review = useMutation(trpc.grants.reviewBreakGlass.mutationOptions());
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Break-glass reviews due">
        <thead>
          <tr>
            {["Access", "Who", "Incident", "Review due", "Action"].map((h) => (
              <th key={h} scope="col" className="px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => {
            return (
              <tr key={r.requestId} className="align-top">
                <td className="px-3 py-2">
                  <p className="font-medium text-slate-900">{r.entitlement.name}</p>
                  <p className="text-xs text-slate-500">{r.entitlement.system}</p>
                </td>
                <td className="px-3 py-2">
                  <Link href={`/identities/${r.beneficiary.id}`} className="text-brand-700 hover:underline">
                    {r.beneficiary.displayName}
                  </Link>
                  {r.requester.id !== r.beneficiary.id && <p className="text-xs text-slate-500">requested by {r.requester.displayName}</p>}
                </td>
                <td className="px-3 py-2">
                  <p>{r.incidentRef ?? "—"}</p>
                  <p className="max-w-72 text-xs text-slate-500">{r.justification}</p>
                </td>
                <td className="whitespace-nowrap px-3 py-2">
                  {formatDateTime(r.reviewDueAt)} {r.late && <Badge tone="red">{r.escalatedAt ? "Overdue · escalated" : "Overdue"}</Badge>}
                </td>
                <td className="px-3 py-2">
                  {r.canReview ? (
                    <ReasonAction
                      trigger="Review…"
                      triggerVariant="primary"
                      label="Review note (what was done with the access, follow-ups)"
                      submits={[{ label: "Record review", run: (note) => review.mutateAsync({ requestId: r.requestId, note }), done: "Review recorded." }]}
                      onDone={() => router.refresh()}
                    />
                  ) : (
                    <span className="text-xs text-slate-500">Another security officer reviews this.</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
