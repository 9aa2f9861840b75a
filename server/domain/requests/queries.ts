/**
 * Request reads: my requests, one request's detail (decision, stages with deciders and authority, the whole
 * timeline from the ledger, the beneficiary's current access), and the form's helpers.
 *
 * Who may see a request: the requester, the beneficiary, the beneficiary's owner, the people eligible for
 * any of its stages (and the active delegates of those of its open stage), whoever decided a stage, the
 * entitlement's owner, and ADMIN / SECURITY / AUDITOR. Anyone else gets NOT_FOUND (no existence leak).
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import type { ApprovalKind, Prisma, StepStatus } from "../../db/generated/client";
import { badInput, notFound } from "../../errors";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { GRANT_IN_EFFECT } from "../grants/status";
import { createdAtSeek, skipTake, type Page } from "../list";
import type { PolicyDecision, PolicyInput } from "../policy/types";
import {
  activeDelegatesOf,
  conflictReason,
  conflictedIds,
  directApprovers,
  fallbackApprovers,
  priorApproverIds,
  requestPartiesSelect,
  resolveAuthority,
  toParties,
  type Authority,
  type PersonRef,
  type RequestParties,
} from "../approvals/eligibility";
import type { OnBehalfRelation, ZBeneficiarySearchInput, ZListMyRequestsInput } from "./schema";
import { relationToBeneficiary } from "../policy/evaluate";
import type { OpenedStage } from "../approvals/stages";

type StepLike = {
  id: string;
  stageOrder: number;
  kind: ApprovalKind;
  status: StepStatus;
  eligibleIds: string[];
  escalatedAt: Date | null;
  decidedById: string | null;
  authority: unknown;
  decidedAt?: Date | null;
  reason?: string | null;
  openedAt?: Date | null;
  escalateAt?: Date | null;
  boundRevision?: number | null;
};

export type StageView = {
  id: string;
  stageOrder: number;
  /** 1-based position among the stages shown (stage numbers continue after an edit's voided stages). */
  position: number;
  kind: ApprovalKind;
  status: StepStatus;
  /** Who can decide it (OPEN: recorded when it opened; WAITING: who would be asked if it opened now). */
  eligible: PersonRef[];
  /** Their active delegates, who may decide in their name. */
  delegates: (PersonRef & { forId: string })[];
  /** The stage went to the fallback approvers (nobody eligible, or escalated). */
  fallback: boolean;
  decidedBy: PersonRef | null;
  decidedAt: Date | null;
  reason: string | null;
  authority: Authority | null;
  openedAt: Date | null;
  escalateAt: Date | null;
  escalatedAt: Date | null;
  boundRevision: number | null;
};

/**
 * The stages with who can decide each (and who did, with what authority). `opened`: a stage opened in this
 * very transaction (openStage), whose deciders and delegates were just read and are not read again.
 */
export async function stageViews(tx: Tx, parties: RequestParties, steps: StepLike[], now: Date, opened?: OpenedStage | null): Promise<StageView[]> {
  const prior = priorApproverIds(steps);
  const ids = new Set<string>();
  for (const s of steps) {
    if (s.id !== opened?.stepId) s.eligibleIds.forEach((id) => ids.add(id));
    if (s.decidedById) ids.add(s.decidedById);
  }
  const people = ids.size ? await tx.identity.findMany({ where: { id: { in: [...ids] } }, select: { id: true, displayName: true } }) : [];
  const name = new Map(people.map((p) => [p.id, p.displayName]));
  const out: StageView[] = [];
  for (const [i, s] of steps.entries()) {
    if (s.id === opened?.stepId) {
      out.push({ ...stageView(s, i, name), eligible: opened.eligible, delegates: opened.delegatesFor, fallback: opened.fallback });
      continue;
    }
    let eligible: PersonRef[] = s.eligibleIds.map((id) => ({ id, name: name.get(id) ?? "(unknown)" }));
    let fallback = Boolean(s.escalatedAt);
    if (s.status === "WAITING") {
      eligible = await directApprovers(tx, s.kind, parties, [...prior]);
      if (!eligible.length) {
        eligible = await fallbackApprovers(tx, s.kind, parties, [...prior]);
        fallback = true;
      }
    }
    const delegatesMap = s.status === "OPEN" || s.status === "WAITING" ? await activeDelegatesOf(tx, eligible.map((p) => p.id), now, [...conflictedIds(parties), ...prior]) : new Map();
    const delegates = [...delegatesMap.entries()].flatMap(([forId, list]) => list.map((d: PersonRef) => ({ id: d.id, name: d.name, forId })));
    out.push({ ...stageView(s, i, name), eligible, delegates, fallback });
  }
  return out;
}

