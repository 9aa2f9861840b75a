/**
 * PostgreSQL only (real concurrency; PGlite runs one transaction at a time): deleting, rotating and editing a
 * subscription while the worker has a batch in flight, and these changes racing each other on separate
 * connections. Each change locks the subscription row (as replay and the dead-letter actions do), and the worker
 * records a batch only if its claim and cursor are unchanged, so whatever order the database picks:
 *  - a deleted subscription is never delivered again and keeps no secret; a recorded attempt ⇔ a moved cursor;
 *  - rotations serialise: each one's "previous" is the one before it, none is lost;
 *  - two deletes, or a delete and a rotation, at once: one wins, the other is a CONFLICT, the ledger says so once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs, makeHuman } from "../testing/factories";
import { appendEvents } from "../domain/events/events-test-kit";
import { secretFingerprint, verifyWebhookSignature } from "../domain/webhooks/secret";
import { startKeyReceiver, type KeyedCall } from "../domain/webhooks/webhooks-test-kit";
import { deliverWebhooks } from "./webhooks";

type Caller = ReturnType<typeof callerAs>;

describe.skipIf(TEST_ENGINE !== "postgres")("webhook changes under real concurrency", () => {
  let t: TestDb;
  const others: DbHandle[] = [];
  const receivers: { close(): Promise<void> }[] = [];
  let adminA: Caller;
  let adminB: Caller;

  beforeAll(async () => {
    t = await createTestDb();
    for (let i = 0; i < 2; i++) others.push(openDb({ url: t.url! }));
    const a = await makeHuman(t.prisma, { roles: ["ADMIN"] });
    const b = await makeHuman(t.prisma, { roles: ["SECURITY"] });
    // Each admin on its own connection pool, the worker on the test's own.
    adminA = callerAs(others[0]!.prisma, a.id);
    adminB = callerAs(others[1]!.prisma, b.id);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    for (const o of others) await o.close();
    await t.close();
  });

  async function subscribe(type: string, hold?: (call: KeyedCall) => Promise<void>) {
    const created = await adminA.webhooks.create({ name: type, url: "http://127.0.0.1:1/x", eventTypes: [type] });
    const rx = await startKeyReceiver(created.secret!, hold);
    receivers.push(rx);
    await t.prisma.webhookSubscription.update({ where: { id: created.id }, data: { url: rx.url() } });
    return { id: created.id, secret: created.secret!, rx };
  }
  const row = (id: string) => t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });

  it("a delete racing the worker's record of an in-flight batch: never delivered after, attempt recorded ⇔ cursor moved", async () => {
    const subs: { id: string; rx: Awaited<ReturnType<typeof startKeyReceiver>>; deleting: Promise<unknown> | null; cursor0: bigint }[] = [];
    for (let i = 0; i < 8; i++) {
      const entry = { id: "", rx: null as never, deleting: null as Promise<unknown> | null, cursor0: 0n };
      // On the POST, start the delete on another connection and answer at once: the worker's record and the
      // delete race. Every other delete waits a little longer (the answer's round trip) than the one before.
      const s = await subscribe(`test.race_del${i}`, async () => {
        entry.deleting = adminB.webhooks.delete({ id: entry.id });
        if (i % 2) await entry.deleting;
      });
      Object.assign(entry, { id: s.id, rx: s.rx, cursor0: (await row(s.id)).cursorSeq });
      subs.push(entry);
      await appendEvents(t.prisma, 3, `test.race_del${i}`, "d");
    }
    await deliverWebhooks(t.prisma, new Date(), "w-race", { limit: 20 });
    for (const s of subs) await s.deleting;
    let recorded = 0;
    for (const s of subs) {
      const r = await row(s.id);
      expect(r).toMatchObject({ enabled: false, secretRef: null, secretSealed: null, claimedBy: null });
      expect(r.deletedAt).not.toBeNull();
      const attempts = await t.prisma.webhookAttempt.count({ where: { subscriptionId: s.id } });
      expect(attempts === 1, `attempt recorded (${attempts}) ⇔ cursor moved (${r.cursorSeq} vs ${s.cursor0})`).toBe(r.cursorSeq > s.cursor0);
      recorded += attempts;
      expect(await t.prisma.ledgerEvent.count({ where: { action: "webhook.deleted", subjectId: s.id } })).toBe(1);
    }
    // The deletes that waited for their commit before answering always beat the worker's record.
    expect(recorded).toBeLessThanOrEqual(subs.length / 2);
    // Never again: more events, several workers, much later.
    for (let i = 0; i < subs.length; i++) await appendEvents(t.prisma, 2, `test.race_del${i}`, "later");
    const callsBefore = subs.map((s) => s.rx.calls.length);
    await Promise.all([t.prisma, ...others.map((o) => o.prisma)].map((c, i) => deliverWebhooks(c, new Date(Date.now() + 86_400_000), `w${i}`)));
    expect(subs.map((s) => s.rx.calls.length)).toEqual(callsBefore);
  });

  it("a rotation during an in-flight batch: the batch is recorded, the next one carries both signatures", async () => {
    let rotated: { secret: string } | null = null;
    let firstSignatures = 0;
    let subId = "";
    const s = await subscribe("test.race_rot", async (call) => {
      if (!rotated) {
        // The first POST is signed with the old secret only; the rotation commits while it is in flight.
        firstSignatures = call.signature.split(",").length;
        rotated = await adminB.webhooks.rotateSecret({ id: subId, overlapHours: 24 });
      }
    });
    subId = s.id;
    const first = await appendEvents(t.prisma, 2, "test.race_rot", "r1");
    await deliverWebhooks(t.prisma, new Date(), "w-rot");
    expect(rotated).not.toBeNull();
    expect(firstSignatures).toBe(1);
    // Recorded: the cursor moved past the batch (and on over the rotation's own event, not of its type).
    expect((await row(s.id)).cursorSeq).toBeGreaterThanOrEqual(first.at(-1)!);
    expect(await t.prisma.webhookAttempt.count({ where: { subscriptionId: s.id, ok: true } })).toBe(1);
    const second = await appendEvents(t.prisma, 1, "test.race_rot", "r2");
    await deliverWebhooks(t.prisma, new Date(), "w-rot");
    const c = s.rx.calls.at(-1)!;
    expect(c.body.events.map((e) => e.seq)).toEqual(second.map(String));
    expect([s.secret, rotated!.secret].map((k) => verifyWebhookSignature(k, c.raw, c.timestamp, c.signature))).toEqual([true, true]);
  });

  it("an edit during an in-flight batch: the late result is not recorded, the batch goes again to the new URL", async () => {
    let subId = "";
    let edited = false;
    const s = await subscribe("test.race_edit", async (call) => {
      if (call.path === "/warrant" && !edited) {
        await adminB.webhooks.update({ id: subId, url: s.rx.url("/new") });
        edited = true;
      }
    });
    subId = s.id;
    const seqs = await appendEvents(t.prisma, 2, "test.race_edit", "e");
    const cursor0 = (await row(s.id)).cursorSeq;
    await deliverWebhooks(t.prisma, new Date(), "w-edit");
    expect(edited).toBe(true);
    expect((await row(s.id)).cursorSeq).toBe(cursor0);
    expect(await t.prisma.webhookAttempt.count({ where: { subscriptionId: s.id } })).toBe(0);
    await deliverWebhooks(t.prisma, new Date(), "w-edit");
    expect(s.rx.calls.filter((c) => c.path === "/new").flatMap((c) => c.body.events.map((e) => e.seq))).toEqual(seqs.map(String));
    // Past the batch (and on over the edit's own event, not of its type).
    expect((await row(s.id)).cursorSeq).toBeGreaterThanOrEqual(seqs.at(-1)!);
  });

  it("two rotations at once serialise: the later one's previous secret is the earlier one's new secret", async () => {
    for (let round = 0; round < 5; round++) {
      const { id, secret } = await subscribe(`test.race_rr${round}`);
      const [x, y] = await Promise.all([adminA.webhooks.rotateSecret({ id }), adminB.webhooks.rotateSecret({ id })]);
      const events = await t.prisma.ledgerEvent.findMany({ where: { action: "webhook.secret_rotated", subjectId: id }, orderBy: { seq: "asc" } });
      expect(events).toHaveLength(2);
      const [e1, e2] = events.map((e) => e.payload as { secret: { fingerprint: string }; previous: { fingerprint: string } });
      expect(e1!.previous.fingerprint).toBe(secretFingerprint(secret));
      expect(e2!.previous.fingerprint).toBe(e1!.secret.fingerprint);
      expect(new Set([e1!.secret.fingerprint, e2!.secret.fingerprint])).toEqual(new Set([secretFingerprint(x.secret), secretFingerprint(y.secret)]));
    }
  });

  it("two deletes, or a delete and a rotation, at once: one wins, the other is a CONFLICT, the ledger says it once", async () => {
    for (let round = 0; round < 5; round++) {
      const { id } = await subscribe(`test.race_dd${round}`);
      const outcomes = await Promise.allSettled([adminA.webhooks.delete({ id }), adminB.webhooks.delete({ id })]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      expect(outcomes.find((o) => o.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
      expect(await t.prisma.ledgerEvent.count({ where: { action: "webhook.deleted", subjectId: id } })).toBe(1);

      const other = await subscribe(`test.race_dr${round}`);
      const [del, rot] = await Promise.allSettled([adminA.webhooks.delete({ id: other.id }), adminB.webhooks.rotateSecret({ id: other.id })]);
      expect(del.status).toBe("fulfilled");
      const r = await row(other.id);
      expect(r).toMatchObject({ secretRef: null, secretSealed: null, previousSecretSealed: null, previousSecretUntil: null, enabled: false });
      const rotations = await t.prisma.ledgerEvent.count({ where: { action: "webhook.secret_rotated", subjectId: other.id } });
      if (rot.status === "rejected") {
        expect(rot.reason).toMatchObject({ code: "CONFLICT" });
        expect(rotations).toBe(0);
      } else {
        // The rotation went first; the delete then wiped both secrets (its ledger event follows the rotation's).
        expect(rotations).toBe(1);
      }
    }
  });
});
