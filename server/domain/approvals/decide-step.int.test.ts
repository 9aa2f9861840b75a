import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeHuman, callerAs } from "../../testing/factories";
import { actionsSince, expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "../requests/request-test-kit";

let db: TestDb;
let c: RequestCast;
let before: LifecycleSnapshot;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await lifecycleSnapshot(db.prisma);
});

const steps = (requestId: string) => db.prisma.approvalStep.findMany({ where: { requestId }, orderBy: { stageOrder: "asc" } });
const openStep = async (requestId: string) => (await steps(requestId)).find((s) => s.status === "OPEN")!;

async function submit(who: keyof RequestCast["as"], entitlementId: string, extra: Record<string, unknown> = {}) {
  const out = await c.as[who].requests.submit(submitInput(entitlementId, extra));
  before = await lifecycleSnapshot(db.prisma);
  return out;
}

describe(`approvals.decide (${TEST_ENGINE})`, () => {
  it("medium risk: the manager then the owner approve; the request is approved and the grant created in the same step", async () => {
    const r = await submit("employee", c.medium.id);
    const s1 = await openStep(r.id);
    const a1 = await c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 1 });
    expect(a1).toMatchObject({ status: "PENDING", nextStage: { kind: "OWNER", eligible: [{ id: c.owner.id }] } });
    const approved1 = (await steps(r.id))[0]!;
    expect(approved1).toMatchObject({ status: "APPROVED", decidedById: c.manager.id, boundRevision: 1, boundContentHash: r.contentHash });
    expect(approved1.authority).toEqual({ kind: "MANAGER_OF", subject: { id: c.employee.id, name: "Priya Employee" } });
    expect(await actionsSince(db.prisma, before.events)).toEqual(["approval.approved", "approval.stage_opened"]);

    const s2 = await openStep(r.id);
    const mark = await db.prisma.ledgerEvent.count();
    const a2 = await c.as.owner.approvals.decide({ requestId: r.id, stepId: s2.id, decision: "APPROVE", reason: "Fine for the batch fix", expectedRevision: 1 });
    expect(a2.status).toBe("APPROVED");
    expect(a2.grantId).toBeTruthy();
    expect((await steps(r.id))[1]!.authority).toEqual({ kind: "OWNER_OF", subject: { id: c.medium.id, name: "write-batches (Payments Ledger)" } });
    expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "APPROVED" });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { requestId: r.id } })).toMatchObject({ status: "PENDING_PROVISION", origin: "REQUEST", identityId: c.employee.id });
    expect(await actionsSince(db.prisma, mark)).toEqual(["approval.approved", "grant.provisioning_requested", "request.approved"]);
    expect(await db.prisma.notification.count({ where: { recipientId: c.employee.id, kind: "request.approved" } })).toBe(1);
  });

  it("deny needs a reason; with one, the request is denied, the rest voided and the requester told", async () => {
    const r = await submit("peer", c.medium.id);
    const s1 = await openStep(r.id);
    await expect(c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "DENY", expectedRevision: 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("reason: is required to deny"),
    });
    await expectUnchanged(db.prisma, before);
    await c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "DENY", reason: "Use the read-only role instead", expectedRevision: 1 });
    expect((await steps(r.id)).map((s) => s.status)).toEqual(["DENIED", "VOID"]);
    expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "DENIED" });
    expect(await actionsSince(db.prisma, before.events)).toEqual(["approval.denied", "request.denied"]);
    const n = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: c.peer.id, kind: "request.denied" } });
    expect(n.body).toContain("Use the read-only role instead");
  });

  it("forbids the requester/beneficiary from deciding their own request, and writes nothing", async () => {
    // The owner asks for their own entitlement: the owner stage goes to security, and the owner cannot decide it.
    const r = await submit("owner", c.low.id);
    const s1 = await openStep(r.id);
    await expect(c.as.owner.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You cannot decide a request for your own access.",
    });
    await expectUnchanged(db.prisma, before);
    await c.as.owner.requests.cancel({ id: r.id, expectedRevision: 1 });
  });

  it("forbids the owner of a non-human beneficiary (who requested it) from deciding, and writes nothing", async () => {
    // An NHI owner who holds the SECURITY role asks for privileged access for their agent: the security
    // stage must leave them out, and they cannot decide it.
    const secOwner = await makeHuman(db.prisma, { name: "Sec Owner", roles: ["SECURITY"] });
    const bot = await db.prisma.identity.create({ data: { kind: "AI_AGENT", displayName: "agent-x", ownerId: secOwner.id, purpose: "test" } });
    const asSecOwner = callerAs(db.prisma, secOwner.id, c.clock.now);
    const req = await asSecOwner.requests.submit(submitInput(c.high.id, { beneficiaryId: bot.id }));
    // Approve the owner stage so the security stage (where secOwner holds the role) opens.
    await c.as.entOwner.approvals.decide({ requestId: req.id, stepId: (await openStep(req.id)).id, decision: "APPROVE", expectedRevision: 1 });
    const sec = await openStep(req.id);
    expect(sec.eligibleIds).not.toContain(secOwner.id);
    before = await lifecycleSnapshot(db.prisma);
    await expect(asSecOwner.approvals.decide({ requestId: req.id, stepId: sec.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/^You cannot decide a request (you submitted yourself|for a non-human identity you own)\.$/),
    });
    await expectUnchanged(db.prisma, before);
    await asSecOwner.requests.cancel({ id: req.id, expectedRevision: 1 });
  });

  it("the database itself refuses a decision by the requester, beneficiary or NHI owner", async () => {
    const r = await submit("employee", c.low.id, { beneficiaryId: c.nhi.id });
    const s1 = await openStep(r.id);
    for (const who of [c.employee.id, c.nhi.id]) {
      await expect(
        db.rawSql(`UPDATE "ApprovalStep" SET "decidedById" = '${who}', "status" = 'APPROVED', "decidedAt" = now(), "authority" = '{}', "boundRevision" = 1, "boundContentHash" = 'x' WHERE "id" = '${s1.id}'`),
      ).rejects.toThrow(/ApprovalStep_no_self_decision/);
    }
    await expectUnchanged(db.prisma, before);
    await c.as.employee.requests.cancel({ id: r.id, expectedRevision: 1 });
  });

  it("needs distinct approvers: a manager who also owns the entitlement cannot approve both stages (service and database)", async () => {
    const e = await db.prisma.entitlement.create({ data: { systemId: c.system.id, name: "batch-ops", risk: "MEDIUM", ownerId: c.manager.id } });
    const r = await submit("employee", e.id);
    await c.as.manager.approvals.decide({ requestId: r.id, stepId: (await openStep(r.id)).id, decision: "APPROVE", expectedRevision: 1 });
    const s2 = await openStep(r.id);
    // The owner stage did not list the manager again: it went to the fallback approvers.
    const securityIds = (await db.prisma.roleAssignment.findMany({ where: { role: "SECURITY" } })).map((x) => x.identityId);
    expect(s2.eligibleIds.sort()).toEqual(securityIds.sort());
    expect(s2.escalatedAt).not.toBeNull();
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.approvals.decide({ requestId: r.id, stepId: s2.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("already approved another stage"),
    });
    await expectUnchanged(db.prisma, before);
    await expect(
      db.rawSql(`UPDATE "ApprovalStep" SET "decidedById" = '${c.manager.id}', "status" = 'APPROVED', "decidedAt" = now(), "authority" = '{}', "boundRevision" = 1, "boundContentHash" = 'x' WHERE "id" = '${s2.id}'`),
    ).rejects.toThrow(/ApprovalStep_distinct_approvers|duplicate key/);
    await expectUnchanged(db.prisma, before);
    // A fallback approver decides instead, with a FALLBACK authority.
    await c.as.security.approvals.decide({ requestId: r.id, stepId: s2.id, decision: "APPROVE", expectedRevision: 1 });
    expect((await steps(r.id))[1]!.authority).toMatchObject({ kind: "FALLBACK", subject: { id: "SECURITY" } });
  });

  it("refuses people without the power: a peer, the entitlement owner at the manager stage, an auditor; nothing changes", async () => {
    // The first test granted the employee write-batches; asking for what one holds is refused at submit
    // (requests/already-held.ts), so that grant is ended first (the scene, not under test).
    await db.prisma.grant.updateMany({ where: { identityId: c.employee.id, entitlementId: c.medium.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
    const r = await submit("employee", c.medium.id, { justification: "Second batch fix for the settlement run tonight" });
    const s1 = await openStep(r.id);
    const decide = (as: RequestCast["as"][keyof RequestCast["as"]]) => as.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 1 });
    await expect(decide(c.as.peer)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(decide(c.as.owner)).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("not an approver of this stage (manager)") });
    await expect(decide(c.as.security)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(decide(c.as.auditor)).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("Auditors") });
    await expectUnchanged(db.prisma, before);
    await c.as.employee.requests.cancel({ id: r.id, expectedRevision: 1 });
  });

  it("re-checks the relationship fresh: a manager who no longer manages the beneficiary cannot decide", async () => {
    const newHire = await makeHuman(db.prisma, { name: "Nia NewHire", managerId: c.manager.id });
    const asNew = callerAs(db.prisma, newHire.id, c.clock.now);
    const r = await asNew.requests.submit(submitInput(c.low.id));
    const s1 = await openStep(r.id);
    await db.prisma.identity.update({ where: { id: newHire.id }, data: { managerId: c.director.id } });
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a stale expectedRevision with CONFLICT and writes nothing", async () => {
    const r = await submit("peer", c.low.id);
    const s1 = await openStep(r.id);
    await expect(c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 2 })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("already decided, changed or cancelled; reload"),
    });
    await expectUnchanged(db.prisma, before);
    await c.as.peer.requests.cancel({ id: r.id, expectedRevision: 1 });
  });

  it("two approvers at once: exactly one approves, the other gets CONFLICT, one grant", async () => {
    const r = await submit("employee", c.high.id);
    await c.as.entOwner.approvals.decide({ requestId: r.id, stepId: (await openStep(r.id)).id, decision: "APPROVE", expectedRevision: 1 });
    const sec = await openStep(r.id);
    const results = await Promise.allSettled([
      c.as.security.approvals.decide({ requestId: r.id, stepId: sec.id, decision: "APPROVE", expectedRevision: 1 }),
      c.as.security2.approvals.decide({ requestId: r.id, stepId: sec.id, decision: "APPROVE", expectedRevision: 1 }),
    ]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((x) => x.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "CONFLICT" });
    expect(await db.prisma.grant.count({ where: { requestId: r.id } })).toBe(1);
    expect(await db.prisma.approvalStep.count({ where: { requestId: r.id, status: "APPROVED" } })).toBe(2);
    expect(await db.prisma.ledgerEvent.count({ where: { subjectId: r.id, action: "request.approved" } })).toBe(1);
  });

  it("approve against cancel: one outcome, the loser gets CONFLICT", async () => {
    const r = await submit("peer", c.low.id, { justification: "Quarter end reporting needs the read role for two days" });
    const s1 = await openStep(r.id);
    const results = await Promise.allSettled([
      c.as.manager.approvals.decide({ requestId: r.id, stepId: s1.id, decision: "APPROVE", expectedRevision: 1 }),
      c.as.peer.requests.cancel({ id: r.id, expectedRevision: 1 }),
    ]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    expect((results.find((x) => x.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    const final = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } });
    const grants = await db.prisma.grant.count({ where: { requestId: r.id } });
    if (final.status === "APPROVED") expect(grants).toBe(1);
    else {
      expect(final.status).toBe("CANCELLED");
      expect(grants).toBe(0);
      expect((await steps(r.id)).map((s) => s.status)).toEqual(["VOID"]);
    }
  });
});
