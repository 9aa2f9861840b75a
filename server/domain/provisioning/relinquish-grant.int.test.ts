/**
 * "Remove my access" (grants.relinquish): the holder, or the owner of the NHI holding it, gives a grant up
 * through the ordinary revocation path (REVOKE task, "grant.revocation_requested" with requestedBy HOLDER),
 * the owners are told; anyone else gets NOT_FOUND and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant, makeNhi } from "../../testing/factories";
import { eventsSince, expectUnchanged, provisioningCast, provisioningSnapshot } from "./provisioning-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  await db.prisma.identity.count();
  cast = await provisioningCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const REASON = "I moved to the risk team";

describe("grants.relinquish", () => {
  it("lets the holder give up their access: PENDING_REVOKE, a REVOKE task, the ledger event names them, the owners are told", async () => {
    const g = await makeGrant(db.prisma, cast.holder.id, cast.entitlement.id, { expiresAt: new Date(Date.now() + 5 * 86_400_000) });
    const before = await provisioningSnapshot(db.prisma);
    const res = await cast.as(cast.holder.id).grants.relinquish({ grantId: g.id, reason: REASON });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "MANUAL", revokedById: cast.holder.id, revocationNote: REASON });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: res.taskId } })).toMatchObject({ grantId: g.id, action: "REVOKE", status: "PENDING" });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["grant.revocation_requested"]);
    expect(events[0]).toMatchObject({ actorId: cast.holder.id, subjectId: g.id });
    expect(events[0]!.payload).toMatchObject({ cause: "MANUAL", note: REASON, requestedBy: "HOLDER" });
    const told = await db.prisma.notification.findMany({ where: { kind: "grant.relinquished", body: { contains: REASON } } });
    expect(told.map((n) => n.recipientId).sort()).toEqual([cast.systemOwner.id, cast.entOwner.id].sort());
  });

  it("lets the owner of a non-human identity give up its access", async () => {
    const nhi = await makeNhi(db.prisma, cast.employee.id);
    const g = await makeGrant(db.prisma, nhi.id, cast.entitlement.id);
    await cast.as(cast.employee.id).grants.relinquish({ grantId: g.id, reason: "The job was retired" });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).status).toBe("PENDING_REVOKE");
  });

  it("refuses anyone else (NOT_FOUND, even an admin or the system owner), an auditor, and access already being removed; nothing changes", async () => {
    const g = await makeGrant(db.prisma, cast.holder.id, cast.entitlement.id);
    const before = await provisioningSnapshot(db.prisma);
    for (const who of [cast.employee, cast.manager, cast.systemOwner, cast.admin, cast.security]) {
      await expect(cast.as(who.id).grants.relinquish({ grantId: g.id, reason: REASON })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    await expect(cast.as(cast.auditor.id).grants.relinquish({ grantId: g.id, reason: REASON })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(cast.as(cast.holder.id).grants.relinquish({ grantId: g.id, reason: "no" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);

    await cast.as(cast.holder.id).grants.relinquish({ grantId: g.id, reason: REASON });
    const after = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.holder.id).grants.relinquish({ grantId: g.id, reason: REASON })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, after);
  });
});
