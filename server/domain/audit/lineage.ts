/**
 * Grant lineage for auditors: the whole chain behind one grant, from the request and its justification to
 * the revocation receipt, each link marked verified against the evidence ledger.
 *
 * A link is "verified" when the ledger event recording that step exists (matched by subject id and action,
 * and for approvals by step id) and its own chain link checks (its hash recomputes and its prevHash is the
 * hash of the event before it). "missing" = no such event; "broken" = the event exists but its link fails.
 * Read-only: callers are ADMIN, SECURITY and AUDITOR (checked by the router).
 */
import type { Tx } from "../../db";
import { checkEventLinks } from "../../ledger/queries";
import type { StoredEvent } from "../../ledger/ledger";
import { notFound } from "../../errors";
import { sha256Hex } from "../policy/evaluate";
import type { Authority } from "../approvals/eligibility";

export type ProofStatus = "verified" | "broken" | "missing";
export type LedgerProof = {
  status: ProofStatus;
  action: string;
  seq: string | null;
  occurredAt: Date | null;
  hash: string | null;
  /** Why the link is not verified (missing event, or the chain check's reason). */
  reason: string | null;
};

type Person = { id: string; name: string } | null;

export type GrantLineage = {
  grant: {
    id: string;
    status: string;
    origin: string;
    startsAt: Date;
    expiresAt: Date | null;
    revokedAt: Date | null;
    revocationCause: string | null;
    revocationNote: string | null;
    revokedBy: Person;
    holder: { id: string; name: string; kind: string; email: string | null; status: string };
    entitlement: { id: string; name: string; risk: string; privileged: boolean };
    system: { id: string; name: string };
  };
  /** Imported standing access: no request, no approval; the origin cannot be verified. */
  originUnverified: boolean;
  imported: { proof: LedgerProof } | null;
  request: {
    id: string;
    status: string;
    requester: Person;
    beneficiary: Person;
    justification: string;
    ticketUrl: string | null;
    emergency: boolean;
    incidentRef: string | null;
    durationHours: number;
    revision: number;
    contentHash: string;
    createdAt: Date;
    decidedAt: Date | null;
    extendsGrantId: string | null;
    proof: LedgerProof;
  } | null;
  policy: {
    version: number;
    versionId: string;
    text: string;
    note: string;
    storedSha256: string;
    /** SHA-256 of the text as stored now, recomputed here. */
    recomputedSha256: string;
    /** The text still hashes to the stored sha256 and to the hash the request was decided under. */
    textVerified: boolean;
    requestPolicyHash: string;
    decision: unknown;
    inputHash: string;
    proof: LedgerProof;
  } | null;
  approvals: {
    stepId: string;
    stageOrder: number;
    kind: string;
    status: string;
    decidedBy: Person;
    decidedAt: Date | null;
    reason: string | null;
    authority: Authority | null;
    boundRevision: number | null;
    /** null for steps that were never decided (voided, still waiting). */
    proof: LedgerProof | null;
  }[];
  /** Auto-approval by policy (no human stage), or the final approval of the request. */
  approvalOutcome: { kind: "AUTO" | "APPROVED"; proof: LedgerProof } | null;
  provisioning: {
    requested: LedgerProof | null;
    tasks: TaskRow[];
    proof: LedgerProof;
  } | null;
  reviews: {
    itemId: string;
    campaignId: string;
    campaignName: string;
    campaignStatus: string;
    decision: string | null;
    decidedBy: Person;
    decidedAt: Date | null;
    comment: string | null;
    defaulted: boolean;
    remediation: string;
    remediatedAt: Date | null;
    proof: LedgerProof | null;
    remediationProof: LedgerProof | null;
  }[];
  revocation: {
    revokedAt: Date | null;
    cause: string | null;
    note: string | null;
    revokedBy: Person;
    tasks: TaskRow[];
    requested: LedgerProof;
    proof: LedgerProof;
  } | null;
  summary: { links: number; verified: number; missing: number; broken: number };
};

export type TaskRow = {
  id: string;
  action: string;
  connector: string;
  status: string;
  attempts: number;
  receipt: unknown;
  lastError: string | null;
  confirmedBy: Person;
  confirmNote: string | null;
  doneAt: Date | null;
  createdAt: Date;
};

const MISSING = (action: string, why?: string): LedgerProof => ({ status: "missing", action, seq: null, occurredAt: null, hash: null, reason: why ?? `no "${action}" event in the ledger` });

