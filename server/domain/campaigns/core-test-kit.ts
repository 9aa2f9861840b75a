/**
 * Scene for the definition / launch / review / query tests: callers of every kind, two systems with their
 * owners, people with managers and departments, a non-human identity, and grants written directly (the
 * scene, not under test). `coreSnapshot` captures everything these services could change, so a refusal
 * can assert that nothing changed.
 */
import { expect } from "vitest";
import type { PrismaClient } from "../../db";
import { verifyChain } from "../../ledger/ledger";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import type { TCreateCampaignInput } from "./schema";

export const DAY = 86_400_000;

export async function coreCast(db: PrismaClient) {
  const admin = await makeHuman(db, { name: "Ada Admin", roles: ["ADMIN"] });
  const security = await makeHuman(db, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(db, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const manager = await makeHuman(db, { name: "Marcus Manager", department: "Engineering" });
  const priya = await makeHuman(db, { name: "Priya Engineer", department: "Engineering", managerId: manager.id });
  const peer = await makeHuman(db, { name: "Pete Peer", department: "Engineering", managerId: manager.id });
  const employee = await makeHuman(db, { name: "Eve Employee", department: "Sales" });
  /** Owns system A (no global role). */
  const owner = await makeHuman(db, { name: "Sofia Owner", department: "Platform", managerId: manager.id });
  /** Owns system B. */
  const otherOwner = await makeHuman(db, { name: "Otto OtherOwner", department: "Data" });
  const entOwner = await makeHuman(db, { name: "Enzo EntitlementOwner", department: "Platform" });
  const fallback = await makeHuman(db, { name: "Fay Fallback", department: "Security" });
  const svc = await makeNhi(db, priya.id, { name: "svc-payments" });
  const systemA = await makeSystem(db, owner.id, { name: `Payments ${Math.random().toString(36).slice(2, 7)}` });
  const systemB = await makeSystem(db, otherOwner.id, { name: `Warehouse ${Math.random().toString(36).slice(2, 7)}` });
  /** Low risk, owned by the system owner (no entitlement owner). */
  const a1 = await makeEntitlement(db, systemA.id, { name: "payments-read" });
  /** High risk, privileged, with its own owner. */
  const a2 = await makeEntitlement(db, systemA.id, { name: "payments-admin", risk: "HIGH", privileged: true, ownerId: entOwner.id });
  const b1 = await makeEntitlement(db, systemB.id, { name: "warehouse-query", risk: "MEDIUM" });
  const as = (id: string | null, now?: () => Date) => callerAs(db, id, now);
  return { admin, security, auditor, manager, priya, peer, employee, owner, otherOwner, entOwner, fallback, svc, systemA, systemB, a1, a2, b1, as };
}
export type CoreCast = Awaited<ReturnType<typeof coreCast>>;

/**
 * The grants of the standard scene. In scope of system A: priya/a1, priya/a2, peer/a1, owner/a1 (the
 * owner reviews a1: self-review), svc/a1. System B: employee/b1, svc/b1. Not in effect: priya/b1 REVOKED.
 */
export async function coreGrants(db: PrismaClient, c: CoreCast) {
  const g = {
    priyaA1: await makeGrant(db, c.priya.id, c.a1.id),
    priyaA2: await makeGrant(db, c.priya.id, c.a2.id),
    peerA1: await makeGrant(db, c.peer.id, c.a1.id),
    ownerA1: await makeGrant(db, c.owner.id, c.a1.id),
    svcA1: await makeGrant(db, c.svc.id, c.a1.id),
    employeeB1: await makeGrant(db, c.employee.id, c.b1.id),
    svcB1: await makeGrant(db, c.svc.id, c.b1.id),
    priyaB1Revoked: await makeGrant(db, c.priya.id, c.b1.id),
  };
  await db.grant.update({ where: { id: g.priyaB1Revoked.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
  return g;
}

/** A valid definition over system A (override anything). */
export function definition(c: CoreCast, o: Partial<TCreateCampaignInput> = {}): TCreateCampaignInput {
  const now = Date.now();
  return {
    name: "Q3 payments access review",
    scope: { systemIds: [c.systemA.id], entitlementIds: [], privilegedOnly: false, identityKinds: [] },
    reviewerStrategy: "ENTITLEMENT_OWNER",
    fallbackReviewerId: c.fallback.id,
    startsAt: new Date(now - 60_000),
    dueAt: new Date(now + 14 * DAY),
    reminderDays: [7, 1],
    defaultAction: "KEEP",
    ...o,
  };
}

/** Creates and launches a campaign as `actorId` (admin by default); returns the campaign row and items. */
export async function launched(db: PrismaClient, c: CoreCast, o: Partial<TCreateCampaignInput> = {}, actorId = c.admin.id) {
  const api = c.as(actorId);
  const { id } = await api.campaigns.create(definition(c, o));
  const draft = await db.campaign.findUniqueOrThrow({ where: { id } });
  const res = await api.campaigns.launch({ id, expectedUpdatedAt: draft.updatedAt });
  const campaign = await db.campaign.findUniqueOrThrow({ where: { id } });
  const items = await db.reviewItem.findMany({ where: { campaignId: id }, orderBy: [{ identityName: "asc" }, { entitlementName: "asc" }] });
  return { campaign, items, res };
}

/** Everything campaign definition, launch and review could change. */
export async function coreSnapshot(db: PrismaClient) {
  const [campaigns, items, grants, notifications, events] = await Promise.all([
    db.campaign.findMany({ orderBy: { id: "asc" } }),
    db.reviewItem.findMany({ orderBy: { id: "asc" } }),
    db.grant.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, updatedAt: true } }),
    db.notification.count(),
    db.ledgerEvent.count(),
  ]);
  return { campaigns, items, grants, notifications, events };
}
export type CoreSnapshot = Awaited<ReturnType<typeof coreSnapshot>>;

export async function expectUnchanged(db: PrismaClient, before: CoreSnapshot) {
  expect(await coreSnapshot(db)).toEqual(before);
}

/** The ledger events written since `eventsBefore` (a count), after checking the chain still verifies. */
export async function eventsSince(db: PrismaClient, eventsBefore: number) {
  const chain = await verifyChain(db);
  expect(chain.firstBroken).toBeNull();
  return db.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } }, orderBy: { seq: "asc" } });
}

