import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { actionsSince, expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

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

describe("requests.edit: approvals are bound to the content", () => {
  it("voids the approval given and the open stage, and starts the stages again under a new revision", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.medium.id));
    await c.as.manager.approvals.decide({ requestId: r.id, stepId: (await openStep(r.id)).id, decision: "APPROVE", expectedRevision: 1 });
    const mark = await db.prisma.ledgerEvent.count();
    const out = await c.as.employee.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 48, ticketUrl: "https://jira.example/OPS-99" });
    expect(out).toMatchObject({ status: "PENDING", revision: 2 });
    expect(out.contentHash).not.toBe(r.contentHash);
    const all = await steps(r.id);
    expect(all.map((s) => [s.stageOrder, s.kind, s.status])).toEqual([
      [1, "MANAGER", "VOID"],
      [2, "OWNER", "VOID"],
      [3, "MANAGER", "OPEN"],
      [4, "OWNER", "WAITING"],
    ]);
    expect(out.stages.map((s) => [s.position, s.kind, s.status])).toEqual([
      [1, "MANAGER", "OPEN"],
      [2, "OWNER", "WAITING"],
    ]);
    expect(await actionsSince(db.prisma, mark)).toEqual(["request.edited", "approval.voided", "request.policy_decided", "approval.stage_opened"]);
    const edited = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.edited", subjectId: r.id } });
    expect(edited.payload).toMatchObject({ revision: 2, changes: { durationHours: { before: 72, after: 48 }, ticketUrl: { before: null, after: "https://jira.example/OPS-99" } } });
    expect(await db.prisma.notification.count({ where: { recipientId: c.manager.id, kind: "approval.voided" } })).toBe(1);

    // An approval against the old revision is refused; the manager approves the new content again.
    before = await lifecycleSnapshot(db.prisma);
    const s3 = await openStep(r.id);
    await expect(c.as.manager.approvals.decide({ requestId: r.id, stepId: s3.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, before);
    await c.as.manager.approvals.decide({ requestId: r.id, stepId: s3.id, decision: "APPROVE", expectedRevision: 2 });
    expect((await steps(r.id))[2]).toMatchObject({ status: "APPROVED", boundRevision: 2, boundContentHash: out.contentHash });
  });

  it("refuses a stale revision, an unchanged edit, a non-requester and a change the policy denies; nothing changes", async () => {
    const r = await c.as.peer.requests.submit(submitInput(c.critical.id, { durationHours: 24 }));
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.peer.requests.edit({ id: r.id, expectedRevision: 2, durationHours: 12 })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(c.as.peer.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 24 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Nothing changed") });
    await expect(c.as.peer.requests.edit({ id: r.id, expectedRevision: 1 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Nothing to change") });
    await expect(c.as.owner.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 12 })).rejects.toMatchObject({ code: "FORBIDDEN", message: "Only the person who made the request can edit it." });
    await expect(c.as.loner.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 12 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as.peer.requests.edit({ id: r.id, expectedRevision: 1, durationHours: 24 * 10 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at most 7 days") });
    await expectUnchanged(db.prisma, before);
  });
});

describe("requests.cancel", () => {
  it("cancels a pending request for its requester, voids the open stage and records it", async () => {
    const r = await c.as.loner.requests.submit(submitInput(c.low.id));
    before = await lifecycleSnapshot(db.prisma);
    const out = await c.as.loner.requests.cancel({ id: r.id, expectedRevision: 1 });
    expect(out.status).toBe("CANCELLED");
    expect((await steps(r.id)).map((s) => s.status)).toEqual(["VOID"]);
    expect(await actionsSince(db.prisma, before.events)).toEqual(["request.cancelled"]);
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.loner.requests.cancel({ id: r.id, expectedRevision: 1 })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses anyone but the requester and writes nothing", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.low.id, { beneficiaryId: c.nhi.id }));
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.requests.cancel({ id: r.id, expectedRevision: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as.peer.requests.cancel({ id: r.id, expectedRevision: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as.auditor.requests.cancel({ id: r.id, expectedRevision: 1 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });
});

describe("requests.byId / mine / approvals.inbox: who sees what", () => {
  it("shows the detail with decision, stages, timeline and current access to the parties, NOT_FOUND to others", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.high.id, { justification: "Rotate the database credentials during the maintenance window" }));
    const d = await c.as.employee.requests.byId({ id: r.id });
    expect(d.policy).toMatchObject({ version: 1, allowed: true, stages: ["OWNER", "SECURITY"] });
    expect(d.policy.hash).toHaveLength(64);
    expect(d.timeline.map((e) => e.action)).toEqual(["request.submitted", "request.policy_decided", "approval.stage_opened"]);
    expect(d.viewer).toMatchObject({ canCancel: true, canEdit: true, canDecide: null });
    for (const who of ["entOwner", "security", "admin", "auditor"] as const) await expect(c.as[who].requests.byId({ id: r.id })).resolves.toBeTruthy();
    expect((await c.as.entOwner.requests.byId({ id: r.id })).viewer.canDecide).toMatchObject({ authority: { kind: "OWNER_OF" } });
    for (const who of ["peer", "loner", "manager", "owner"] as const) await expect(c.as[who].requests.byId({ id: r.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists my requests and the approver's inbox with filters", async () => {
    const mine = await c.as.employee.requests.mine({ status: "PENDING" });
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.every((r) => r.status === "PENDING")).toBe(true);
    const inbox = await c.as.entOwner.approvals.inbox({});
    expect(inbox.rows.map((r) => r.entitlement.name)).toContain("db-admin");
    expect((await c.as.entOwner.approvals.inbox({ kind: "MANAGER" })).total).toBe(0);
    expect((await c.as.entOwner.approvals.inbox({ risk: "LOW" })).total).toBe(0);
    expect((await c.as.entOwner.approvals.inbox({ q: "maintenance window" })).total).toBe(1);
    expect((await c.as.peer.approvals.inbox({})).total).toBe(0);
  });
});
