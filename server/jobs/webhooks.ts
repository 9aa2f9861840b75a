/**
 * Outbound webhook delivery, driven by the ledger (docs/events.md). ONE cursor per subscription (the last seq
 * delivered), never a row per event:
 *
 *  1. claim: due subscriptions (enabled, not paused, next attempt due, behind the head, no live lease) are
 *     claimed with `FOR UPDATE SKIP LOCKED` and a lease (claimedBy / claimedUntil), so several workers never
 *     deliver the same subscription at once, and a dead worker's subscription is taken over once its lease ran out;
 *  2. deliver, OUTSIDE any transaction: the next batch of events after the cursor (in seq order, filtered by
 *     the subscription's types, with the checkpoints covering it) is POSTed, signed like the webhook connector
 *     (X-Warrant-Timestamp, X-Warrant-Signature: sha256=HMAC-SHA256(secret, "<timestamp>.<body>"); during a
 *     secret rotation's overlap two comma-separated values, the new secret's first), with a timeout, redirects
 *     refused and the answer read up to a cap;
 *  3. record, conditional on the claim still being ours and the cursor unchanged: a 2xx moves the cursor to the
 *     end of the batch (and the lease on, for the next batch); a failure counts an attempt and waits (exponential
 *     backoff); the WEBHOOK_MAX_ATTEMPTS-th failure turns the batch into a dead letter and PAUSES the
 *     subscription until an admin replays or skips it (server/domain/webhooks/service.ts), with
 *     "webhook.dead_lettered" in the ledger and a notification to admins and security.
 *
 * So delivery is in order and at least once: a crash between the POST and step 3 sends that batch again
 * (the receiver deduplicates on X-Warrant-Delivery or each event's seq). Deliveries themselves are not
 * ledger events (each would be one more event to deliver); each attempt is a WebhookAttempt row.
 */
import type { PrismaClient } from "../db";
import { readEvents, type EventsPage } from "../domain/events/feed";
import { toOcsf } from "../domain/events/ocsf";
import { notify } from "../domain/notifications/notify";
import { activeWithRole } from "../domain/provisioning/people";
import { signatureHeader, signingSecrets } from "../domain/webhooks/secret";
import { recordEvent } from "../ledger/ledger";

/** A claim lasts this long; each delivered batch extends it. Far longer than one POST may take. */
export const WEBHOOK_LEASE_MS = 60_000;
export const WEBHOOK_BATCH = 100;
export const WEBHOOK_MAX_ATTEMPTS = 8;
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** The receiver's answer is read up to this many bytes (it is only kept as a short error text). */
export const WEBHOOK_ANSWER_MAX_BYTES = 16 * 1024;
/** A run stops starting new batches for a subscription after this long; the next tick goes on. */
export const WEBHOOK_RUN_BUDGET_MS = 20_000;
export const WEBHOOK_DEAD_LETTERED = "webhook.dead_lettered";

export const DELIVERY_HEADER = "x-warrant-delivery";

/** The wait after `attempts` failed attempts of a batch: 10 s, 20 s, 40 s … at most an hour (8 attempts ≈ 21 min). */
export function webhookBackoffMs(attempts: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 60 * 60_000);
}