/** A stage's own fields as StageView shows them (who can decide it is worked out by stageViews). */
function stageView(s: StepLike, i: number, name: Map<string, string>): Omit<StageView, "eligible" | "delegates" | "fallback"> {
  return {
    id: s.id,
    stageOrder: s.stageOrder,
    position: i + 1,
    kind: s.kind,
    status: s.status,
    decidedBy: s.decidedById ? { id: s.decidedById, name: name.get(s.decidedById) ?? "(unknown)" } : null,
    decidedAt: s.decidedAt ?? null,
    reason: s.reason ?? null,
    authority: (s.authority as Authority | null) ?? null,
    openedAt: s.openedAt ?? null,
    escalateAt: s.escalateAt ?? null,
    escalatedAt: s.escalatedAt,
    boundRevision: s.boundRevision ?? null,
  };
}

/** Those who see every request, whoever its parties (admins, security officers, auditors). */
export function seesEveryRequest(actor: Actor): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR");
}

/** May this person see the request? (Roles come from the actor, loaded fresh for this call.) */
export async function canSeeRequest(tx: Tx, r: RequestParties, actor: Actor, now: Date): Promise<boolean> {
  if (seesEveryRequest(actor)) return true;
  // A machine requester's owner sees what their agent asked for.
  if ([r.requesterId, r.beneficiaryId, r.beneficiaryOwnerId, r.requesterOwnerId ?? null].includes(actor.id)) return true;
  if ((r.entitlement.ownerId ?? r.entitlement.system.ownerId) === actor.id) return true;
  const steps = await tx.approvalStep.findMany({ where: { requestId: r.id }, select: { status: true, eligibleIds: true, decidedById: true } });
  if (steps.some((s) => s.decidedById === actor.id || s.eligibleIds.includes(actor.id))) return true;
  const openEligible = steps.filter((s) => s.status === "OPEN").flatMap((s) => s.eligibleIds);
  if (openEligible.length) {
    const d = await tx.delegation.count({ where: { toId: actor.id, fromId: { in: openEligible }, revokedAt: null, startsAt: { lte: now }, endsAt: { gt: now } } });
    if (d > 0) return true;
  }
  return false;
}

export type StoredDecisionView = PolicyDecision & { input?: PolicyInput };

/** The requester's relation to the beneficiary recorded in a stored decision's input ("none" if not recorded). */
export function storedRelation(d: Pick<StoredDecisionView, "input"> | null): OnBehalfRelation {
  if (!d?.input?.facts) return "none";
  const rel = relationToBeneficiary(d.input);
  return rel === "self" ? "none" : rel;
}

export type MyRequestRow = {
  id: string;
  entitlement: { id: string; name: string; risk: string; privileged: boolean };
  system: { id: string; name: string };
  beneficiary: { id: string; name: string; kind: string };
  requester: { id: string; name: string };
  status: string;
  emergency: boolean;
  durationHours: number;
  createdAt: Date;
  deadlineAt: Date;
  decidedAt: Date | null;
  /** The open stage, if pending. */
  openStage: { kind: ApprovalKind; position: number; of: number } | null;
};