/** The full lineage of one grant. NOT_FOUND when there is no such grant. */
export async function grantLineage(db: Tx, grantId: string): Promise<GrantLineage> {
  const g = await db.grant.findUnique({
    where: { id: grantId },
    include: {
      identity: { select: { id: true, displayName: true, kind: true, email: true, status: true } },
      entitlement: { select: { id: true, name: true, risk: true, privileged: true, system: { select: { id: true, name: true } } } },
      request: { include: { steps: { orderBy: { stageOrder: "asc" } }, policyVersion: true } },
      tasks: { orderBy: { createdAt: "asc" } },
      reviewItems: { include: { campaign: { select: { id: true, name: true, status: true } } }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!g) throw notFound("The grant");
  const r = g.request;

  // Every ledger event about this grant, its request, its review items (and their campaigns, for decisions
  // taken by a campaign's default action at close), loaded once and link-checked once.
  const subjectIds = [g.id, ...(r ? [r.id] : []), ...g.reviewItems.map((i) => i.id), ...g.reviewItems.filter((i) => i.defaulted).map((i) => i.campaignId)];
  const events = (await db.ledgerEvent.findMany({ where: { subjectId: { in: [...new Set(subjectIds)] } }, orderBy: { seq: "asc" } })) as StoredEvent[];
  const links = await checkEventLinks(db, events);

  const proofOf = (e: StoredEvent | undefined, action: string, why?: string): LedgerProof => {
    if (!e) return MISSING(action, why);
    const link = links.get(e.seq.toString()) ?? { ok: false, reason: "not checked" };
    return { status: link.ok ? "verified" : "broken", action, seq: e.seq.toString(), occurredAt: e.occurredAt, hash: e.hash, reason: link.reason };
  };
  const payloadOf = (e: StoredEvent) => (e.payload ?? {}) as Record<string, unknown>;
  const find = (subjectId: string, action: string, pred: (p: Record<string, unknown>) => boolean = () => true, last = false) => {
    const hits = events.filter((e) => e.subjectId === subjectId && e.action === action && pred(payloadOf(e)));
    return last ? hits[hits.length - 1] : hits[0];
  };

  const personIds = [
    g.revokedById,
    r?.requesterId,
    r?.beneficiaryId,
    ...(r?.steps.map((s) => s.decidedById) ?? []),
    ...g.tasks.map((t) => t.confirmedById),
    ...g.reviewItems.map((i) => i.decidedById),
  ].filter((x): x is string => Boolean(x));
  const people = personIds.length ? await db.identity.findMany({ where: { id: { in: [...new Set(personIds)] } }, select: { id: true, displayName: true } }) : [];
  const names = new Map(people.map((p) => [p.id, p.displayName]));
  const person = (id: string | null | undefined): Person => (id ? { id, name: names.get(id) ?? "Unknown identity" } : null);

  const taskRow = (t: (typeof g.tasks)[number]): TaskRow => ({
    id: t.id,
    action: t.action,
    connector: t.connector,
    status: t.status,
    attempts: t.attempts,
    receipt: t.receipt,
    lastError: t.lastError,
    confirmedBy: person(t.confirmedById),
    confirmNote: t.confirmNote,
    doneAt: t.doneAt,
    createdAt: t.createdAt,
  });

  const lineage: GrantLineage = {
    grant: {
      id: g.id,
      status: g.status,
      origin: g.origin,
      startsAt: g.startsAt,
      expiresAt: g.expiresAt,
      revokedAt: g.revokedAt,
      revocationCause: g.revocationCause,
      revocationNote: g.revocationNote,
      revokedBy: person(g.revokedById),
      holder: { id: g.identity.id, name: g.identity.displayName, kind: g.identity.kind, email: g.identity.email, status: g.identity.status },
      entitlement: { id: g.entitlement.id, name: g.entitlement.name, risk: g.entitlement.risk, privileged: g.entitlement.privileged },
      system: g.entitlement.system,
    },
    originUnverified: g.origin === "IMPORTED" || !r,
    imported: g.origin === "IMPORTED" ? { proof: proofOf(find(g.id, "grant.imported"), "grant.imported") } : null,
    request: null,
    policy: null,
    approvals: [],
    approvalOutcome: null,
    provisioning: null,
    reviews: [],
    revocation: null,
    summary: { links: 0, verified: 0, missing: 0, broken: 0 },
  };

  if (r) {
    lineage.request = {
      id: r.id,
      status: r.status,
      requester: person(r.requesterId),
      beneficiary: person(r.beneficiaryId),
      justification: r.justification,
      ticketUrl: r.ticketUrl,
      emergency: r.emergency,
      incidentRef: r.incidentRef,
      durationHours: r.durationHours,
      revision: r.revision,
      contentHash: r.contentHash,
      createdAt: r.createdAt,
      decidedAt: r.decidedAt,
      extendsGrantId: r.extendsGrantId,
      proof: proofOf(find(r.id, "request.submitted"), "request.submitted"),
    };
    const pv = r.policyVersion;
    const recomputed = sha256Hex(pv.text);
    lineage.policy = {
      version: pv.version,
      versionId: pv.id,
      text: pv.text,
      note: pv.note,
      storedSha256: pv.sha256,
      recomputedSha256: recomputed,
      textVerified: recomputed === pv.sha256 && recomputed === r.policyHash,
      requestPolicyHash: r.policyHash,
      decision: r.policyDecision,
      inputHash: r.inputHash,
      proof: proofOf(find(r.id, "request.policy_decided", (p) => p.revision === r.revision, true), "request.policy_decided"),
    };
    lineage.approvals = r.steps.map((s) => {
      const decided = s.status === "APPROVED" || s.status === "DENIED";
      const action = s.status === "APPROVED" ? "approval.approved" : "approval.denied";
      return {
        stepId: s.id,
        stageOrder: s.stageOrder,
        kind: s.kind,
        status: s.status,
        decidedBy: person(s.decidedById),
        decidedAt: s.decidedAt,
        reason: s.reason,
        authority: (s.authority as Authority | null) ?? null,
        boundRevision: s.boundRevision,
        proof: decided ? proofOf(find(r.id, action, (p) => p.stepId === s.id), action) : null,
      };
    });
    const auto = find(r.id, "request.auto_approved", () => true, true);
    const approved = find(r.id, "request.approved", () => true, true);
    if (auto) lineage.approvalOutcome = { kind: "AUTO", proof: proofOf(auto, "request.auto_approved") };
    else if (r.status === "APPROVED") lineage.approvalOutcome = { kind: "APPROVED", proof: proofOf(approved, "request.approved") };
  }

  const grantTasks = g.tasks.filter((t) => t.action === "GRANT");
  if (g.origin !== "IMPORTED" || grantTasks.length > 0) {
    const wasProvisioned = g.status !== "PENDING_PROVISION" && g.status !== "PROVISION_FAILED";
    lineage.provisioning = {
      requested: proofOf(find(g.id, "grant.provisioning_requested"), "grant.provisioning_requested"),
      tasks: grantTasks.map(taskRow),
      proof: proofOf(find(g.id, "grant.provisioned"), "grant.provisioned", wasProvisioned ? undefined : "not provisioned yet"),
    };
  }

  lineage.reviews = g.reviewItems.map((i) => {
    const decidedByPerson = i.decision && !i.defaulted;
    const proof = !i.decision
      ? null
      : decidedByPerson
        ? proofOf(find(i.id, "review.decided"), "review.decided")
        : proofOf(find(i.campaignId, "campaign.closed"), "campaign.closed");
    const remediationEvent = find(i.id, "review.remediation_confirmed") ?? find(i.id, "review.remediation_failed");
    return {
      itemId: i.id,
      campaignId: i.campaign.id,
      campaignName: i.campaign.name,
      campaignStatus: i.campaign.status,
      decision: i.decision,
      decidedBy: person(i.decidedById),
      decidedAt: i.decidedAt,
      comment: i.comment,
      defaulted: i.defaulted,
      remediation: i.remediation,
      remediatedAt: i.remediatedAt,
      proof,
      remediationProof:
        i.remediation === "CONFIRMED" || i.remediation === "FAILED"
          ? proofOf(remediationEvent, i.remediation === "CONFIRMED" ? "review.remediation_confirmed" : "review.remediation_failed")
          : null,
    };
  });

  const revokeTasks = g.tasks.filter((t) => t.action === "REVOKE");
  if (g.revocationCause || g.revokedAt || revokeTasks.length > 0 || g.status === "PENDING_REVOKE" || g.status === "REVOKED" || g.status === "REVOKE_FAILED") {
    lineage.revocation = {
      revokedAt: g.revokedAt,
      cause: g.revocationCause,
      note: g.revocationNote,
      revokedBy: person(g.revokedById),
      tasks: revokeTasks.map(taskRow),
      requested: proofOf(find(g.id, "grant.revocation_requested", () => true, true), "grant.revocation_requested"),
      proof: proofOf(find(g.id, "grant.revoked"), "grant.revoked", g.status === "REVOKED" ? undefined : "not revoked yet"),
    };
  }

  const proofs: (LedgerProof | null | undefined)[] = [
    lineage.imported?.proof,
    lineage.request?.proof,
    lineage.policy?.proof,
    ...lineage.approvals.map((a) => a.proof),
    lineage.approvalOutcome?.proof,
    lineage.provisioning?.requested,
    lineage.provisioning?.proof,
    ...lineage.reviews.flatMap((i) => [i.proof, i.remediationProof]),
    lineage.revocation?.requested,
    lineage.revocation?.proof,
  ];
  for (const p of proofs) {
    if (!p) continue;
    // A step that has not happened yet (not provisioned / not revoked yet) is not a failed link.
    if (p.status === "missing" && (p.reason === "not provisioned yet" || p.reason === "not revoked yet")) continue;
    lineage.summary.links++;
    lineage.summary[p.status]++;
  }
  return lineage;
}
