/**
 * The lineage of one grant, rendered as a vertical chain of steps. Each step shows the evidence held in the
 * database and the result of checking it against the ledger (ProofBadge). Server-rendered, no state.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import type { GrantLineage, LedgerProof, TaskRow } from "@/server/domain/audit/lineage";
import { Badge, KindBadge, RiskBadge } from "@/components/ui/badge";
import { DetailList } from "@/components/ui/card";
import { formatDateTime } from "@/components/ui/format";
import { AuthorityText } from "@/components/requests/authority";
import { GrantStatusBadge, ProofBadge } from "./badges";

function Step({ n, title, proofs, children, tone = "default" }: { n: number; title: string; proofs?: ReactNode; children: ReactNode; tone?: "default" | "warn" | "muted" }) {
  const ring = tone === "warn" ? "border-amber-300 bg-amber-50/40" : tone === "muted" ? "border-dashed border-slate-300 bg-slate-50" : "border-slate-200 bg-white";
  return (
    <li className="relative pl-10">
      <span aria-hidden className="absolute left-0 top-3 flex h-7 w-7 items-center justify-center rounded-full bg-brand-600 text-xs font-semibold text-white">
        {n}
      </span>
      <section className={`rounded-lg border shadow-sm ${ring}`} aria-label={title}>
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2.5">
          <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
          <div className="flex flex-wrap items-center gap-1.5">{proofs}</div>
        </header>
        <div className="space-y-3 p-4 text-sm">{children}</div>
      </section>
    </li>
  );
}

const person = (p: { id: string; name: string } | null) =>
  p ? (
    <Link href={`/identities/${p.id}`} className="text-brand-700 hover:underline">
      {p.name}
    </Link>
  ) : (
    <span className="text-slate-500">Warrant (system)</span>
  );

function Json({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined) return <p className="text-slate-500">No {label} recorded.</p>;
  return (
    <details>
      <summary className="cursor-pointer text-xs font-medium text-brand-700">{label}</summary>
      <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-[11px] text-slate-800">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

function Tasks({ tasks }: { tasks: TaskRow[] }) {
  if (tasks.length === 0) return <p className="text-slate-500">No connector task on record.</p>;
  return (
    <ul className="space-y-3">
      {tasks.map((t) => (
        <li key={t.id} className="rounded border border-slate-200 p-3">
          <DetailList
            items={[
              { label: "Task", value: <span className="font-mono text-xs">{t.id}</span> },
              { label: "Connector / status", value: `${t.connector} · ${t.status}${t.attempts ? ` · ${t.attempts} attempt${t.attempts === 1 ? "" : "s"}` : ""}` },
              { label: "Done at", value: formatDateTime(t.doneAt) },
              { label: "Confirmed by", value: t.confirmedBy ? <>{person(t.confirmedBy)}{t.confirmNote ? <span className="text-slate-600"> — “{t.confirmNote}”</span> : null}</> : null },
              ...(t.lastError ? [{ label: "Last error", value: <span className="text-red-700">{t.lastError}</span> }] : []),
            ]}
          />
          <div className="mt-2">
            <Json value={t.receipt} label="Receipt (what the connector did and the read-back)" />
          </div>
        </li>
      ))}
    </ul>
  );
}

const proofList = (subjectId: string, ...ps: (LedgerProof | null | undefined)[]) => ps.filter(Boolean).map((p, i) => <ProofBadge key={i} proof={p!} subjectId={subjectId} />);

export function LineageView({ l }: { l: GrantLineage }) {
  let n = 0;
  const g = l.grant;
  return (
    <div className="space-y-6">
      <section className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
        <DetailList
          items={[
            { label: "Holder", value: <span className="inline-flex items-center gap-2">{person({ id: g.holder.id, name: g.holder.name })} <KindBadge kind={g.holder.kind} />{g.holder.status !== "ACTIVE" && <Badge tone="slate">{g.holder.status.toLowerCase()}</Badge>}</span> },
            { label: "Entitlement", value: <span className="inline-flex flex-wrap items-center gap-2"><Link href={`/catalog/entitlements/${g.entitlement.id}`} className="text-brand-700 hover:underline">{g.entitlement.name}</Link> in <Link href={`/catalog/systems/${g.system.id}`} className="text-brand-700 hover:underline">{g.system.name}</Link> <RiskBadge risk={g.entitlement.risk} /></span> },
            { label: "Status", value: <GrantStatusBadge status={g.status} /> },
            { label: "Origin", value: l.originUnverified ? <Badge tone="amber">Origin unverified (imported)</Badge> : <Badge tone={g.origin === "BREAK_GLASS" ? "red" : "blue"}>{g.origin === "BREAK_GLASS" ? "Break-glass request" : "Request"}</Badge> },
            { label: "Starts", value: formatDateTime(g.startsAt) },
            { label: "Ends", value: g.revokedAt ? `Revoked ${formatDateTime(g.revokedAt)}` : g.expiresAt ? formatDateTime(g.expiresAt) : "Standing (no end date)" },
            { label: "Grant id", value: <span className="font-mono text-xs">{g.id}</span> },
            {
              label: "Ledger verification",
              value:
                l.summary.missing + l.summary.broken === 0 ? (
                  <Badge tone="green">All {l.summary.links} links verified</Badge>
                ) : (
                  <Badge tone={l.summary.broken ? "red" : "amber"}>
                    {l.summary.verified} of {l.summary.links} verified{l.summary.broken ? ` · ${l.summary.broken} broken` : ""}{l.summary.missing ? ` · ${l.summary.missing} missing` : ""}
                  </Badge>
                ),
            },
          ]}
        />
      </section>

      <ol className="relative space-y-4 before:absolute before:bottom-4 before:left-[13px] before:top-4 before:w-0.5 before:bg-slate-200" aria-label="Lineage">
        {l.originUnverified && (
          <Step n={++n} title="Origin unverified: imported standing access" tone="warn" proofs={l.imported ? proofList(g.id, l.imported.proof) : null}>
            <p>
              This access was imported as it stood in the target system. There is <strong>no request, no policy decision and no approval</strong> on record for it: its origin cannot be verified. The
              ledger records only that it was imported{l.imported?.proof.status === "verified" ? "" : " (and here even that event is missing)"}. Review it in an access-review campaign.
            </p>
          </Step>
        )}

        {l.request && (
          <Step n={++n} title="Request and justification" proofs={proofList(l.request.id, l.request.proof)}>
            <DetailList
              items={[
                { label: "Requested by", value: person(l.request.requester) },
                { label: "For", value: person(l.request.beneficiary) },
                { label: "Submitted", value: formatDateTime(l.request.createdAt) },
                { label: "Status", value: `${l.request.status}${l.request.decidedAt ? ` · ${formatDateTime(l.request.decidedAt)}` : ""}` },
                { label: "Duration asked", value: `${l.request.durationHours} hours` },
                { label: "Ticket", value: l.request.ticketUrl ? <a href={l.request.ticketUrl} className="break-all text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">{l.request.ticketUrl}</a> : null },
                ...(l.request.emergency ? [{ label: "Break-glass incident", value: l.request.incidentRef ?? "—" }] : []),
                { label: "Request", value: <Link href={`/requests/${l.request.id}`} className="font-mono text-xs text-brand-700 hover:underline">{l.request.id}</Link> },
              ]}
            />
            <blockquote className="rounded border-l-4 border-slate-300 bg-slate-50 px-3 py-2 text-slate-800">{l.request.justification}</blockquote>
            <p className="text-xs text-slate-500">
              Revision {l.request.revision} · content hash <span className="font-mono">{l.request.contentHash}</span>
            </p>
          </Step>
        )}

        {l.policy && l.request && (
          <Step n={++n} title={`Policy decision (policy version ${l.policy.version})`} proofs={proofList(l.request.id, l.policy.proof)}>
            <div className="flex flex-wrap items-center gap-2">
              {l.policy.textVerified ? (
                <Badge tone="green">✓ Policy text hash verified</Badge>
              ) : (
                <Badge tone="red">✗ Policy text does not match its hash</Badge>
              )}
            </div>
            <dl className="grid gap-1 font-mono text-[11px] text-slate-600">
              <div><dt className="inline text-slate-500">sha256 recomputed: </dt><dd className="inline break-all">{l.policy.recomputedSha256}</dd></div>
              <div><dt className="inline text-slate-500">sha256 stored: </dt><dd className="inline break-all">{l.policy.storedSha256}</dd></div>
              <div><dt className="inline text-slate-500">decided under: </dt><dd className="inline break-all">{l.policy.requestPolicyHash}</dd></div>
              <div><dt className="inline text-slate-500">input hash: </dt><dd className="inline break-all">{l.policy.inputHash}</dd></div>
            </dl>
            <Json value={l.policy.decision} label="The decision as recorded (allowed, stages, reasons, determining policies)" />
            <details>
              <summary className="cursor-pointer text-xs font-medium text-brand-700">The exact policy text (version {l.policy.version}{l.policy.note ? ` — ${l.policy.note}` : ""})</summary>
              <pre className="mt-1 max-h-96 overflow-auto rounded bg-slate-900 p-3 text-[11px] leading-relaxed text-slate-100">{l.policy.text}</pre>
            </details>
          </Step>
        )}

        {l.request && (
          <Step
            n={++n}
            title={l.approvalOutcome?.kind === "AUTO" ? "Approval: automatic, by policy" : "Approvals"}
            proofs={l.approvalOutcome ? proofList(l.request.id, l.approvalOutcome.proof) : <Badge tone="amber">Not approved</Badge>}
          >
            {l.approvals.length === 0 ? (
              <p className="text-slate-600">No human approval stage: the policy approved this request on its own.</p>
            ) : (
              <ul className="divide-y divide-slate-100">
                {l.approvals.map((a) => (
                  <li key={a.stepId} className="flex flex-wrap items-start justify-between gap-2 py-2">
                    <div>
                      <p>
                        <span className="font-medium">Stage {a.stageOrder}: {a.kind.replace("_", " ").toLowerCase()}</span> — {a.status.toLowerCase()}
                        {a.decidedBy && <> by {person(a.decidedBy)}</>} {a.decidedAt && <span className="text-slate-500">· {formatDateTime(a.decidedAt)}</span>}
                      </p>
                      {a.authority && (
                        <p className="text-xs">
                          Authority: <AuthorityText authority={a.authority} />
                        </p>
                      )}
                      {a.reason && <p className="text-xs text-slate-600">“{a.reason}”</p>}
                    </div>
                    <ProofBadge proof={a.proof} subjectId={l.request!.id} />
                  </li>
                ))}
              </ul>
            )}
          </Step>
        )}

        {l.provisioning && (
          <Step n={++n} title="Provisioning" proofs={proofList(g.id, l.provisioning.requested, l.provisioning.proof.reason === "not provisioned yet" ? null : l.provisioning.proof)}>
            {l.provisioning.proof.reason === "not provisioned yet" && <p className="text-slate-600">Not provisioned yet.</p>}
            <Tasks tasks={l.provisioning.tasks} />
          </Step>
        )}

        <Step n={++n} title="Access reviews" tone={l.reviews.length ? "default" : "muted"}>
          {l.reviews.length === 0 ? (
            <p className="text-slate-600">This grant has not been in any access-review campaign.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {l.reviews.map((r) => (
                <li key={r.itemId} className="flex flex-wrap items-start justify-between gap-2 py-2">
                  <div>
                    <p>
                      <Link href={`/campaigns/${r.campaignId}`} className="font-medium text-brand-700 hover:underline">
                        {r.campaignName}
                      </Link>{" "}
                      <span className="text-slate-500">({r.campaignStatus.toLowerCase()})</span>:{" "}
                      {r.decision ? (
                        <>
                          <strong>{r.decision}</strong> {r.defaulted ? "by the campaign's default action" : <>by {person(r.decidedBy)}</>} {r.decidedAt && <span className="text-slate-500">· {formatDateTime(r.decidedAt)}</span>}
                        </>
                      ) : (
                        <span className="text-slate-500">not decided</span>
                      )}
                    </p>
                    {r.comment && <p className="text-xs text-slate-600">“{r.comment}”</p>}
                    {r.decision === "REVOKE" && (
                      <p className="text-xs">
                        Remediation: {r.remediation.toLowerCase()}
                        {r.remediatedAt ? ` · ${formatDateTime(r.remediatedAt)}` : ""}
                      </p>
                    )}
                  </div>
                  <div className="flex flex-wrap gap-1.5">
                    <ProofBadge proof={r.proof} subjectId={r.defaulted ? r.campaignId : r.itemId} />
                    <ProofBadge proof={r.remediationProof} subjectId={r.itemId} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Step>

        <Step
          n={++n}
          title="Revocation"
          tone={l.revocation ? "default" : "muted"}
          proofs={l.revocation ? proofList(g.id, l.revocation.requested, l.revocation.proof.reason === "not revoked yet" ? null : l.revocation.proof) : null}
        >
          {!l.revocation ? (
            <p className="text-slate-600">Not revoked: the access is {g.status === "ACTIVE" ? "still active" : g.status.toLowerCase().replace("_", " ")}.</p>
          ) : (
            <>
              <DetailList
                items={[
                  { label: "Cause", value: l.revocation.cause ?? "—" },
                  { label: "Revoked at", value: formatDateTime(l.revocation.revokedAt) },
                  { label: "Started by", value: l.revocation.revokedBy ? person(l.revocation.revokedBy) : null },
                  { label: "Note", value: l.revocation.note },
                ]}
              />
              <Tasks tasks={l.revocation.tasks} />
            </>
          )}
        </Step>
      </ol>
    </div>
  );
}