/** Past this many identities owned, "for an identity I own" stays a condition through the beneficiary. */
const OWNED_IDS_MAX = 1_000;

/**
 * "My requests": made by me, for me, or for a non-human identity I own. The identities I own are read first
 * (by the index on their owner), so the requests are found by the indexes on the requester and the
 * beneficiary. Asked through the beneficiary's owner, the OR could use neither index: the database joined
 * every request to its beneficiary (0.5 s at 500,000 requests, for every list of mine and every home page).
 */
export async function myRequestsWhere(ctx: ServiceCtx): Promise<Prisma.AccessRequestWhereInput> {
  const me = ctx.actor.id;
  const owned = await ctx.db.identity.findMany({ where: { ownerId: me }, select: { id: true }, take: OWNED_IDS_MAX + 1 });
  if (owned.length > OWNED_IDS_MAX) return { OR: [{ requesterId: me }, { beneficiaryId: me }, { beneficiary: { ownerId: me } }] };
  return { OR: [{ requesterId: me }, { beneficiaryId: { in: [me, ...owned.map((o) => o.id)] } }] };
}

const MY_ORDER = (dir: "asc" | "desc"): Record<string, Prisma.AccessRequestOrderByWithRelationInput[]> => ({
  // The tie-break runs with the creation time, so "after (createdAt, id)" is one comparison (keyset paging).
  createdAt: [{ createdAt: dir }, { id: dir }],
  entitlement: [{ entitlement: { name: dir } }, { createdAt: "desc" }],
  system: [{ entitlement: { system: { name: dir } } }, { createdAt: "desc" }],
  status: [{ status: dir }, { createdAt: "desc" }],
  deadlineAt: [{ deadlineAt: dir }, { createdAt: "desc" }],
});

/**
 * The actor's requests: made by them, for them, or for a non-human identity they own. Filter by status,
 * search by entitlement, system, beneficiary or justification; newest first by default.
 * In the default order (by creation, then id) the list can seek: `after` (a request's createdAt and id, the
 * API's cursors) starts the page after that request instead of skipping rows, and the answer carries
 * `nextAfter`, so a walk neither repeats nor skips a request when new ones arrive meanwhile. `after` in
 * another order is refused (BAD_INPUT naming `after`).
 */
