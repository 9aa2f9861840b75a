import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import type { PrismaClient } from "../../db";
import type { GrantStatus } from "../../db/generated/client";
import { canonicalJson } from "../../ledger/hash";
import { DEFAULT_POLICY_TEXT } from "./default-policy";
import { evaluatePolicy, policyInputHash, replayDecision, sha256Hex } from "./evaluate";
import { buildPolicyInput } from "./facts";
import { currentPolicyVersion, replayRequestDecision } from "./queries";
import { ensureDefaultPolicy } from "./service";
import type { StoredPolicyDecision } from "./types";

const NOW = new Date("2026-03-02T09:00:00.000Z");
const UNKNOWN = "00000000-0000-4000-8000-000000000000";
let db: TestDb;
let p: PrismaClient;
let c: {
  manager: { id: string };
  priya: { id: string };
  admin: { id: string };
  auditor: { id: string };
  owner: { id: string };
  bot: { id: string };
  initiate: { id: string };
  approve: { id: string };
  warehouse: { id: string; name: string };
};

async function snapshot() {
  return { versions: await p.policyVersion.count(), events: await p.ledgerEvent.count(), requests: await p.accessRequest.count() };
}
let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  db = await createTestDb();
  p = db.prisma;
  const manager = await makeHuman(p, { name: "Marcus Manager" });
  const priya = await makeHuman(p, { name: "Priya Person", managerId: manager.id, department: "Payments" });
  const owner = await makeHuman(p, { name: "Sofia Owner" });
  const admin = await makeHuman(p, { roles: ["ADMIN"] });
  const auditor = await makeHuman(p, { roles: ["AUDITOR"] });
  const bot = await makeNhi(p, priya.id, { kind: "AI_AGENT", name: "refund-bot" });
  const payments = await makeSystem(p, owner.id, { name: "Payments Console" });
  const initiate = await makeEntitlement(p, payments.id, { name: "payments:refund-initiate", risk: "HIGH" });
  const approve = await makeEntitlement(p, payments.id, { name: "payments:refund-approve", risk: "HIGH", privileged: true });
  const warehouse = await makeEntitlement(p, payments.id, { name: "warehouse:analyst", risk: "MEDIUM", maxDurationDays: 30 });
  await p.conflictRule.create({ data: { entitlementAId: initiate.id, entitlementBId: approve.id, reason: "Separation of duties: the person who initiates a refund must not approve it" } });
  await p.$transaction((tx) => ensureDefaultPolicy(tx, null, NOW));
  c = { manager, priya, admin, auditor, owner, bot, initiate, approve, warehouse };
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await snapshot();
});

const args = (over: Partial<Parameters<typeof buildPolicyInput>[1]> = {}) => ({
  requesterId: c.priya.id,
  beneficiaryId: c.priya.id,
  entitlementId: c.initiate.id,
  durationHours: 24,
  emergency: false,
  now: new Date(),
  ...over,
});

