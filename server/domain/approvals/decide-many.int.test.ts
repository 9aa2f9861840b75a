/**
 * Bulk decisions from the inbox (approvals.decideMany): one decision and one reason over several stages,
 * each decided by decideStep in its own transaction with all of its checks, one outcome per stage. A refused
 * stage changes nothing and never stops the others; two bulk calls over the same stages decide each once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle, PrismaClient } from "../../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman } from "../../testing/factories";
import { expectCleanRace, moreInstances, race } from "../../testing/race-kit";
import { actionsSince, expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "../requests/request-test-kit";
import { DECIDE_MANY_MAX } from "./schema";

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

const openStep = async (requestId: string) => (await db.prisma.approvalStep.findMany({ where: { requestId, status: "OPEN" } }))[0]!;
const ref = async (requestId: string) => ({ requestId, stepId: (await openStep(requestId)).id, expectedRevision: 1 });

describe(`approvals.decideMany (${TEST_ENGINE})`, () => {
  it("a mixed batch: the decidable stage is approved, a self-approval and an already decided stage are refused, and only the first changed", async () => {
    // r1: at the owner stage, decidable by the owner.
    const r1 = await c.as.employee.requests.submit(submitInput(c.medium.id));
    await c.as.manager.approvals.decide({ ...(await ref(r1.id)), decision: "APPROVE" });
    const ok = await ref(r1.id);
    // r2: the owner's own request.
    const r2 = await c.as.owner.requests.submit(submitInput(c.low.id));
    const own = await ref(r2.id);
    // r3: the owner stage already decided (the request is approved).
    const r3 = await c.as.peer.requests.submit(submitInput(c.medium.id));
    await c.as.manager.approvals.decide({ ...(await ref(r3.id)), decision: "APPROVE" });
    const done = await ref(r3.id);
    await c.as.owner.approvals.decide({ ...done, decision: "APPROVE" });

    before = await lifecycleSnapshot(db.prisma);
    const out = await c.as.owner.approvals.decideMany({ items: [ok, own, done], decision: "APPROVE", reason: "Batch fixes for the March close" });
    expect(out.outcomes).toEqual([
      { requestId: r1.id, stepId: ok.stepId, ok: true, status: "APPROVED" },
      { requestId: r2.id, stepId: own.stepId, ok: false, code: "FORBIDDEN", message: "You cannot decide a request for your own access." },
      { requestId: r3.id, stepId: done.stepId, ok: false, code: "CONFLICT", message: expect.stringContaining("already decided") },
    ]);

    // Exactly r1 changed: its events, its grant; r2 and r3 as they were.
    expect(await actionsSince(db.prisma, before.events)).toEqual(["approval.approved", "grant.provisioning_requested", "request.approved"]);
    const after = await lifecycleSnapshot(db.prisma);
    const only = (rows: { id: string }[], ids: string[]) => rows.filter((r) => ids.includes(r.id));
    const stepsOf = (s: LifecycleSnapshot, ids: string[]) => s.steps.filter((x) => ids.includes(x.requestId));
    expect(only(after.requests, [r2.id, r3.id])).toEqual(only(before.requests, [r2.id, r3.id]));
    expect(stepsOf(after, [r2.id, r3.id])).toEqual(stepsOf(before, [r2.id, r3.id]));
    expect(after.grants.length).toBe(before.grants.length + 1);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { requestId: r1.id } })).toMatchObject({ identityId: c.employee.id });
    const s1 = await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: ok.stepId } });
    expect(s1).toMatchObject({ status: "APPROVED", decidedById: c.owner.id, reason: "Batch fixes for the March close", boundRevision: 1 });
    await c.as.owner.requests.cancel({ id: r2.id, expectedRevision: 1 });
  });

  it("denies several requests with one reason, and every requester is told that reason", async () => {
    const a = await c.as.employee.requests.submit(submitInput(c.low.id));
    const b = await c.as.peer.requests.submit(submitInput(c.low.id));
    const items = [await ref(a.id), await ref(b.id)];
    before = await lifecycleSnapshot(db.prisma);
    const out = await c.as.manager.approvals.decideMany({ items, decision: "DENY", reason: "Use the shared read-only dashboard instead" });
    expect(out.outcomes.map((o) => (o.ok ? o.status : o.code))).toEqual(["DENIED", "DENIED"]);
    expect(await actionsSince(db.prisma, before.events)).toEqual(["approval.denied", "request.denied", "approval.denied", "request.denied"]);
    for (const [r, who] of [[a, c.employee], [b, c.peer]] as const) {
      expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "DENIED" });
      const n = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: who.id, kind: "request.denied" }, orderBy: { createdAt: "desc" } });
      expect(n.body).toContain("Use the shared read-only dashboard instead");
    }
  });

  it("refuses the whole call, writing nothing, when the input is wrong: a denial without a reason, a stage listed twice, more than the maximum, none", async () => {
    // Something the peer does not hold yet (the mixed batch above approved c.medium for them).
    const fresh = await makeEntitlement(db.prisma, c.system.id, { name: "write-batches-2", risk: "MEDIUM" });
    const r = await c.as.peer.requests.submit(submitInput(fresh.id));
    const item = await ref(r.id);
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.approvals.decideMany({ items: [item], decision: "DENY" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("reason: is required to deny") });
    await expect(c.as.manager.approvals.decideMany({ items: [item, item], decision: "APPROVE" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("listed twice") });
    const many = Array.from({ length: DECIDE_MANY_MAX + 1 }, () => ({ ...item, stepId: crypto.randomUUID() }));
    await expect(c.as.manager.approvals.decideMany({ items: many, decision: "APPROVE" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(`at most ${DECIDE_MANY_MAX}`) });
    await expect(c.as.manager.approvals.decideMany({ items: [], decision: "APPROVE" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });

  it("an auditor is refused outright; a peer learns nothing about a request they may not see (NOT_FOUND per stage); nothing changes", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.high.id));
    const item = await ref(r.id);
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.auditor.approvals.decideMany({ items: [item], decision: "APPROVE" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const out = await c.as.peer.approvals.decideMany({ items: [item], decision: "APPROVE" });
    expect(out.outcomes).toEqual([{ requestId: r.id, stepId: item.stepId, ok: false, code: "NOT_FOUND", message: "The request was not found." }]);
    await expectUnchanged(db.prisma, before);
    await c.as.employee.requests.cancel({ id: r.id, expectedRevision: 1 });
  });
});

describe(`approvals.decisionFacts (${TEST_ENGINE})`, () => {
  it("tells the approver of a separation-of-duties conflict the beneficiary has now; hidden from whoever may not see the request", async () => {
    const a = await makeEntitlement(db.prisma, c.system.id, { name: "refund-initiate" });
    const b = await makeEntitlement(db.prisma, c.system.id, { name: "refund-approve" });
    const r = await c.as.employee.requests.submit(submitInput(a.id));
    expect(await c.as.manager.approvals.decisionFacts({ requestId: r.id })).toEqual({ sodConflicts: [] });
    // Declared after submission, while the employee already holds the other half.
    await db.prisma.conflictRule.create({ data: { entitlementAId: a.id, entitlementBId: b.id, reason: "Initiate and approve refunds" } });
    await db.prisma.grant.create({ data: { identityId: c.employee.id, entitlementId: b.id, status: "ACTIVE", origin: "IMPORTED", startsAt: c.clock.now() } });
    expect(await c.as.manager.approvals.decisionFacts({ requestId: r.id })).toEqual({ sodConflicts: ["refund-approve"] });
    await expect(c.as.peer.approvals.decisionFacts({ requestId: r.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("approvals.decideMany races on PostgreSQL", () => {
  let extra: DbHandle[];
  let dbs: PrismaClient[];
  beforeAll(() => {
    extra = moreInstances(db.url!, 1);
    dbs = [db.prisma, ...extra.map((h) => h.prisma)];
  });
  afterAll(async () => {
    await Promise.all(extra.map((h) => h.close()));
  });

  it("two bulk calls over the same stages at once: every stage decided exactly once, the other call told CONFLICT for it", async () => {
    const reports = await Promise.all(Array.from({ length: 4 }, (_, i) => makeHuman(db.prisma, { name: `Racer ${i}`, managerId: c.manager.id })));
    const ents = await Promise.all(Array.from({ length: 3 }, (_, i) => makeEntitlement(db.prisma, c.system.id, { name: `bulk-race-${i}` })));
    const requestIds: string[] = [];
    for (const p of reports) for (const e of ents) requestIds.push((await callerAs(db.prisma, p.id, c.clock.now).requests.submit(submitInput(e.id))).id);
    const items = await Promise.all(requestIds.map(ref));
    // The second call goes through the stages in the opposite order, so the two meet in the middle.
    const tally = await race(dbs, 2, (i, as) => as(c.manager.id).approvals.decideMany({ items: i ? [...items].reverse() : items, decision: "APPROVE", reason: "Quarter end batch" }), c.clock.now);
    await expectCleanRace(db.prisma, tally);
    expect(tally.ok).toBe(2);
    const outcomes = (tally.results as { outcomes: { stepId: string; ok: boolean; code?: string }[] }[]).flatMap((r) => r.outcomes);
    for (const it of items) {
      const mine = outcomes.filter((o) => o.stepId === it.stepId);
      expect(mine.filter((o) => o.ok)).toHaveLength(1);
      expect(mine.filter((o) => !o.ok).map((o) => o.code)).toEqual(["CONFLICT"]);
    }
    for (const id of requestIds) {
      expect(await db.prisma.ledgerEvent.count({ where: { subjectId: id, action: "approval.approved" } })).toBe(1);
      expect(await db.prisma.grant.count({ where: { requestId: id } })).toBe(1);
      expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "APPROVED" });
    }
  });
});
