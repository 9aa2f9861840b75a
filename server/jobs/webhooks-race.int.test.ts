/**
 * PostgreSQL only (real concurrency; PGlite runs one transaction at a time): the claim reads the due
 * subscriptions before it writes its lease, so concurrent claimers on separate connections must still never
 * claim one subscription twice, and workers delivering at once must never post a batch twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs, makeHuman } from "../testing/factories";
import { appendEvents } from "../domain/events/events-test-kit";
import { startReceiver } from "../domain/webhooks/webhooks-test-kit";
import { claimWebhookSubscriptions, deliverWebhooks } from "./webhooks";

describe.skipIf(TEST_ENGINE !== "postgres")("webhook claims under real concurrency", () => {
  let t: TestDb;
  const others: DbHandle[] = [];
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    for (let i = 0; i < 3; i++) others.push(openDb({ url: t.url! }));
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    for (const o of others) await o.close();
    await t.close();
  });

  it("eight claimers on four clients at once: every due subscription is claimed by exactly one", async () => {
    const admin = callerAs(t.prisma, (await makeHuman(t.prisma, { roles: ["ADMIN"] })).id);
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push((await admin.webhooks.create({ name: `s${i}`, url: "https://siem.example.test/hook", startAt: "start" })).id);
    await appendEvents(t.prisma, 3, "test.race", "r");
    const clients = [t.prisma, ...others.map((o) => o.prisma)];
    const now = new Date();
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimWebhookSubscriptions(clients[i % clients.length]!, now, `worker-${i}`, 5)));
    const all = claims.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(Math.min(24, 8 * 5));
    const rows = await t.prisma.webhookSubscription.findMany({ where: { id: { in: ids } } });
    for (const r of rows) {
      const holders = claims.map((c, i) => (c.includes(r.id) ? `worker-${i}` : null)).filter(Boolean);
      expect(holders).toEqual([r.claimedBy]);
    }
    for (const id of ids) await admin.webhooks.setEnabled({ id, enabled: false });
  });

  it("workers on separate clients delivering at once post each batch once, in order, per subscription", async () => {
    const admin = callerAs(t.prisma, (await makeHuman(t.prisma, { roles: ["ADMIN"] })).id);
    const subs = [];
    for (let i = 0; i < 5; i++) {
      const c = await admin.webhooks.create({ name: `p${i}`, url: "http://127.0.0.1:1/x", eventTypes: ["test.parallel"] });
      const rx = await startReceiver(c.secret!);
      receivers.push(rx);
      await t.prisma.webhookSubscription.update({ where: { id: c.id }, data: { url: rx.url } });
      subs.push({ id: c.id, rx });
    }
    const clients = [t.prisma, ...others.map((o) => o.prisma)];
    const seqs: bigint[] = [];
    // Events keep arriving while the workers deliver.
    for (let round = 0; round < 6; round++) {
      const appending = appendEvents(t.prisma, 40, "test.parallel", `p${round}`);
      await Promise.all(clients.map((c, i) => deliverWebhooks(c, new Date(), `w${i}`)));
      seqs.push(...(await appending));
    }
    for (let round = 0; round < 5; round++) await Promise.all(clients.map((c, i) => deliverWebhooks(c, new Date(), `w${i}`)));
    for (const s of subs) {
      expect(s.rx.acked()).toEqual(seqs.map(String));
      expect(s.rx.sent()).toEqual(seqs.map(String));
    }
  });
});
