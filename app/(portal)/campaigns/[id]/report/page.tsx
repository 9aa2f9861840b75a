import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, DetailList, NoticeBanner, PageHeader } from "@/components/ui/card";
import { Badge, KIND_LABEL, PrivilegedBadge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { CampaignStatusBadge } from "@/components/campaigns/status-badge";
import { PrintButton } from "@/components/campaigns/print-button";
import { DEFAULT_ACTION, STRATEGY, plural } from "@/components/campaigns/labels";
import { routingLabel } from "@/server/domain/campaigns/schema";
import { orNotFound } from "../../_lib/server";

export const metadata = { title: "Completion report" };

/** Print: no portal chrome, no buttons, landscape A4, rows kept whole across pages. */
const PRINT_CSS = `
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { background: white !important; }
  .report-table, .report-table * { font-size: 9.5px !important; }
  .report-table tr { break-inside: avoid; }
  .report-table thead { display: table-header-group; }
  a { color: inherit !important; text-decoration: none !important; }
}`;

const REMEDIATION: Record<string, { label: string; tone: "slate" | "amber" | "green" | "red" }> = {
  NONE: { label: "—", tone: "slate" },
  PENDING: { label: "Revocation requested", tone: "amber" },
  CONFIRMED: { label: "Removed (confirmed)", tone: "green" },
  FAILED: { label: "Revocation failed", tone: "red" },
};

function Total({ label, value, tone }: { label: string; value: number; tone?: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 print:py-1">
      <p className="text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className={`text-xl font-semibold tabular-nums ${tone ?? "text-slate-900"}`}>{value.toLocaleString("en-GB")}</p>
    </div>
  );
}

export default async function ReportPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const r = await orNotFound(api.campaignOps.report({ campaignId: id }));
  const c = r.campaign;
  const t = r.totals;
  return (
    <div className="space-y-6">
      <style>{PRINT_CSS}</style>
      <PageHeader
        eyebrow={
          <Link href={`/campaigns/${id}`} className="hover:underline print:hidden">
            ← {c.name}
          </Link>
        }
        title={
          <span className="inline-flex flex-wrap items-center gap-3">
            Completion report: {c.name} <CampaignStatusBadge status={c.status} />
          </span>
        }
        description={`Generated ${formatDateTime(r.generatedAt)}. Who reviewed what and when, the decisions and comments, overdue and defaulted items, and every revocation with its confirmation.`}
        actions={
          <div className="flex gap-2 print:hidden">
            <PrintButton />
            <a href={`/api/campaigns/${id}/report.csv`} className={buttonClass("primary")} download>
              Download CSV
            </a>
          </div>
        }
      />
      {c.status === "REMEDIATING" && <NoticeBanner>Remediating: {plural(t.revocationsPending, "revocation")} not yet confirmed. The report is final when the campaign is closed.</NoticeBanner>}

      <Card title="Campaign">
        <DetailList
          items={[
            { label: "Owner", value: c.owner.name },
            { label: "Reviewers", value: STRATEGY[c.reviewerStrategy as keyof typeof STRATEGY]?.label ?? c.reviewerStrategy },
            { label: "Fallback reviewer", value: c.fallbackReviewer.name },
            { label: "Undecided items at close", value: DEFAULT_ACTION[c.defaultAction as keyof typeof DEFAULT_ACTION]?.label ?? c.defaultAction },
            { label: "Period", value: `${formatDate(c.startsAt)} – ${formatDate(c.dueAt)} (due)` },
            { label: "Launched", value: formatDateTime(c.launchedAt) },
            { label: "Closed", value: c.closedAt ? `${formatDateTime(c.closedAt)}${c.closedBy ? ` by ${c.closedBy.name}` : ""}` : null },
            { label: "Population at launch", value: c.populationCount?.toLocaleString("en-GB") },
            { label: "Scope hash (SHA-256)", value: <span className="break-all font-mono text-xs">{c.scopeHash}</span> },
          ]}
        />
      </Card>

      <section aria-label="Totals" className="space-y-3">
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8">
          <Total label="Items" value={t.items} />
          <Total label="Kept by reviewers" value={t.kept} tone="text-emerald-700" />
          <Total label="Revoked by reviewers" value={t.revoked} tone="text-red-700" />
          <Total label="Kept by default" value={t.defaultKept} tone={t.defaultKept ? "text-amber-700" : undefined} />
          <Total label="Revoked by default" value={t.defaultRevoked} tone={t.defaultRevoked ? "text-amber-700" : undefined} />
          <Total label="Undecided" value={t.undecided} tone={t.undecided ? "text-amber-700" : undefined} />
          <Total label="Overdue" value={t.overdue} tone={t.overdue ? "text-red-700" : undefined} />
          <Total label="Escalated" value={t.escalated} />
        </div>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="report-revocations">
          <Total label="Revocations requested" value={t.revocationsRequested} />
          <Total label="Confirmed" value={t.revocationsConfirmed} tone="text-emerald-700" />
          <Total label="Pending" value={t.revocationsPending} tone={t.revocationsPending ? "text-amber-700" : undefined} />
          <Total label="Failed" value={t.revocationsFailed} tone={t.revocationsFailed ? "text-red-700" : undefined} />
        </div>
        {t.population !== t.items && (
          <NoticeBanner>
            The population at launch was {t.population.toLocaleString("en-GB")} but the campaign has {t.items.toLocaleString("en-GB")} items.
          </NoticeBanner>
        )}
      </section>

      <Card title={`Items (${t.items.toLocaleString("en-GB")})`}>
        {r.rowsTruncated && (
          <p className="mb-3 text-sm text-amber-800">
            This page shows the first {r.rowLimit.toLocaleString("en-GB")} items; the CSV download has every item.
          </p>
        )}
        <p className="mb-3 flex flex-wrap gap-3 text-xs text-slate-600">
          <span className="inline-flex items-center gap-1">
            <span aria-hidden className="inline-block h-3 w-3 rounded-sm bg-red-50 ring-1 ring-red-200" /> overdue (decided after the due date, or undecided past it)
          </span>
          <span className="inline-flex items-center gap-1">
            <span aria-hidden className="inline-block h-3 w-3 rounded-sm bg-amber-50 ring-1 ring-amber-200" /> defaulted (the campaign&apos;s default action, not a person)
          </span>
        </p>
        <div className="overflow-x-auto">
          <table className="report-table min-w-full divide-y divide-slate-200 text-sm" aria-label="Review items">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                <th scope="col" className="px-2 py-2">Holder</th>
                <th scope="col" className="px-2 py-2">Access</th>
                <th scope="col" className="px-2 py-2">Reviewer</th>
                <th scope="col" className="px-2 py-2">Decision</th>
                <th scope="col" className="px-2 py-2">Comment</th>
                <th scope="col" className="px-2 py-2">Decided</th>
                <th scope="col" className="px-2 py-2">Revocation</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {r.rows.map((x) => (
                <tr key={x.itemId} className={x.overdue ? "bg-red-50/70" : x.defaulted ? "bg-amber-50/70" : undefined} data-testid="report-row">
                  <td className="px-2 py-1.5 align-top">
                    {x.identity}
                    {x.identityKind !== "HUMAN" && <span className="block text-xs text-slate-500">{KIND_LABEL[x.identityKind] ?? x.identityKind}</span>}
                  </td>
                  <td className="px-2 py-1.5 align-top">
                    <span className="block">{x.entitlement}</span>
                    <span className="flex flex-wrap items-center gap-1 text-xs text-slate-500">
                      {x.system} · {x.risk.toLowerCase()} risk {x.privileged && <PrivilegedBadge />}
                    </span>
                  </td>
                  <td className="px-2 py-1.5 align-top">
                    {x.reviewer}
                    {x.routingReason && <span className="block text-xs text-slate-500">{routingLabel(x.routingReason)}</span>}
                  </td>
                  <td className="px-2 py-1.5 align-top">
                    <span className="flex flex-wrap gap-1">
                      {x.decision ? <Badge tone={x.decision === "KEEP" ? "green" : "red"}>{x.decision === "KEEP" ? "Kept" : "Revoked"}</Badge> : <Badge tone="amber">Undecided</Badge>}
                      {x.defaulted && <Badge tone="amber">Defaulted</Badge>}
                      {x.overdue && <Badge tone="red">Overdue</Badge>}
                      {x.escalated && <Badge tone="violet">Escalated</Badge>}
                    </span>
                  </td>
                  <td className="max-w-xs px-2 py-1.5 align-top text-xs text-slate-700">{x.comment}</td>
                  <td className="whitespace-nowrap px-2 py-1.5 align-top text-xs">
                    {x.decidedAt ? formatDateTime(x.decidedAt) : "—"}
                    {x.decidedBy && x.decidedBy !== x.reviewer && <span className="block text-slate-500">by {x.decidedBy}</span>}
                  </td>
                  <td className="px-2 py-1.5 align-top text-xs">
                    {x.remediation === "NONE" ? (
                      "—"
                    ) : (
                      <span className="space-y-0.5">
                        <Badge tone={REMEDIATION[x.remediation].tone}>{REMEDIATION[x.remediation].label}</Badge>
                        {x.revocationConfirmedAt && <span className="block text-slate-500">{formatDateTime(x.revocationConfirmedAt)}</span>}
                        {x.receipt && <span className="block max-w-xs break-words text-slate-500">{x.receipt.summary}</span>}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
              {r.rows.length === 0 && (
                <tr>
                  <td colSpan={7} className="px-2 py-8 text-center text-sm text-slate-500">
                    No items: nothing was in scope at launch.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
