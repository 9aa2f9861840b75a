/**
 * npm run bench: the event stream beside the ledger append rate, on PostgreSQL. Not a test: it prints figures.
 *
 *  - append: BENCH_WEBHOOK_EVENTS events (default 10,000), one per transaction, from BENCH_CONCURRENCY (16)
 *    writers (the ledger head is the serial point: bench/ledger-append.ts);
 *  - feed: the whole range read back through readEvents in pages of 1,000 (what GET /api/v1/events does);
 *  - export: the JSON Lines export of the whole range (streamed);
 *  - webhooks: the same events delivered, signed, to a real HTTP receiver on 127.0.0.1 that checks every
 *    signature: 1 subscription with 1 worker, then 4 subscriptions with 2 workers (events/s summed over the
 *    subscriptions), and 1 subscription in OCSF.
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { makeHuman } from "../server/testing/factories";
import { poolMax } from "../server/db";
import { recordEvent } from "../server/ledger/ledger";
import { loadActor } from "../server/domain/actor";
import { readEvents } from "../server/domain/events/feed";
import { eventsJsonl } from "../server/domain/events/export";
import { createWebhook } from "../server/domain/webhooks/service";
import { deliverWebhooks, WEBHOOK_BATCH } from "../server/jobs/webhooks";

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

const rate = (n: number, secs: number) => `${String(Math.round(n / secs)).padStart(7)} events/s (${n} in ${secs.toFixed(2)} s)`;

/** A receiver that checks each signature and counts events per subscription. */
async function receiver(secrets: Map<string, string>) {
  const counts = new Map<string, number>();
  let bad = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(parts).toString("utf8");
      const body = JSON.parse(raw) as { subscriptionId: string; events: unknown[] };
      const secret = secrets.get(body.subscriptionId) ?? "";
      const ts = String(req.headers["x-warrant-timestamp"]);
      if (req.headers["x-warrant-signature"] !== `sha256=${createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex")}`) bad++;
      counts.set(body.subscriptionId, (counts.get(body.subscriptionId) ?? 0) + body.events.length);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`, counts, bad: () => bad, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function deliveryCase(db: TestDb, label: string, subs: number, workers: number, format: "warrant" | "ocsf") {
  const admin = await makeHuman(db.prisma, { roles: ["ADMIN"] });
  const ctx = { db: db.prisma, actor: (await loadActor(db.prisma, admin.id))!, now: () => new Date() };
  // Earlier cases' subscriptions are done; switch them off so only this case's run.
  await db.prisma.webhookSubscription.updateMany({ data: { enabled: false } });
  const secrets = new Map<string, string>();
  const rx = await receiver(secrets);
  const ids: string[] = [];
  for (let i = 0; i < subs; i++) {
    const c = await createWebhook(ctx, { name: `bench ${label} ${i}`, url: rx.url, eventTypes: ["bench.*"], format, startAt: "start" });
    secrets.set(c.id, c.secret!);
    ids.push(c.id);
  }
  const t0 = performance.now();
  for (let round = 0; ; round++) {
    const res = await Promise.all(Array.from({ length: workers }, (_, w) => deliverWebhooks(db.prisma, new Date(), `bench-${label}-${w}`, { limit: Math.ceil(subs / workers) })));
    const behind = await db.prisma.webhookSubscription.count({ where: { id: { in: ids }, cursorSeq: { lt: BigInt(EVENTS) } } });
    if (behind === 0) break;
    if (res.every((r) => r.processed === 0) && round > 1000) throw new Error("delivery stalled");
  }
  const secs = (performance.now() - t0) / 1000;
  const delivered = [...rx.counts.values()].reduce((a, b) => a + b, 0);
  console.log(`  webhooks: ${label.padEnd(40)} ${rate(delivered, secs)}; batches of ${WEBHOOK_BATCH}, ${rx.bad()} bad signatures`);
  await rx.close();
}

async function main() {
  console.log(`\nEvent stream benchmark: ${EVENTS} events, ${CONCURRENCY} writers. Machine: 2 cores.`);
  if (!process.env.TEST_PG_ADMIN_URL) {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  await setup();
  const db = await createTestDb();
  try {
    console.log(`  PostgreSQL 15, pool of ${poolMax()} connections, fsync off in the throwaway cluster`);
    let t0 = performance.now();
    await pool(EVENTS, CONCURRENCY, (i) =>
      db.prisma.$transaction(async (tx) => void (await recordEvent(tx, { actorId: null, action: "bench.event", subjectType: "Bench", subjectId: `b-${i}`, payload: { grantId: `g-${i}`, entitlement: "aws-prod:ReadOnly", reason: "quarterly review keep" } }))),
    );
    console.log(`  ledger append (1 event per transaction):          ${rate(EVENTS, (performance.now() - t0) / 1000)}`);

    t0 = performance.now();
    let after = 0n;
    let read = 0;
    for (;;) {
      const page = await readEvents(db.prisma, { after, limit: 1000 });
      read += page.events.length;
      after = BigInt(page.next);
      if (!page.hasMore) break;
    }
    console.log(`  feed read (pages of 1,000):                       ${rate(read, (performance.now() - t0) / 1000)}`);

    t0 = performance.now();
    let bytes = 0;
    const reader = eventsJsonl(db.prisma, 1n, BigInt(EVENTS), BigInt(EVENTS)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    console.log(`  JSON Lines export (${(bytes / 1e6).toFixed(1)} MB):                      ${rate(EVENTS, (performance.now() - t0) / 1000)}`);

    await deliveryCase(db, "1 subscription, 1 worker", 1, 1, "warrant");
    await deliveryCase(db, "4 subscriptions, 2 workers (sum)", 4, 2, "warrant");
    await deliveryCase(db, "1 subscription, 1 worker, OCSF", 1, 1, "ocsf");
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
