import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, DetailList, PageHeader } from "@/components/ui/card";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge, StatusBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { formatHours, kindLabel, RequestStatusBadge } from "@/components/requests/badges";
import { describeAuthority } from "@/components/requests/authority";
import { StageList } from "@/components/requests/stage-list";
import { Timeline } from "@/components/requests/timeline";
import { DecisionPanel, RequestActions } from "@/components/requests/request-actions";
import { orNotFound } from "../_lib/server";

export const metadata = { title: "Request" };

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const r = await orNotFound(api.requests.byId({ id }));
  const hasVoid = r.stages.some((s) => s.status === "VOID");

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          r.viewer.isRequester ? (
            <Link href="/requests" className="hover:underline">
              My requests
            </Link>
          ) : (
            <Link href="/approvals" className="hover:underline">
              Approvals
            </Link>
          )
        }
        title={
          <span className="inline-flex flex-wrap items-center gap-3">
            {r.entitlement.name}
            <span className="text-slate-400">·</span>
            <span className="text-slate-700">{r.system.name}</span>
            <RequestStatusBadge status={r.status} />
            {r.emergency && <Badge tone="red">Emergency</Badge>}
          </span>
        }
        description={`Requested by ${r.requester.name} for ${r.beneficiary.name} · revision ${r.revision}`}
      />

      {r.viewer.canDecide && (
        <Card title="Your decision">
          <DecisionPanel requestId={r.id} stepId={r.viewer.canDecide.stepId} revision={r.revision} authorityText={describeAuthority(r.viewer.canDecide.authority)} />
        </Card>
      )}
      {!r.viewer.canDecide && r.viewer.decideBlocked && r.status === "PENDING" && <p className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700">{r.viewer.decideBlocked}</p>}

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Request">
          <DetailList
            items={[
              { label: "For", value: (
                  <span className="inline-flex items-center gap-1.5">
                    <Link href={`/identities/${r.beneficiary.id}`} className="text-brand-700 hover:underline">{r.beneficiary.name}</Link>
                    {r.beneficiary.kind !== "HUMAN" && <KindBadge kind={r.beneficiary.kind} />}
                    {r.beneficiary.owner && <span className="text-xs text-slate-500">owned by {r.beneficiary.owner.name}</span>}
                  </span>
                ) },
              { label: "Entitlement", value: (
                  <span className="inline-flex items-center gap-1.5">
                    <Link href={`/catalog/entitlements/${r.entitlement.id}`} className="text-brand-700 hover:underline">{r.entitlement.name}</Link>
                    <RiskBadge risk={r.entitlement.risk} />
                    {r.entitlement.privileged && <PrivilegedBadge />}
                  </span>
                ) },
              { label: "Duration", value: formatHours(r.durationHours) },
              ...(r.extendsGrantId ? [{ label: "Extends", value: extendsText(r) }] : []),
              { label: "Entitlement owner", value: r.entitlement.owner.name },
              { label: "Submitted", value: formatDateTime(r.createdAt) },
              { label: r.status === "PENDING" ? "Expires if undecided" : "Decided", value: formatDateTime(r.status === "PENDING" ? r.deadlineAt : r.decidedAt) },
              { label: "Ticket (traceability only)", value: r.ticketUrl ? <a href={r.ticketUrl} className="break-all text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">{r.ticketUrl}</a> : null },
              ...(r.emergency ? [{ label: "Incident", value: r.incidentRef }, { label: "Post-incident review", value: r.reviewedAt ? `Done ${formatDateTime(r.reviewedAt)}` : `Due ${formatDateTime(r.reviewDueAt)}` }] : []),
            ]}
          />
          <div className="mt-4">
            <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Justification</div>
            <p className="mt-0.5 whitespace-pre-wrap text-sm text-slate-900">{r.justification}</p>
          </div>
          {r.viewer.canEdit && (
            <div className="mt-4 border-t border-slate-200 pt-4">
              <RequestActions request={{ id: r.id, revision: r.revision, justification: r.justification, durationHours: r.durationHours, ticketUrl: r.ticketUrl, approvedCount: r.stages.filter((s) => s.status === "APPROVED").length }} />
            </div>
          )}
        </Card>

        <Card title="Policy decision">
          <div className="space-y-3 text-sm">
            <p className="font-medium text-slate-900">
              {!r.policy.allowed ? "Denied" : r.policy.autoApproved ? "Approved automatically" : `Needs: ${r.policy.stages.map(kindLabel).join(" → ")}`}
            </p>
            {r.policy.reasons.length > 0 && (
              <ul className="list-disc space-y-0.5 pl-5 text-slate-700">
                {r.policy.reasons.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
            <DetailList
              items={[
                { label: "Policy version", value: <Link href="/admin/policy" className="text-brand-700 hover:underline">Version {r.policy.version}</Link> },
                { label: "Maximum duration allowed", value: formatHours(r.policy.maxDurationHours) },
                { label: "Policy SHA-256", value: <span className="break-all font-mono text-xs">{r.policy.hash}</span> },
                { label: "Input SHA-256", value: <span className="break-all font-mono text-xs">{r.policy.inputHash}</span> },
                { label: "Determining policies", value: <span className="font-mono text-xs">{r.policy.determining.join(", ") || "—"}</span> },
                { label: "Content hash (approvals are bound to it)", value: <span className="break-all font-mono text-xs">{r.contentHash}</span> },
              ]}
            />
          </div>
        </Card>
      </div>

      <Card title="Approval stages">
        <StageList stages={r.stages} showVoid={hasVoid} />
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Timeline (from the evidence ledger)">
          <Timeline entries={r.timeline} />
        </Card>
        <Card title={`${r.beneficiary.name}'s current access`}>
          {r.beneficiaryAccess.length === 0 ? (
            <p className="text-sm text-slate-500">No access in effect.</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {r.beneficiaryAccess.map((g) => (
                <li key={g.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span className="inline-flex items-center gap-1.5">
                    <span className="font-medium text-slate-900">{g.entitlement.name}</span>
                    <span className="text-slate-500">{g.system.name}</span>
                    <RiskBadge risk={g.entitlement.risk} />
                  </span>
                  <span className="inline-flex items-center gap-2 text-xs text-slate-600">
                    <StatusBadge status={g.status} />
                    {g.expiresAt ? `until ${formatDateTime(g.expiresAt)}` : "no end date"}
                    {g.origin === "IMPORTED" && <Badge tone="amber">origin unverified</Badge>}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}

/** An extension request: which access it continues (the grant, while it is still in effect). */
function extendsText(r: { extendsGrantId: string | null; beneficiaryAccess: { id: string; expiresAt: Date | null }[] }) {
  const g = r.beneficiaryAccess.find((x) => x.id === r.extendsGrantId);
  return g ? `The access held now${g.expiresAt ? `, which ends ${formatDateTime(g.expiresAt)}` : ""}` : "An earlier grant of this access (no longer in effect)";
}
