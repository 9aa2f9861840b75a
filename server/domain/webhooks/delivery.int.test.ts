/**
 * Webhook delivery driven by the ledger, against a real HTTP receiver on 127.0.0.1: in order, at least once,
 * nothing lost when the receiver fails then recovers; dead letters pause until an admin acts; replay; filters;
 * redirects refused; several workers never deliver one subscription at once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import { appendEvents } from "../events/events-test-kit";
import { claimWebhookSubscriptions, deliverWebhooks, WEBHOOK_BATCH, WEBHOOK_MAX_ATTEMPTS, webhookBackoffMs } from "../../jobs/webhooks";
import { startReceiver } from "./webhooks-test-kit";

let t: TestDb;
let admin: ReturnType<typeof callerAs>;
let adminId: string;
let clock = Date.now();
const now = () => new Date(clock);
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const a = await makeHuman(t.prisma, { roles: ["ADMIN"] });
  adminId = a.id;
  admin = callerAs(t.prisma, a.id, now);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await t.close();
});
beforeEach(async () => {
  // Each test's subscriptions only: disable the earlier ones (through the service, as an admin would).
  for (const s of await t.prisma.webhookSubscription.findMany({ where: { enabled: true } })) await admin.webhooks.setEnabled({ id: s.id, enabled: false });
});

async function subscribe(status?: Parameters<typeof startReceiver>[1], opts: { eventTypes?: string[]; format?: "warrant" | "ocsf"; startAt?: "head" | "start" } = {}) {
  const created = await admin.webhooks.create({ name: "SIEM", url: "http://127.0.0.1:1/placeholder", eventTypes: opts.eventTypes ?? [], format: opts.format ?? "warrant", startAt: opts.startAt ?? "head" });
  const rx = await startReceiver(created.secret!, status);
  servers.push(rx);
  // Point the subscription at the receiver (its port is known only now).
  await t.prisma.webhookSubscription.update({ where: { id: created.id }, data: { url: rx.url } });
  return { id: created.id, secret: created.secret!, rx };
}

/** Runs the job until nothing is processed, moving the business clock past any backoff in between. */
async function drain(maxRounds = 50, workerId = "w1") {
  for (let i = 0; i < maxRounds; i++) {
    const { processed } = await deliverWebhooks(t.prisma, now(), workerId);
    const waiting = await t.prisma.webhookSubscription.findFirst({ where: { enabled: true, pausedAt: null, attempts: { gt: 0 } } });
    if (processed === 0 && !waiting) return;
    clock += webhookBackoffMs(WEBHOOK_MAX_ATTEMPTS) + 1000;
  }
}

const seqRange = (from: bigint, n: number) => Array.from({ length: n }, (_, i) => (from + BigInt(i)).toString());

