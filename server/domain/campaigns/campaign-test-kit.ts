/**
 * Scene for the closing / remediation / reminder / report tests: people of every kind, and campaigns with
 * review items for real grants written directly in the database (the scene, not under test: launching is
 * tested by launch.int.test.ts).
 */
import { expect } from "vitest";
import type { PrismaClient } from "../../db";
import type { CampaignStatus, ConnectorKind, DefaultAction, ReviewDecision } from "../../db/generated/client";
import { verifyChain } from "../../ledger/ledger";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeSystem } from "../../testing/factories";

export const DAY = 86_400_000;

export async function campaignCast(db: PrismaClient, opts: { connector?: ConnectorKind } = {}) {
  const admin = await makeHuman(db, { name: "Ada Admin", roles: ["ADMIN"] });
  const security = await makeHuman(db, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(db, { name: "Aud Auditor", roles: ["AUDITOR"] });
  /** Owns the system and runs the campaigns. */
  const owner = await makeHuman(db, { name: "Sofia Owner" });
  /** Owns another system: no power over this campaign. */
  const otherOwner = await makeHuman(db, { name: "Otto OtherOwner" });
  const fallback = await makeHuman(db, { name: "Fay Fallback" });
  const reviewer = await makeHuman(db, { name: "Rita Reviewer" });
  const reviewer2 = await makeHuman(db, { name: "Rob Reviewer" });
  const employee = await makeHuman(db, { name: "Eve Employee", managerId: reviewer.id });
  const holder = await makeHuman(db, { name: "Hal Holder", managerId: reviewer.id });
  const system = await makeSystem(db, owner.id, { name: `Production Database ${Math.random().toString(36).slice(2, 7)}` });
  await db.system.update({ where: { id: system.id }, data: { connector: opts.connector ?? "MANUAL" } });
  await makeSystem(db, otherOwner.id);
  const entitlement = await makeEntitlement(db, system.id, { name: "db-reader" });
  const privileged = await makeEntitlement(db, system.id, { name: "db-admin", risk: "HIGH", privileged: true });
  const as = (id: string | null, now?: () => Date) => callerAs(db, id, now);
  return { admin, security, auditor, owner, otherOwner, fallback, reviewer, reviewer2, employee, holder, system, entitlement, privileged, as };
}
export type Cast = Awaited<ReturnType<typeof campaignCast>>;

export async function makeCampaign(
  db: PrismaClient,
  o: {
    ownerId: string;
    fallbackReviewerId: string;
    systemIds?: string[];
    name?: string;
    status?: CampaignStatus;
    defaultAction?: DefaultAction;
    startsAt?: Date;
    dueAt?: Date;
    launchedAt?: Date | null;
    reminderDays?: number[];
    recurrence?: "MONTHLY" | "QUARTERLY" | "YEARLY" | null;
  },
) {
  const now = Date.now();
  const dueAt = o.dueAt ?? new Date(now + 14 * DAY);
  const startsAt = o.startsAt ?? new Date(Math.min(now, dueAt.getTime()) - 14 * DAY);
  return db.campaign.create({
    data: {
      name: o.name ?? `Q${Math.floor(Math.random() * 4) + 1} access review ${Math.random().toString(36).slice(2, 7)}`,
      ownerId: o.ownerId,
      status: o.status ?? "ACTIVE",
      scope: { systemIds: o.systemIds ?? [], entitlementIds: [], privilegedOnly: false, identityKinds: [] },
      reviewerStrategy: "NAMED",
      namedReviewerIds: [],
      fallbackReviewerId: o.fallbackReviewerId,
      startsAt,
      dueAt,
      reminderDays: o.reminderDays ?? [7, 3, 1],
      defaultAction: o.defaultAction ?? "KEEP",
      recurrence: o.recurrence ?? null,
      launchedAt: o.launchedAt === undefined ? startsAt : o.launchedAt,
      populationCount: 0,
      scopeQuery: "SELECT ... (test scene)",
      scopeHash: "test",
    },
  });
}

/** A review item for a grant, with the snapshot copied from the grant as launch would. */
export async function makeItem(
  db: PrismaClient,
  campaignId: string,
  grantId: string,
  reviewerId: string,
  o: { decision?: ReviewDecision; comment?: string; decidedAt?: Date; decidedById?: string } = {},
) {
  const g = await db.grant.findUniqueOrThrow({ where: { id: grantId }, include: { identity: true, entitlement: { include: { system: true } } } });
  const item = await db.reviewItem.create({
    data: {
      campaignId,
      grantId,
      identityId: g.identityId,
      entitlementId: g.entitlementId,
      identityName: g.identity.displayName,
      identityKind: g.identity.kind,
      entitlementName: g.entitlement.name,
      systemId: g.entitlement.systemId,
      systemName: g.entitlement.system.name,
      risk: g.entitlement.risk,
      privileged: g.entitlement.privileged,
      origin: g.origin,
      grantStartsAt: g.startsAt,
      grantExpiresAt: g.expiresAt,
      reviewerId,
      ...(o.decision ? { decision: o.decision, comment: o.comment ?? null, decidedAt: o.decidedAt ?? new Date(), decidedById: o.decidedById ?? reviewerId } : {}),
    },
  });
  await db.campaign.update({ where: { id: campaignId }, data: { populationCount: { increment: 1 } } });
  return item;
}

/** A grant (ACTIVE) of `identityId` to `entitlementId` and its review item. */
export async function grantAndItem(
  db: PrismaClient,
  campaignId: string,
  identityId: string,
  entitlementId: string,
  reviewerId: string,
  o: Parameters<typeof makeItem>[4] = {},
) {
  const grant = await makeGrant(db, identityId, entitlementId);
  const item = await makeItem(db, campaignId, grant.id, reviewerId, o);
  return { grant, item };
}

/** Everything closing, remediation, reminders could change. */
export async function campaignSnapshot(db: PrismaClient) {
  const [campaigns, items, grants, tasks, notifications, events] = await Promise.all([
    db.campaign.findMany({ orderBy: { id: "asc" } }),
    db.reviewItem.findMany({ orderBy: { id: "asc" } }),
    db.grant.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, updatedAt: true } }),
    db.provisioningTask.count(),
    db.notification.count(),
    db.ledgerEvent.count(),
  ]);
  return { campaigns, items, grants, tasks, notifications, events };
}

export async function expectUnchanged(db: PrismaClient, before: Awaited<ReturnType<typeof campaignSnapshot>>) {
  expect(await campaignSnapshot(db)).toEqual(before);
}

/** The ledger events written since `eventsBefore` (a count), after checking the chain still verifies. */
export async function eventsSince(db: PrismaClient, eventsBefore: number) {
  const chain = await verifyChain(db);
  expect(chain.firstBroken).toBeNull();
  return db.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } }, orderBy: { seq: "asc" } });
}

/** The tRPC error code of a rejected call. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? "THREW";
  }
  return "OK";
}
