/**
 * Maintaining a webhook subscription, against real receivers on 127.0.0.1 that verify the signature as
 * docs/events.md tells them to: rotating the signing secret with an overlap (both signatures while it runs,
 * only the new one after), editing (target, filter, format; the cursor stays), deleting (never delivered again,
 * the evidence stays), every refusal changing nothing; and the signed checkpoints a batch carries verify.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { callerAs, makeHuman } from "../../testing/factories";
import { useTempKey } from "../../evidence/pack-kit";
import { signCheckpoint } from "../../evidence/checkpoints";
import { appendEvents } from "../events/events-test-kit";
import { verifyCheckpointSignature, verifyFeedEvents } from "../events/verify";
import type { FeedEvent } from "../events/schema";
import { deliverWebhooks, WEBHOOK_MAX_ATTEMPTS, webhookBackoffMs } from "../../jobs/webhooks";
import { secretFingerprint, verifyWebhookSignature } from "./secret";
import { startKeyReceiver } from "./webhooks-test-kit";

const HOUR = 3_600_000;
let t: TestDb;
let admin: ReturnType<typeof callerAs>;
let adminId: string;
let employee: ReturnType<typeof callerAs>;
let auditor: ReturnType<typeof callerAs>;
let clock = Date.now();
const now = () => new Date(clock);
const receivers: { close(): Promise<void> }[] = [];
let keyDir: string;
let key: ReturnType<typeof useTempKey>;

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(os.tmpdir(), "webhook-cp-"));
  key = useTempKey(keyDir);
  t = await createTestDb();
  adminId = (await makeHuman(t.prisma, { roles: ["ADMIN"] })).id;
  admin = callerAs(t.prisma, adminId, now);
  employee = callerAs(t.prisma, (await makeHuman(t.prisma)).id, now);
  auditor = callerAs(t.prisma, (await makeHuman(t.prisma, { roles: ["AUDITOR"] })).id, now);
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  await t.close();
  rmSync(keyDir, { recursive: true, force: true });
});
beforeEach(async () => {
  // Each test's subscriptions only (set-up, not an admin's change: no ledger event).
  await t.prisma.webhookSubscription.updateMany({ where: { enabled: true }, data: { enabled: false } });
});

/** A subscription with a generated secret, pointed at a receiver that knows that secret. */
async function subscribe(eventTypes: string[], opts: { format?: "warrant" | "ocsf" } = {}) {
  const created = await admin.webhooks.create({ name: "SIEM", url: "https://siem.example.test/warrant", eventTypes, format: opts.format ?? "warrant" });
  const rx = await startKeyReceiver(created.secret!);
  receivers.push(rx);
  // Point it at the receiver (its port is known only now): set-up, written directly.
  await t.prisma.webhookSubscription.update({ where: { id: created.id }, data: { url: rx.url() } });
  return { id: created.id, secret: created.secret!, rx };
}

/** Runs the job until nothing is processed, moving the business clock past any backoff in between. */
async function drain(maxRounds = 30) {
  for (let i = 0; i < maxRounds; i++) {
    const { processed } = await deliverWebhooks(t.prisma, now(), "w1");
    if (processed === 0) return;
    clock += webhookBackoffMs(1) + 1000;
  }
}