export async function listMyRequests(ctx: ServiceCtx, input: z.output<typeof ZListMyRequestsInput>): Promise<Page<MyRequestRow>> {
  const seeks = (input.sort ?? "createdAt") === "createdAt";
  if (input.after && !seeks) throw badInput("after pages the default order (by creation) only; page by number in this order.", "after");
  let seek: Prisma.AccessRequestWhereInput | null = null;
  if (input.after) seek = createdAtSeek(input.after, input.dir, "a request");
  const where: Prisma.AccessRequestWhereInput = {
    AND: [
      await myRequestsWhere(ctx),
      ...(input.status ? [{ status: input.status }] : []),
      ...(input.q
        ? [
            {
              OR: [
                { entitlement: { name: { contains: input.q, mode: "insensitive" as const } } },
                { entitlement: { system: { name: { contains: input.q, mode: "insensitive" as const } } } },
                { beneficiary: { displayName: { contains: input.q, mode: "insensitive" as const } } },
                { justification: { contains: input.q, mode: "insensitive" as const } },
              ],
            },
          ]
        : []),
    ],
  };
  // With `after` the page starts there; page numbers (the portal's table) skip rows. One more row than the
  // page says whether another page follows (nextAfter).
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);
  const [total, found] = await Promise.all([
    ctx.db.accessRequest.count({ where }),
    ctx.db.accessRequest.findMany({
      where: seek ? { AND: [where, seek] } : where,
      orderBy: [...MY_ORDER(input.dir)[input.sort ?? "createdAt"]!, { id: "asc" }],
      skip,
      take: take + 1,
      select: {
        id: true,
        status: true,
        emergency: true,
        durationHours: true,
        createdAt: true,
        deadlineAt: true,
        decidedAt: true,
        entitlement: { select: { id: true, name: true, risk: true, privileged: true, system: { select: { id: true, name: true } } } },
        beneficiary: { select: { id: true, displayName: true, kind: true } },
        requester: { select: { id: true, displayName: true } },
        steps: { where: { status: { not: "VOID" } }, orderBy: { stageOrder: "asc" }, select: { kind: true, status: true } },
      },
    }),
  ]);
  const rows = found.slice(0, take);
  const last = rows[rows.length - 1];
  const nextAfter = seeks ? (found.length > take && last ? { key: last.createdAt.toISOString(), id: last.id } : null) : undefined;
  return {
    total,
    page: input.page,
    size: input.size,
    ...(nextAfter !== undefined ? { nextAfter } : {}),
    rows: rows.map((r) => {
      const openIdx = r.steps.findIndex((s) => s.status === "OPEN");
      return {
        id: r.id,
        entitlement: { id: r.entitlement.id, name: r.entitlement.name, risk: r.entitlement.risk, privileged: r.entitlement.privileged },
        system: r.entitlement.system,
        beneficiary: { id: r.beneficiary.id, name: r.beneficiary.displayName, kind: r.beneficiary.kind },
        requester: { id: r.requester.id, name: r.requester.displayName },
        status: r.status,
        emergency: r.emergency,
        durationHours: r.durationHours,
        createdAt: r.createdAt,
        deadlineAt: r.deadlineAt,
        decidedAt: r.decidedAt,
        openStage: openIdx >= 0 ? { kind: r.steps[openIdx]!.kind, position: openIdx + 1, of: r.steps.length } : null,
      };
    }),
  };
}

export type TimelineEntry = { seq: string; occurredAt: Date; action: string; actor: PersonRef | null; subjectType: string; payload: unknown; hash: string };

/**
 * One request with everything about it. NOT_FOUND for someone who may not see it. `viewer` says what the
 * actor may do now (a hint for the page; every write checks again).
 */
