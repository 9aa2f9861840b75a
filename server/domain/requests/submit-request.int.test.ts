import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman } from "../../testing/factories";
import { replayRequestDecision } from "../policy/queries";
import { actionsSince, DAY, expectUnchanged, HOUR, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

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

describe("requests.submit: the policy decides at once", () => {
  it("stages a low-risk request for the manager, records the decision and opens stage 1", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.low.id, { ticketUrl: "https://jira.example/OPS-12" }));
    expect(out.status).toBe("PENDING");
    expect(out.decision).toMatchObject({ allowed: true, autoApproved: false, stages: ["MANAGER"], policyVersion: 1 });
    expect(out.stages).toHaveLength(1);
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", status: "OPEN", eligible: [{ id: c.manager.id, name: "Marcus Manager" }], fallback: false });

    const req = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id }, include: { steps: true, policyVersion: true } });
    expect(req.policyHash).toBe(req.policyVersion.sha256);
    expect(req.deadlineAt.getTime() - c.clock.now().getTime()).toBe(7 * DAY);
    expect(req.steps[0]).toMatchObject({ stageOrder: 1, status: "OPEN", requesterId: c.employee.id, beneficiaryId: c.employee.id, beneficiaryOwnerId: null, eligibleIds: [c.manager.id] });
    expect(req.steps[0]!.escalateAt!.getTime() - c.clock.now().getTime()).toBe(48 * HOUR);
    // The stored decision keeps its input and replays to the same answer.
    expect((req.policyDecision as { input: unknown }).input).toBeTruthy();
    const replay = await replayRequestDecision(db.prisma, out.id);
    expect(replay).toMatchObject({ same: true, inputIntact: true });

    expect(await actionsSince(db.prisma, before.events)).toEqual(["request.submitted", "request.policy_decided", "approval.stage_opened"]);
    const decided = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.policy_decided", subjectId: out.id } });
    expect(decided.payload).toMatchObject({ policyHash: req.policyHash, inputHash: req.inputHash, policyVersion: 1, determining: expect.arrayContaining(["low-risk-manager"]) });
    const n = await db.prisma.notification.findMany({ where: { recipientId: c.manager.id, kind: "approval.requested" } });
    expect(n.some((x) => x.link === `/requests/${out.id}`)).toBe(true);
    // Cancelled so later tests may ask for the same entitlement again.
    await c.as.employee.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("stages a medium-risk request as manager then owner, and shows who can decide each", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.medium.id));
    expect(out.decision.stages).toEqual(["MANAGER", "OWNER"]);
    expect(out.stages.map((s) => [s.kind, s.status, s.eligible.map((p) => p.name)])).toEqual([
      ["MANAGER", "OPEN", ["Marcus Manager"]],
      ["OWNER", "WAITING", ["Sofia Owner"]],
    ]);
    await c.as.employee.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("stages high-risk privileged access as entitlement owner then security (every security officer)", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.high.id));
    expect(out.stages.map((s) => [s.kind, s.eligible.map((p) => p.name)])).toEqual([
      ["OWNER", ["Otto EntitlementOwner"]],
      ["SECURITY", ["Omar Security", "Sue Security"]],
    ]);
    await c.as.employee.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("denies at once with the policy's reasons (not requestable), and keeps the denial on record", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.closed.id));
    expect(out.status).toBe("DENIED");
    expect(out.decision.allowed).toBe(false);
    expect(out.decision.reasons.join(" ")).toMatch(/not marked requestable/);
    expect(out.stages).toEqual([]);
    expect(await actionsSince(db.prisma, before.events)).toEqual(["request.submitted", "request.policy_decided", "request.denied_by_policy"]);
    expect(await db.prisma.grant.count({ where: { requestId: out.id } })).toBe(0);
  });

  it("denies a request longer than the entitlement's maximum with the reason", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.critical.id, { durationHours: 24 * 10 }));
    expect(out.status).toBe("DENIED");
    expect(out.decision.reasons.join(" ")).toMatch(/at most 7 days/);
  });

  it("grants emergency access at once (≤ 4 h): grant pending provisioning, security notified, review due in 24 h", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.critical.id, { durationHours: 4, emergency: true, incidentRef: "INC-2041" }));
    expect(out.status).toBe("APPROVED");
    expect(out.decision).toMatchObject({ allowed: true, autoApproved: true, stages: [] });
    expect(out.grant).toMatchObject({ status: "PENDING_PROVISION" });
    expect(out.reviewDueAt!.getTime() - c.clock.now().getTime()).toBe(24 * HOUR);
    const grant = await db.prisma.grant.findUniqueOrThrow({ where: { requestId: out.id } });
    expect(grant).toMatchObject({ origin: "BREAK_GLASS", identityId: c.employee.id, entitlementId: c.critical.id });
    expect(grant.expiresAt!.getTime() - grant.startsAt.getTime()).toBe(4 * HOUR);
    expect(await db.prisma.provisioningTask.count({ where: { grantId: grant.id, action: "GRANT" } })).toBe(1);
    const notes = await db.prisma.notification.findMany({ where: { kind: "break-glass.granted" } });
    expect(notes.map((n) => n.recipientId).sort()).toEqual([c.security.id, c.security2.id].sort());
    expect(notes[0]!.title).toBe("Break-glass access granted");
    expect(await actionsSince(db.prisma, before.events)).toEqual(["request.submitted", "request.policy_decided", "grant.provisioning_requested", "request.auto_approved"]);
  });

  it("refuses emergency access longer than 4 hours as a denial with the reason", async () => {
    const out = await c.as.peer.requests.submit(submitInput(c.low.id, { durationHours: 8, emergency: true, incidentRef: "INC-7" }));
    expect(out.status).toBe("DENIED");
    expect(out.decision.reasons.join(" ")).toMatch(/at most 4 hours/);
  });

  it("asks the NHI owner's manager for a request for an NHI the requester owns", async () => {
    const out = await c.as.employee.requests.submit(submitInput(c.low.id, { beneficiaryId: c.nhi.id }));
    expect(out.status).toBe("PENDING");
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", eligible: [{ id: c.manager.id }] });
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: out.id } });
    expect(step).toMatchObject({ requesterId: c.employee.id, beneficiaryId: c.nhi.id, beneficiaryOwnerId: c.employee.id });
    await c.as.employee.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("sends a stage with nobody eligible straight to the fallback approvers, and records it", async () => {
    const out = await c.as.loner.requests.submit(submitInput(c.low.id));
    expect(out.stages[0]).toMatchObject({ kind: "MANAGER", status: "OPEN", fallback: true });
    expect(out.stages[0]!.eligible.map((p) => p.name)).toEqual(["Omar Security", "Sue Security"]);
    const opened = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "approval.stage_opened", subjectId: out.id } });
    expect(opened.payload).toMatchObject({ fallback: true });
    await c.as.loner.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("excludes the requester from their own owner stage (the owner asking for their own entitlement)", async () => {
    const out = await c.as.owner.requests.submit(submitInput(c.medium.id));
    expect(out.stages.map((s) => [s.kind, s.eligible.map((p) => p.name)])).toEqual([
      ["MANAGER", ["Dana Director"]],
      ["OWNER", ["Omar Security", "Sue Security"]],
    ]);
    await c.as.owner.requests.cancel({ id: out.id, expectedRevision: 1 });
  });
});