describe("buildPolicyInput", () => {
  it("reads the requester, beneficiary, entitlement and relationship facts from the database", async () => {
    const input = await buildPolicyInput(p, args({ entitlementId: c.warehouse.id, durationHours: 48 }));
    expect(input).toEqual({
      requester: { id: c.priya.id, department: "Payments" },
      beneficiary: { id: c.priya.id, kind: "HUMAN", ownerId: null, managerId: c.manager.id },
      entitlement: {
        id: c.warehouse.id,
        name: "warehouse:analyst",
        systemId: expect.any(String),
        systemName: "Payments Console",
        risk: "MEDIUM",
        privileged: false,
        requestable: true,
        maxDurationDays: 30,
      },
      durationHours: 48,
      emergency: false,
      facts: { requesterIsBeneficiary: true, requesterOwnsBeneficiary: false, requesterIsManagerOfBeneficiary: false, requesterSharesDepartment: false, conflictingHeld: [], emergencyMinutesUsed: 0, extendsEmergencyAccess: false },
    });
    const forBot = await buildPolicyInput(p, args({ beneficiaryId: c.bot.id }));
    expect(forBot.beneficiary).toMatchObject({ kind: "AI_AGENT", ownerId: c.priya.id });
    expect(forBot.facts).toMatchObject({ requesterIsBeneficiary: false, requesterOwnsBeneficiary: true });
    const byManager = await buildPolicyInput(p, args({ requesterId: c.manager.id }));
    expect(byManager.facts).toMatchObject({ requesterIsBeneficiary: false, requesterIsManagerOfBeneficiary: true });
  });

  it.each([
    ["requester", { requesterId: UNKNOWN }, "The requester was not found."],
    ["beneficiary", { beneficiaryId: UNKNOWN }, "The beneficiary was not found."],
    ["entitlement", { entitlementId: UNKNOWN }, "The entitlement was not found."],
  ])("answers NOT_FOUND for an unknown %s", async (_label, over, message) => {
    await expect(buildPolicyInput(p, args(over))).rejects.toMatchObject({ code: "NOT_FOUND", message });
  });

  it.each<[GrantStatus, boolean]>([
    ["ACTIVE", true],
    ["PENDING_PROVISION", true],
    ["PENDING_REVOKE", true],
    ["REVOKE_FAILED", true],
    ["REVOKED", false],
    ["PROVISION_FAILED", false],
  ])("separation of duties: a conflicting grant in status %s counts as held: %s", async (status, counts) => {
    const holder = await makeHuman(p);
    await p.grant.create({ data: { identityId: holder.id, entitlementId: c.approve.id, status, origin: "IMPORTED", startsAt: NOW } });
    // Either side of the pair finds the other.
    const input = await buildPolicyInput(p, args({ requesterId: holder.id, beneficiaryId: holder.id }));
    expect(input.facts.conflictingHeld).toEqual(counts ? ["payments:refund-approve"] : []);
  });

  it("separation of duties: a pending request for the other side counts; a decided one does not", async () => {
    const holder = await makeHuman(p);
    const v = await currentPolicyVersion(p);
    const request = (status: "PENDING" | "DENIED") =>
      p.accessRequest.create({
        data: {
          requesterId: holder.id,
          beneficiaryId: holder.id,
          entitlementId: c.initiate.id,
          justification: "Month-end refunds backlog",
          durationHours: 24,
          status,
          contentHash: "x",
          policyVersionId: v.id,
          policyHash: v.sha256,
          policyDecision: {},
          inputHash: "x",
          deadlineAt: NOW,
        },
      });
    await request("DENIED");
    expect((await buildPolicyInput(p, args({ requesterId: holder.id, beneficiaryId: holder.id, entitlementId: c.approve.id }))).facts.conflictingHeld).toEqual([]);
    await request("PENDING");
    expect((await buildPolicyInput(p, args({ requesterId: holder.id, beneficiaryId: holder.id, entitlementId: c.approve.id }))).facts.conflictingHeld).toEqual([
      "payments:refund-initiate",
    ]);
  });
});