const sub = (id: string) => t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });
const head = async () => (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
const values = (header: string) => header.split(",").map((v) => v.trim());

describe("rotating the signing secret", () => {
  it("during the overlap both signatures go out: a receiver with only the old secret verifies; after it only the new one does", async () => {
    const { id, secret: old, rx } = await subscribe(["test.rot"]);
    const before = await t.prisma.ledgerEvent.count();
    const rotated = await admin.webhooks.rotateSecret({ id, overlapHours: 24 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.overlapEndsAt!.getTime()).toBe(clock + 24 * HOUR);
    // The ledger: one event, fingerprints and the overlap end, never a secret.
    expect(await t.prisma.ledgerEvent.count()).toBe(before + 1);
    const ev = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.secret_rotated", subjectId: id } });
    expect(ev.payload).toMatchObject({ secret: { kind: "generated", fingerprint: secretFingerprint(rotated.secret) }, previous: { kind: "generated", fingerprint: secretFingerprint(old) }, overlapHours: 24, overlapEndsAt: rotated.overlapEndsAt!.toISOString() });
    expect(JSON.stringify(ev.payload)).not.toContain(old);
    expect(JSON.stringify(ev.payload)).not.toContain(rotated.secret);
    // Stored sealed, never readable through the API.
    const row = await sub(id);
    expect(`${row.secretSealed}${row.previousSecretSealed}`).not.toContain(rotated.secret.slice(6));
    expect(JSON.stringify(await admin.webhooks.byId({ id }))).not.toContain(rotated.secret);
    expect((await admin.webhooks.byId({ id })).subscription.previousSecretUntil).toEqual(rotated.overlapEndsAt);

    // In the overlap: the receiver that only knows the old secret accepts; the header verifies with either.
    const during = await appendEvents(t.prisma, 3, "test.rot", "during");
    await drain();
    expect(rx.verifiedSeqs()).toEqual(during.map(String));
    const inOverlap = rx.calls.at(-1)!;
    expect(values(inOverlap.signature)).toHaveLength(2);
    expect(values(inOverlap.signature).every((v) => /^sha256=[0-9a-f]{64}$/.test(v))).toBe(true);
    expect(verifyWebhookSignature(old, inOverlap.raw, inOverlap.timestamp, inOverlap.signature)).toBe(true);
    expect(verifyWebhookSignature(rotated.secret, inOverlap.raw, inOverlap.timestamp, inOverlap.signature)).toBe(true);
    expect(verifyWebhookSignature("whsec_someone-else", inOverlap.raw, inOverlap.timestamp, inOverlap.signature)).toBe(false);

    // After the overlap: one signature, the new secret's; the old-secret receiver refuses, nothing is lost.
    clock += 24 * HOUR + 1000;
    const after = await appendEvents(t.prisma, 2, "test.rot", "after");
    await deliverWebhooks(t.prisma, now(), "w1");
    const late = rx.calls.at(-1)!;
    expect(late.verified).toBe(false);
    expect(values(late.signature)).toHaveLength(1);
    expect(verifyWebhookSignature(old, late.raw, late.timestamp, late.signature)).toBe(false);
    expect(verifyWebhookSignature(rotated.secret, late.raw, late.timestamp, late.signature)).toBe(true);
    expect(await sub(id)).toMatchObject({ attempts: 1, previousSecretSealed: null, previousSecretUntil: null });
    // The receiver takes the new secret: the refused batch goes through, in order.
    rx.setSecret(rotated.secret);
    clock += webhookBackoffMs(1) + 1000;
    await drain();
    expect(rx.verifiedSeqs()).toEqual([...during, ...after].map(String));
    expect((await sub(id)).cursorSeq).toBe(await head());
  });

  it("a receiver given only the new secret verifies from the first batch after the rotation", async () => {
    const { id, rx } = await subscribe(["test.newonly"]);
    const { secret } = await admin.webhooks.rotateSecret({ id });
    rx.setSecret(secret);
    const seqs = await appendEvents(t.prisma, 2, "test.newonly", "n");
    await drain();
    expect(rx.calls).toHaveLength(1);
    expect(rx.verifiedSeqs()).toEqual(seqs.map(String));
  });

  it("a second rotation during an overlap drops the oldest secret at once; overlap 0 stops the old one at once", async () => {
    const { id, secret: s0, rx } = await subscribe(["test.twice"]);
    const r1 = await admin.webhooks.rotateSecret({ id, overlapHours: 48 });
    const r2 = await admin.webhooks.rotateSecret({ id, overlapHours: 2 });
    const second = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.secret_rotated", subjectId: id }, orderBy: { seq: "desc" } });
    expect(second.payload).toMatchObject({ previous: { fingerprint: secretFingerprint(r1.secret) }, droppedPrevious: { fingerprint: secretFingerprint(s0) } });
    rx.setSecret(r1.secret);
    await appendEvents(t.prisma, 1, "test.twice", "a");
    await drain();
    const c = rx.calls.at(-1)!;
    expect(c.verified).toBe(true);
    expect([s0, r1.secret, r2.secret].map((k) => verifyWebhookSignature(k, c.raw, c.timestamp, c.signature))).toEqual([false, true, true]);

    const r3 = await admin.webhooks.rotateSecret({ id, overlapHours: 0 });
    expect(r3.overlapEndsAt).toBeNull();
    expect(await sub(id)).toMatchObject({ previousSecretSealed: null, previousSecretRef: null, previousSecretUntil: null });
    rx.setSecret(r3.secret);
    await appendEvents(t.prisma, 1, "test.twice", "b");
    await drain();
    const d = rx.calls.at(-1)!;
    expect(values(d.signature)).toHaveLength(1);
    expect([r2.secret, r3.secret].map((k) => verifyWebhookSignature(k, d.raw, d.timestamp, d.signature))).toEqual([false, true]);
  });

  it("a subscription signing with a secret reference moves to a generated secret; the reference still signs during the overlap", async () => {
    process.env.WARRANT_CONNECTOR_ROTATE_HOOK = "the-referenced-secret-value";
    const created = await admin.webhooks.create({ name: "ref", url: "https://siem.example.test/x", eventTypes: ["test.ref"], secretRef: "env:WARRANT_CONNECTOR_ROTATE_HOOK" });
    const rx = await startKeyReceiver("the-referenced-secret-value");
    receivers.push(rx);
    await t.prisma.webhookSubscription.update({ where: { id: created.id }, data: { url: rx.url() } });
    const r = await admin.webhooks.rotateSecret({ id: created.id });
    expect(await sub(created.id)).toMatchObject({ secretRef: null, previousSecretRef: "env:WARRANT_CONNECTOR_ROTATE_HOOK" });
    expect((await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.secret_rotated", subjectId: created.id } })).payload).toMatchObject({ previous: { kind: "reference", ref: "env:WARRANT_CONNECTOR_ROTATE_HOOK" } });
    const seqs = await appendEvents(t.prisma, 1, "test.ref", "r");
    await drain();
    expect(rx.verifiedSeqs()).toEqual(seqs.map(String));
    expect(verifyWebhookSignature(r.secret, rx.calls[0]!.raw, rx.calls[0]!.timestamp, rx.calls[0]!.signature)).toBe(true);
  });

  it("refuses a non-manager, an unknown id, an overlap past 7 days, a negative or fractional one: nothing changes", async () => {
    const { id } = await subscribe(["test.refuse"]);
    const before = await dbFingerprint(t.prisma);
    await expect(employee.webhooks.rotateSecret({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(auditor.webhooks.rotateSecret({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.webhooks.rotateSecret({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.webhooks.rotateSecret({ id, overlapHours: 7 * 24 + 1 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.rotateSecret({ id, overlapHours: -1 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.rotateSecret({ id, overlapHours: 1.5 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.rotateSecret({ id: "not-a-uuid" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectNothingChanged(t.prisma, before, "refused rotations");
    // The bound itself is allowed.
    await expect(admin.webhooks.rotateSecret({ id, overlapHours: 7 * 24 })).resolves.toMatchObject({ id });
  });
});

describe("editing a subscription", () => {
  it("a new URL, filter and format take effect from the next batch; the cursor stays; the ledger has before and after", async () => {
    const { id, secret, rx } = await subscribe(["test.edit_a"]);
    const first = await appendEvents(t.prisma, 2, "test.edit_a", "a1");
    await drain();
    expect(rx.verifiedSeqs()).toEqual(first.map(String));
    const cursor = (await sub(id)).cursorSeq;

    const out = await admin.webhooks.update({ id, url: rx.url("/moved"), eventTypes: ["test.edit_b", "test.edit_b"], format: "ocsf" });
    expect(out).toMatchObject({ url: rx.url("/moved"), eventTypes: ["test.edit_b"], format: "ocsf" });
    expect((await sub(id)).cursorSeq).toBe(cursor);
    const ev = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.updated", subjectId: id } });
    expect(ev.payload).toEqual({ name: "SIEM", before: { url: rx.url(), eventTypes: ["test.edit_a"], format: "warrant" }, after: { url: rx.url("/moved"), eventTypes: ["test.edit_b"], format: "ocsf" }, cursorSeq: cursor.toString() });
    expect(JSON.stringify(ev.payload)).not.toContain(secret);

    await appendEvents(t.prisma, 2, "test.edit_a", "a2");
    const wanted = await appendEvents(t.prisma, 2, "test.edit_b", "b");
    await drain();
    const moved = rx.calls.filter((c) => c.path === "/moved");
    expect(rx.calls.filter((c) => c.path !== "/moved")).toHaveLength(1);
    expect(moved.flatMap((c) => (c.body.events as unknown as { metadata: { uid: string }; class_uid: number }[]).map((e) => e.metadata.uid))).toEqual(wanted.map(String));
    expect(moved.every((c) => c.verified)).toBe(true);
    // A name-only edit is recorded too.
    await admin.webhooks.update({ id, name: "SIEM (EU)" });
    expect((await admin.webhooks.byId({ id })).subscription.name).toBe("SIEM (EU)");
  });

  it("a URL change resets the failing batch's attempts so the new receiver is tried at once", async () => {
    const { id, rx } = await subscribe(["test.fix"]);
    await t.prisma.webhookSubscription.update({ where: { id }, data: { url: "http://127.0.0.1:1/nothing-listens" } });
    const seqs = await appendEvents(t.prisma, 1, "test.fix", "f");
    await deliverWebhooks(t.prisma, now(), "w1");
    expect((await sub(id)).attempts).toBe(1);
    await admin.webhooks.update({ id, url: rx.url() });
    expect(await sub(id)).toMatchObject({ attempts: 0, lastError: null });
    await deliverWebhooks(t.prisma, now(), "w1");
    expect(rx.verifiedSeqs()).toEqual(seqs.map(String));
  });

  it("refuses a bad URL, bad types, nothing to change, an empty edit, a non-manager, an unknown id: nothing changes", async () => {
    const { id } = await subscribe(["test.edit_refuse"]);
    const before = await dbFingerprint(t.prisma);
    for (const url of ["http://siem.example.test/hook", "https://user:pw@siem.example.test/hook", "ftp://siem.example.test/x", "javascript:alert(1)", `https://siem.example.test/${"x".repeat(600)}`, ""]) {
      await expect(admin.webhooks.update({ id, url }), url).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(admin.webhooks.update({ id, eventTypes: ["NOT A TYPE"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id, eventTypes: Array.from({ length: 51 }, (_, i) => `t.e${i}`) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id, format: "xml" as "ocsf" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id, name: " " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id, eventTypes: ["test.edit_refuse"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.webhooks.update({ id, secretSealed: "x" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(employee.webhooks.update({ id, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(auditor.webhooks.update({ id, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.webhooks.update({ id: "00000000-0000-4000-8000-000000000000", name: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectNothingChanged(t.prisma, before, "refused edits");
  });
});

describe("deleting a subscription", () => {
  it("is never delivered again; its attempts and dead letters stay (open ones closed as skipped); secrets wiped; every later change is a conflict", async () => {
    const { id, rx } = await subscribe(["test.del"]);
    const first = await appendEvents(t.prisma, 1, "test.del", "d1");
    await drain();
    // A dead letter, as the job leaves one.
    await t.prisma.webhookSubscription.update({ where: { id }, data: { pausedAt: now() } });
    const dl = await t.prisma.webhookDeadLetter.create({ data: { subscriptionId: id, fromSeq: 5n, toSeq: 6n, events: 2, attempts: WEBHOOK_MAX_ATTEMPTS, lastError: "HTTP 503" } });
    await admin.webhooks.rotateSecret({ id });

    const out = await admin.webhooks.delete({ id });
    expect(out.deletedAt).toEqual(now());
    const row = await sub(id);
    expect(row).toMatchObject({ enabled: false, deletedById: adminId, secretRef: null, secretSealed: null, previousSecretSealed: null, previousSecretUntil: null, claimedBy: null });
    expect(await t.prisma.webhookDeadLetter.findUniqueOrThrow({ where: { id: dl.id } })).toMatchObject({ status: "SKIPPED", resolvedById: adminId });
    expect(await t.prisma.webhookAttempt.count({ where: { subscriptionId: id } })).toBe(1);
    const ev = await t.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "webhook.deleted", subjectId: id } });
    expect(ev.payload).toMatchObject({ name: "SIEM", url: rx.url(), cursorSeq: row.cursorSeq.toString(), closedDeadLetters: [{ id: dl.id, fromSeq: "5", toSeq: "6" }] });
    // Still readable as evidence, in the list after the live ones, marked deleted.
    const detail = await auditor.webhooks.byId({ id });
    expect(detail.subscription).toMatchObject({ state: "deleted", secret: "removed (deleted)" });
    expect(detail.attempts).toHaveLength(1);
    expect(detail.deadLetters).toHaveLength(1);
    const list = await admin.webhooks.list();
    expect(list.rows.findIndex((r) => r.id === id)).toBeGreaterThan(list.rows.findLastIndex((r) => r.state !== "deleted"));

    // Never delivered again, whatever happens.
    await appendEvents(t.prisma, 3, "test.del", "d2");
    clock += 7 * 24 * HOUR;
    await drain();
    expect(rx.calls.flatMap((c) => c.body.events.map((e) => e.seq))).toEqual(first.map(String));

    const before = await dbFingerprint(t.prisma);
    for (const call of [
      () => admin.webhooks.delete({ id }),
      () => admin.webhooks.setEnabled({ id, enabled: true }),
      () => admin.webhooks.rotateSecret({ id }),
      () => admin.webhooks.update({ id, name: "back" }),
      () => admin.webhooks.replayFrom({ id, fromSeq: "1" }),
      () => admin.webhooks.replayDeadLetter({ deadLetterId: dl.id }),
    ]) await expect(call()).rejects.toMatchObject({ code: "CONFLICT" });
    await expectNothingChanged(t.prisma, before, "changes to a deleted subscription");
  });

  it("refuses a non-manager and an unknown id: nothing changes", async () => {
    const { id } = await subscribe(["test.del_refuse"]);
    const before = await dbFingerprint(t.prisma);
    await expect(employee.webhooks.delete({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(auditor.webhooks.delete({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.webhooks.delete({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.webhooks.delete({ id, extra: 1 } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectNothingChanged(t.prisma, before, "refused deletes");
  });
});

describe("checkpoints in a delivered batch", () => {
  it("arrive with the batch, match the hashes received, and their signatures verify with the published key", async () => {
    const { rx } = await subscribe([]);
    await appendEvents(t.prisma, 4, "test.cp", "c1");
    const cp = (await signCheckpoint(t.prisma, "schedule", now()))!;
    await appendEvents(t.prisma, 3, "test.cp", "c2");
    await drain();
    const events = rx.calls.flatMap((c) => c.body.events) as unknown as FeedEvent[];
    const checkpoints = rx.calls.flatMap((c) => c.body.checkpoints);
    expect(rx.calls.every((c) => c.verified)).toBe(true);
    // The received events chain (all types subscribed) and the checkpoint matches the received hash at its seq.
    const v = verifyFeedEvents(events, events[0]!.prevHash, checkpoints);
    expect(v.problems).toEqual([]);
    expect(events.map((e) => e.seq)).toContain(cp.seq.toString());
    const got = checkpoints.find((c) => c.seq === cp.seq.toString());
    expect(got, "the checkpoint inside the batch came with it").toBeTruthy();
    expect(got!.headHash).toBe(events.find((e) => e.seq === cp.seq.toString())!.hash);
    expect(verifyCheckpointSignature(got!, key.publicKeyPem)).toBe(true);
    // A tampered checkpoint does not verify.
    expect(verifyCheckpointSignature({ ...got!, headHash: "0".repeat(64) }, key.publicKeyPem)).toBe(false);
  });
});