let policyVersionSeq = 1000;

/**
 * A grant that came from an approved request: the request, its approved manager and owner stages (with
 * authority, as the approvals service records it) and the REQUEST-origin grant.
 */
export async function makeRequestedGrant(db: PrismaClient, o: { beneficiaryId: string; entitlementId: string; approvers: { id: string; name: string; authority: unknown }[]; startsAt?: Date }) {
  const pv = await db.policyVersion.create({ data: { version: ++policyVersionSeq, text: "// test", sha256: "0".repeat(64) } });
  const req = await db.accessRequest.create({
    data: {
      requesterId: o.beneficiaryId,
      beneficiaryId: o.beneficiaryId,
      entitlementId: o.entitlementId,
      justification: "Needed for the payments migration",
      durationHours: 24 * 30,
      contentHash: "c".repeat(64),
      policyVersionId: pv.id,
      policyHash: "p".repeat(64),
      policyDecision: {},
      inputHash: "i".repeat(64),
      deadlineAt: new Date(Date.now() + DAY),
      status: "APPROVED",
      decidedAt: new Date(),
    },
  });
  let order = 0;
  for (const a of o.approvers) {
    await db.approvalStep.create({
      data: {
        requestId: req.id,
        stageOrder: ++order,
        kind: order === 1 ? "MANAGER" : "OWNER",
        status: "APPROVED",
        eligibleIds: [a.id],
        requesterId: o.beneficiaryId,
        beneficiaryId: o.beneficiaryId,
        decidedById: a.id,
        decidedAt: new Date(),
        authority: a.authority as object,
        boundRevision: 1,
        boundContentHash: "c".repeat(64),
      },
    });
  }
  return db.grant.create({
    data: {
      identityId: o.beneficiaryId,
      entitlementId: o.entitlementId,
      status: "ACTIVE",
      origin: "REQUEST",
      requestId: req.id,
      startsAt: o.startsAt ?? new Date(),
      expiresAt: new Date(Date.now() + 30 * DAY),
    },
  });
}
