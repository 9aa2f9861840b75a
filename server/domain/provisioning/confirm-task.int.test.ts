import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
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

async function awaitingTask(action: "GRANT" | "REVOKE" = "GRANT") {
  const { grant, task } = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "MANUAL", action });
  const res = await processProvisioningTasks(db.prisma, new Date(), "w-test", 50);
  expect(res.processed).toBeGreaterThanOrEqual(1);
  expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "AWAITING_CONFIRMATION", claimedBy: null });
  return { grant, task };
}

describe("manual connector: tasks.confirm", () => {
  it("puts a manual task in the owners' /tasks and tells both owners", async () => {
    const { task } = await awaitingTask();
    const notes = await db.prisma.notification.findMany({ where: { dedupeKey: { startsWith: `task-assigned:${task.id}` } } });
    expect(notes.map((n) => n.recipientId).sort()).toEqual([cast.systemOwner.id, cast.entOwner.id].sort());
    const page = await cast.as(cast.systemOwner.id).tasks.list({ view: "awaiting" });
    expect(page.rows.find((r) => r.id === task.id)).toMatchObject({ canAct: true, action: "GRANT" });
    const other = await cast.as(cast.employee.id).tasks.list({ view: "awaiting" });
    expect(other.rows.find((r) => r.id === task.id)).toBeUndefined();
  });

  it("lets the system owner confirm: task DONE with a receipt naming them, grant ACTIVE, 'grant.provisioned' with the receipt", async () => {
    const { grant, task } = await awaitingTask();
    const before = await provisioningSnapshot(db.prisma);
    const res = await cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "Added Hal to the group in the admin console", outcome: "DONE" });
    expect(res).toEqual({ taskId: task.id, status: "DONE" });
    const t = await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(t).toMatchObject({ status: "DONE", confirmedById: cast.systemOwner.id, confirmNote: "Added Hal to the group in the admin console" });
    expect(t.receipt).toMatchObject({ confirmed: true, confirmedBy: cast.systemOwner.id, note: "Added Hal to the group in the admin console", readBack: { confirmedBy: cast.systemOwner.id } });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("ACTIVE");
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["grant.provisioned"]);
    expect(events[0]).toMatchObject({ actorId: cast.systemOwner.id, subjectId: grant.id, payload: { taskId: task.id, receipt: { confirmedBy: cast.systemOwner.id } } });
  });

  it("lets the entitlement owner and an admin confirm too", async () => {
    const a = await awaitingTask();
    await cast.as(cast.entOwner.id).tasks.confirm({ taskId: a.task.id, note: "done by entitlement owner", outcome: "DONE" });
    const b = await awaitingTask("REVOKE");
    await cast.as(cast.admin.id).tasks.confirm({ taskId: b.task.id, note: "removed by admin", outcome: "DONE" });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: a.grant.id } })).status).toBe("ACTIVE");
    const revoked = await db.prisma.grant.findUniqueOrThrow({ where: { id: b.grant.id } });
    expect(revoked.status).toBe("REVOKED");
    expect(revoked.revokedAt).not.toBeNull();
  });

  it("forbids the holder, an employee and an auditor, and changes nothing", async () => {
    const { task } = await awaitingTask();
    // The holder is also made an owner of nothing; an owner who holds the access is refused too (below).
    const before = await provisioningSnapshot(db.prisma);
    for (const who of [cast.holder.id, cast.employee.id, cast.auditor.id, cast.security.id]) {
      await expect(cast.as(who).tasks.confirm({ taskId: task.id, note: "I did it myself", outcome: "DONE" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expectUnchanged(db.prisma, before);
  });

  it("forbids an owner from confirming access they hold themselves", async () => {
    const { task } = await makeGrantWithTask(db.prisma, { identityId: cast.entOwner.id, entitlementId: cast.entitlement.id, connector: "MANUAL" });
    await processProvisioningTasks(db.prisma, new Date(), "w-test", 50);
    const before = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.entOwner.id).tasks.confirm({ taskId: task.id, note: "granting myself", outcome: "DONE" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("access you hold yourself"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("requires a note of 5 to 1000 characters, and refuses a second confirmation with CONFLICT", async () => {
    const { task } = await awaitingTask();
    const before = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "ok", outcome: "DONE" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at least 5") });
    await expectUnchanged(db.prisma, before);
    await cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "done properly", outcome: "DONE" });
    const after = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.entOwner.id).tasks.confirm({ taskId: task.id, note: "me too", outcome: "DONE" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, after);
  });

  it("gives one outcome when two owners confirm at once", async () => {
    const { task } = await awaitingTask();
    const before = await provisioningSnapshot(db.prisma);
    const results = await Promise.allSettled([
      cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "done by system owner", outcome: "DONE" }),
      cast.as(cast.entOwner.id).tasks.confirm({ taskId: task.id, note: "done by entitlement owner", outcome: "DONE" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    expect((await eventsSince(db.prisma, before.events)).map((e) => e.action)).toEqual(["grant.provisioned"]);
  });

  it("FAILED fails the task and the grant at once, opens a finding, tells owners and admins; an owner can retry it", async () => {
    const { grant, task } = await awaitingTask();
    const before = await provisioningSnapshot(db.prisma);
    await cast.as(cast.systemOwner.id).tasks.confirm({ taskId: task.id, note: "The console refuses: group is full", outcome: "FAILED" });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "FAILED", confirmNote: "The console refuses: group is full", lastError: expect.stringContaining("group is full") });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PROVISION_FAILED");
    expect(await db.prisma.finding.findFirst({ where: { kind: "PROVISIONING_FAILED", subjectId: grant.id, status: "OPEN" } })).not.toBeNull();
    const notified = await db.prisma.notification.findMany({ where: { kind: "task.provision_failed", createdAt: { gte: new Date(Date.now() - 60_000) } }, select: { recipientId: true } });
    expect(notified.map((n) => n.recipientId)).toEqual(expect.arrayContaining([cast.systemOwner.id, cast.entOwner.id, cast.admin.id]));
    expect((await eventsSince(db.prisma, before.events)).map((e) => e.action)).toEqual(["grant.provision_failed"]);

    // Retry: employee refused (nothing changed), owner allowed.
    const mid = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.employee.id).tasks.retry({ taskId: task.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, mid);
    await cast.as(cast.entOwner.id).tasks.retry({ taskId: task.id });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "PENDING", attempts: 0 });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PENDING_PROVISION");
    expect((await db.prisma.finding.findFirstOrThrow({ where: { kind: "PROVISIONING_FAILED", subjectId: grant.id } })).status).toBe("RESOLVED");
    await expect(cast.as(cast.entOwner.id).tasks.retry({ taskId: task.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
