import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { backoffMs, MAX_ATTEMPTS } from "../domain/provisioning/outcome";
import { handleWebhookCallback } from "../domain/provisioning/webhook-callback";
import { eventsSince, makeGrantWithTask, provisioningCast, provisioningSnapshot, expectUnchanged } from "../domain/provisioning/provisioning-test-kit";
import { signPayload, verifySignature } from "./webhook";
import { startWebhookServer } from "./webhook-test-server";

const SECRET = "test-webhook-secret-0123456789abcdef";
process.env.WARRANT_CONNECTOR_TEST_WEBHOOK_SECRET = SECRET;

let db: TestDb;
let hook: Awaited<ReturnType<typeof startWebhookServer>>;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  hook = await startWebhookServer(SECRET, () => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
  cast = await provisioningCast(db.prisma, { connector: "WEBHOOK", connectorConfig: { url: hook.url, secretRef: "env:WARRANT_CONNECTOR_TEST_WEBHOOK_SECRET" }, externalRef: "crm-sales" });
});
afterAll(async () => {
  await hook.close();
  await db.close();
});
beforeEach(() => {
  hook.calls.length = 0;
});

const task = (id: string) => db.prisma.provisioningTask.findUniqueOrThrow({ where: { id } });
const grant = (id: string) => db.prisma.grant.findUniqueOrThrow({ where: { id } });

function signedCallback(body: Record<string, unknown>, secret = SECRET) {
  const rawBody = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return { rawBody, timestamp, signature: signPayload(secret, timestamp, rawBody), now: new Date() };
}