export async function requestById(ctx: ServiceCtx, id: string) {
  const now = ctx.now();
  const r = await ctx.db.accessRequest.findUnique({
    where: { id },
    include: {
      requester: { select: { id: true, displayName: true, email: true, kind: true, ownerId: true, owner: { select: { id: true, displayName: true } } } },
      beneficiary: { select: { ...requestPartiesSelect.beneficiary.select, email: true, ownerId: true } },
      entitlement: { select: { ...requestPartiesSelect.entitlement.select, risk: true, privileged: true, maxDurationDays: true, description: true, owner: { select: { id: true, displayName: true } }, system: { select: { id: true, name: true, ownerId: true, owner: { select: { id: true, displayName: true } } } } } },
      policyVersion: { select: { id: true, version: true, sha256: true, createdAt: true } },
      grant: { select: { id: true, status: true, startsAt: true, expiresAt: true, revokedAt: true, revocationCause: true } },
      steps: { orderBy: { stageOrder: "asc" } },
    },
  });
  if (!r) throw notFound("The request");
  const parties = toParties(r);
  if (!(await canSeeRequest(ctx.db, parties, ctx.actor, now))) throw notFound("The request");

  // Three independent reads, in parallel: the stages' people, the timeline, and the beneficiary's access.
  const subjects: Prisma.LedgerEventWhereInput[] = [{ subjectType: "AccessRequest", subjectId: r.id }];
  if (r.grant) subjects.push({ subjectType: "Grant", subjectId: r.grant.id });
  const [stages, { events, names }, access] = await Promise.all([
    stageViews(ctx.db, parties, r.steps, now),
    // The timeline: every ledger event about the request, and about the grant it produced.
    (async () => {
      const events = await ctx.db.ledgerEvent.findMany({ where: { OR: subjects }, orderBy: { seq: "asc" }, take: 500 });
      const actorIds = [...new Set(events.map((e) => e.actorId).filter((x): x is string => Boolean(x)))];
      const actors = actorIds.length ? await ctx.db.identity.findMany({ where: { id: { in: actorIds } }, select: { id: true, displayName: true } }) : [];
      return { events, names: new Map(actors.map((a) => [a.id, a.displayName])) };
    })(),
    // The beneficiary's current access (grants in effect or being provisioned).
    ctx.db.grant.findMany({
      where: { identityId: r.beneficiaryId, status: { in: [...GRANT_IN_EFFECT, "PENDING_PROVISION", "PROVISION_FAILED"] } },
      orderBy: [{ entitlement: { system: { name: "asc" } } }, { entitlement: { name: "asc" } }],
      take: 200,
      select: { id: true, status: true, origin: true, startsAt: true, expiresAt: true, requestId: true, entitlement: { select: { id: true, name: true, risk: true, privileged: true, system: { select: { id: true, name: true } } } } },
    }),
  ]);
  const timeline: TimelineEntry[] = events.map((e) => ({
    seq: e.seq.toString(),
    occurredAt: e.occurredAt,
    action: e.action,
    actor: e.actorId ? { id: e.actorId, name: names.get(e.actorId) ?? "(unknown)" } : null,
    subjectType: e.subjectType,
    payload: e.payload,
    hash: e.hash,
  }));

  // What the viewer may do now.
  const open = r.steps.find((s) => s.status === "OPEN") ?? null;
  let canDecide: { stepId: string; authority: Authority } | null = null;
  let decideBlocked: string | null = null;
  if (open && r.status === "PENDING") {
    const conflictMsg = conflictReason(parties, ctx.actor.id);
    if (conflictMsg) decideBlocked = conflictMsg;
    else {
      const res = await resolveAuthority(ctx.db, ctx.actor.id, open, parties, priorApproverIds(r.steps), now);
      if (res.authority) canDecide = { stepId: open.id, authority: res.authority };
      else if (res.reason === "ALREADY_APPROVED") decideBlocked = "You approved an earlier stage: another person must decide this one.";
    }
  }
  const isRequester = r.requesterId === ctx.actor.id;
  const decision = r.policyDecision as unknown as StoredDecisionView;
  const requester = { id: r.requester.id, name: r.requester.displayName, email: r.requester.email };
  const beneficiary = { id: r.beneficiary.id, name: r.beneficiary.displayName, kind: r.beneficiary.kind, owner: r.beneficiary.owner ? { id: r.beneficiary.owner.id, name: r.beneficiary.owner.displayName } : null };

  return {
    id: r.id,
    status: r.status,
    revision: r.revision,
    contentHash: r.contentHash,
    justification: r.justification,
    durationHours: r.durationHours,
    ticketUrl: r.ticketUrl,
    /** The external ticket's reference (e.g. "JIRA-123"), when the request came with one. */
    ticketRef: r.ticketRef,
    emergency: r.emergency,
    incidentRef: r.incidentRef,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    deadlineAt: r.deadlineAt,
    decidedAt: r.decidedAt,
    reviewDueAt: r.reviewDueAt,
    reviewedAt: r.reviewedAt,
    /** Set when this request extends a grant the beneficiary holds. */
    extendsGrantId: r.extendsGrantId,
    requester,
    beneficiary,
    /**
     * Set when a machine (an API client, a pipeline, an AI agent) submitted the request: which one, of what
     * kind, and the person accountable for it. With `beneficiary`: "agent X (owned by Y) for Z".
     */
    machineRequester:
      r.requester.kind === "HUMAN"
        ? null
        : { id: r.requester.id, name: r.requester.displayName, kind: r.requester.kind, owner: r.requester.owner ? { id: r.requester.owner.id, name: r.requester.owner.displayName } : null },
    /** Set when someone asked for another identity: who for whom, and how they stood (when it was asked). */
    onBehalf: r.requesterId === r.beneficiaryId ? null : { requester, beneficiary, relation: storedRelation(decision) },
    entitlement: {
      id: r.entitlement.id,
      name: r.entitlement.name,
      description: r.entitlement.description,
      risk: r.entitlement.risk,
      privileged: r.entitlement.privileged,
      maxDurationDays: r.entitlement.maxDurationDays,
      owner: r.entitlement.owner ? { id: r.entitlement.owner.id, name: r.entitlement.owner.displayName } : { id: r.entitlement.system.owner.id, name: r.entitlement.system.owner.displayName },
    },
    system: { id: r.entitlement.system.id, name: r.entitlement.system.name },
    policy: {
      versionId: r.policyVersion.id,
      version: r.policyVersion.version,
      hash: r.policyHash,
      inputHash: r.inputHash,
      allowed: decision.allowed,
      autoApproved: decision.autoApproved,
      reasons: decision.reasons ?? [],
      stages: decision.stages ?? [],
      maxDurationHours: decision.maxDurationHours,
      determining: decision.determining ?? [],
      error: decision.error ?? null,
    },
    grant: r.grant,
    stages,
    timeline,
    beneficiaryAccess: access.map((g) => ({
      id: g.id,
      status: g.status,
      origin: g.origin,
      startsAt: g.startsAt,
      expiresAt: g.expiresAt,
      requestId: g.requestId,
      entitlement: { id: g.entitlement.id, name: g.entitlement.name, risk: g.entitlement.risk, privileged: g.entitlement.privileged },
      system: g.entitlement.system,
    })),
    viewer: {
      isRequester,
      canCancel: isRequester && r.status === "PENDING",
      canEdit: isRequester && r.status === "PENDING",
      canDecide,
      decideBlocked,
    },
  };
}
export type RequestDetail = Awaited<ReturnType<typeof requestById>>;

