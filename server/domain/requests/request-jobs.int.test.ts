import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { escalateOverdueStages, expireOverdueRequests } from "./jobs";
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

const openStep = async (requestId: string) => (await db.prisma.approvalStep.findMany({ where: { requestId, status: "OPEN" } }))[0]!;

describe(`request jobs (${TEST_ENGINE})`, () => {
  it("escalates stages pending past 48 h to the fallback approvers, once, even with two workers", async () => {
    const a = await c.as.employee.requests.submit(submitInput(c.low.id));
    const b = await c.as.peer.requests.submit(submitInput(c.low.id));
    expect((await escalateOverdueStages(db.prisma, new Date(c.clock.now().getTime() + 47 * HOUR))).processed).toBe(0);
    const now = c.clock.advance(49 * HOUR);
    const [w1, w2] = await Promise.all([escalateOverdueStages(db.prisma, now), escalateOverdueStages(db.prisma, now)]);
    expect(w1.processed + w2.processed).toBe(2);
    expect((await escalateOverdueStages(db.prisma, now)).processed).toBe(0);
    for (const r of [a, b]) {
      const s = await openStep(r.id);
      expect(s.escalatedAt).toEqual(now);
      expect(s.eligibleIds.sort()).toEqual([c.manager.id, c.security.id, c.security2.id].sort());
      expect(await db.prisma.ledgerEvent.count({ where: { subjectId: r.id, action: "approval.escalated" } })).toBe(1);
    }
    expect(await db.prisma.notification.count({ where: { recipientId: c.security.id, kind: "approval.escalated" } })).toBe(2);
    // A fallback approver decides with a FALLBACK authority; the manager still can too.
    await c.as.security.approvals.decide({ requestId: a.id, stepId: (await openStep(a.id)).id, decision: "APPROVE", expectedRevision: 1 });
    const decided = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: a.id } });
    expect(decided.authority).toMatchObject({ kind: "FALLBACK" });
    await c.as.manager.approvals.decide({ requestId: b.id, stepId: (await openStep(b.id)).id, decision: "APPROVE", expectedRevision: 1 });
    expect((await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: b.id } })).authority).toMatchObject({ kind: "MANAGER_OF" });
  });

  it("expires pending requests past their deadline once, voiding their stages, and tells the requester", async () => {
    const a = await c.as.employee.requests.submit(submitInput(c.medium.id));
    const b = await c.as.peer.requests.submit(submitInput(c.medium.id));
    const early = await expireOverdueRequests(db.prisma, new Date(c.clock.now().getTime() + 6 * DAY));
    expect(early.processed).toBe(0);
    const now = c.clock.advance(7 * DAY + HOUR);
    const [w1, w2] = await Promise.all([expireOverdueRequests(db.prisma, now), expireOverdueRequests(db.prisma, now)]);
    expect(w1.processed + w2.processed).toBe(2);
    expect((await expireOverdueRequests(db.prisma, now)).processed).toBe(0);
    for (const r of [a, b]) {
      expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "EXPIRED" });
      expect((await db.prisma.approvalStep.findMany({ where: { requestId: r.id } })).every((s) => s.status === "VOID")).toBe(true);
      expect(await db.prisma.ledgerEvent.count({ where: { subjectId: r.id, action: "request.expired" } })).toBe(1);
    }
    expect(await db.prisma.notification.count({ where: { recipientId: c.employee.id, kind: "request.expired" } })).toBe(1);
    // Deciding an expired request is a CONFLICT.
    const s = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: a.id, stageOrder: 1 } });
    await expect(c.as.manager.approvals.decide({ requestId: a.id, stepId: s.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
