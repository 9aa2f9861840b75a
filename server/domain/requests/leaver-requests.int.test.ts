import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman, makeNhi } from "../../testing/factories";
import { actionsSince, expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type RequestCast } from "./request-test-kit";

let db: TestDb;
let c: RequestCast;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const REASON = "Left the company on 31 October";
/** A caller on the cast's clock for a person created in the test. */
const as = (id: string) => callerAs(db.prisma, id, c.clock.now);

describe("deprovisioning a leaver: their pending requests and the approvals waiting on them", () => {
  it("cancels the leaver's pending requests (for them and for their NHI), voids their stages, records cause LEAVER", async () => {
    const boss = await makeHuman(db.prisma, { name: "Bea Boss" });
    const leaver = await makeHuman(db.prisma, { name: "Lee Leaver", managerId: boss.id });
    const nhi = await makeNhi(db.prisma, leaver.id, { name: "svc-lee" });
    const mine = await as(leaver.id).requests.submit(submitInput(c.low.id, { ticketRef: "HR-7" }));
    const forNhi = await as(leaver.id).requests.submit(submitInput(c.medium.id, { beneficiaryId: nhi.id }));
    const other = await c.as.peer.requests.submit(submitInput(c.low.id));
    expect([mine.status, forNhi.status, other.status]).toEqual(["PENDING", "PENDING", "PENDING"]);
    const eventsBefore = await db.prisma.ledgerEvent.count();

    const res = await c.as.admin.grants.deprovisionIdentity({ identityId: leaver.id, reason: REASON });
    expect(res).toMatchObject({ cancelledRequests: 2, escalatedStages: 0 });
    for (const id of [mine.id, forNhi.id]) {
      const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id }, include: { steps: true } });
      expect(r.status).toBe("CANCELLED");
      expect(r.decidedAt).toEqual(c.clock.now());
      expect(r.steps.every((s) => s.status === "VOID")).toBe(true);
      const e = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.cancelled", subjectId: id } });
      expect(e).toMatchObject({ actorId: c.admin.id, payload: { cause: "LEAVER", leaverId: leaver.id, reason: REASON } });
      // The ticket the request came from is in its cancellation too (ticket-ref.int.test.ts has the other paths).
      expect((e.payload as { ticketRef?: string }).ticketRef).toBe(id === mine.id ? "HR-7" : undefined);
    }
    // Someone else's request is untouched.
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("PENDING");
    const actions = await actionsSince(db.prisma, eventsBefore);
    expect(actions.filter((a) => a === "request.cancelled")).toHaveLength(2);
    expect(actions.at(-1)).toBe("identity.deprovisioned");
    await c.as.peer.requests.cancel({ id: other.id, expectedRevision: 1 });
  });

  it("sends an open stage only the leaver could decide to the fallback approvers, who can then decide it", async () => {
    const boss = await makeHuman(db.prisma, { name: "Bo Boss" });
    const worker = await makeHuman(db.prisma, { name: "Wes Worker", managerId: boss.id });
    const out = await as(worker.id).requests.submit(submitInput(c.low.id));
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", status: "OPEN", eligible: [{ id: boss.id }] });
    const stepId = out.stages[0]!.id;
    // Before: the manager's delegate-less stage has nobody else; security cannot decide it yet.
    await expect(c.as.security.approvals.decide({ requestId: out.id, stepId, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const eventsBefore = await db.prisma.ledgerEvent.count();

    const res = await c.as.admin.grants.deprovisionIdentity({ identityId: boss.id, reason: REASON });
    expect(res).toMatchObject({ cancelledRequests: 0, escalatedStages: 1 });
    const step = await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: stepId } });
    expect(step.status).toBe("OPEN");
    expect(step.escalatedAt).toEqual(c.clock.now());
    expect(step.eligibleIds).toEqual(expect.arrayContaining([boss.id, c.security.id, c.security2.id]));
    const actions = await actionsSince(db.prisma, eventsBefore);
    expect(actions).toEqual(["approval.escalated", "identity.deprovisioned"]);
    const e = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "approval.escalated", subjectId: out.id } });
    expect(e).toMatchObject({ actorId: c.admin.id, payload: { stepId, cause: "LEAVER", leaverId: boss.id, fallbackRole: "SECURITY" } });
    expect(await db.prisma.notification.count({ where: { recipientId: c.security.id, kind: "approval.escalated", link: `/requests/${out.id}` } })).toBe(1);

    const decided = await c.as.security.approvals.decide({ requestId: out.id, stepId, decision: "APPROVE", expectedRevision: 1 });
    expect(decided.status).toBe("APPROVED");
    expect((await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: stepId } })).authority).toMatchObject({ kind: "FALLBACK" });
  });

  it("leaves a stage alone when another eligible approver remains", async () => {
    const sec3 = await makeHuman(db.prisma, { name: "Sid Security", roles: ["SECURITY"] });
    const worker = await makeHuman(db.prisma, { name: "Wyn Worker", managerId: c.manager.id });
    const out = await as(worker.id).requests.submit(submitInput(c.high.id));
    const first = await c.as.entOwner.approvals.decide({ requestId: out.id, stepId: out.stages[0]!.id, decision: "APPROVE", expectedRevision: 1 });
    expect(first.nextStage).toMatchObject({ kind: "SECURITY" });
    const secStep = await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: first.nextStage!.stepId } });
    expect(secStep.eligibleIds).toContain(sec3.id);

    const res = await c.as.admin.grants.deprovisionIdentity({ identityId: sec3.id, reason: REASON });
    expect(res).toMatchObject({ escalatedStages: 0 });
    expect(await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: secStep.id } })).toEqual(secStep);
    await as(worker.id).requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("a refused deprovisioning cancels nothing and escalates nothing", async () => {
    const boss = await makeHuman(db.prisma, { name: "Bram Boss" });
    const worker = await makeHuman(db.prisma, { name: "Wil Worker", managerId: boss.id });
    await as(boss.id).requests.submit(submitInput(c.medium.id));
    await as(worker.id).requests.submit(submitInput(c.low.id));
    const before = await lifecycleSnapshot(db.prisma);
    for (const who of [c.security, c.manager, c.auditor]) {
      await expect(as(who.id).grants.deprovisionIdentity({ identityId: boss.id, reason: REASON })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expectUnchanged(db.prisma, before);
  });
});