describe("webhook connector", () => {
  it("signs each call (HMAC-SHA256 over timestamp and raw body) and a 2xx {status:'done'} confirms it: grant ACTIVE with the read-back", async () => {
    const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" });
    const before = await provisioningSnapshot(db.prisma);
    await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0]!;
    expect(call.signatureOk).toBe(true);
    expect(call.headers["x-warrant-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(call.body).toEqual({
      taskId: t.id,
      action: "GRANT",
      entitlement: { name: cast.entitlement.name, externalRef: "crm-sales" },
      identity: { id: cast.holder.id, displayName: cast.holder.displayName, email: cast.holder.email, kind: "HUMAN" },
    });
    expect(await task(t.id)).toMatchObject({ status: "DONE", receipt: { connector: "WEBHOOK", confirmed: true, readBack: { hasAccess: true }, target: hook.url } });
    expect((await grant(g.id)).status).toBe("ACTIVE");
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["grant.provisioned"]);
    expect(events[0]!.payload).toMatchObject({ receipt: { readBack: { hasAccess: true } } });
  });

  it("rejects a tampered body, a wrong secret and a stale timestamp", () => {
    const now = new Date();
    const ts = String(Math.floor(now.getTime() / 1000));
    const sig = signPayload(SECRET, ts, '{"a":1}');
    expect(verifySignature(SECRET, '{"a":1}', ts, sig, now).ok).toBe(true);
    expect(verifySignature(SECRET, '{"a":2}', ts, sig, now).ok).toBe(false);
    expect(verifySignature("other-secret", '{"a":1}', ts, sig, now).ok).toBe(false);
    expect(verifySignature(SECRET, '{"a":1}', ts, sig, new Date(now.getTime() + 10 * 60_000)).ok).toBe(false);
    expect(verifySignature(SECRET, '{"a":1}', null, sig, now).ok).toBe(false);
  });

  it("retries a 500 with backoff, keeps the error, and marks nothing done; after the last attempt the task FAILS with a finding", async () => {
    hook.setResponder(() => ({ status: 500, json: { error: "directory unavailable" } }));
    try {
      const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.employee.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" });
      let now = new Date();
      const before = await provisioningSnapshot(db.prisma);
      await processProvisioningTasks(db.prisma, now, "w1", 10);
      let row = await task(t.id);
      expect(row).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("HTTP 500: directory unavailable"), claimedBy: null });
      expect(row.nextAttemptAt.getTime()).toBe(now.getTime() + backoffMs(1));
      expect(backoffMs(1)).toBe(30_000);
      expect(backoffMs(2)).toBe(60_000);
      expect((await grant(g.id)).status).toBe("PENDING_PROVISION");
      expect(await db.prisma.ledgerEvent.count()).toBe(before.events);

      // Not due yet: nothing is sent.
      await processProvisioningTasks(db.prisma, new Date(now.getTime() + 10_000), "w1", 10);
      expect(hook.calls).toHaveLength(1);

      for (let i = 2; i <= MAX_ATTEMPTS; i++) {
        now = new Date(row.nextAttemptAt.getTime() + 1);
        await processProvisioningTasks(db.prisma, now, "w1", 10);
        row = await task(t.id);
      }
      expect(hook.calls).toHaveLength(MAX_ATTEMPTS);
      expect(row).toMatchObject({ status: "FAILED", attempts: MAX_ATTEMPTS });
      expect((await grant(g.id)).status).toBe("PROVISION_FAILED");
      expect(await db.prisma.finding.count({ where: { kind: "PROVISIONING_FAILED", subjectId: g.id } })).toBe(1);
      expect((await eventsSince(db.prisma, before.events)).map((e) => e.action)).toEqual(["grant.provision_failed"]);
    } finally {
      hook.setResponder(() => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
    }
  });

  it("does not confirm when the read-back disagrees with the action", async () => {
    hook.setResponder(() => ({ status: 200, json: { status: "done", readBack: { hasAccess: false } } }));
    try {
      const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.manager.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" });
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      expect(await task(t.id)).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("did not confirm") });
      expect((await grant(g.id)).status).toBe("PENDING_PROVISION");
    } finally {
      hook.setResponder(() => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
    }
  });

  it("waits on a 202 {status:'accepted'} and completes the task from a signed callback; a bad signature changes nothing", async () => {
    hook.setResponder(() => ({ status: 202, json: { status: "accepted" } }));
    try {
      const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.security.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK", action: "REVOKE", grantStatus: "PENDING_REVOKE" });
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      expect(await task(t.id)).toMatchObject({ status: "AWAITING_CONFIRMATION", attempts: 1 });
      expect(hook.calls[0]!.body.action).toBe("REVOKE");

      const before = await provisioningSnapshot(db.prisma);
      const forged = signedCallback({ taskId: t.id, status: "done", readBack: { hasAccess: false } }, "wrong-secret");
      expect(await handleWebhookCallback(db.prisma, forged)).toMatchObject({ status: 401 });
      const unknown = signedCallback({ taskId: "00000000-0000-4000-8000-000000000000", status: "done" });
      expect(await handleWebhookCallback(db.prisma, unknown)).toMatchObject({ status: 401 });
      await expectUnchanged(db.prisma, before);

      const res = await handleWebhookCallback(db.prisma, signedCallback({ taskId: t.id, status: "done", readBack: { hasAccess: false, removedFrom: "crm-sales" } }));
      expect(res).toEqual({ status: 200, body: { ok: true, status: "DONE" } });
      expect(await task(t.id)).toMatchObject({ status: "DONE", receipt: { via: "callback", confirmed: true, readBack: { removedFrom: "crm-sales" } } });
      const gr = await grant(g.id);
      expect(gr.status).toBe("REVOKED");
      expect((await eventsSince(db.prisma, before.events)).map((e) => e.action)).toEqual(["grant.revoked"]);
      // A repeated callback is harmless.
      expect(await handleWebhookCallback(db.prisma, signedCallback({ taskId: t.id, status: "done", readBack: { hasAccess: false } }))).toMatchObject({ status: 200 });
    } finally {
      hook.setResponder(() => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
    }
  });

  it("a 'failed' callback sends the task back for a retry with backoff", async () => {
    hook.setResponder(() => ({ status: 202, json: { status: "accepted" } }));
    try {
      const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.auditor.id, entitlementId: cast.entitlement.id, connector: "WEBHOOK" });
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      const res = await handleWebhookCallback(db.prisma, signedCallback({ taskId: t.id, status: "failed", error: "quota exceeded" }));
      expect(res).toEqual({ status: 200, body: { ok: true, status: "PENDING" } });
      expect(await task(t.id)).toMatchObject({ status: "PENDING", lastError: expect.stringContaining("quota exceeded") });
      expect((await grant(g.id)).status).toBe("PENDING_PROVISION");
    } finally {
      hook.setResponder(() => ({ status: 200, json: { status: "done", readBack: { hasAccess: true } } }));
    }
  });
});
