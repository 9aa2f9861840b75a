/**
 * Access requests: submit, cancel, edit. Each use case is one transaction: load → check authority → policy →
 * conditional write → ledger events in the same transaction → notifications (rows in the same transaction).
 *
 * Submitting evaluates the approval policy at once and stores the decision with the request (policy version
 * and hash, determining policy ids, the input and its hash), so the requester sees immediately whether it is
 * denied (with reasons), granted at once (break-glass) or which stages it needs and who can decide each.
 * Approvals are bound to the request content (revision + content hash): editing voids them and the stages
 * start again from the first.
 */
import { createHash } from "node:crypto";
import { formatDateTime } from "@/components/ui/format";
import type { z } from "zod";
import type { Tx } from "../../db";
import { isUniqueViolation } from "../../db/refusals";
import { Prisma, type ApprovalKind, type GrantStatus, type IdentityKind, type IdentityStatus, type RequestStatus, type RiskLevel } from "../../db/generated/client";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { canonicalJson } from "../../ledger/hash";
import { recordEvent, withDeferredLedger } from "../../ledger/ledger";
import { ledgerActor, type Actor, type ServiceCtx } from "../actor";
import { notify } from "../notifications/notify";
import { resolveClosedApprovalStages } from "../notifications/resolve";
import { GRANT_IN_EFFECT } from "../grants/status";
import { evaluatePolicy, isPolicyPrepared, relationToBeneficiary, type PolicyVersionRef, type PreparedPolicyRef } from "../policy/evaluate";
import { buildPolicyInput, conflictingHeldSql, emergencyGrantsSql, isoUtc, type EmergencyGrantSpan, type PolicyInputArgs } from "../policy/facts";
import { lockIdentities, lockRequestBeneficiary } from "../locks";
import { currentPolicyVersion, NO_POLICY_MESSAGE } from "../policy/queries";
import type { PolicyDecision, PolicyInput } from "../policy/types";
import { createGrantForRequest } from "../provisioning/grant-lifecycle";
import { requestPartiesSelect, ticketOf, toParties, type RequestParties } from "../approvals/eligibility";
import { completeApproval, openedColumns, recordStageOpened, requestTitle, stageOpening, STALE_REQUEST, voidOpenSteps, type OpenedStage } from "../approvals/stages";
import { BREAK_GLASS_REVIEW_HOURS, DEADLINE_DAYS, type ZCancelRequestInput, type ZEditRequestInput, type ZPreviewRequestInput, type ZSubmitRequestInput } from "./schema";
import { canSeeRequest, stageViews, type StageView } from "./queries";
import { assertNotAlreadyHeld, heldOrComingSql, type HeldGrant } from "./already-held";
import { heldScopes } from "../api-clients/held-scopes";
import { WARRANT_API_SYSTEM_ID } from "../api-clients/scopes";
import { KIND_LABELS } from "../identities/schema";
import { assertCredentialBeneficiary } from "../credentials/rules";

const HOUR = 3_600_000;

/** The content an approval is bound to. Any change gives a new hash and voids earlier approvals. */
export type BoundContent = {
  beneficiaryId: string;
  entitlementId: string;
  durationHours: number;
  justification: string;
  emergency: boolean;
  incidentRef: string | null;
  ticketUrl: string | null;
};