export type BeneficiaryOption = { id: string; name: string; kind: string; group: "me" | "nhi" | "report" | "colleague"; hint?: string };

/**
 * Who the request form offers: me, the active non-human identities I own, then my active direct reports.
 * A convenience, not the control: submitting asks the policy about whoever is named.
 */
export async function beneficiaryOptions(ctx: ServiceCtx): Promise<BeneficiaryOption[]> {
  const [nhis, reports] = await Promise.all([
    ctx.db.identity.findMany({ where: { ownerId: ctx.actor.id, status: "ACTIVE", kind: { not: "HUMAN" } }, orderBy: { displayName: "asc" }, select: { id: true, displayName: true, kind: true } }),
    ctx.db.identity.findMany({ where: { managerId: ctx.actor.id, status: "ACTIVE", kind: "HUMAN" }, orderBy: { displayName: "asc" }, take: 200, select: { id: true, displayName: true, kind: true } }),
  ]);
  return [
    { id: ctx.actor.id, name: `Me (${ctx.actor.displayName})`, kind: "HUMAN", group: "me" },
    ...nhis.map((n) => ({ id: n.id, name: n.displayName, kind: n.kind, group: "nhi" as const })),
    ...reports.map((r) => ({ id: r.id, name: r.displayName, kind: r.kind, group: "report" as const, hint: "your report" })),
  ];
}

/**
 * Colleagues the actor may ask for (the default policy's "same department"): active people in the actor's
 * department whose name or email matches `q`, not the actor, not their reports (offered already), at most
 * 10, by name. Nobody when the actor has no department. Only names and titles are shown: what a colleague
 * sees in the directory anyway.
 */
