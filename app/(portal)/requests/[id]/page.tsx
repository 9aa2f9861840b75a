import type React from "react";
import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, DetailList, PageHeader } from "@/components/ui/card";
import { Badge, KindBadge, PrivilegedBadge, RiskBadge, StatusBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { formatHours, kindLabel, RequestStatusBadge } from "@/components/requests/badges";
import { describeAuthority } from "@/components/requests/authority";
import { StageList } from "@/components/requests/stage-list";
import { Timeline } from "@/components/requests/timeline";
import { RequestActions } from "@/components/requests/request-actions";
import { DecisionPanel } from "@/components/approvals/decision-panel";
import { DecidedNotice } from "@/components/approvals/decided-notice";
import { machineChainText, onBehalfRelationText, onBehalfSentence } from "@/server/domain/requests/schema";
import { orNotFound } from "../_lib/server";

export const metadata = { title: "Request" };

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const [r, facts] = await Promise.all([orNotFound(api.requests.byId({ id })), orNotFound(api.approvals.decisionFacts({ requestId: id }))]);
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
        description={r.machineRequester ? `Submitted by ${machineChainText(r.machineRequester, r.beneficiary)}` : r.onBehalf ? onBehalfSentence(r.onBehalf) : `Requested by ${r.requester.name} for themselves`}
      />

      <DecidedNotice />
      {!r.viewer.canDecide && r.viewer.decideBlocked && r.status === "PENDING" && <p className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700">{r.viewer.decideBlocked}</p>}

      <div className={r.viewer.canDecide ? "grid gap-6 lg:grid-cols-3" : ""}>
        <Card title="The request" className={r.viewer.canDecide ? "lg:col-span-2" : ""}>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[9rem_1fr]" data-testid="request-facts">
            <Fact label="Who asks">
              <Link href={`/identities/${r.requester.id}`} className="text-brand-700 hover:underline">{r.requester.name}</Link>
              {r.machineRequester && (
                <span className="mt-1 block text-xs text-slate-600" data-testid="machine-requester">
                  {`Submitted by ${machineChainText(r.machineRequester, r.beneficiary)}`}.
                  {r.machineRequester.owner && ` ${r.machineRequester.owner.name} answers for it and may not approve this request.`}
                </span>
              )}
              {r.onBehalf && r.beneficiary.kind === "HUMAN" && (
                <span className="mt-1 block text-xs text-slate-600" data-testid="on-behalf">
                  Asked on {r.beneficiary.name}&apos;s behalf, so neither {r.requester.name} nor {r.beneficiary.name} may approve it.
                </span>
              )}
            </Fact>
            <Fact label="For whom">
              {r.beneficiary.id === r.requester.id ? (
                <span>Themselves</span>
              ) : (
                <span className="inline-flex flex-wrap items-center gap-1.5">
                  <Link href={`/identities/${r.beneficiary.id}`} className="text-brand-700 hover:underline">{r.beneficiary.name}</Link>
                  {r.beneficiary.kind !== "HUMAN" && <KindBadge kind={r.beneficiary.kind} />}
                  {r.beneficiary.owner && <span className="text-xs text-slate-500">owned by {r.beneficiary.owner.name}</span>}
                  {r.onBehalf && r.beneficiary.kind === "HUMAN" && onBehalfRelationText(r.requester.name, r.onBehalf.relation) && (
                    <span className="text-xs text-slate-500">({onBehalfRelationText(r.requester.name, r.onBehalf.relation)})</span>
                  )}
                </span>
              )}
            </Fact>
            <Fact label="What">
              <span className="inline-flex flex-wrap items-center gap-1.5">
                <Link href={`/catalog/entitlements/${r.entitlement.id}`} className="font-medium text-brand-700 hover:underline">{r.entitlement.name}</Link>
                <span className="text-slate-500">in {r.system.name}</span>
                <span className="text-xs text-slate-500">(owner {r.entitlement.owner.name})</span>
              </span>
            </Fact>
            <Fact label="Why">
              <span className="whitespace-pre-wrap">{r.justification}</span>
              {r.ticketRef && <span className="mt-1 block text-xs text-slate-500" data-testid="ticket-ref">Ticket reference: {r.ticketRef}</span>}
              {r.ticketUrl && (
                <span className="mt-1 block text-xs text-slate-500">
                  Ticket (traceability only): <a href={r.ticketUrl} className="break-all text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">{r.ticketUrl}</a>
                </span>
              )}
            </Fact>
            <Fact label="For how long">
              {formatHours(r.durationHours)}
              <span className="text-xs text-slate-500"> (at most {formatHours(r.policy.maxDurationHours)} allowed)</span>
              {r.extendsGrantId && <span className="block text-xs text-slate-600">Extends: {extendsText(r)}</span>}
            </Fact>
            <Fact label="Risk">
              <span className="inline-flex flex-wrap items-center gap-1.5">
                <RiskBadge risk={r.entitlement.risk} />
                {r.entitlement.privileged && <PrivilegedBadge />}
                {r.emergency && <Badge tone="red">Emergency: {r.incidentRef}</Badge>}
              </span>
            </Fact>
            <Fact label="Separation of duties">
              {facts.sodConflicts.length === 0 ? (
                <span className="text-emerald-700">No conflict: {r.beneficiary.name} holds or asked for nothing that conflicts with this.</span>
              ) : (
                <span className="font-medium text-red-700">Conflicts with {facts.sodConflicts.join(", ")}, which {r.beneficiary.name} holds or has asked for.</span>
              )}
            </Fact>
            <Fact label="Policy">
              {!r.policy.allowed ? "Denied" : r.policy.autoApproved ? "Approved automatically" : `Needs ${r.policy.stages.map(kindLabel).join(" → ")}`}
              {r.policy.reasons.length > 0 && (
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-xs text-slate-600">
                  {r.policy.reasons.map((x) => (
                    <li key={x}>{x}</li>
                  ))}
                </ul>
              )}
            </Fact>
            <Fact label={r.status === "PENDING" ? "Expires if undecided" : "Decided"}>{formatDateTime(r.status === "PENDING" ? r.deadlineAt : r.decidedAt)}</Fact>
            {r.emergency && <Fact label="Post-incident review">{r.reviewedAt ? `Done ${formatDateTime(r.reviewedAt)}` : `Due ${formatDateTime(r.reviewDueAt)}`}</Fact>}
          </dl>
          {r.viewer.canEdit && (
            <div className="mt-4 border-t border-slate-200 pt-4">
              <RequestActions request={{ id: r.id, revision: r.revision, justification: r.justification, durationHours: r.durationHours, ticketUrl: r.ticketUrl, approvedCount: r.stages.filter((s) => s.status === "APPROVED").length }} />
            </div>
          )}
        </Card>
        {r.viewer.canDecide && (
          <Card title="Your decision" className="lg:sticky lg:top-4 lg:self-start">
            <DecisionPanel
              requestId={r.id}
              stepId={r.viewer.canDecide.stepId}
              revision={r.revision}
              authorityText={describeAuthority(r.viewer.canDecide.authority)}
              title={`${r.entitlement.name} for ${r.beneficiary.name}`}
            />
          </Card>
        )}
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

      <details className="group rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="evidence">
        <summary className="cursor-pointer select-none px-5 py-3 text-sm font-semibold text-slate-900">
          Evidence <span className="font-normal text-slate-500">(policy version, hashes: what this decision is bound to)</span>
        </summary>
        <div className="border-t border-slate-200 px-5 py-4">
          <DetailList
            items={[
              { label: "Policy version", value: <Link href="/admin/policy" className="text-brand-700 hover:underline">Version {r.policy.version}</Link> },
              { label: "Revision", value: String(r.revision) },
              { label: "Policy SHA-256", value: <span className="break-all font-mono text-xs">{r.policy.hash}</span> },
              { label: "Input SHA-256", value: <span className="break-all font-mono text-xs">{r.policy.inputHash}</span> },
              { label: "Determining policies", value: <span className="font-mono text-xs">{r.policy.determining.join(", ") || "—"}</span> },
              { label: "Content hash (approvals are bound to it)", value: <span className="break-all font-mono text-xs">{r.contentHash}</span> },
              { label: "Submitted", value: formatDateTime(r.createdAt) },
            ]}
          />
        </div>
      </details>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 sm:pt-0.5">{label}</dt>
      <dd className="text-slate-900">{children}</dd>
    </>
  );
}

/** An extension request: which access it continues (the grant, while it is still in effect). */
function extendsText(r: { extendsGrantId: string | null; beneficiaryAccess: { id: string; expiresAt: Date | null }[] }) {
  const g = r.beneficiaryAccess.find((x) => x.id === r.extendsGrantId);
  return g ? `The access held now${g.expiresAt ? `, which ends ${formatDateTime(g.expiresAt)}` : ""}` : "An earlier grant of this access (no longer in effect)";
}
