import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement, makeGrant, makeHuman, makeNhi } from "../../testing/factories";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { eventsSince, expectUnchanged, makeGrantWithTask, provisioningCast, provisioningSnapshot } from "./provisioning-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await provisioningCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const REASON = "Left the company on 31 October";

async function leaverScene() {
  const leaver = await makeHuman(db.prisma, { name: "Lee Leaver", managerId: cast.manager.id });
  const e2 = await makeEntitlement(db.prisma, cast.system.id);
  const g1 = await makeGrant(db.prisma, leaver.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(Date.now() + 86_400_000) });
  const g2 = await makeGrant(db.prisma, leaver.id, e2.id);
  const failed = await db.prisma.grant.create({ data: { identityId: leaver.id, entitlementId: e2.id, status: "REVOKE_FAILED", origin: "IMPORTED", startsAt: new Date() } });
  const nhi1 = await makeNhi(db.prisma, leaver.id, { name: "svc-payments-batch" });
  const nhi2 = await makeNhi(db.prisma, leaver.id, { kind: "API_KEY", name: "key-reporting" });
  return { leaver, grants: [g1, g2, failed], nhis: [nhi1, nhi2] };
}

describe("grants.deprovisionIdentity (leaver)", () => {
  it("deprovisions the person, revokes every grant in effect, and flags each owned NHI to their manager", async () => {
    const s = await leaverScene();
    const before = await provisioningSnapshot(db.prisma);
    const res = await cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: s.leaver.id, reason: REASON });
    expect(res).toEqual({ identityId: s.leaver.id, revokingGrants: 3, nhisFlagged: 2, cancelledRequests: 0, escalatedStages: 0 });
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: s.leaver.id } })).status).toBe("DEPROVISIONED");
    const grants = await db.prisma.grant.findMany({ where: { identityId: s.leaver.id } });
    expect(grants.map((g) => [g.status, g.revocationCause])).toEqual(grants.map(() => ["PENDING_REVOKE", "LEAVER"]));
    expect(await db.prisma.provisioningTask.count({ where: { grantId: { in: s.grants.map((g) => g.id) }, action: "REVOKE" } })).toBe(3);
    const findings = await db.prisma.finding.findMany({ where: { kind: "NHI_OWNER_LEFT", subjectId: { in: s.nhis.map((n) => n.id) } } });
    expect(findings).toHaveLength(2);
    expect(findings.every((f) => f.assigneeId === cast.manager.id && f.status === "OPEN")).toBe(true);
    expect(await db.prisma.notification.count({ where: { recipientId: cast.manager.id, kind: "nhi.owner_left" } })).toBe(1);
    const events = await eventsSince(db.prisma, before.events);
    expect(events.filter((e) => e.action === "grant.revocation_requested")).toHaveLength(3);
    const dep = events.find((e) => e.action === "identity.deprovisioned");
    expect(dep).toMatchObject({ actorId: cast.admin.id, subjectId: s.leaver.id, payload: { reason: REASON, assigneeId: cast.manager.id } });
    expect(events.at(-1)!.action).toBe("identity.deprovisioned");
  });

  it("refuses anyone but an admin (and an admin acting on themselves, or twice), changing nothing", async () => {
    const s = await leaverScene();
    const before = await provisioningSnapshot(db.prisma);
    for (const who of [cast.security.id, cast.manager.id, cast.systemOwner.id, cast.auditor.id]) {
      await expect(cast.as(who).grants.deprovisionIdentity({ identityId: s.leaver.id, reason: REASON })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: cast.admin.id, reason: REASON })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: s.nhis[0]!.id, reason: REASON })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
    await cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: s.leaver.id, reason: REASON });
    const after = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: s.leaver.id, reason: REASON })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, after);
  });

  it("sends access still being provisioned when the person left straight to revocation once it is confirmed", async () => {
    const s = await leaverScene();
    const { grant, task } = await makeGrantWithTask(db.prisma, { identityId: s.leaver.id, entitlementId: cast.entitlement.id, connector: "MANUAL" });
    await processProvisioningTasks(db.prisma, new Date(), "w", 50);
    await cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: s.leaver.id, reason: REASON });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PENDING_PROVISION");
    await cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "added before I heard they left", outcome: "DONE" });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "LEAVER" });
    expect(await db.prisma.provisioningTask.count({ where: { grantId: grant.id, action: "REVOKE", status: "PENDING" } })).toBe(1);
  });
});
