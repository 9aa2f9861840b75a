/**
 * Requests on someone else's behalf go through the policy: a manager for a direct report (normal chain), a
 * colleague in the same department with the person's manager approving first, nobody else. A refused
 * on-behalf request writes nothing; the person asked for is told of one that is made; neither the requester
 * nor the beneficiary may decide it; "already held" and "already pending" look at the beneficiary.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeEntitlement, makeGrant, makeHuman, callerAs } from "../../testing/factories";
import { expectCleanRace, expectRefusedOnlyWith, moreInstances, race } from "../../testing/race-kit";
import { replayRequestDecision } from "../policy/queries";
import { actionsSince, expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

let db: TestDb;
let c: RequestCast;
let before: LifecycleSnapshot;
let outsider: { id: string };
let leaver: { id: string };
let asOutsider: ReturnType<typeof callerAs>;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
  // Everyone in the cast works in Engineering; the outsider is in Finance.
  outsider = await makeHuman(db.prisma, { name: "Fiona Finance", department: "Finance", managerId: c.director.id });
  leaver = await makeHuman(db.prisma, { name: "Len Leaver", managerId: c.manager.id, status: "DEPROVISIONED" });
  asOutsider = callerAs(db.prisma, outsider.id, c.clock.now);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await lifecycleSnapshot(db.prisma);
});

describe(`requests on behalf (${TEST_ENGINE})`, () => {
  it("a manager requests for a direct report: the normal chain, recorded with requester and beneficiary, the report told", async () => {
    const out = await c.as.manager.requests.submit(submitInput(c.low.id, { beneficiaryId: c.employee.id }));
    expect(out.status).toBe("PENDING");
    expect(out.decision).toMatchObject({ allowed: true, stages: ["MANAGER"] });
    // The manager asked, so the manager stage cannot be theirs: it goes to the fallback approvers.
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", fallback: true, eligible: [{ name: "Omar Security" }, { name: "Sue Security" }] });

    const req = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id }, include: { steps: true } });
    expect(req).toMatchObject({ requesterId: c.manager.id, beneficiaryId: c.employee.id });
    expect(req.steps[0]).toMatchObject({ requesterId: c.manager.id, beneficiaryId: c.employee.id });
    expect(await replayRequestDecision(db.prisma, out.id)).toMatchObject({ same: true, inputIntact: true });
    expect((req.policyDecision as { input: { facts: Record<string, unknown> } }).input.facts).toMatchObject({ requesterIsManagerOfBeneficiary: true, requesterSharesDepartment: true });

    expect(await actionsSince(db.prisma, before.events)).toEqual(["request.submitted", "request.policy_decided", "approval.stage_opened"]);
    const submitted = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: out.id } });
    expect(submitted.actorId).toBe(c.manager.id);
    expect(submitted.payload).toMatchObject({ requesterId: c.manager.id, beneficiaryId: c.employee.id, onBehalf: { relation: "manager" } });

    const told = await db.prisma.notification.findMany({ where: { recipientId: c.employee.id, kind: "request.on_behalf" } });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ title: "Marcus Manager asked for read-reports on your behalf", link: `/requests/${out.id}` });
    // The approvers are told who asked for whom too.
    const asked = await db.prisma.notification.findMany({ where: { kind: "approval.requested", link: `/requests/${out.id}` } });
    expect(asked.length).toBeGreaterThan(0);
    for (const n of asked) expect(n.body).toMatch(/^Asked by Marcus Manager for \S.* You can decide the manager stage/);

    // Neither the requester nor the beneficiary may decide it, and the refusals change nothing.
    const step = req.steps[0]!;
    const now = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.approvals.decide({ requestId: out.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You cannot decide a request you submitted yourself.",
    });
    await expect(c.as.employee.approvals.decide({ requestId: out.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You cannot decide a request for your own access.",
    });
    await expectUnchanged(db.prisma, now);

    // The report sees the request made for them; the detail says who asked.
    const seen = await c.as.employee.requests.byId({ id: out.id });
    expect(seen.onBehalf).toMatchObject({ requester: { name: "Marcus Manager" }, beneficiary: { name: "Priya Employee" }, relation: "manager" });
    await c.as.manager.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("a colleague requests: the person's manager approves first, even for high risk where the chain has no manager stage", async () => {
    const out = await c.as.peer.requests.submit(submitInput(c.high.id, { beneficiaryId: c.employee.id }));
    expect(out.decision.stages).toEqual(["MANAGER", "OWNER", "SECURITY"]);
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", status: "OPEN", fallback: false, eligible: [{ id: c.manager.id }] });
    // The manager's inbox row says who asked for whom, and how they stand.
    const inbox = await c.as.manager.approvals.inbox({});
    expect(inbox.rows.find((x) => x.requestId === out.id)).toMatchObject({ requester: { name: "Pete Peer" }, beneficiary: { name: "Priya Employee" }, relation: "colleague" });
    const step = (await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: out.id, stageOrder: 1 } })).id;
    const decided = await c.as.manager.approvals.decide({ requestId: out.id, stepId: step, decision: "APPROVE", expectedRevision: 1 });
    expect(decided.status).toBe("PENDING");
    const submitted = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: out.id } });
    expect(submitted.payload).toMatchObject({ requesterId: c.peer.id, beneficiaryId: c.employee.id, onBehalf: { relation: "colleague" } });
    await c.as.peer.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("the preview shows the form what the policy says for the chosen person", async () => {
    const colleague = await c.as.peer.requests.preview({ entitlementId: c.high.id, beneficiaryId: c.employee.id, durationHours: 24 });
    expect(colleague.decision).toMatchObject({ allowed: true, stages: ["MANAGER", "OWNER", "SECURITY"] });
    const stranger = await asOutsider.requests.preview({ entitlementId: c.low.id, beneficiaryId: c.employee.id, durationHours: 24 });
    expect(stranger.decision.allowed).toBe(false);
    expect(stranger.decision.reasons[0]).toMatch(/only as their manager or as a colleague in their department/);
    await expectUnchanged(db.prisma, before);
  });
});

describe(`requests on behalf: refusals change nothing (${TEST_ENGINE})`, () => {
  it("refuses someone who is neither the manager nor in the department, with the policy's reason", async () => {
    await expect(asOutsider.requests.submit(submitInput(c.low.id, { beneficiaryId: c.employee.id }))).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/^You cannot request this for Priya Employee: You can request access for another person only as their manager or as a colleague/),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a colleague's request for someone with no manager", async () => {
    await expect(c.as.peer.requests.submit(submitInput(c.low.id, { beneficiaryId: c.loner.id }))).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("has no manager in Warrant") });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses emergency access asked for on someone's behalf", async () => {
    await expect(c.as.manager.requests.submit(submitInput(c.critical.id, { beneficiaryId: c.employee.id, emergency: true, incidentRef: "INC-4242", durationHours: 2 }))).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Emergency access is requested by the person who needs it"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a leaver (even for their own manager)", async () => {
    await expect(c.as.manager.requests.submit(submitInput(c.low.id, { beneficiaryId: leaver.id }))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Len Leaver is not active (deprovisioned)") });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses bad ids", async () => {
    await expect(c.as.manager.requests.submit(submitInput(c.low.id, { beneficiaryId: "00000000-0000-4000-8000-000000000000" }))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as.manager.requests.submit(submitInput(c.low.id, { beneficiaryId: "not-an-id" }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as.manager.requests.submit(submitInput("00000000-0000-4000-8000-000000000000", { beneficiaryId: c.employee.id }))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });

  it("already held: the beneficiary's holdings count, not the requester's", async () => {
    const ent = await makeEntitlement(db.prisma, c.system.id, { name: "dashboards-view", risk: "LOW" });
    await makeGrant(db.prisma, c.employee.id, ent.id, { expiresAt: new Date(c.clock.now().getTime() + 30 * 86_400_000) });
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.manager.requests.submit(submitInput(ent.id, { beneficiaryId: c.employee.id }))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/^Priya Employee already has dashboards-view until/) });
    await expectUnchanged(db.prisma, before);
    // The manager holding an entitlement does not stop them asking it for a report who does not.
    const other = await makeEntitlement(db.prisma, c.system.id, { name: "dashboards-edit", risk: "LOW" });
    await makeGrant(db.prisma, c.manager.id, other.id);
    const out = await c.as.manager.requests.submit(submitInput(other.id, { beneficiaryId: c.peer.id }));
    expect(out.status).toBe("PENDING");
    await c.as.manager.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("a pending request of the same entitlement for the same person, by anyone, is refused", async () => {
    const mine = await c.as.employee.requests.submit(submitInput(c.medium.id));
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.peer.requests.submit(submitInput(c.medium.id, { beneficiaryId: c.employee.id }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("already a pending request for write-batches for Priya Employee"),
    });
    await expectUnchanged(db.prisma, before);
    await c.as.employee.requests.cancel({ id: mine.id, expectedRevision: 1 });
  });
});

describe(`who the form offers (${TEST_ENGINE})`, () => {
  it("me, my non-human identities, then my active reports (not a leaver)", async () => {
    const opts = await c.as.manager.requests.beneficiaryOptions();
    expect(opts.map((o) => [o.group, o.name])).toEqual([
      ["me", "Me (Marcus Manager)"],
      ["report", "Pete Peer"],
      ["report", "Priya Employee"],
    ]);
    expect((await c.as.employee.requests.beneficiaryOptions()).map((o) => o.group)).toEqual(["me", "nhi"]);
  });

  it("a search of colleagues: active people in my department matching the text, not me, not my reports, nobody from elsewhere", async () => {
    expect((await c.as.peer.requests.searchBeneficiaries({ q: "priya" })).map((o) => [o.group, o.name])).toEqual([["colleague", "Priya Employee"]]);
    expect(await c.as.manager.requests.searchBeneficiaries({ q: "priya" })).toEqual([]); // a report: offered already
    expect(await c.as.peer.requests.searchBeneficiaries({ q: "pete" })).toEqual([]); // me
    expect(await c.as.peer.requests.searchBeneficiaries({ q: "fiona" })).toEqual([]); // Finance
    expect(await c.as.peer.requests.searchBeneficiaries({ q: "len" })).toEqual([]); // a leaver
    expect(await asOutsider.requests.searchBeneficiaries({ q: "priya" })).toEqual([]);
    await expect(c.as.peer.requests.searchBeneficiaries({ q: " a " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("on behalf: a race on PostgreSQL", () => {
  it("the person, their manager and a colleague ask for the same access 50 times at once: one pending request, the rest CONFLICT", async () => {
    const extra = moreInstances(db.url!, 3);
    try {
      const ent = await makeEntitlement(db.prisma, c.system.id, { name: "race-on-behalf" });
      const askers = [c.employee.id, c.manager.id, c.peer.id];
      const tally = await race([db.prisma, ...extra.map((h) => h.prisma)], 50, (i, as) => as(askers[i % 3]!).requests.submit(submitInput(ent.id, { beneficiaryId: c.employee.id })), c.clock.now);
      await expectCleanRace(db.prisma, tally);
      expect(tally.ok).toBe(1);
      expectRefusedOnlyWith(tally, ["CONFLICT"]);
      expect(await db.prisma.accessRequest.count({ where: { beneficiaryId: c.employee.id, entitlementId: ent.id, status: "PENDING" } })).toBe(1);
    } finally {
      await Promise.all(extra.map((h) => h.close()));
    }
  });
});