/** Claims up to `limit` due subscriptions for `workerId`; returns their ids. */
export async function claimWebhookSubscriptions(db: PrismaClient, now: Date, workerId: string, limit: number): Promise<string[]> {
  const until = new Date(now.getTime() + WEBHOOK_LEASE_MS).toISOString();
  const at = now.toISOString();
  return db.$transaction(async (tx) => {
    // RETURNING keeps no order: the claimed ids come back in the order they were chosen.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      WITH claimed AS (
        UPDATE "WebhookSubscription" SET "claimedBy" = ${workerId}, "claimedUntil" = ${until}::timestamptz
         WHERE "id" IN (
           SELECT "id" FROM "WebhookSubscription"
            WHERE "enabled" AND "pausedAt" IS NULL AND "deletedAt" IS NULL
              AND "nextAttemptAt" <= ${at}::timestamptz
              AND ("claimedUntil" IS NULL OR "claimedUntil" < ${at}::timestamptz)
              AND "cursorSeq" < (SELECT "seq" FROM "LedgerHead" WHERE "id" = 1)
            ORDER BY "nextAttemptAt", "id"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
        RETURNING "id", "nextAttemptAt")
      SELECT "id" FROM claimed ORDER BY "nextAttemptAt", "id"`;
    return rows.map((r) => r.id);
  });
}

type PostResult = { ok: boolean; status: number | null; error: string | null; ms: number };

/** Reads at most `max` bytes of a response body, then drops the rest. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(parts).toString("utf8").slice(0, max);
}

/** The signed POST (one signature per secret: two during a rotation's overlap). Never throws: every failure is a result. */
export async function postBatch(url: string, secrets: string[], deliveryId: string, body: string): Promise<PostResult> {
  const t0 = Date.now();
  // Signed with the wall clock: the receiver checks it against its own clock, not Warrant's business clock.
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Warrant-Webhooks/1",
        "X-Warrant-Timestamp": timestamp,
        "X-Warrant-Signature": signatureHeader(secrets, timestamp, body),
        "X-Warrant-Delivery": deliveryId,
      },
      body,
      redirect: "error",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    const text = await readCapped(res, WEBHOOK_ANSWER_MAX_BYTES);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ""}`, ms: Date.now() - t0 };
  } catch (e) {
    const err = e as Error & { cause?: { message?: string } };
    const why = err.name === "TimeoutError" ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ""}`;
    return { ok: false, status: null, error: `could not deliver to ${new URL(url).origin}: ${why}`.slice(0, 2000), ms: Date.now() - t0 };
  }
}

/** The JSON a subscription receives for one batch. */
export function batchBody(sub: { id: string; format: string }, fromSeq: bigint, page: EventsPage): string {
  return JSON.stringify({
    subscriptionId: sub.id,
    format: sub.format,
    /** The batch covers seqs fromSeq..toSeq (events of other types in that range were filtered out). */
    fromSeq: fromSeq.toString(),
    toSeq: page.next,
    head: page.head,
    events: sub.format === "ocsf" ? page.events.map((e) => toOcsf(e)) : page.events,
    checkpoints: page.checkpoints,
  });
}

type Outcome = "delivered" | "advanced" | "retry" | "dead" | "lost" | "idle";

/** One batch of one claimed subscription: read, post, record. */
async function deliverBatch(db: PrismaClient, id: string, now: Date, workerId: string): Promise<Outcome> {
  const sub = await db.webhookSubscription.findUnique({ where: { id } });
  if (!sub || sub.claimedBy !== workerId || !sub.enabled || sub.pausedAt || sub.deletedAt) return "lost";
  const mine = { id, claimedBy: workerId, cursorSeq: sub.cursorSeq, pausedAt: null, enabled: true };
  const lease = new Date(now.getTime() + WEBHOOK_LEASE_MS);
  const page = await readEvents(db, { after: sub.cursorSeq, limit: WEBHOOK_BATCH, types: sub.eventTypes });
  if (BigInt(page.next) <= sub.cursorSeq) return "idle";
  if (page.events.length === 0) {
    // Nothing of the subscribed types in (cursor, next]: move past it without a call.
    const moved = await db.webhookSubscription.updateMany({ where: mine, data: { cursorSeq: BigInt(page.next), claimedUntil: lease } });
    return moved.count ? "advanced" : "lost";
  }
  const fromSeq = sub.cursorSeq + 1n;
  const deliveryId = `${sub.id}:${fromSeq}-${page.next}`;
  let result: PostResult;
  try {
    // The secrets as of this batch: a rotation committed before it is signed in; during its overlap, both.
    result = await postBatch(sub.url, signingSecrets(sub, now), deliveryId, batchBody(sub, fromSeq, page));
  } catch (e) {
    // The secret could not be had (a reference that no longer resolves): a failed attempt like any other.
    result = { ok: false, status: null, error: ((e as Error).message || "the signing secret is unavailable").slice(0, 2000), ms: 0 };
  }
  const attempt = { subscriptionId: id, fromSeq, toSeq: BigInt(page.next), events: page.events.length, httpStatus: result.status, ok: result.ok, error: result.error, durationMs: result.ms, workerId, at: now };
  return db.$transaction(async (tx) => {
    if (result.ok) {
      const moved = await tx.webhookSubscription.updateMany({
        where: mine,
        data: { cursorSeq: BigInt(page.next), attempts: 0, lastError: null, lastAttemptAt: now, lastDeliveredAt: now, nextAttemptAt: now, claimedUntil: lease },
      });
      if (!moved.count) return "lost";
      await tx.webhookAttempt.create({ data: attempt });
      return "delivered";
    }
    const attempts = sub.attempts + 1;
    const release = { claimedBy: null, claimedUntil: null, attempts, lastError: result.error, lastAttemptAt: now };
    if (attempts < WEBHOOK_MAX_ATTEMPTS) {
      const moved = await tx.webhookSubscription.updateMany({ where: mine, data: { ...release, nextAttemptAt: new Date(now.getTime() + webhookBackoffMs(attempts)) } });
      if (!moved.count) return "lost";
      await tx.webhookAttempt.create({ data: attempt });
      return "retry";
    }
    const moved = await tx.webhookSubscription.updateMany({ where: mine, data: { ...release, pausedAt: now } });
    if (!moved.count) return "lost";
    await tx.webhookAttempt.create({ data: attempt });
    const error = result.error ?? "delivery failed";
    const dl = await tx.webhookDeadLetter.create({ data: { subscriptionId: id, fromSeq, toSeq: BigInt(page.next), events: page.events.length, attempts, lastError: error } });
    const details = { deadLetterId: dl.id, name: sub.name, url: sub.url, fromSeq: fromSeq.toString(), toSeq: page.next, events: page.events.length, attempts, error };
    await recordEvent(tx, { actorId: null, action: WEBHOOK_DEAD_LETTERED, subjectType: "WebhookSubscription", subjectId: id, occurredAt: now, payload: details });
    await notify(tx, {
      recipientIds: await activeWithRole(tx, "SECURITY", "ADMIN"),
      kind: WEBHOOK_DEAD_LETTERED,
      title: `Webhook paused: ${sub.name}`,
      body: `Events ${fromSeq}–${page.next} could not be delivered to ${new URL(sub.url).origin} after ${attempts} attempts: ${error.slice(0, 300)}. Delivery is paused until the dead letter is replayed or skipped.`,
      link: "/admin/webhooks",
      dedupeKey: `webhook-dead-letter:${dl.id}`,
    });
    return "dead";
  });
}

/**
 * Delivers one claimed subscription batch after batch until it is caught up, a batch fails, the claim is
 * lost or the budget is spent; then lets the claim go (when still ours and nothing failed). Returns the
 * number of batches posted.
 */
async function deliverSubscription(db: PrismaClient, id: string, now: Date, workerId: string, budgetMs: number): Promise<number> {
  const until = Date.now() + budgetMs;
  let posted = 0;
  for (;;) {
    const out = await deliverBatch(db, id, now, workerId);
    if (out === "delivered") posted++;
    if (out === "retry" || out === "dead") return posted + 1;
    if (out === "lost") return posted;
    if (out === "idle" || Date.now() >= until) break;
  }
  await db.webhookSubscription.updateMany({ where: { id, claimedBy: workerId }, data: { claimedBy: null, claimedUntil: null } });
  return posted;
}

/**
 * Forgets previous secrets whose rotation overlap is over (they no longer sign anything; the rotation's ledger
 * event recorded the overlap end). The row's own check keeps a fresh rotation's previous secret: a concurrent
 * rotation sets a later end, which this update then no longer matches.
 */
export async function dropExpiredPreviousSecrets(db: PrismaClient, now: Date): Promise<number> {
  const out = await db.webhookSubscription.updateMany({ where: { previousSecretUntil: { lte: now } }, data: { previousSecretRef: null, previousSecretSealed: null, previousSecretUntil: null } });
  return out.count;
}

/** The job: claims due subscriptions and delivers them (in parallel, one lane per subscription). */
export async function deliverWebhooks(db: PrismaClient, now: Date, workerId: string, opts: { limit?: number; budgetMs?: number } = {}): Promise<{ processed: number }> {
  await dropExpiredPreviousSecrets(db, now);
  const ids = await claimWebhookSubscriptions(db, now, workerId, opts.limit ?? 10);
  const counts = await Promise.all(ids.map((id) => deliverSubscription(db, id, now, workerId, opts.budgetMs ?? WEBHOOK_RUN_BUDGET_MS)));
  return { processed: counts.reduce((a, b) => a + b, 0) };
}
