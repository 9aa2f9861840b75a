/**
 * Any number of workers can run at once without doing a piece of work twice: two concurrent workers with
 * different ids over the same due tasks and the same expired grants. (Real concurrency on PostgreSQL; on
 * PGlite the transactions interleave on one connection.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeGrant } from "../testing/factories";
import { startWebhookServer } from "../connectors/webhook-test-server";
import { eventsSince, makeGrantWithTask, provisioningCast } from "../domain/provisioning/provisioning-test-kit";
import { processProvisioningTasks } from "./provisioning";
import { revokeExpiredGrants } from "./expiry";

const SECRET = "two-workers-secret-0123456789";
process.env.WARRANT_CONNECTOR_TWO_WORKERS_SECRET = SECRET;

let db: TestDb;
let hook: Awaited<ReturnType<typeof startWebhookServer>>;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  // A slow endpoint, so both workers are busy at the same time.
  hook = await startWebhookServer(SECRET, async () => {
    await new Promise((r) => setTimeout(r, 20));
    return { status: 200, json: { status: "done", readBack: { hasAccess: true } } };
  });
  cast = await provisioningCast(db.prisma, { connector: "WEBHOOK", connectorConfig: { url: hook.url, secretRef: "env:WARRANT_CONNECTOR_TWO_WORKERS_SECRET" }, externalRef: "grp" });
});
afterAll(async () => {
  await hook.close();
  await db.close();
});

describe("two workers at once", () => {
  it("never run the same provisioning task twice (each connector call happens once)", async () => {
    const N = 12;
    const tasks = [];
    for (let i = 0; i < N; i++) tasks.push(await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" }));
    const before = await db.prisma.ledgerEvent.count();
    const now = new Date();
    const [a, b] = await Promise.all([processProvisioningTasks(db.prisma, now, "worker-A", 5), processProvisioningTasks(db.prisma, now, "worker-B", 5)]);
    // Keep going until the queue is empty, still two at a time.
    let more = a.processed + b.processed;
    while ((await db.prisma.provisioningTask.count({ where: { status: "PENDING" } })) > 0) {
      const [c, d] = await Promise.all([processProvisioningTasks(db.prisma, now, "worker-A", 5), processProvisioningTasks(db.prisma, now, "worker-B", 5)]);
      more += c.processed + d.processed;
      if (c.processed + d.processed === 0) break;
    }
    expect(more).toBe(N);
    const calledFor = hook.calls.map((c) => c.body.taskId as string);
    expect(calledFor).toHaveLength(N);
    expect(new Set(calledFor).size).toBe(N);
    expect(new Set(calledFor)).toEqual(new Set(tasks.map((t) => t.task.id)));
    expect(await db.prisma.provisioningTask.count({ where: { status: "DONE" } })).toBe(N);
    const events = await eventsSince(db.prisma, before);
    expect(events.filter((e) => e.action === "grant.provisioned")).toHaveLength(N);
  });

  it("never expire the same grant twice (one REVOKE task and one 'grant.expired' per grant)", async () => {
    const N = 10;
    const past = new Date(Date.now() - 60_000);
    const grants = [];
    for (let i = 0; i < N; i++) grants.push(await makeGrant(db.prisma, cast.employee.id, cast.entitlement.id, { expiresAt: past, origin: "REQUEST" }));
    const before = await db.prisma.ledgerEvent.count();
    const now = new Date();
    const [a, b] = await Promise.all([revokeExpiredGrants(db.prisma, now), revokeExpiredGrants(db.prisma, now)]);
    expect(a.processed + b.processed).toBe(N);
    for (const g of grants) {
      expect(await db.prisma.provisioningTask.count({ where: { grantId: g.id, action: "REVOKE" } })).toBe(1);
      expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).status).toBe("PENDING_REVOKE");
    }
    const events = await eventsSince(db.prisma, before);
    expect(events.filter((e) => e.action === "grant.expired")).toHaveLength(N);
    expect(events.filter((e) => e.action === "grant.revocation_requested")).toHaveLength(N);
    expect(await revokeExpiredGrants(db.prisma, now)).toEqual({ processed: 0 });
  });
});
