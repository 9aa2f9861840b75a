/**
 * Shared scene for the catalog's integration tests: one person per kind of caller, and a snapshot of
 * everything a catalog write could change (to assert that a refused call changed nothing).
 */
import { expect } from "vitest";
import type { PrismaClient } from "../../db";
import { verifyChain } from "../../ledger/ledger";
import { callerAs, makeHuman, makeSystem } from "../../testing/factories";

export async function catalogCast(db: PrismaClient) {
  const admin = await makeHuman(db, { name: "Ada Admin", roles: ["ADMIN"] });
  const employee = await makeHuman(db, { name: "Eve Employee" });
  const security = await makeHuman(db, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(db, { name: "Aud Auditor", roles: ["AUDITOR"] });
  /** Owns `system` but holds no global role. */
  const owner = await makeHuman(db, { name: "Olga Owner" });
  const system = await makeSystem(db, owner.id, { name: "Payments API" });
  return {
    admin,
    employee,
    security,
    auditor,
    owner,
    system,
    as: {
      admin: callerAs(db, admin.id),
      employee: callerAs(db, employee.id),
      security: callerAs(db, security.id),
      auditor: callerAs(db, auditor.id),
      owner: callerAs(db, owner.id),
      signedOut: callerAs(db, null),
    },
  };
}

/** Everything a catalog write touches: rows (with their versions), the ledger, findings and notifications. */
export async function catalogSnapshot(db: PrismaClient) {
  const [systems, entitlements, events, head, findings, notifications] = await Promise.all([
    db.system.findMany({ orderBy: { id: "asc" } }),
    db.entitlement.findMany({ orderBy: { id: "asc" } }),
    db.ledgerEvent.count(),
    db.ledgerHead.findUnique({ where: { id: 1 } }),
    db.finding.count(),
    db.notification.count(),
  ]);
  return { systems, entitlements, events, head, findings, notifications };
}

export async function expectUnchanged(db: PrismaClient, before: Awaited<ReturnType<typeof catalogSnapshot>>) {
  expect(await catalogSnapshot(db)).toEqual(before);
}

/** Asserts the write added exactly one ledger event, with this action, and that the chain verifies. */
export async function expectOneEvent(db: PrismaClient, eventsBefore: number, action: string, subjectId: string) {
  return (await expectEvents(db, eventsBefore, [action], subjectId))[0]!;
}

/** Asserts the write added exactly these ledger events (in order) about one subject, and that the chain verifies. */
export async function expectEvents(db: PrismaClient, eventsBefore: number, actions: string[], subjectId: string) {
  const events = await db.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } }, orderBy: { seq: "asc" } });
  expect(events.map((e) => e.action)).toEqual(actions);
  for (const e of events) expect(e.subjectId).toBe(subjectId);
  const chain = await verifyChain(db);
  expect(chain.firstBroken).toBeNull();
  expect(chain.checked).toBe(eventsBefore + actions.length);
  return events;
}