export function contentHash(c: BoundContent): string {
  const canonical = canonicalJson({
    beneficiaryId: c.beneficiaryId,
    entitlementId: c.entitlementId,
    durationHours: c.durationHours,
    justification: c.justification,
    emergency: c.emergency,
    incidentRef: c.incidentRef,
    ticketUrl: c.ticketUrl,
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** What is stored in AccessRequest.policyDecision: the decision and the full input, so it can be replayed. */
export type StoredDecision = PolicyDecision & { input: PolicyInput };

export function decisionSummary(d: PolicyDecision) {
  return {
    allowed: d.allowed,
    autoApproved: d.autoApproved,
    stages: d.stages,
    reasons: d.reasons,
    maxDurationHours: d.maxDurationHours,
    policyVersionId: d.policyVersionId,
    policyVersion: d.policyVersion,
    policyHash: d.policyHash,
    determining: d.determining,
    inputHash: d.inputHash,
    ...(d.error ? { error: d.error } : {}),
  };
}

function hoursText(h: number): string {
  if (h % 24 === 0 && h >= 24) return `${h / 24} day${h === 24 ? "" : "s"} (${h} hours)`;
  return `${h} hour${h === 1 ? "" : "s"}`;
}


/**
 * The beneficiary the service itself insists on, whatever the policy says: it exists, it is active (a leaver
 * or a suspended person gets nothing new), and a non-human identity is asked for only by its owner. Whether
 * one person may ask for another is the policy's question (manager, colleague, nobody else by default).
 */
function checkBeneficiaryRow<T extends { id: string; kind: IdentityKind; status: IdentityStatus; ownerId: string | null; displayName: string }>(b: T | null, actorId: string): T {
  if (!b) throw notFound("The identity you are requesting for");
  if (b.id !== actorId && b.kind !== "HUMAN" && b.ownerId !== actorId) {
    throw forbidden("You can request access for a non-human identity only if you are its owner.");
  }
  if (b.status !== "ACTIVE") throw badInput(`${b.displayName} is not active (${b.status.toLowerCase()}): access cannot be requested for ${b.kind === "HUMAN" ? "them" : "it"}.`);
  return b;
}

async function loadBeneficiary(tx: Tx, actorId: string, beneficiaryId: string) {
  const b = await tx.identity.findUnique({ where: { id: beneficiaryId }, select: { id: true, kind: true, status: true, ownerId: true, displayName: true } });
  return checkBeneficiaryRow(b, actorId);
}

/** A request for another person that the policy refuses is not recorded in their name: the requester is told why. */
function refuseDeniedOnBehalf(decision: PolicyDecision, policyInput: PolicyInput, beneficiaryName: string) {
  if (decision.allowed || policyInput.beneficiary.kind !== "HUMAN" || policyInput.facts.requesterIsBeneficiary) return;
  throw forbidden(`You cannot request this for ${beneficiaryName}: ${decision.reasons.join("; ") || "the policy does not allow it"}. Nothing was submitted.`);
}

/**
 * An extension must name a grant still in effect (GRANT_IN_EFFECT), held by the beneficiary, for the same
 * entitlement and with an end date; otherwise BAD_REQUEST (nothing is written).
 */
async function checkExtendable(tx: Tx, grantId: string, beneficiaryId: string, entitlementId: string) {
  const g = await tx.grant.findUnique({ where: { id: grantId }, select: { identityId: true, entitlementId: true, status: true, expiresAt: true } });
  if (!g || g.identityId !== beneficiaryId) throw badInput("The access to extend must be a grant held by the identity you are requesting for.");
  if (g.entitlementId !== entitlementId) throw badInput("An extension must be for the same entitlement as the access it extends.");
  if (!GRANT_IN_EFFECT.includes(g.status)) {
    throw badInput(`This access is no longer in effect (${g.status.toLowerCase().replace(/_/g, " ")}): request it again as a new request instead of an extension.`);
  }
  if (!g.expiresAt) throw badInput("This access has no end date: there is nothing to extend.");
}

async function evaluate(tx: Tx, args: PolicyInputArgs) {
  const version = await currentPolicyVersion(tx);
  const input = await buildPolicyInput(tx, args);
  const decision = evaluatePolicy(version, input);
  return { version, input, decision };
}

/** An allowed decision still refuses a duration longer than the policy's maximum (nothing is written). */
function checkDuration(decision: PolicyDecision, durationHours: number) {
  if (decision.allowed && durationHours > decision.maxDurationHours) {
    throw badInput(`The longest duration the policy allows for this request is ${hoursText(decision.maxDurationHours)}; you asked for ${hoursText(durationHours)}.`);
  }
}

/**
 * Asks the policy what would happen to a request, without writing anything: for the request form (the
 * maximum duration, the stages and who would decide them). Same checks on the beneficiary as submitting.
 */
export async function previewRequest(ctx: ServiceCtx, input: z.output<typeof ZPreviewRequestInput>) {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const beneficiaryId = input.beneficiaryId ?? ctx.actor.id;
    await loadBeneficiary(tx, ctx.actor.id, beneficiaryId);
    const ent = await tx.entitlement.findUnique({ where: { id: input.entitlementId }, select: { id: true } });
    if (!ent) throw notFound("The entitlement");
    const { decision } = await evaluate(tx, { requesterId: ctx.actor.id, beneficiaryId, entitlementId: input.entitlementId, durationHours: input.durationHours, emergency: input.emergency, now });
    const r = await tx.identity.findUniqueOrThrow({ where: { id: beneficiaryId }, select: requestPartiesSelect.beneficiary.select });
    const e = await tx.entitlement.findUniqueOrThrow({ where: { id: input.entitlementId }, select: requestPartiesSelect.entitlement.select });
    const parties = toParties({ id: "preview", requesterId: ctx.actor.id, beneficiaryId, beneficiary: r, entitlement: e });
    const stages = await stageViews(tx, parties, decision.stages.map((kind, i) => ({ id: `preview-${i}`, stageOrder: i + 1, kind, status: "WAITING" as const, eligibleIds: [], escalatedAt: null, decidedById: null, authority: null })), now);
    return { decision: decisionSummary(decision), stages };
  });
}

type StepRow = Awaited<ReturnType<Tx["approvalStep"]["createManyAndReturn"]>>[number];
/** The stages as they stand after creation, the first opened (what stageViews would read back), and how it opened. */
type CreatedSteps = { opened: OpenedStage | null; steps: StepRow[] };

/**
 * Creates the stages of the current revision after any earlier ones: the first inserted open (who may
 * decide it resolved first, as openStage would), the rest WAITING.
 */
async function createAndOpenStages(tx: Tx, o: { parties: RequestParties; stages: ApprovalKind[]; actorId: string; now: Date; title: string; newRequest?: boolean }): Promise<CreatedSteps> {
  const [firstKind] = o.stages;
  if (!firstKind) return { opened: null, steps: [] };
  // Stage numbers continue after the voided stages of earlier revisions (stageOrder is unique per request);
  // a request created in this transaction has none.
  const last = o.newRequest ? null : await tx.approvalStep.aggregate({ where: { requestId: o.parties.id }, _max: { stageOrder: true } });
  const base = last?._max.stageOrder ?? 0;
  const opening = await stageOpening(tx, firstKind, o.parties, new Set(), o.now);
  // One INSERT for all stages; RETURNING order is not promised, so sorted by stage.
  const steps = (
    await tx.approvalStep.createManyAndReturn({
      data: o.stages.map((kind, i) => ({
        requestId: o.parties.id,
        stageOrder: base + i + 1,
        kind,
        ...(i === 0 ? openedColumns(opening) : { status: "WAITING" as const }),
        requesterId: o.parties.requesterId,
        beneficiaryId: o.parties.beneficiaryId,
        beneficiaryOwnerId: o.parties.beneficiaryOwnerId,
      })),
    })
  ).sort((a, b) => a.stageOrder - b.stageOrder);
  const opened = await recordStageOpened(tx, { step: steps[0]!, parties: o.parties, prior: new Set(), actorId: o.actorId, now: o.now, title: o.title }, opening);
  return { opened, steps };
}

async function loadParties(tx: Tx, id: string) {
  const r = await tx.accessRequest.findUnique({
    where: { id },
    select: {
      ...requestPartiesSelect,
      status: true,
      revision: true,
      justification: true,
      durationHours: true,
      ticketUrl: true,
      emergency: true,
      incidentRef: true,
      entitlementId: true,
      extendsGrantId: true,
      contentHash: true,
      policyHash: true,
      policyVersionId: true,
      steps: { orderBy: { stageOrder: "asc" } },
    },
  });
  return r;
}

async function notifySecurityOfBreakGlass(tx: Tx, requestId: string, title: string, incidentRef: string | null, reviewDueAt: Date) {
  const security = await tx.roleAssignment.findMany({ where: { role: "SECURITY", identity: { status: "ACTIVE" } }, select: { identityId: true } });
  await notify(tx, {
    recipientIds: security.map((s) => s.identityId),
    kind: "break-glass.granted",
    title: "Break-glass access granted",
    body: `Emergency access was granted at once: ${title}, incident ${incidentRef ?? "(none)"}. A post-incident review is due by ${formatDateTime(reviewDueAt)}.`,
    link: `/requests/${requestId}`,
    dedupeKey: `break-glass:${requestId}`,
  });
}

type SubmitFacts = {
  requester: {
    status: IdentityStatus;
    department: string | null;
    displayName: string;
    kind: IdentityKind;
    ownerId: string | null;
    owner: { id: string; displayName: string; status: IdentityStatus; department: string | null } | null;
  } | null;
  beneficiary: Beneficiary | null;
  entitlement: {
    id: string;
    name: string;
    ownerId: string | null;
    systemId: string;
    risk: RiskLevel;
    privileged: boolean;
    requestable: boolean;
    maxDurationDays: number;
    issuesCredential: boolean;
    system: { id: string; name: string; ownerId: string };
  } | null;
  pendingId: string | null;
  policy: PreparedPolicyRef | null;
  /** What the beneficiary holds of the entitlement (heldOrComingSql). */
  held: HeldGrant | null;
  /** Conflicting entitlements held or pending (conflictingHeldSql), and break-glass grants in the window (emergencyGrantsSql). */
  conflictingNames: string[];
  emergencyGrants: EmergencyGrantSpan[];
};
type Beneficiary = {
  credentialExpiresAt?: string | null;
  id: string;
  kind: IdentityKind;
  status: IdentityStatus;
  ownerId: string | null;
  managerId: string | null;
  department: string | null;
  displayName: string;
  owner: { id: string; displayName: string; managerId: string | null } | null;
};

/**
 * What submitting checks and decides on, in one statement: the requester's standing, the beneficiary (with
 * its owner), the entitlement (with its system), an open request for the pair, the policy version in force
 * (without its text), the grant of the pair already held, and the policy's separation-of-duties and
 * break-glass facts. The same rows loadBeneficiary, assertStillActive, buildPolicyInput, loadParties and
 * currentPolicyVersion read one by one; the SQL of the last three facts is shared with their readers.
 */
async function readSubmitFacts(tx: Tx, requesterId: string, beneficiaryId: string, entitlementId: string, now: Date): Promise<SubmitFacts> {
  const rows = await tx.$queryRaw<SubmitFacts[]>`SELECT
    (SELECT json_build_object('status', i."status", 'department', i."department", 'displayName', i."displayName", 'kind', i."kind", 'ownerId', i."ownerId",
        'owner', CASE WHEN io."id" IS NULL THEN NULL ELSE json_build_object('id', io."id", 'displayName', io."displayName", 'status', io."status", 'department', io."department") END)
      FROM "Identity" i LEFT JOIN "Identity" io ON io."id" = i."ownerId" WHERE i."id" = ${requesterId}::uuid) AS "requester",
    (SELECT json_build_object('id', b."id", 'kind', b."kind", 'status', b."status", 'ownerId', b."ownerId", 'managerId', b."managerId", 'department', b."department", 'displayName', b."displayName", 'credentialExpiresAt', ${isoUtc(Prisma.sql`b."credentialExpiresAt"`)},
        'owner', CASE WHEN o."id" IS NULL THEN NULL ELSE json_build_object('id', o."id", 'displayName', o."displayName", 'managerId', o."managerId") END)
      FROM "Identity" b LEFT JOIN "Identity" o ON o."id" = b."ownerId" WHERE b."id" = ${beneficiaryId}::uuid) AS "beneficiary",
    (SELECT json_build_object('id', e."id", 'name', e."name", 'ownerId', e."ownerId", 'systemId', e."systemId", 'risk', e."risk", 'privileged', e."privileged",
        'requestable', e."requestable", 'maxDurationDays', e."maxDurationDays", 'issuesCredential', e."issuesCredential", 'system', json_build_object('id', s."id", 'name', s."name", 'ownerId', s."ownerId"))
      FROM "Entitlement" e JOIN "System" s ON s."id" = e."systemId" WHERE e."id" = ${entitlementId}::uuid) AS "entitlement",
    (SELECT r."id" FROM "AccessRequest" r WHERE r."beneficiaryId" = ${beneficiaryId}::uuid AND r."entitlementId" = ${entitlementId}::uuid AND r."status" = 'PENDING' LIMIT 1) AS "pendingId",
    (SELECT json_build_object('id', v."id", 'version', v."version", 'sha256', v."sha256") FROM "PolicyVersion" v ORDER BY v."version" DESC LIMIT 1) AS "policy",
    ${heldOrComingSql(beneficiaryId, entitlementId)} AS "held",
    ${conflictingHeldSql(beneficiaryId, entitlementId)} AS "conflictingNames",
    ${emergencyGrantsSql(beneficiaryId, entitlementId, now)} AS "emergencyGrants"`;
  return rows[0]!;
}

/** The text of a version read by readSubmitFacts, when this process has not prepared it yet. */
async function currentPolicyVersionText(tx: Tx, v: PreparedPolicyRef): Promise<PolicyVersionRef> {
  const row = await tx.policyVersion.findUniqueOrThrow({ where: { id: v.id }, select: { text: true } });
  return { ...v, text: row.text };
}

/** As loadBeneficiary, on the row readSubmitFacts read. */
function checkBeneficiary(b: Beneficiary | null, actorId: string): Beneficiary {
  return checkBeneficiaryRow(b, actorId);
}

/**
 * Submits a request for the actor, a non-human identity they own, or another person where the policy allows
 * it (by default their manager or a colleague; a refused request for someone else is not recorded: FORBIDDEN
 * with the policy's reasons, and the beneficiary is told of one that is). Evaluates the policy against the
 * version in force and stores the decision. Denied → DENIED at once (reasons kept); auto-approved →
 * APPROVED with the grant created in the same transaction (break-glass: security notified, a review due in
 * 24 hours); otherwise the stages are created and the first opened. Any signed-in person (not an auditor).
 */
export async function submitRequest(ctx: ServiceCtx, input: z.output<typeof ZSubmitRequestInput>): Promise<RequestOutcome> {
  // Every event of the submit is appended at its end: the ledger head is locked only from then to commit.
  // The outcome is made from what the transaction wrote (requestOutcome would read the same rows back).
  const { outcome } = await ctx.db.$transaction((tx) => withDeferredLedger(tx, () => submitInTransaction(tx, ctx, input)));
  return outcome;
}

/**
 * A machine requester (a non-human identity acting itself: an API client, a pipeline, an AI agent) may
 * submit for itself only with the API scope requests:write, and for a person only with requests:on-behalf,
 * only for an active person, and only while its accountable owner is an active person. Scopes are read from
 * its grants now (the same rule as the REST edge). Whether it may ask for that particular person is the
 * policy's question (by default: its owner, or someone its owner manages or shares a department with).
 */
async function assertMachineMayRequest(tx: Tx, ctx: ServiceCtx, f: SubmitFacts, beneficiaryId: string, now: Date): Promise<void> {
  if (ctx.actor.kind === "HUMAN") return;
  const who = `${ctx.actor.displayName} (${KIND_LABELS[ctx.actor.kind].toLowerCase()})`;
  const owner = f.requester?.owner ?? null;
  if (!owner || owner.status !== "ACTIVE") throw forbidden(`${who} has no active accountable owner: it cannot request access.`);
  const scopes = await heldScopes(tx, ctx.actor.id, now);
  if (beneficiaryId === ctx.actor.id) {
    if (!scopes.has("requests:write")) throw forbidden(`${who} does not hold the API scope requests:write: it cannot request access for itself.`);
    return;
  }
  if (!scopes.has("requests:on-behalf")) throw forbidden(`${who} does not hold the API scope requests:on-behalf: it cannot request access on a person's behalf.`);
  const b = f.beneficiary;
  if (b && b.kind !== "HUMAN") throw forbidden(`${who} may request on behalf of a person only, not for another non-human identity.`);
}

/**
 * An API scope (an entitlement of the Warrant API system) never outlasts the client's credential: the
 * requested duration must end by the client's credential expiry.
 */
function checkScopeWithinCredential(ent: { system: { id: string } }, b: Beneficiary, durationHours: number, now: Date): void {
  if (ent.system.id !== WARRANT_API_SYSTEM_ID || !b.credentialExpiresAt) return;
  const end = new Date(b.credentialExpiresAt).getTime();
  const hoursLeft = Math.floor((end - now.getTime()) / HOUR);
  if (now.getTime() + durationHours * HOUR > end) {
    throw badInput(`An API scope cannot outlast ${b.displayName}'s credential, which expires in ${hoursLeft > 0 ? hoursText(hoursLeft) : "less than an hour"}: ask for at most that.`, "durationHours");
  }
}

/**
 * submitRequest's work inside the caller's transaction (an API client's first scopes are requested in the
 * transaction that creates it). Returns the new request's id.
 */
export async function submitWithin(tx: Tx, ctx: ServiceCtx, input: z.output<typeof ZSubmitRequestInput>): Promise<string> {
  return (await submitInTransaction(tx, ctx, input)).id;
}

async function submitInTransaction(tx: Tx, ctx: ServiceCtx, input: z.output<typeof ZSubmitRequestInput>): Promise<{ id: string; outcome: RequestOutcome }> {
    const now = ctx.now();
    const actor = ledgerActor(ctx.actor);
    const beneficiaryId = input.beneficiaryId ?? ctx.actor.id;
    // Serialised per identity (see server/domain/locks.ts): the one-pending-request, separation-of-duties
    // and emergency-bound checks below read other rows, and a parallel submit must see this one's result.
    // The requester is locked too, so a leaver being processed cannot slip a request in.
    await lockIdentities(tx, [ctx.actor.id, beneficiaryId]);
    // Everything the checks and the policy need about the parties, in one round trip after the lock.
    const f = await readSubmitFacts(tx, ctx.actor.id, beneficiaryId, input.entitlementId, now);
    if (f.requester?.status !== "ACTIVE") throw forbidden("Your account is not active in Warrant.");
    await assertMachineMayRequest(tx, ctx, f, beneficiaryId, now);
    const b = checkBeneficiary(f.beneficiary, ctx.actor.id);
    const ent = f.entitlement;
    if (!ent) throw notFound("The entitlement");
    checkScopeWithinCredential(ent, b, input.durationHours, now);
    assertCredentialBeneficiary(ent, b);
    const extendsGrantId = input.extendsGrantId ?? null;
    if (extendsGrantId) await checkExtendable(tx, extendsGrantId, beneficiaryId, ent.id);
    assertNotAlreadyHeld(f.held, { beneficiaryName: b.displayName, entitlementName: ent.name, forSelf: beneficiaryId === ctx.actor.id, extendsGrantId, emergency: input.emergency });
    // One pending request per identity and entitlement. Holding the access already does not count: an
    // extension is a new request made while the grant is still held.
    if (f.pendingId) throw conflict(`There is already a pending request for ${ent.name} for ${beneficiaryId === ctx.actor.id ? "you" : b.displayName}: ${beneficiaryId === ctx.actor.id ? "follow or edit that one" : "it is being decided already"}.`);
    if (!f.policy) throw conflict(NO_POLICY_MESSAGE);

    const content: BoundContent = {
      beneficiaryId,
      entitlementId: ent.id,
      durationHours: input.durationHours,
      justification: input.justification,
      emergency: input.emergency,
      incidentRef: input.incidentRef ?? null,
      ticketUrl: input.ticketUrl ?? null,
    };
    const policyArgs = { requesterId: ctx.actor.id, beneficiaryId, entitlementId: ent.id, durationHours: input.durationHours, emergency: input.emergency, extendsGrantId, now };
    const policyInput = await buildPolicyInput(tx, policyArgs, {
      requester: { id: ctx.actor.id, department: f.requester.department, kind: f.requester.kind, ownerId: f.requester.ownerId, owner: f.requester.owner },
      beneficiary: { id: b.id, kind: b.kind, ownerId: b.ownerId, managerId: b.managerId, department: b.department },
      entitlement: { ...ent, system: { name: ent.system.name } },
      conflictingNames: f.conflictingNames,
      emergencyGrants: f.emergencyGrants,
    });
    // The policy text is read only when this process has not prepared that version yet; nothing is awaited
    // between the check and the evaluation.
    const version = f.policy;
    const decision = isPolicyPrepared(version.sha256) ? evaluatePolicy(version, policyInput) : evaluatePolicy(await currentPolicyVersionText(tx, version), policyInput);
    refuseDeniedOnBehalf(decision, policyInput, b.displayName);
    checkDuration(decision, input.durationHours);
    const outcome: RequestStatus = !decision.allowed ? "DENIED" : decision.autoApproved ? "APPROVED" : "PENDING";
    const stored: StoredDecision = { ...decision, input: policyInput };
    const reviewDueAt = outcome === "APPROVED" && input.emergency ? new Date(now.getTime() + BREAK_GLASS_REVIEW_HOURS * HOUR) : null;
    const req = await tx.accessRequest
      .create({
      data: {
        requesterId: ctx.actor.id,
        beneficiaryId,
        entitlementId: ent.id,
        justification: content.justification,
        durationHours: content.durationHours,
        ticketUrl: content.ticketUrl,
        ticketRef: input.ticketRef ?? null,
        emergency: content.emergency,
        incidentRef: content.incidentRef,
        status: outcome,
        revision: 1,
        contentHash: contentHash(content),
        policyVersionId: version.id,
        policyHash: decision.policyHash,
        policyDecision: stored as unknown as Prisma.InputJsonValue,
        inputHash: decision.inputHash,
        deadlineAt: outcome === "PENDING" ? new Date(now.getTime() + DEADLINE_DAYS * 24 * HOUR) : now,
        decidedAt: outcome === "PENDING" ? null : now,
        reviewDueAt,
        extendsGrantId,
      },
      select: { id: true, contentHash: true },
      })
      .catch((e: unknown) => {
        // The lock above makes this unreachable; the unique index is the database's own word on it.
        throw isUniqueViolation(e) ? conflict(`There is already a pending request for ${ent.name} for this identity: follow or edit that one.`) : e;
      });
    // The parties as loadParties would read them back: all of it was read above, under the same locks.
    const parties = toParties({
      id: req.id,
      requesterId: ctx.actor.id,
      requester: { displayName: ctx.actor.displayName, ownerId: f.requester.ownerId },
      beneficiaryId,
      beneficiary: { id: b.id, displayName: b.displayName, kind: b.kind, managerId: b.managerId, owner: b.owner },
      entitlement: { id: ent.id, name: ent.name, ownerId: ent.ownerId, system: ent.system },
      ticketRef: input.ticketRef ?? null,
    });
    const title = requestTitle(parties);
    const onBehalf = b.kind === "HUMAN" && beneficiaryId !== ctx.actor.id;
    const machine = ctx.actor.kind !== "HUMAN";
    let grant: RequestOutcome["grant"] = null;
    let created: CreatedSteps = { opened: null, steps: [] };

    await recordEvent(tx, {
      ...actor,
      action: "request.submitted",
      subjectType: "AccessRequest",
      subjectId: req.id,
      occurredAt: now,
      payload: {
        ...content,
        revision: 1,
        contentHash: req.contentHash,
        requesterId: ctx.actor.id,
        beneficiaryOwnerId: parties.beneficiaryOwnerId,
        ...(extendsGrantId ? { extendsGrantId } : {}),
        ...(input.ticketRef ? { ticketRef: input.ticketRef } : {}),
        // A machine requester: the whole chain (agent X, owned by Y, acting for Z).
        ...(machine ? { requesterChain: { requesterId: ctx.actor.id, requesterKind: ctx.actor.kind, requesterOwnerId: f.requester.ownerId, beneficiaryId, onBehalfOfPerson: onBehalf } } : {}),
        // Asked on a person's behalf: how the requester stood to them, as the policy saw it.
        ...(onBehalf ? { onBehalf: { relation: relationToBeneficiary(policyInput) } } : {}),
      },
    });
    await recordEvent(tx, { ...actor, action: "request.policy_decided", subjectType: "AccessRequest", subjectId: req.id, occurredAt: now, payload: { revision: 1, ...decisionSummary(decision), ...ticketOf(parties) } });

    if (outcome === "DENIED") {
      await recordEvent(tx, { ...actor, action: "request.denied_by_policy", subjectType: "AccessRequest", subjectId: req.id, occurredAt: now, payload: { reasons: decision.reasons, determining: decision.determining, policyHash: decision.policyHash, ...ticketOf(parties) } });
    } else if (outcome === "APPROVED") {
      const { grantId, expiresAt } = await createGrantForRequest(tx, { request: { id: req.id, beneficiaryId, entitlementId: ent.id, durationHours: content.durationHours, emergency: content.emergency }, actorId: actor.actorId, now });
      await recordEvent(tx, {
        ...actor,
        action: "request.auto_approved",
        subjectType: "AccessRequest",
        subjectId: req.id,
        occurredAt: now,
        payload: { grantId, emergency: content.emergency, incidentRef: content.incidentRef, reviewDueAt, determining: decision.determining, policyHash: decision.policyHash, ...(extendsGrantId ? { extendsGrantId } : {}), ...ticketOf(parties) },
      });
      if (reviewDueAt) await notifySecurityOfBreakGlass(tx, req.id, title, content.incidentRef, reviewDueAt);
      grant = { id: grantId, status: "PENDING_PROVISION", expiresAt };
    } else {
      created = await createAndOpenStages(tx, { parties, stages: decision.stages, actorId: ctx.actor.id, now, title, newRequest: true });
    }
    if (onBehalf) {
      // The person asked for is told, whatever the outcome: access is being arranged in their name.
      await notify(tx, {
        recipientIds: [beneficiaryId],
        kind: "request.on_behalf",
        title: `${f.requester.displayName}${machine && f.requester.owner ? ` (${KIND_LABELS[ctx.actor.kind].toLowerCase()} owned by ${f.requester.owner.displayName})` : ""} asked for ${ent.name} on your behalf`,
        body: `${f.requester.displayName} asked for ${ent.name} (${ent.system.name}) for you, for ${hoursText(content.durationHours)}${outcome === "APPROVED" ? "; it was granted at once" : ""}. Reason given: ${content.justification}`,
        link: `/requests/${req.id}`,
        dedupeKey: `on-behalf:${req.id}`,
      });
    }
    const view = { id: req.id, status: outcome, revision: 1, contentHash: req.contentHash, decision: decisionSummary(stored), grant, reviewDueAt };
    return { id: req.id, outcome: { ...view, stages: await stageViews(tx, parties, created.steps, now, created.opened) } };
}

/** What the requester sees right after a submit or edit: status, decision, and the stages with their deciders. */
export async function requestOutcome(ctx: ServiceCtx, id: string): Promise<RequestOutcome> {
  const now = ctx.now();
  const r = await ctx.db.accessRequest.findUniqueOrThrow({
    where: { id },
    select: { ...requestPartiesSelect, status: true, revision: true, contentHash: true, policyDecision: true, grant: { select: { id: true, status: true, expiresAt: true } }, reviewDueAt: true, steps: { orderBy: { stageOrder: "asc" } } },
  });
  const decision = r.policyDecision as unknown as StoredDecision;
  const current = r.steps.filter((s) => s.status !== "VOID");
  return {
    id: r.id,
    status: r.status,
    revision: r.revision,
    contentHash: r.contentHash,
    decision: decisionSummary(decision),
    grant: r.grant,
    reviewDueAt: r.reviewDueAt,
    stages: await stageViews(ctx.db, toParties(r), current, now),
  };
}
export type RequestOutcome = {
  id: string;
  status: RequestStatus;
  revision: number;
  contentHash: string;
  decision: ReturnType<typeof decisionSummary>;
  grant: { id: string; status: GrantStatus; expiresAt: Date | null } | null;
  reviewDueAt: Date | null;
  stages: StageView[];
};

function requireRequester(r: { requesterId: string } | null, actorId: string, what: string): asserts r is NonNullable<typeof r> {
  if (!r) throw notFound("The request");
  if (r.requesterId !== actorId) throw forbidden(`Only the person who made the request can ${what} it.`);
}

/** Cancels a pending request. The requester only; a conditional write against the revision they saw. */
export async function cancelRequest(ctx: ServiceCtx, input: z.output<typeof ZCancelRequestInput>) {
  const now = ctx.now();
  const actor = ledgerActor(ctx.actor);
  await ctx.db.$transaction(async (tx) => {
    const r = await loadParties(tx, input.id);
    if (r && r.requesterId !== ctx.actor.id) await assertCanSee(tx, toParties(r), ctx.actor, now);
    requireRequester(r, ctx.actor.id, "cancel");
    const moved = await tx.accessRequest.updateMany({ where: { id: r.id, status: "PENDING", revision: input.expectedRevision }, data: { status: "CANCELLED", decidedAt: now } });
    if (moved.count === 0) throw conflict(STALE_REQUEST);
    const voided = await voidOpenSteps(tx, r.id, now);
    await recordEvent(tx, { ...actor, action: "request.cancelled", subjectType: "AccessRequest", subjectId: r.id, occurredAt: now, payload: { revision: r.revision, voidedSteps: voided, ...ticketOf(r) } });
  });
  return requestOutcome(ctx, input.id);
}

/** People who are not the requester get NOT_FOUND for a request they may not see (no existence leak). */
async function assertCanSee(tx: Tx, r: RequestParties, actor: Actor, now: Date) {
  if (!(await canSeeRequest(tx, r, actor, now))) throw notFound("The request");
}

/**
 * Edits a pending request (justification, duration, ticket link). The requester only, against the revision
 * they saw. The policy is evaluated again; every approval given so far and the open stage are voided
 * (approvals are bound to the content) and the stages start again from the first under the new decision.
 * A change the policy would deny, or a duration past its maximum, is refused and nothing changes.
 */
export async function editRequest(ctx: ServiceCtx, input: z.output<typeof ZEditRequestInput>) {
  const now = ctx.now();
  const actor = ledgerActor(ctx.actor);
  await ctx.db.$transaction(async (tx) => {
    // The policy is evaluated again on the beneficiary's current holdings: serialise with other decisions
    // about the same identity (see server/domain/locks.ts), then read the request fresh.
    await lockRequestBeneficiary(tx, input.id);
    const r = await loadParties(tx, input.id);
    if (r && r.requesterId !== ctx.actor.id) await assertCanSee(tx, toParties(r), ctx.actor, now);
    requireRequester(r, ctx.actor.id, "edit");
    if (r.status !== "PENDING" || r.revision !== input.expectedRevision) throw conflict(STALE_REQUEST);

    const before = { justification: r.justification, durationHours: r.durationHours, ticketUrl: r.ticketUrl };
    const after = {
      justification: input.justification ?? r.justification,
      durationHours: input.durationHours ?? r.durationHours,
      ticketUrl: input.ticketUrl === undefined ? r.ticketUrl : input.ticketUrl,
    };
    const changes = Object.fromEntries(
      (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== after[k]).map((k) => [k, { before: before[k], after: after[k] }]),
    );
    if (Object.keys(changes).length === 0) throw badInput("Nothing changed: the request already says this.");

    const content: BoundContent = { beneficiaryId: r.beneficiaryId, entitlementId: r.entitlementId, emergency: r.emergency, incidentRef: r.incidentRef, ...after };
    const { version, input: policyInput, decision } = await evaluate(tx, { requesterId: r.requesterId, beneficiaryId: r.beneficiaryId, entitlementId: r.entitlementId, durationHours: after.durationHours, emergency: r.emergency, extendsGrantId: r.extendsGrantId, now });
    if (!decision.allowed) throw badInput(`The policy would deny the changed request: ${decision.reasons.join("; ") || "no reason given"}. Nothing was changed.`);
    checkDuration(decision, after.durationHours);
    if (!decision.autoApproved && decision.stages.length === 0) throw badInput("The policy names no approval stage for the changed request; nothing was changed.");

    const revision = r.revision + 1;
    const hash = contentHash(content);
    const stored: StoredDecision = { ...decision, input: policyInput };
    const moved = await tx.accessRequest.updateMany({
      where: { id: r.id, status: "PENDING", revision: input.expectedRevision },
      data: {
        ...after,
        revision,
        contentHash: hash,
        policyVersionId: version.id,
        policyHash: decision.policyHash,
        policyDecision: stored as unknown as Prisma.InputJsonValue,
        inputHash: decision.inputHash,
        deadlineAt: new Date(now.getTime() + DEADLINE_DAYS * 24 * HOUR),
      },
    });
    if (moved.count === 0) throw conflict(STALE_REQUEST);

    // Approvals are bound to the content: every approval and the open stage of the old revision go void.
    const toVoid = r.steps.filter((s) => s.status === "APPROVED" || s.status === "OPEN" || s.status === "WAITING");
    const voided = await tx.approvalStep.updateMany({ where: { id: { in: toVoid.map((s) => s.id) }, status: { in: ["APPROVED", "OPEN", "WAITING"] } }, data: { status: "VOID" } });
    if (voided.count !== toVoid.length) throw conflict(STALE_REQUEST);
    await resolveClosedApprovalStages(tx, r.id, now);

    await recordEvent(tx, {
      ...actor,
      action: "request.edited",
      subjectType: "AccessRequest",
      subjectId: r.id,
      occurredAt: now,
      payload: { revision, previousRevision: r.revision, contentHash: hash, previousContentHash: r.contentHash, changes, ...ticketOf(r) },
    });
    await recordEvent(tx, {
      ...actor,
      action: "approval.voided",
      subjectType: "AccessRequest",
      subjectId: r.id,
      occurredAt: now,
      payload: {
        reason: "The request was edited: approvals are bound to the exact content.",
        revision: r.revision,
        steps: toVoid.map((s) => ({ stepId: s.id, stageOrder: s.stageOrder, kind: s.kind, status: s.status, decidedById: s.decidedById, boundRevision: s.boundRevision })),
      },
    });
    await recordEvent(tx, { ...actor, action: "request.policy_decided", subjectType: "AccessRequest", subjectId: r.id, occurredAt: now, payload: { revision, ...decisionSummary(decision), ...ticketOf(r) } });

    const parties = toParties(r);
    const title = requestTitle(r);
    if (decision.autoApproved) {
      await completeApproval(tx, { request: { id: r.id, requesterId: r.requesterId, beneficiaryId: r.beneficiaryId, entitlementId: r.entitlementId, durationHours: after.durationHours, emergency: r.emergency, revision, ticketRef: r.ticketRef }, actorId: actor.actorId, now, title });
      await recordEvent(tx, { ...actor, action: "request.auto_approved", subjectType: "AccessRequest", subjectId: r.id, occurredAt: now, payload: { revision, determining: decision.determining, policyHash: decision.policyHash, ...ticketOf(r) } });
    } else {
      await createAndOpenStages(tx, { parties, stages: decision.stages, actorId: ctx.actor.id, now, title });
    }
    const approvers = toVoid.filter((s) => s.status === "APPROVED" && s.decidedById).map((s) => s.decidedById!);
    await notify(tx, {
      recipientIds: approvers,
      kind: "approval.voided",
      title: `Your approval was voided: ${title}`,
      body: "The requester changed the request after you approved it, so your approval no longer applies.",
      link: `/requests/${r.id}`,
    });
  });
  return requestOutcome(ctx, input.id);
}
