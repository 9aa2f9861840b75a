/**
 * Break-glass cannot be chained: emergency access to one entitlement is at most 4 hours in total within 24
 * hours. The default policy refuses a chained emergency request with the hours used; an extension of
 * emergency access is an ordinary request that security approves too; and the bound holds even under a
 * policy that would grant every emergency request at once (the grant service enforces it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement } from "../../testing/factories";
import { DEFAULT_POLICY_TEXT } from "../policy/default-policy";
import { expectUnchanged, HOUR, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

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

const emergency = (entitlementId: string, durationHours: number, extra: Record<string, unknown> = {}) =>
  submitInput(entitlementId, { emergency: true, incidentRef: "INC-7001", durationHours, ...extra });

/** Marks the break-glass grant of a request provisioned, as the worker would after the connector confirmed. */
async function activate(requestId: string) {
  const g = await db.prisma.grant.findUniqueOrThrow({ where: { requestId } });
  await db.prisma.grant.update({ where: { id: g.id }, data: { status: "ACTIVE" } });
  return g;
}

describe("emergency access is bounded to 4 hours in total within 24 hours", () => {
  it("grants the first emergency request at once, and refuses a second one that would go past 4 hours, saying how much is used", async () => {
    const ent = await makeEntitlement(db.prisma, c.system.id, { name: "payments-db-write", risk: "HIGH" });
    const first = await c.as.employee.requests.submit(emergency(ent.id, 3));
    expect(first.status).toBe("APPROVED");
    expect(first.decision.autoApproved).toBe(true);
    await activate(first.id);

    c.clock.advance(2 * HOUR);
    const chained = await c.as.employee.requests.submit(emergency(ent.id, 2));
    expect(chained.status).toBe("DENIED");
    expect(chained.decision.determining).toContain("emergency-no-chaining");
    expect(chained.decision.reasons.join(" ")).toMatch(/at most 4 hours in total within 24 hours, and 3 h of it is already used or scheduled/);
    expect(await db.prisma.grant.count({ where: { identityId: c.employee.id, entitlementId: ent.id } })).toBe(1);
    const stored = (await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: chained.id } })).policyDecision as { input: { facts: { emergencyMinutesUsed: number } } };
    expect(stored.input.facts.emergencyMinutesUsed).toBe(180);

    // What is left of the budget (1 hour) is still granted at once; after that nothing more.
    // While the first grant is in force, a second emergency grant of the same access is refused outright.
    const snap = await lifecycleSnapshot(db.prisma);
    await expect(c.as.employee.requests.submit(emergency(ent.id, 1))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/already has emergency access to this entitlement/) });
    await expectUnchanged(db.prisma, snap);
    c.clock.advance(2 * HOUR); // the first grant (3 h) has ended: 3 h used in the window
    await db.prisma.grant.updateMany({ where: { requestId: first.id }, data: { status: "REVOKED", revokedAt: c.clock.now(), revocationCause: "EXPIRY" } });
    const lastHour = await c.as.employee.requests.submit(emergency(ent.id, 1));
    expect(lastHour.status).toBe("APPROVED");
  });

  it("a person's emergency budget is their own and per entitlement", async () => {
    const ent = await makeEntitlement(db.prisma, c.system.id, { name: "ledger-hotfix", risk: "HIGH" });
    const other = await makeEntitlement(db.prisma, c.system.id, { name: "ledger-readonly-hotfix", risk: "HIGH" });
    expect((await c.as.peer.requests.submit(emergency(ent.id, 4))).status).toBe("APPROVED");
    expect((await c.as.peer.requests.submit(emergency(other.id, 4))).status).toBe("APPROVED");
    expect((await c.as.loner.requests.submit(emergency(ent.id, 4))).status).toBe("APPROVED");
  });

  it("extending break-glass access is an ordinary request: never granted at once, security approves it too", async () => {
    const ent = await makeEntitlement(db.prisma, c.system.id, { name: "settlement-replay", risk: "LOW" });
    const bg = await c.as.manager.requests.submit(emergency(ent.id, 2));
    const grant = await activate(bg.id);

    // Even flagged as an emergency (and within the 4 hours), an extension waits for approvers.
    const asEmergency = await c.as.manager.requests.submit(emergency(ent.id, 1, { extendsGrantId: grant.id }));
    expect(asEmergency).toMatchObject({ status: "PENDING", decision: { autoApproved: false } });
    expect(asEmergency.decision.stages).toContain("SECURITY");
    expect(await db.prisma.grant.count({ where: { requestId: asEmergency.id } })).toBe(0);
    await c.as.manager.requests.cancel({ id: asEmergency.id, expectedRevision: 1 });

    const ordinary = await c.as.manager.requests.submit(submitInput(ent.id, { durationHours: 24, extendsGrantId: grant.id }));
    expect(ordinary.status).toBe("PENDING");
    expect(ordinary.decision.stages).toEqual(["MANAGER", "SECURITY"]);
    expect(ordinary.decision.determining).toContain("emergency-extension-security");
  });

  it("holds whatever the policy says: under a policy that grants every emergency at once, a chained grant is refused and nothing is written", async () => {
    const current = await db.prisma.policyVersion.findFirstOrThrow({ orderBy: { version: "desc" } });
    // The default policy without its chaining rule: a careless edit an admin could make.
    const careless = DEFAULT_POLICY_TEXT.replace(/@id\("emergency-no-chaining"\)[\s\S]*?;\n/, "").replace("&& !context.extendsEmergencyAccess", "");
    expect(careless).not.toContain("emergency-no-chaining");
    await c.as.admin.policy.save({ text: careless, note: "drop the chaining rule", expectedVersion: current.version });

    const ent = await makeEntitlement(db.prisma, c.system.id, { name: "vault-unseal", risk: "HIGH" });
    const first = await c.as.peer.requests.submit(emergency(ent.id, 4));
    expect(first.status).toBe("APPROVED");
    await activate(first.id);
    c.clock.advance(4 * HOUR + 1000);
    await db.prisma.grant.updateMany({ where: { requestId: first.id }, data: { status: "REVOKED", revokedAt: c.clock.now(), revocationCause: "EXPIRY" } });

    const snap = await lifecycleSnapshot(db.prisma);
    await expect(c.as.peer.requests.submit(emergency(ent.id, 2))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/Emergency access is at most 4 hours in total for the same access within 24 hours, and 240 minutes of it are already used/),
    });
    await expectUnchanged(db.prisma, snap);

    // A day later the budget is free again.
    c.clock.advance(24 * HOUR);
    expect((await c.as.peer.requests.submit(emergency(ent.id, 2))).status).toBe("APPROVED");

    const latest = await db.prisma.policyVersion.findFirstOrThrow({ orderBy: { version: "desc" } });
    await c.as.admin.policy.save({ text: DEFAULT_POLICY_TEXT, note: "restore the default policy", expectedVersion: latest.version });
    void before;
  });
});
