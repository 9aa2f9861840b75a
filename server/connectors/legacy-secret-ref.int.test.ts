/**
 * A system row written before the connector secrets namespace existed (or straight into the database)
 * whose secretRef names the portal's own NEXTAUTH_SECRET: the worker never resolves it. The task fails at
 * once (retrying cannot help), the failure is recorded (task, grant, finding, ledger) with a message that
 * says why and contains no secret, and the webhook is never called. A callback signed with the portal's
 * secret is not accepted either.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { handleWebhookCallback } from "../domain/provisioning/webhook-callback";
import { eventsSince, makeGrantWithTask, provisioningCast, provisioningSnapshot } from "../domain/provisioning/provisioning-test-kit";
import { signPayload } from "./webhook";
import { startWebhookServer } from "./webhook-test-server";

const PORTAL_SECRET = "portal-own-nextauth-secret-0123456789-abcdef";
process.env.NEXTAUTH_SECRET = PORTAL_SECRET;

let db: TestDb;
let hook: Awaited<ReturnType<typeof startWebhookServer>>;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  // Were the secret sent, this endpoint would accept the signature: the test shows it is never called.
  hook = await startWebhookServer(PORTAL_SECRET, () => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
  // The legacy row, written directly (the catalog refuses this reference since the namespace exists).
  cast = await provisioningCast(db.prisma, { connector: "WEBHOOK", connectorConfig: { url: hook.url, secretRef: "env:NEXTAUTH_SECRET" }, externalRef: "crm-sales" });
});
afterAll(async () => {
  await hook.close();
  await db.close();
});

describe("a legacy secretRef naming the portal's own setting", () => {
  it("is refused at task time: the task fails at once with a clear error, the failure is recorded, the webhook is never called", async () => {
    const { grant, task } = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" });
    const before = await provisioningSnapshot(db.prisma);
    await processProvisioningTasks(db.prisma, new Date(), "w1", 10);

    expect(hook.calls).toHaveLength(0);
    const t = await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(t).toMatchObject({ status: "FAILED", attempts: 1, lastError: expect.stringMatching(/outside the connector secrets namespace, so Warrant will not read it/) });
    expect(t.lastError).toMatch(/starts with WARRANT_CONNECTOR_/);
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PROVISION_FAILED");

    const finding = await db.prisma.finding.findFirstOrThrow({ where: { kind: "PROVISIONING_FAILED", subjectId: grant.id } });
    expect(finding.details).toMatchObject({ error: t.lastError });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["grant.provision_failed"]);

    // The portal's secret is nowhere: not in the task, the finding, the notifications or the ledger.
    const written = JSON.stringify({
      task: t,
      finding,
      notifications: await db.prisma.notification.findMany(),
      events: events.map((e) => e.payload),
    });
    expect(written).not.toContain(PORTAL_SECRET);
  });

  it("does not verify a callback signed with the portal's secret", async () => {
    const { task } = await makeGrantWithTask(db.prisma, { identityId: cast.employee.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK", taskStatus: "AWAITING_CONFIRMATION" });
    const rawBody = JSON.stringify({ taskId: task.id, status: "done", readBack: { hasAccess: true } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await handleWebhookCallback(db.prisma, { rawBody, timestamp, signature: signPayload(PORTAL_SECRET, timestamp, rawBody), now: new Date() });
    expect(res.status).toBe(401);
    expect((await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("AWAITING_CONFIRMATION");
  });
});