export async function searchBeneficiaries(ctx: ServiceCtx, input: z.output<typeof ZBeneficiarySearchInput>): Promise<BeneficiaryOption[]> {
  const me = await ctx.db.identity.findUnique({ where: { id: ctx.actor.id }, select: { department: true } });
  const department = me?.department?.trim();
  if (!department) return [];
  const rows = await ctx.db.identity.findMany({
    where: {
      kind: "HUMAN",
      status: "ACTIVE",
      department: { equals: department, mode: "insensitive" },
      id: { not: ctx.actor.id },
      OR: [{ managerId: null }, { managerId: { not: ctx.actor.id } }],
      AND: [{ OR: [{ displayName: { contains: input.q, mode: "insensitive" } }, { email: { contains: input.q, mode: "insensitive" } }] }],
    },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    take: 10,
    select: { id: true, displayName: true, kind: true, title: true },
  });
  return rows.map((r) => ({ id: r.id, name: r.displayName, kind: r.kind, group: "colleague" as const, hint: r.title ?? `${department} colleague` }));
}

/** The entitlement a request form is for (requestable or not: the policy says what happens). */
export async function requestableEntitlement(ctx: ServiceCtx, id: string) {
  const e = await ctx.db.entitlement.findUnique({
    where: { id },
    select: { id: true, name: true, description: true, risk: true, privileged: true, requestable: true, maxDurationDays: true, system: { select: { id: true, name: true } }, owner: { select: { id: true, displayName: true } } },
  });
  if (!e) throw notFound("The entitlement");
  return e;
}

const DAY_MS = 24 * 3_600_000;

/**
 * The request form opened from an expiry warning (`/requests/new?extend=<grantId>`): the grant's entitlement
 * and beneficiary, when it ends, and whether it can still be extended. Only the holder (or the owner of the
 * non-human identity holding it) may open it; anyone else gets NOT_FOUND (no existence leak).
 */
export async function extensionPrefill(ctx: ServiceCtx, grantId: string) {
  const g = await ctx.db.grant.findUnique({
    where: { id: grantId },
    select: {
      id: true,
      status: true,
      expiresAt: true,
      identity: { select: { id: true, displayName: true, kind: true, ownerId: true, status: true } },
      entitlement: { select: { id: true, name: true, description: true, risk: true, privileged: true, requestable: true, maxDurationDays: true, system: { select: { id: true, name: true } }, owner: { select: { id: true, displayName: true } } } },
    },
  });
  const me = ctx.actor.id;
  if (!g || !(g.identity.id === me || (g.identity.kind !== "HUMAN" && g.identity.ownerId === me))) throw notFound("The access to extend");
  const now = ctx.now();
  const inEffect = GRANT_IN_EFFECT.includes(g.status);
  const msLeft = g.expiresAt ? g.expiresAt.getTime() - now.getTime() : null;
  const pending = await ctx.db.accessRequest.findFirst({ where: { beneficiaryId: g.identity.id, entitlementId: g.entitlement.id, status: "PENDING" }, select: { id: true } });
  return {
    grantId: g.id,
    status: g.status,
    expiresAt: g.expiresAt,
    inEffect,
    /** Whole days left (0: less than a day); null without an end date. */
    daysLeft: msLeft === null ? null : Math.max(0, Math.floor(msLeft / DAY_MS)),
    expired: msLeft !== null && msLeft <= 0,
    /** Why it cannot be extended, or null. */
    blocked: !inEffect
      ? "This access is no longer in effect: request it again as a new request."
      : g.expiresAt === null
        ? "This access has no end date: there is nothing to extend."
        : g.identity.status !== "ACTIVE"
          ? `${g.identity.displayName} is not active: access cannot be requested for it.`
          : null,
    pendingRequestId: pending?.id ?? null,
    beneficiary: { id: g.identity.id, name: g.identity.id === me ? `Me (${g.identity.displayName})` : g.identity.displayName, displayName: g.identity.displayName, kind: g.identity.kind, isMe: g.identity.id === me },
    entitlement: g.entitlement,
  };
}
export type ExtensionPrefill = Awaited<ReturnType<typeof extensionPrefill>>;