describe("requests.submit: refusals change nothing", () => {
  it("refuses a request for another person by someone the policy does not allow (neither manager nor colleague)", async () => {
    const finance = await makeHuman(db.prisma, { name: "Fiona Finance", department: "Finance" });
    before = await lifecycleSnapshot(db.prisma);
    await expect(callerAs(db.prisma, finance.id, c.clock.now).requests.submit(submitInput(c.low.id, { beneficiaryId: c.peer.id }))).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("only as their manager or as a colleague in their department"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a request for an NHI someone else owns", async () => {
    await expect(c.as.peer.requests.submit(submitInput(c.low.id, { beneficiaryId: c.nhi.id }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an auditor (read-only)", async () => {
    await expect(c.as.auditor.requests.submit(submitInput(c.low.id))).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("Auditors") });
    await expectUnchanged(db.prisma, before);
  });

  it("denies privileged access past the policy's 30-day cap and tells the maximum", async () => {
    const e = await makeEntitlement(db.prisma, c.system.id, { name: "privileged-60", risk: "LOW", privileged: true, maxDurationDays: 60 });
    before = await lifecycleSnapshot(db.prisma);
    // The catalog allows 60 days; the policy caps privileged access at 30 days: a denial by policy.
    const out = await c.as.employee.requests.submit(submitInput(e.id, { durationHours: 24 * 45 }));
    expect(out.status).toBe("DENIED");
    expect(out.decision.maxDurationHours).toBe(720);
  });

  it("refuses a second pending request for the same access with CONFLICT", async () => {
    const first = await c.as.peer.requests.submit(submitInput(c.medium.id));
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.peer.requests.submit(submitInput(c.medium.id))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already a pending request") });
    await expectUnchanged(db.prisma, before);
    await c.as.peer.requests.cancel({ id: first.id, expectedRevision: 1 });
  });

  it.each([
    [{ justification: "too short" }, /justification: must be at least 20 characters/],
    [{ justification: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, /justification: must explain why you need this access in at least 4 words/],
    [{ justification: "need need need need need need need" }, /justification: must be a real explanation, not one word repeated/],
    [{ justification: "pls give access xxxxxxxxxxxxxxxxxx" }, /justification: must be a real explanation, not repeated characters/],
    [{ durationHours: 0 }, /durationHours: must be between 1 and 8760 hours/],
    [{ durationHours: 9000 }, /durationHours: must be between 1 and 8760 hours/],
    [{ durationHours: 1.5 }, /durationHours: must be a whole number of hours/],
    [{ ticketUrl: "javascript:alert(1)" }, /ticketUrl: must be an http:\/\/ or https:\/\/ link/],
    [{ ticketUrl: `https://jira.example/${"x".repeat(500)}` }, /ticketUrl: must be at most 500 characters/],
    [{ emergency: true }, /incidentRef: is required for emergency access/],
    [{ emergency: true, incidentRef: "X" }, /incidentRef: must be 3 to 100 characters/],
    [{ entitlementId: "not-a-uuid" }, /entitlementId: must be an id/],
    [{ surprise: 1 }, /Unrecognized key/i],
  ])("refuses bad input %j with a clear message", async (extra, message) => {
    await expect(c.as.employee.requests.submit(submitInput(c.low.id, extra))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an unknown entitlement with NOT_FOUND", async () => {
    await expect(c.as.employee.requests.submit(submitInput("00000000-0000-4000-8000-000000000000"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });
});

describe("requests.preview", () => {
  it("tells the form the maximum duration and the stages without writing anything", async () => {
    const p = await c.as.employee.requests.preview({ entitlementId: c.critical.id, durationHours: 24 });
    expect(p.decision).toMatchObject({ allowed: true, maxDurationHours: 168, stages: ["OWNER", "SECURITY"] });
    expect(p.stages.map((s) => s.eligible.map((x) => x.name))).toEqual([["Sofia Owner"], ["Omar Security", "Sue Security"]]);
    await expectUnchanged(db.prisma, before);
  });
});
