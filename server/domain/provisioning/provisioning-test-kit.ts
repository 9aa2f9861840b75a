/**
 * Shared scene for the provisioning tests: callers of every kind, grants with their outbox task in any
 * state, and a snapshot of everything provisioning could change (to assert that a refusal changed nothing).
 */
import { expect } from "vitest";
import type { PrismaClient } from "../../db";
import type { ConnectorKind, GrantStatus, TaskAction, TaskStatus } from "../../db/generated/client";
import { verifyChain } from "../../ledger/ledger";
import { callerAs, makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";

export async function provisioningCast(db: PrismaClient, opts: { connector?: ConnectorKind; connectorConfig?: Record<string, unknown>; externalRef?: string } = {}) {
  const admin = await makeHuman(db, { name: "Ada Admin", roles: ["ADMIN"] });
  const security = await makeHuman(db, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(db, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const manager = await makeHuman(db, { name: "Mia Manager" });
  const employee = await makeHuman(db, { name: "Eve Employee", managerId: manager.id });
  const holder = await makeHuman(db, { name: "Hal Holder", managerId: manager.id });
  const systemOwner = await makeHuman(db, { name: "Sofia SystemOwner" });
  const entOwner = await makeHuman(db, { name: "Enzo EntitlementOwner" });
  const system = await makeSystem(db, systemOwner.id);
  if (opts.connector) await db.system.update({ where: { id: system.id }, data: { connector: opts.connector, connectorConfig: (opts.connectorConfig ?? {}) as object } });
  const entitlement = await makeEntitlement(db, system.id, { ownerId: entOwner.id });
  if (opts.externalRef) await db.entitlement.update({ where: { id: entitlement.id }, data: { externalRef: opts.externalRef } });
  const as = (id: string | null, now?: () => Date) => callerAs(db, id, now);
  return { admin, security, auditor, manager, employee, holder, systemOwner, entOwner, system, entitlement, as };
}

/** A grant and its outbox task, written directly (the scene, not under test). */
export async function makeGrantWithTask(
  db: PrismaClient,
  o: { identityId: string; entitlementId: string; connector?: ConnectorKind; action?: TaskAction; grantStatus?: GrantStatus; taskStatus?: TaskStatus; nextAttemptAt?: Date; expiresAt?: Date | null; attempts?: number },
) {
  const action = o.action ?? "GRANT";
  const grant = await db.grant.create({
    data: {
      identityId: o.identityId,
      entitlementId: o.entitlementId,
      status: o.grantStatus ?? (action === "GRANT" ? "PENDING_PROVISION" : "PENDING_REVOKE"),
      origin: "REQUEST",
      startsAt: new Date(),
      expiresAt: o.expiresAt === undefined ? new Date(Date.now() + 7 * 86_400_000) : o.expiresAt,
    },
  });
  const task = await db.provisioningTask.create({
    data: { grantId: grant.id, action, connector: o.connector ?? "MANUAL", status: o.taskStatus ?? "PENDING", nextAttemptAt: o.nextAttemptAt ?? new Date(Date.now() - 1000), attempts: o.attempts ?? 0 },
  });
  return { grant, task };
}

/** Everything provisioning writes: grants, tasks, identities' status, findings, notifications, the ledger. */
export async function provisioningSnapshot(db: PrismaClient) {
  const [grants, tasks, identities, findings, notifications, events, requests] = await Promise.all([
    db.grant.findMany({ orderBy: { id: "asc" } }),
    db.provisioningTask.findMany({ orderBy: { id: "asc" } }),
    db.identity.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, updatedAt: true } }),
    db.finding.count(),
    db.notification.count(),
    db.ledgerEvent.count(),
    db.accessRequest.findMany({ orderBy: { id: "asc" } }),
  ]);
  return { grants, tasks, identities, findings, notifications, events, requests };
}

export async function expectUnchanged(db: PrismaClient, before: Awaited<ReturnType<typeof provisioningSnapshot>>) {
  expect(await provisioningSnapshot(db)).toEqual(before);
}

/** The ledger events written since `eventsBefore`, after checking the chain still verifies. */
export async function eventsSince(db: PrismaClient, eventsBefore: number) {
  const chain = await verifyChain(db);
  expect(chain.firstBroken).toBeNull();
  return db.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } }, orderBy: { seq: "asc" } });
}
