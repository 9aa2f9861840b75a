/**
 * A request made from a ticket (ticketRef) carries that reference in the payload of every request.* event,
 * whoever moves it on: the submit, the policy, approvers, the requester, the expiry job, an edit. A ticketing
 * system following the stream or a webhook finds its ticket in each status change. A request without one
 * gets no ticketRef key at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { expireOverdueRequests } from "./jobs";
import { approveAllStages, DAY, requestCast, submitInput, type RequestCast } from "./request-test-kit";

let db: TestDb;
let c: RequestCast;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

/** The request.* events of a request, as [action, ticketRef or "none"]. */
async function requestEvents(id: string): Promise<[string, string][]> {
  const events = await db.prisma.ledgerEvent.findMany({ where: { subjectType: "AccessRequest", subjectId: id, action: { startsWith: "request." } }, orderBy: { seq: "asc" } });
  return events.map((e) => {
    const p = e.payload as Record<string, unknown>;
    return [e.action, "ticketRef" in p ? String(p.ticketRef) : "none"];
  });
}

describe("a request's ticket reference is in each of its request.* events", () => {
  it("submitted, decided by the policy, edited, approved", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.low.id, { ticketRef: "OPS-101" }));
    await c.as.employee.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 48 });
    expect(await approveAllStages(db.prisma, c, r.id)).toBe("APPROVED");
    expect(await requestEvents(r.id)).toEqual([
      ["request.submitted", "OPS-101"],
      ["request.policy_decided", "OPS-101"],
      ["request.edited", "OPS-101"],
      ["request.policy_decided", "OPS-101"],
      ["request.approved", "OPS-101"],
    ]);
  });

  it("denied by an approver, cancelled by the requester, expired by the job, granted at once", async () => {
    const denied = await c.as.peer.requests.submit(submitInput(c.low.id, { ticketRef: "OPS-102" }));
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: denied.id, status: "OPEN" } });
    await c.as.manager.approvals.decide({ requestId: denied.id, stepId: step.id, decision: "DENY", reason: "Not for this quarter", expectedRevision: 1 });
    expect((await requestEvents(denied.id)).at(-1)).toEqual(["request.denied", "OPS-102"]);

    const cancelled = await c.as.peer.requests.submit(submitInput(c.medium.id, { ticketRef: "OPS-103" }));
    await c.as.peer.requests.cancel({ id: cancelled.id, expectedRevision: 1 });
    expect((await requestEvents(cancelled.id)).at(-1)).toEqual(["request.cancelled", "OPS-103"]);

    const expiring = await c.as.employee.requests.submit(submitInput(c.medium.id, { ticketRef: "OPS-104" }));
    expect((await expireOverdueRequests(db.prisma, new Date(c.clock.now().getTime() + 8 * DAY))).processed).toBeGreaterThanOrEqual(1);
    expect((await requestEvents(expiring.id)).at(-1)).toEqual(["request.expired", "OPS-104"]);

    const glass = await c.as.loner.requests.submit(submitInput(c.critical.id, { emergency: true, incidentRef: "INC-9", durationHours: 1, ticketRef: "OPS-105" }));
    expect(glass.status).toBe("APPROVED");
    expect(await requestEvents(glass.id)).toEqual([
      ["request.submitted", "OPS-105"],
      ["request.policy_decided", "OPS-105"],
      ["request.auto_approved", "OPS-105"],
    ]);
  });

  it("a request without a ticket has no ticketRef in its events", async () => {
    const r = await c.as.peer.requests.submit(submitInput(c.high.id));
    expect(await requestEvents(r.id)).toEqual([
      ["request.submitted", "none"],
      ["request.policy_decided", "none"],
    ]);
  });
});
