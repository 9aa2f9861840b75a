import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, DetailList, EmptyState, PageHeader } from "@/components/ui/card";
import { Badge, KIND_LABEL } from "@/components/ui/badge";
import { LinkButton } from "@/components/ui/button";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { CampaignStatusBadge } from "@/components/campaigns/status-badge";
import { ProgressBar } from "@/components/campaigns/progress-bar";
import { CloseButton, ExtendDueForm, LaunchButton, RemindButton } from "@/components/campaigns/campaign-actions";
import { CAMPAIGN_STATUS, DEFAULT_ACTION, RECURRENCE_LABEL, STRATEGY, plural } from "@/components/campaigns/labels";
import { orNotFound } from "../_lib/server";

export const metadata = { title: "Campaign" };

function Stat({ label, value, tone = "slate", testId }: { label: string; value: number; tone?: "slate" | "green" | "red" | "amber"; testId?: string }) {
  const color = { slate: "text-slate-900", green: "text-emerald-700", red: "text-red-700", amber: "text-amber-700" }[tone];
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2" data-testid={testId}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className={`text-2xl font-semibold tabular-nums ${color}`}>{value.toLocaleString("en-GB")}</p>
    </div>
  );
}

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const [c, facets] = await Promise.all([orNotFound(api.campaigns.byId({ id })), api.catalog.facets()]);
  const seesAll = c.viewer.seesWhole;
  const systemNames = c.scope.systemIds.map((sid) => facets.systems.find((s) => s.id === sid)?.name ?? "an unknown system");
  const now = Date.now();
  const overdue = c.status === "ACTIVE" && new Date(c.dueAt).getTime() < now && c.counts.undecided > 0;
  const openReviewers = c.perReviewer.filter((r) => r.decided + r.defaulted < r.total).length;
  const defaulted = c.counts.defaultKept + c.counts.defaultRevoked;

  const scopeSummary = [
    c.scope.systemIds.length ? `Systems: ${systemNames.join(", ")}` : "Every system",
    c.scope.entitlementIds.length ? `${plural(c.scope.entitlementIds.length, "chosen entitlement")}` : null,
    c.scope.minRisk ? `${c.scope.minRisk.charAt(0)}${c.scope.minRisk.slice(1).toLowerCase()} risk and above` : null,
    c.scope.privilegedOnly ? "privileged access only" : null,
    c.scope.identityKinds.length ? `identities: ${c.scope.identityKinds.map((k) => KIND_LABEL[k] ?? k).join(", ")}` : "every kind of identity",
    c.scope.identityIds?.length ? `the access of ${plural(c.scope.identityIds.length, "chosen person", "chosen people")}` : null,
    c.scope.notReviewedForDays ? `not reviewed in the last ${plural(c.scope.notReviewedForDays, "day")}` : null,
  ].filter(Boolean);

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href="/campaigns" className="hover:underline">
            ← Access reviews
          </Link>
        }
        title={
          <span className="inline-flex flex-wrap items-center gap-3">
            {c.name} <CampaignStatusBadge status={c.status} />
            {overdue && <Badge tone="red">Overdue</Badge>}
          </span>
        }
        description={c.description || CAMPAIGN_STATUS[c.status]?.hint}
        actions={
          <>
            {c.viewer.isReviewer && c.status === "ACTIVE" && <LinkButton href={`/campaigns/${c.id}/review`}>Review my items</LinkButton>}
            {seesAll && c.status !== "DRAFT" && (
              <LinkButton variant="secondary" href={`/campaigns/${c.id}/report`}>
                Completion report
              </LinkButton>
            )}
          </>
        }
      />

      {c.viewer.canManage && (c.status === "DRAFT" || c.status === "ACTIVE") && (
        <Card title="Actions">
          <div className="flex flex-wrap items-start gap-3">
            {c.status === "DRAFT" && <LaunchButton campaign={{ id: c.id, name: c.name, updatedAt: c.updatedAt }} scope={c.scope} />}
            {c.status === "ACTIVE" && (
              <>
                <RemindButton campaignId={c.id} openReviewers={openReviewers} />
                <ExtendDueForm campaignId={c.id} dueAt={c.dueAt} />
                <CloseButton campaign={{ id: c.id, name: c.name, defaultAction: c.defaultAction }} undecided={c.counts.undecided} revoked={c.counts.revoked} />
              </>
            )}
          </div>
        </Card>
      )}

      {!seesAll ? (
        c.viewer.isReviewer ? (
          <Card title="Your part">
            {c.status === "ACTIVE" ? (
              <p className="text-sm text-slate-700">
                You review items in this campaign, due {formatDate(c.dueAt)}.{" "}
                <Link href={`/campaigns/${c.id}/review`} className="font-medium text-brand-700 hover:underline">
                  Open my items →
                </Link>
              </p>
            ) : (
              <p className="text-sm text-slate-700">
                This campaign is closed for decisions{c.closedAt ? ` since ${formatDate(c.closedAt)}` : ""}.{" "}
                <Link href={`/campaigns/${c.id}/review?state=all`} className="font-medium text-brand-700 hover:underline">
                  See my items (read only) →
                </Link>
              </p>
            )}
            <div className="mt-3 max-w-xl">
              <ProgressBar done={c.counts.decided} defaulted={c.counts.defaultKept + c.counts.defaultRevoked} total={c.counts.total} label="My items decided" />
            </div>
          </Card>
        ) : (
          <EmptyState title="Nothing for you here">You have no items in this campaign.</EmptyState>
        )
      ) : (
        <>
          {c.status !== "DRAFT" && (
            <section aria-label="Progress" className="space-y-3">
              <Card title="Decisions so far">
                <div className="space-y-4">
                  <ProgressBar done={c.counts.decided} defaulted={defaulted} total={c.counts.total} label="Campaign progress" />
                  <div className={`grid grid-cols-2 gap-3 ${defaulted ? "sm:grid-cols-4 lg:grid-cols-7" : "sm:grid-cols-5"}`}>
                    <Stat label="Items" value={c.counts.total} />
                    <Stat label="Kept by reviewers" value={c.counts.kept} tone="green" testId="stat-kept" />
                    <Stat label="Revoked by reviewers" value={c.counts.revoked} tone="red" testId="stat-revoked" />
                    {defaulted > 0 && (
                      <>
                        <Stat label="Kept by default" value={c.counts.defaultKept} tone="amber" testId="stat-default-kept" />
                        <Stat label="Revoked by default" value={c.counts.defaultRevoked} tone="amber" testId="stat-default-revoked" />
                      </>
                    )}
                    <Stat label="Undecided" value={c.counts.undecided} tone={c.counts.undecided ? "amber" : "slate"} testId="stat-undecided" />
                    <Stat label="Overdue items" value={c.counts.overdue} tone={c.counts.overdue ? "red" : "slate"} testId="stat-overdue" />
                  </div>
                  {defaulted > 0 && (
                    <p className="text-xs text-slate-600">
                      &ldquo;By default&rdquo;: nobody decided these items before the campaign closed; the campaign&apos;s default action ({DEFAULT_ACTION[c.defaultAction as keyof typeof DEFAULT_ACTION]?.label ?? c.defaultAction}) did. They are not reviewer decisions.
                    </p>
                  )}
                </div>
              </Card>
              {(c.status === "REMEDIATING" || c.status === "CLOSED" || c.remediation.requested > 0) && (
                <Card title="Remediation (revocations)">
                  <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
                    <Stat label="Requested" value={c.remediation.requested} testId="remediation-requested" />
                    <Stat label="Confirmed" value={c.remediation.confirmed} tone="green" testId="remediation-confirmed" />
                    <Stat label="Pending" value={c.remediation.pending} tone={c.remediation.pending ? "amber" : "slate"} testId="remediation-pending" />
                    <Stat label="Failed" value={c.remediation.failed} tone={c.remediation.failed ? "red" : "slate"} testId="remediation-failed" />
                  </div>
                  <p className="mt-3 text-xs text-slate-600">
                    A revocation counts as confirmed only when the connector reads the target system back (or the owner confirms a manual change). Failed revocations are listed in the report and on{" "}
                    <Link href="/tasks?view=failed" className="text-brand-700 underline">
                      Tasks
                    </Link>
                    .
                  </p>
                </Card>
              )}
            </section>
          )}

          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Definition">
              <DetailList
                items={[
                  { label: "Owner", value: c.owner.name },
                  {
                    label: "Reviewers",
                    value: `${STRATEGY[c.reviewerStrategy as keyof typeof STRATEGY]?.label ?? c.reviewerStrategy}${c.reviewerStrategy === "NAMED" && c.namedReviewers.length ? `: ${c.namedReviewers.map((p) => p.name).join(", ")}` : ""}`,
                  },
                  { label: "Fallback reviewer", value: c.fallbackReviewer?.name },
                  { label: "Undecided items at close", value: DEFAULT_ACTION[c.defaultAction as keyof typeof DEFAULT_ACTION]?.label ?? c.defaultAction },
                  { label: "Starts", value: formatDate(c.startsAt) },
                  { label: "Due", value: formatDate(c.dueAt) },
                  { label: "Reminders", value: c.reminderDays.length ? `${c.reminderDays.join(", ")} days before the due date` : "None" },
                  { label: "Recurrence", value: RECURRENCE_LABEL[c.recurrence ?? ""] },
                  { label: "Launched", value: c.launchedAt ? formatDateTime(c.launchedAt) : null },
                  { label: "Closed", value: c.closedAt ? formatDateTime(c.closedAt) : null },
                ]}
              />
              <div className="mt-4">
                <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Scope</p>
                <p className="mt-0.5 text-sm text-slate-900">{scopeSummary.join(" · ")}</p>
              </div>
            </Card>
            <Card title="Completeness evidence">
              {c.status === "DRAFT" ? (
                <p className="text-sm text-slate-600">Recorded at launch: the number of grants in scope and the hash of the exact scope query.</p>
              ) : (
                <DetailList
                  items={[
                    { label: "Population at launch", value: <span data-testid="population-count">{c.populationCount?.toLocaleString("en-GB")}</span> },
                    { label: "Scope hash (SHA-256)", value: <span className="break-all font-mono text-xs">{c.scopeHash}</span> },
                  ]}
                />
              )}
              {c.scopeQuery && (
                <details className="mt-3">
                  <summary className="cursor-pointer text-xs font-medium text-slate-600">The exact scope query</summary>
                  <pre className="mt-2 max-h-64 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 font-mono text-[11px] text-slate-700">{c.scopeQuery}</pre>
                </details>
              )}
            </Card>
          </div>

          {c.status !== "DRAFT" && (
            <Card title="Progress per reviewer">
              {c.perReviewer.length === 0 ? (
                <p className="text-sm text-slate-500">No items were in scope.</p>
              ) : (
                <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Progress per reviewer">
                  <thead>
                    <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                      <th scope="col" className="py-2 pr-4">Reviewer</th>
                      <th scope="col" className="py-2 pr-4">Decided by them</th>
                      <th scope="col" className="w-1/2 py-2">Progress</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {c.perReviewer.map((r) => (
                      <tr key={r.reviewerId}>
                        <td className="py-2 pr-4">
                          <Link href={`/identities/${r.reviewerId}`} className="text-brand-700 hover:underline">
                            {r.name}
                          </Link>
                        </td>
                        <td className="py-2 pr-4 tabular-nums" data-testid="reviewer-decided">
                          {r.decided} / {r.total}
                          {r.defaulted > 0 && <span className="block text-xs text-amber-700">+ {r.defaulted} by default at close</span>}
                        </td>
                        <td className="py-2">
                          <ProgressBar done={r.decided} defaulted={r.defaulted} total={r.total} label={`${r.name}'s progress`} size="sm" showText={false} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          )}
        </>
      )}
    </div>
  );
}