describe("creating a subscription", () => {
  it("shows a generated secret once; the ledger records the change without it; the list never shows it", async () => {
    const before = await t.prisma.ledgerEvent.count();
    const created = await admin.webhooks.create({ name: "SOC", url: "https://siem.example.test/warrant", eventTypes: ["grant.*"] });
    expect(created.secret).toMatch(/^whsec_/);
    const ev = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.created", subjectId: created.id } });
    expect(await t.prisma.ledgerEvent.count()).toBe(before + 1);
    expect(JSON.stringify(ev.payload)).not.toContain(created.secret!);
    const row = await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretSealed).not.toContain(created.secret!.slice(6));
    const list = await admin.webhooks.list();
    expect(JSON.stringify(list)).not.toContain(created.secret!);
    expect(list.rows.find((r) => r.id === created.id)).toMatchObject({ secret: "generated (shown once)", eventTypes: ["grant.*"] });
  });

  it("takes a secret reference instead, and never generates one then", async () => {
    const created = await admin.webhooks.create({ name: "GRC", url: "https://grc.example.test/hook", secretRef: "env:WARRANT_CONNECTOR_GRC_HOOK" });
    expect(created.secret).toBeNull();
    expect(await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ secretRef: "env:WARRANT_CONNECTOR_GRC_HOOK", secretSealed: null });
  });

  it("refuses a plain-http URL off this machine, credentials in the URL, a portal setting as secret, and a non-admin: nothing written", async () => {
    const employee = callerAs(t.prisma, (await makeHuman(t.prisma)).id, now);
    const auditor = callerAs(t.prisma, (await makeHuman(t.prisma, { roles: ["AUDITOR"] })).id, now);
    const [subs, events] = [await t.prisma.webhookSubscription.count(), await t.prisma.ledgerEvent.count()];
    await expect(admin.webhooks.create({ name: "x", url: "http://siem.example.test/hook" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.create({ name: "x", url: "https://user:pw@siem.example.test/hook" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.create({ name: "x", url: "https://siem.example.test/hook", secretRef: "env:DATABASE_URL" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(employee.webhooks.create({ name: "x", url: "https://siem.example.test/hook" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(auditor.webhooks.create({ name: "x", url: "https://siem.example.test/hook" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect([await t.prisma.webhookSubscription.count(), await t.prisma.ledgerEvent.count()]).toEqual([subs, events]);
  });
});

describe("delivery", () => {
  it("a receiver that fails then recovers: every event arrives, in order, at least once; the cursor moves only after a 2xx", async () => {
    // Fails calls 2, 3 and 4 (HTTP 503), then answers 200 again.
    const { id, rx } = await subscribe((n) => (n >= 2 && n <= 4 ? 503 : 200));
    const first = (await appendEvents(t.prisma, WEBHOOK_BATCH * 2 + 30, "test.flow", "f"))[0]!;
    const total = WEBHOOK_BATCH * 2 + 30;

    // First run: batch 1 delivered, batch 2 fails: cursor at the end of batch 1, attempt counted, backoff set.
    await deliverWebhooks(t.prisma, now(), "w1");
    const s1 = await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });
    expect(s1.cursorSeq).toBe(first + BigInt(WEBHOOK_BATCH) - 1n);
    expect(s1).toMatchObject({ attempts: 1, claimedBy: null });
    expect(s1.lastError).toMatch(/HTTP 503/);
    expect(s1.nextAttemptAt.getTime()).toBe(clock + webhookBackoffMs(1));
    // Not due yet: nothing is sent.
    await deliverWebhooks(t.prisma, now(), "w1");
    expect(rx.all).toHaveLength(2);

    await drain();
    const acked = rx.acked();
    // Nothing lost: exactly our events were acknowledged, each once, in seq order.
    expect(acked).toEqual(seqRange(first, total));
    // Sent in order: every call starts where the acknowledged ones ended (a failed batch is sent again as is).
    for (const r of rx.all) expect(r.seqs).toEqual([...r.seqs].sort((a, b) => Number(a) - Number(b)));
    expect(rx.calls.every((c) => c.signatureOk)).toBe(true);
    expect(rx.all.filter((r) => r.status === 503).map((r) => r.seqs[0])).toEqual([String(first + BigInt(WEBHOOK_BATCH)), String(first + BigInt(WEBHOOK_BATCH)), String(first + BigInt(WEBHOOK_BATCH))]);
    const s2 = await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });
    expect(s2).toMatchObject({ attempts: 0, lastError: null, pausedAt: null, claimedBy: null });
    expect(s2.cursorSeq).toBe((await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    expect(await t.prisma.webhookAttempt.count({ where: { subscriptionId: id, ok: false } })).toBe(3);
    // Deliveries are not ledger events (else the feed would feed itself).
    expect(await t.prisma.ledgerEvent.count({ where: { subjectId: id } })).toBe(1);
  });

  it("after the maximum of failed attempts the batch becomes a dead letter and the subscription pauses; replaying it delivers it", async () => {
    let down = true;
    const { id, rx } = await subscribe(() => (down ? 500 : 200));
    const first = (await appendEvents(t.prisma, 5, "test.dead", "d"))[0]!;
    const before = await t.prisma.ledgerEvent.count();
    await drain();
    expect(rx.all).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    const dl = await t.prisma.webhookDeadLetter.findFirstOrThrow({ where: { subscriptionId: id } });
    expect(dl).toMatchObject({ status: "OPEN", fromSeq: first, attempts: WEBHOOK_MAX_ATTEMPTS, events: 5 });
    const sub = await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });
    expect(sub.pausedAt).not.toBeNull();
    expect(sub.cursorSeq).toBe(first - 1n);
    const dead = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.dead_lettered", subjectId: id } });
    expect(dead.payload).toMatchObject({ deadLetterId: dl.id, fromSeq: first.toString() });
    expect(await t.prisma.notification.count({ where: { kind: "webhook.dead_lettered", recipientId: adminId } })).toBeGreaterThan(0);

    // Paused: nothing more is sent, even once the receiver is back and more events come.
    down = false;
    await appendEvents(t.prisma, 3, "test.dead", "d2");
    clock += 24 * 3600_000;
    await drain();
    expect(rx.all).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect((await admin.webhooks.byId({ id })).subscription).toMatchObject({ state: "paused", openDeadLetters: 1 });

    await admin.webhooks.replayDeadLetter({ deadLetterId: dl.id });
    expect(await t.prisma.ledgerEvent.count({ where: { action: "webhook.dead_letter_replayed", subjectId: id } })).toBe(1);
    await drain();
    // The dead batch first, then what came after it (the ledger's own events about it included), in order.
    const acked = rx.acked();
    expect(acked.slice(0, 5)).toEqual(seqRange(first, 5));
    expect(acked).toEqual([...acked].sort((a, b) => Number(a) - Number(b)));
    expect(new Set(acked).size).toBe(acked.length);
    expect(acked.at(-1)).toBe((await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq.toString());
    expect(await t.prisma.webhookDeadLetter.findUniqueOrThrow({ where: { id: dl.id } })).toMatchObject({ status: "REPLAYED", resolvedById: adminId });
    expect(before).toBeLessThan(await t.prisma.ledgerEvent.count());
    // Replaying it again is a conflict that changes nothing.
    const events = await t.prisma.ledgerEvent.count();
    await expect(admin.webhooks.replayDeadLetter({ deadLetterId: dl.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await t.prisma.ledgerEvent.count()).toBe(events);
  });

  it("skipping a dead letter moves the cursor past it (recorded in the ledger) and delivery goes on after it", async () => {
    let down = true;
    const { id, rx } = await subscribe(() => (down ? 500 : 200), { eventTypes: ["test.skip"] });
    const firstBatch = await appendEvents(t.prisma, 3, "test.skip", "s1");
    await drain();
    const dl = await t.prisma.webhookDeadLetter.findFirstOrThrow({ where: { subscriptionId: id, status: "OPEN" } });
    down = false;
    const later = await appendEvents(t.prisma, 2, "test.skip", "s2");
    await admin.webhooks.skipDeadLetter({ deadLetterId: dl.id });
    expect(await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.dead_letter_skipped", subjectId: id } })).toBeTruthy();
    await drain();
    expect(rx.acked()).toEqual(later.map(String));
    expect(rx.acked()).not.toContain(firstBatch[0]!.toString());
  });

  it("replay from a seq rewinds the cursor: the events from there are sent again, in order", async () => {
    const { id, rx } = await subscribe(undefined, { eventTypes: ["test.replay"] });
    const seqs = await appendEvents(t.prisma, 4, "test.replay", "r");
    await drain();
    expect(rx.acked()).toEqual(seqs.map(String));
    await admin.webhooks.replayFrom({ id, fromSeq: seqs[2]!.toString() });
    expect(await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.replayed", subjectId: id } })).toMatchObject({ payload: { fromSeq: seqs[2]!.toString() } });
    await drain();
    expect(rx.acked()).toEqual([...seqs, seqs[2], seqs[3]].map(String));
    // Past the head is refused and changes nothing.
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    const cursor = (await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } })).cursorSeq;
    await expect(admin.webhooks.replayFrom({ id, fromSeq: (head + 5n).toString() })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } })).cursorSeq).toBe(cursor);
  });

  it("a replay while a batch is in flight wins: the worker's late success does not move the cursor past it", async () => {
    let replayed = false;
    let subId = "";
    let from = "";
    const { id, rx } = await subscribe(async (n) => {
      // During the first POST, an admin rewinds the subscription.
      if (n === 1) {
        await admin.webhooks.replayFrom({ id: subId, fromSeq: from });
        replayed = true;
      }
      return 200;
    }, { eventTypes: ["test.inflight"] });
    subId = id;
    const seqs = await appendEvents(t.prisma, 3, "test.inflight", "i");
    from = seqs[0]!.toString();
    await deliverWebhooks(t.prisma, now(), "w1");
    expect(replayed).toBe(true);
    // The in-flight success was refused (the claim was gone): the cursor is where the replay put it.
    expect((await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } })).cursorSeq).toBe(seqs[0]! - 1n);
    expect(await t.prisma.webhookAttempt.count({ where: { subscriptionId: id } })).toBe(0);
    await drain();
    expect(rx.acked()).toEqual([...seqs, ...seqs].map(String));
  });

  it("sends only the subscribed types, moves the cursor over the rest without a call, and can speak OCSF", async () => {
    const { id, rx } = await subscribe(undefined, { eventTypes: ["test.wanted", "fam.*"], format: "ocsf" });
    await appendEvents(t.prisma, 3, "test.unwanted", "u");
    const wanted = await appendEvents(t.prisma, 2, "test.wanted", "w");
    const fam = await appendEvents(t.prisma, 1, "fam.member", "m");
    await appendEvents(t.prisma, 3, "test.unwanted", "u2");
    await drain();
    expect(rx.acked()).toEqual([...wanted, ...fam].map(String));
    const body = rx.calls[0]!.body as { format: string; events: { class_uid: number; unmapped: { warrant: { action: string } } }[] };
    expect(body.format).toBe("ocsf");
    expect(body.events[0]!.unmapped.warrant.action).toBe("test.wanted");
    expect((await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } })).cursorSeq).toBe((await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
  });

  it("a disabled subscription receives nothing; enabling it resumes from its cursor", async () => {
    const { id, rx } = await subscribe(undefined, { eventTypes: ["test.toggle"] });
    await admin.webhooks.setEnabled({ id, enabled: false });
    const seqs = await appendEvents(t.prisma, 2, "test.toggle", "t");
    await drain();
    expect(rx.all).toHaveLength(0);
    await admin.webhooks.setEnabled({ id, enabled: true });
    await drain();
    expect(rx.acked()).toEqual(seqs.map(String));
  });
});

describe("the HTTP rules", () => {
  it("refuses to follow a redirect, and counts it as a failed attempt", async () => {
    const http: Server = createServer((_req, res) => res.writeHead(302, { location: "https://elsewhere.example.test/" }).end());
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    servers.push({ close: () => new Promise<void>((r) => http.close(() => r())) });
    const created = await admin.webhooks.create({ name: "redir", url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`, eventTypes: ["test.redirect"] });
    await appendEvents(t.prisma, 1, "test.redirect", "x");
    await deliverWebhooks(t.prisma, now(), "w1");
    const attempt = await t.prisma.webhookAttempt.findFirstOrThrow({ where: { subscriptionId: created.id } });
    expect(attempt).toMatchObject({ ok: false, httpStatus: null });
    expect(attempt.error).toMatch(/redirect/i);
    expect((await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } })).attempts).toBe(1);
  });

  it("reads no more than the answer cap from a receiver that answers without end", async () => {
    const http: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(500, { "content-type": "text/plain" });
      const chunk = "x".repeat(64 * 1024);
      const write = () => {
        while (res.write(chunk)) if (res.writableLength > 1 << 20) break;
      };
      res.on("drain", write);
      write();
      req.socket.on("close", () => res.destroy());
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    servers.push({ close: () => new Promise<void>((r) => { http.closeAllConnections(); http.close(() => r()); }) });
    const created = await admin.webhooks.create({ name: "flood", url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`, eventTypes: ["test.flood"] });
    await appendEvents(t.prisma, 1, "test.flood", "x");
    await deliverWebhooks(t.prisma, now(), "w1");
    const attempt = await t.prisma.webhookAttempt.findFirstOrThrow({ where: { subscriptionId: created.id } });
    expect(attempt).toMatchObject({ ok: false, httpStatus: 500 });
    expect(attempt.error!.length).toBeLessThan(400);
  });
});

describe("several workers", () => {
  it("never claim the same subscription at once, and together deliver every event exactly once when nothing fails", async () => {
    const subs = [];
    for (let i = 0; i < 4; i++) subs.push(await subscribe(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 200;
    }, { eventTypes: ["test.many"] }));
    const seqs = await appendEvents(t.prisma, WEBHOOK_BATCH + 20, "test.many", "m");
    for (let round = 0; round < 10; round++) {
      const res = await Promise.all(["A", "B", "C"].map((w) => deliverWebhooks(t.prisma, now(), `worker-${w}`)));
      if (res.every((r) => r.processed === 0)) break;
    }
    for (const s of subs) {
      expect(s.rx.acked()).toEqual(seqs.map(String));
      expect(s.rx.all.every((r) => r.subscriptionId === s.id)).toBe(true);
    }
  });

  it("a claim is exclusive until its lease runs out; the old holder's late write is then refused", async () => {
    const { id, rx } = await subscribe(undefined, { eventTypes: ["test.lease"] });
    await appendEvents(t.prisma, 1, "test.lease", "l");
    expect(await claimWebhookSubscriptions(t.prisma, now(), "dead-worker", 50)).toContain(id);
    expect(await claimWebhookSubscriptions(t.prisma, now(), "other", 50)).not.toContain(id);
    clock += 61_000;
    await deliverWebhooks(t.prisma, now(), "other");
    expect(rx.acked()).toHaveLength(1);
    expect((await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } })).claimedBy).toBeNull();
  });
});
