/**
 * Submitting reads its facts in one statement and answers with an outcome made from what its transaction
 * wrote, instead of reading the rules' rows one by one and the request back after commit. These tests hold
 * both shortcuts to the long way: the answer equals requestOutcome read back after commit, and the stored
 * policy input equals buildPolicyInput reading every fact itself, in every shape a submit can take
 * (one stage, stages waiting, delegates, fallback, auto-approved grant, denial, separation-of-duties
 * conflicts held and pending, break-glass minutes used).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman } from "../../testing/factories";
import { buildPolicyInput } from "../policy/facts";
import type { PolicyInput } from "../policy/types";
import type { Actor } from "../actor";
import { requestOutcome, type RequestOutcome } from "./service";
import { DAY, HOUR, requestCast, submitInput, type RequestCast } from "./request-test-kit";

let db: TestDb;
let c: RequestCast;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

async function actorOf(id: string): Promise<Actor> {
  const p = await db.prisma.identity.findUniqueOrThrow({ where: { id }, select: { id: true, kind: true, displayName: true, email: true, roles: { select: { role: true } } } });
  return { id: p.id, kind: p.kind, displayName: p.displayName, email: p.email, roles: p.roles.map((r) => r.role) };
}

type Caller = RequestCast["as"]["employee"];
type Input = ReturnType<typeof submitInput> & { beneficiaryId?: string; emergency?: boolean };

/**
 * Submits, and holds the answer to the long way: the stored policy input equals what buildPolicyInput reads
 * itself just before the submit, and the answer equals what requestOutcome reads back after commit.
 */
async function submitAndCompare(caller: Caller, requesterId: string, input: Input): Promise<RequestOutcome> {
  const args = { requesterId, beneficiaryId: input.beneficiaryId ?? requesterId, entitlementId: input.entitlementId, durationHours: input.durationHours, emergency: input.emergency ?? false, extendsGrantId: null, now: c.clock.now() };
  const expected = await db.prisma.$transaction((tx) => buildPolicyInput(tx, args));
  const out = await caller.requests.submit(input);
  const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id } });
  expect((r.policyDecision as { input: PolicyInput }).input).toEqual(expected);
  expect(out).toEqual(await requestOutcome({ db: db.prisma, actor: await actorOf(requesterId), now: c.clock.now }, out.id));
  return out;
}

describe("submit answers from its own transaction, as a read back would", () => {
  it("one open stage, with the manager's delegate", async () => {
    await c.as.manager.delegations.create({ toId: c.director.id, startsAt: new Date(c.clock.now().getTime() - HOUR), endsAt: new Date(c.clock.now().getTime() + 5 * DAY), reason: "Away this week" });
    const out = await submitAndCompare(c.as.employee, c.employee.id, submitInput(c.low.id));
    expect(out.stages).toHaveLength(1);
    expect(out.stages[0]!.delegates).toEqual([{ id: c.director.id, name: "Dana Director", forId: c.manager.id }]);
  });

  it("an open stage and stages waiting behind it", async () => {
    const out = await submitAndCompare(c.as.employee, c.employee.id, submitInput(c.medium.id));
    expect(out.stages.map((s) => s.status)).toEqual(["OPEN", "WAITING"]);
  });

  it("a stage nobody holds goes to the fallback approvers", async () => {
    const out = await submitAndCompare(c.as.loner, c.loner.id, submitInput(c.low.id));
    expect(out.stages[0]).toMatchObject({ status: "OPEN", fallback: true });
    expect(out.stages[0]!.escalatedAt).not.toBeNull();
  });

  it("granted at once (break-glass) with its grant, and the emergency minutes already used", async () => {
    const first = await submitAndCompare(c.as.peer, c.peer.id, submitInput(c.critical.id, { emergency: true, incidentRef: "INC-1", durationHours: 1 }));
    expect(first.status).toBe("APPROVED");
    expect(first.grant).toMatchObject({ status: "PENDING_PROVISION" });
    // The first grant counts against the window: revoke it early and ask again.
    await db.prisma.grant.update({ where: { id: first.grant!.id }, data: { status: "REVOKED", revokedAt: new Date(c.clock.now().getTime() + 30 * 60_000) } });
    const second = await submitAndCompare(c.as.peer, c.peer.id, submitInput(c.critical.id, { emergency: true, incidentRef: "INC-2", durationHours: 2 }));
    const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: second.id } });
    expect((r.policyDecision as { input: PolicyInput }).input.facts.emergencyMinutesUsed).toBe(30);
  });

  it("refused by the policy, with conflicting access held and requested", async () => {
    const initiate = await makeEntitlement(db.prisma, c.system.id, { name: "refund-initiate", risk: "LOW" });
    const approve = await makeEntitlement(db.prisma, c.system.id, { name: "refund-approve", risk: "LOW" });
    const release = await makeEntitlement(db.prisma, c.system.id, { name: "refund-release", risk: "LOW" });
    await db.prisma.conflictRule.createMany({
      data: [
        { entitlementAId: initiate.id, entitlementBId: approve.id, reason: "Initiate and approve refunds" },
        { entitlementAId: release.id, entitlementBId: initiate.id, reason: "Initiate and release refunds" },
      ],
    });
    const holder = await makeHuman(db.prisma, { name: "Hana Holder", managerId: c.manager.id });
    await db.prisma.grant.create({ data: { identityId: holder.id, entitlementId: approve.id, status: "ACTIVE", origin: "IMPORTED", startsAt: c.clock.now() } });
    const asHolder = callerAs(db.prisma, holder.id, c.clock.now);
    expect((await asHolder.requests.submit(submitInput(release.id))).status).toBe("PENDING");
    const out = await submitAndCompare(asHolder, holder.id, submitInput(initiate.id));
    const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id } });
    expect((r.policyDecision as { input: PolicyInput }).input.facts.conflictingHeld).toEqual(["refund-approve", "refund-release"]);
    expect(out.status).toBe("DENIED");
    expect(out.stages).toEqual([]);
  });
});