describe("policy.try", () => {
  it("evaluates a draft against a sample request with the real facts, next to the version in force, and saves nothing", async () => {
    const holder = await makeHuman(p);
    await p.grant.create({ data: { identityId: holder.id, entitlementId: c.approve.id, status: "ACTIVE", origin: "IMPORTED", startsAt: NOW } });
    before = await snapshot();
    const draft = DEFAULT_POLICY_TEXT.replace('@id("separation-of-duties")', '@id("sod")');
    const res = await callerAs(p, c.auditor.id, () => NOW).policy.try({
      text: draft,
      sample: { requesterId: holder.id, beneficiaryId: holder.id, entitlementId: c.initiate.id, durationHours: 24, emergency: false },
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.input.facts.conflictingHeld).toEqual(["payments:refund-approve"]);
    expect(res.decision).toMatchObject({ allowed: false, determining: ["sod"], policyVersion: 0, policyHash: sha256Hex(draft) });
    expect(res.current).toMatchObject({ allowed: false, determining: ["separation-of-duties"], policyVersion: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it("returns the validation errors of an invalid draft instead of a decision", async () => {
    const res = await callerAs(p, c.admin.id, () => NOW).policy.try({
      text: `@id("x")\npermit (principal, action, resource) when { resource.colour == "red" };`,
      sample: { requesterId: c.priya.id, beneficiaryId: c.priya.id, entitlementId: c.warehouse.id, durationHours: 24, emergency: false },
    });
    expect(res).toMatchObject({ ok: false, errors: [{ policyId: "x", line: 2 }] });
    expect(await snapshot()).toEqual(before);
  });

  it("answers NOT_FOUND for an unknown sample identity", async () => {
    await expect(
      callerAs(p, c.admin.id, () => NOW).policy.try({
        text: DEFAULT_POLICY_TEXT,
        sample: { requesterId: UNKNOWN, beneficiaryId: c.priya.id, entitlementId: c.warehouse.id, durationHours: 24, emergency: false },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("is closed to employees", async () => {
    await expect(
      callerAs(p, c.priya.id, () => NOW).policy.try({
        text: DEFAULT_POLICY_TEXT,
        sample: { requesterId: c.priya.id, beneficiaryId: c.priya.id, entitlementId: c.warehouse.id, durationHours: 24, emergency: false },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("replaying a stored decision", () => {
  /** Stores a request the way the request service does: the decision and its input in policyDecision. */
  async function storeDecidedRequest() {
    const version = await currentPolicyVersion(p);
    const input = await buildPolicyInput(p, args({ entitlementId: c.warehouse.id, durationHours: 72 }));
    const decision = evaluatePolicy(version, input);
    const stored: StoredPolicyDecision = { ...decision, input };
    const request = await p.accessRequest.create({
      data: {
        requesterId: c.priya.id,
        beneficiaryId: c.priya.id,
        entitlementId: c.warehouse.id,
        justification: "Quarterly revenue analysis",
        durationHours: 72,
        contentHash: "x",
        policyVersionId: version.id,
        policyHash: decision.policyHash,
        policyDecision: JSON.parse(JSON.stringify(stored)),
        inputHash: decision.inputHash,
        deadlineAt: NOW,
        // Decided: several fixtures for one identity and entitlement may exist, but only one PENDING.
        status: "APPROVED",
      },
    });
    return { version, input, decision, request };
  }

  it("gives the same answer against the recorded version, even after a new version is in force", async () => {
    const { request, decision } = await storeDecidedRequest();
    expect(decision).toMatchObject({ allowed: true, stages: ["MANAGER", "OWNER"] });

    // A stricter policy is saved afterwards: medium risk now also needs security.
    const stricter = DEFAULT_POLICY_TEXT.concat(`
@id("medium-risk-security")
permit (principal, action == Warrant::Action::"requireSecurity", resource)
when { resource.riskLevel == 2 };
`);
    const v2 = await callerAs(p, c.admin.id, () => NOW).policy.save({ text: stricter, note: "Medium risk: security too", expectedVersion: 1 });
    expect(v2.sha256).not.toBe(decision.policyHash);

    const replay = await replayRequestDecision(p, request.id);
    expect(replay).toMatchObject({ same: true, inputIntact: true, differences: [], policyVersion: 1 });
    expect(canonicalJson(replay.replayed)).toBe(canonicalJson(decision));

    // The same input under the new version: a different policy hash and a different answer.
    const stored = (await p.accessRequest.findUniqueOrThrow({ where: { id: request.id } })).policyDecision as unknown as StoredPolicyDecision;
    const under2 = evaluatePolicy(v2, stored.input);
    expect(under2.policyHash).toBe(sha256Hex(stricter));
    expect(under2.policyHash).not.toBe(decision.policyHash);
    expect(under2.stages).toEqual(["MANAGER", "OWNER", "SECURITY"]);
    expect(under2.inputHash).toBe(decision.inputHash);
    const cross = replayDecision(v2, stored.input, decision);
    expect(cross.same).toBe(false);
    expect(cross.differences.map((d) => d.field)).toEqual(expect.arrayContaining(["stages", "determining", "policyHash"]));
  });

  it("notices a stored input that was altered after the decision", async () => {
    const { request, input, decision } = await storeDecidedRequest();
    const altered = { ...input, durationHours: 2000 };
    // A direct edit outside the services (the request table has no immutability trigger).
    await p.accessRequest.update({ where: { id: request.id }, data: { policyDecision: JSON.parse(JSON.stringify({ ...decision, input: altered })) } });
    const replay = await replayRequestDecision(p, request.id);
    expect(replay.inputIntact).toBe(false);
    expect(replay.same).toBe(false);
    expect(replay.differences.map((d) => d.field)).toContain("inputHash");
    expect(policyInputHash(altered)).not.toBe(request.inputHash);
  });

  it("refuses to replay a decision that did not record its input", async () => {
    const v = await currentPolicyVersion(p);
    const r = await p.accessRequest.create({
      data: {
        requesterId: c.priya.id,
        beneficiaryId: c.priya.id,
        entitlementId: c.warehouse.id,
        justification: "Legacy row",
        durationHours: 24,
        contentHash: "x",
        policyVersionId: v.id,
        policyHash: v.sha256,
        policyDecision: { allowed: true },
        inputHash: "x",
        deadlineAt: NOW,
        status: "APPROVED",
      },
    });
    await expect(replayRequestDecision(p, r.id)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
