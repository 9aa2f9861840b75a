import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant } from "../../testing/factories";
import { eventsSince, expectUnchanged, provisioningCast, provisioningSnapshot } from "./provisioning-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await provisioningCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const active = () => makeGrant(db.prisma, cast.holder.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(Date.now() + 86_400_000) });
const REASON = "No longer on the payments team";

describe("grants.revoke", () => {
  it.each([
    ["the system owner", () => cast.systemOwner.id],
    ["the entitlement owner", () => cast.entOwner.id],
    ["an admin", () => cast.admin.id],
    ["a security officer", () => cast.security.id],
  ])("lets %s revoke with a reason: PENDING_REVOKE, a REVOKE task, the holder told, one ledger event", async (_who, id) => {
    const g = await active();
    const before = await provisioningSnapshot(db.prisma);
    const res = await cast.as(id()).grants.revoke({ grantId: g.id, reason: REASON });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "MANUAL", revokedById: id(), revocationNote: REASON });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: res.taskId } })).toMatchObject({ grantId: g.id, action: "REVOKE", status: "PENDING" });
    const events = await eventsSince(db.prisma, before.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "grant.revocation_requested", actorId: id(), subjectId: g.id, payload: { cause: "MANUAL", note: REASON } });
    expect(await db.prisma.notification.count({ where: { recipientId: cast.holder.id, kind: "grant.revoking" } })).toBeGreaterThan(0);
  });

  it.each([
    ["the holder", () => cast.holder.id, "FORBIDDEN"],
    ["an employee", () => cast.employee.id, "FORBIDDEN"],
    ["the holder's manager", () => cast.manager.id, "FORBIDDEN"],
    ["an auditor", () => cast.auditor.id, "FORBIDDEN"],
    ["a signed-out caller", () => null, "UNAUTHORIZED"],
  ])("refuses %s and changes nothing", async (_who, id, code) => {
    const g = await active();
    const before = await provisioningSnapshot(db.prisma);
    const err = await cast.as(id()).grants.revoke({ grantId: g.id, reason: REASON }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(String((err as Error).message)).not.toContain(cast.entitlement.name);
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a revocation already under way with CONFLICT, and two at once give one outcome", async () => {
    const g = await active();
    const results = await Promise.allSettled([
      cast.as(cast.admin.id).grants.revoke({ grantId: g.id, reason: REASON }),
      cast.as(cast.security.id).grants.revoke({ grantId: g.id, reason: "Suspicious use at night" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    const before = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.admin.id).grants.revoke({ grantId: g.id, reason: REASON })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("not active") });
    await expectUnchanged(db.prisma, before);
    expect(await db.prisma.provisioningTask.count({ where: { grantId: g.id } })).toBe(1);
  });

  it("requires a reason of 5 to 1000 characters and an existing grant", async () => {
    const g = await active();
    const before = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.admin.id).grants.revoke({ grantId: g.id, reason: "no" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cast.as(cast.admin.id).grants.revoke({ grantId: g.id, reason: "x".repeat(1001) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cast.as(cast.admin.id).grants.revoke({ grantId: "00000000-0000-4000-8000-000000000000", reason: REASON })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });

  it("lists which of an identity's grants the caller may revoke", async () => {
    const g = await active();
    expect(await cast.as(cast.systemOwner.id).grants.revocable({ identityId: cast.holder.id })).toContain(g.id);
    expect(await cast.as(cast.employee.id).grants.revocable({ identityId: cast.holder.id })).toEqual([]);
    expect(await cast.as(cast.auditor.id).grants.revocable({ identityId: cast.holder.id })).toEqual([]);
  });
});
