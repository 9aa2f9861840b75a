/**
 * Shared scene for the request / approval / delegation integration tests: a small organisation with the
 * default policy in force, a controllable clock, callers per person, and a snapshot of everything these
 * services write (to assert that a refused call changed nothing).
 */
import { expect } from "vitest";
import type { PrismaClient } from "../../db";
import { verifyChain } from "../../ledger/ledger";
import { callerAs, makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { ensureDefaultPolicy } from "../policy/service";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const JUSTIFICATION = "I need this to investigate the failed settlement batch from last night";

/** A clock the callers share; tests move it forward. */
export function testClock(start = new Date("2026-03-02T09:00:00.000Z")) {
  const c = { t: start.getTime() };
  return {
    now: () => new Date(c.t),
    advance: (ms: number) => {
      c.t += ms;
      return new Date(c.t);
    },
  };
}

export async function requestCast(db: PrismaClient) {
  const clock = testClock();
  await db.$transaction((tx) => ensureDefaultPolicy(tx, null, clock.now()));
  const director = await makeHuman(db, { name: "Dana Director" });
  const manager = await makeHuman(db, { name: "Marcus Manager", managerId: director.id });
  const employee = await makeHuman(db, { name: "Priya Employee", managerId: manager.id });
  const peer = await makeHuman(db, { name: "Pete Peer", managerId: manager.id });
  const owner = await makeHuman(db, { name: "Sofia Owner", managerId: director.id });
  const entOwner = await makeHuman(db, { name: "Otto EntitlementOwner", managerId: director.id });
  const security = await makeHuman(db, { name: "Omar Security", roles: ["SECURITY"] });
  const security2 = await makeHuman(db, { name: "Sue Security", roles: ["SECURITY"] });
  const admin = await makeHuman(db, { name: "Grace Admin", roles: ["ADMIN"] });
  const auditor = await makeHuman(db, { name: "Ruth Auditor", roles: ["AUDITOR"] });
  const loner = await makeHuman(db, { name: "Lou NoManager" });
  const nhi = await makeNhi(db, employee.id, { name: "svc-settlement" });
  const system = await makeSystem(db, owner.id, { name: "Payments Ledger" });
  const low = await makeEntitlement(db, system.id, { name: "read-reports", risk: "LOW" });
  const medium = await makeEntitlement(db, system.id, { name: "write-batches", risk: "MEDIUM" });
  const high = await makeEntitlement(db, system.id, { name: "db-admin", risk: "HIGH", privileged: true, ownerId: entOwner.id, maxDurationDays: 30 });
  const critical = await makeEntitlement(db, system.id, { name: "root", risk: "CRITICAL", maxDurationDays: 30 });
  const closed = await db.entitlement.create({ data: { systemId: system.id, name: "birthright", risk: "LOW", requestable: false } });
  const people = { director, manager, employee, peer, owner, entOwner, security, security2, admin, auditor, loner };
  const as = Object.fromEntries(Object.entries(people).map(([k, p]) => [k, callerAs(db, p.id, clock.now)])) as { [K in keyof typeof people]: ReturnType<typeof callerAs> };
  return { clock, ...people, nhi, system, low, medium, high, critical, closed, as };
}
export type RequestCast = Awaited<ReturnType<typeof requestCast>>;

/** Approves every open stage of a request with whoever of the cast is eligible; the request's status after. */
export async function approveAllStages(db: PrismaClient, c: RequestCast, requestId: string) {
  const order = ["manager", "director", "owner", "entOwner", "security", "security2", "admin"] as const;
  for (let i = 0; i < 5; i++) {
    const r = await db.accessRequest.findUniqueOrThrow({ where: { id: requestId }, include: { steps: { where: { status: "OPEN" } } } });
    if (r.status !== "PENDING") return r.status;
    const step = r.steps[0];
    if (!step) return r.status;
    const who = order.find((k) => step.eligibleIds.includes(c[k].id));
    expect(who, `someone in the cast may decide stage ${step.kind}`).toBeDefined();
    await c.as[who!].approvals.decide({ requestId, stepId: step.id, decision: "APPROVE", expectedRevision: r.revision });
  }
  return (await db.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status;
}

/** Everything the lifecycle services write. */
export async function lifecycleSnapshot(db: PrismaClient) {
  const [requests, steps, grants, tasks, delegations, notifications, events, head] = await Promise.all([
    db.accessRequest.findMany({ orderBy: { id: "asc" } }),
    db.approvalStep.findMany({ orderBy: { id: "asc" } }),
    db.grant.findMany({ orderBy: { id: "asc" } }),
    db.provisioningTask.findMany({ orderBy: { id: "asc" } }),
    db.delegation.findMany({ orderBy: { id: "asc" } }),
    db.notification.count(),
    db.ledgerEvent.count(),
    db.ledgerHead.findUnique({ where: { id: 1 } }),
  ]);
  return { requests, steps, grants, tasks, delegations, notifications, events, head };
}
export type LifecycleSnapshot = Awaited<ReturnType<typeof lifecycleSnapshot>>;

export async function expectUnchanged(db: PrismaClient, before: LifecycleSnapshot) {
  expect(await lifecycleSnapshot(db)).toEqual(before);
}

/** The ledger actions written since `eventsBefore`, in order; checks the chain verifies. */
export async function actionsSince(db: PrismaClient, eventsBefore: number): Promise<string[]> {
  const events = await db.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } }, orderBy: { seq: "asc" } });
  expect((await verifyChain(db)).firstBroken).toBeNull();
  return events.map((e) => e.action);
}

export function submitInput(entitlementId: string, extra: Record<string, unknown> = {}) {
  return { entitlementId, justification: JUSTIFICATION, durationHours: 72, ...extra };
}
