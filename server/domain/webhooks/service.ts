/**
 * Webhook subscriptions: changes by ADMIN or SECURITY, each in one transaction with its ledger event.
 *
 * Rules:
 *  - the URL follows the webhook connector's rule (https://; http:// only to 127.0.0.1 / localhost);
 *  - the secret is a connector secret reference, or generated here and returned ONCE (never in the ledger,
 *    never readable again: it is stored sealed, server/domain/webhooks/secret.ts);
 *  - a new subscription starts at the ledger head (only new events) or at the start (the whole ledger);
 *  - a dead-lettered batch pauses the subscription until an admin acts: replay the dead letter (the cursor goes
 *    back to just before it and delivery resumes), skip it (the cursor moves past it: the admin chose to drop
 *    those events, and the ledger says so), or replay from any seq (which also closes the open dead letter);
 *  - rotating the secret generates a new one (returned ONCE, stored sealed); the one it replaces still signs,
 *    next to it, until the overlap end (0–7 days, default 24 h); a rotation during an overlap ends the older
 *    one at once (only the latest two ever sign); the ledger gets fingerprints, never a secret;
 *  - an edit (name, URL, event types, format) keeps the cursor: delivery goes on from the next undelivered seq,
 *    to the new URL, with the new filter and format; a batch in flight is sent again under the new settings;
 *  - deleting archives: the row, its attempts and dead letters stay as evidence, its secrets are wiped, open dead
 *    letters close as skipped, and it is never claimed or changed again (every later change is a CONFLICT);
 *  - every change that a delivery batch could race takes the subscription's row lock first (the worker records
 *    a batch only if its claim and cursor are unchanged); every transition is a conditional write; a lost race
 *    is a CONFLICT.
 */
import type { Tx } from "../../db";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { hasRole, ledgerActor, type ServiceCtx } from "../actor";
import { headSeq } from "../events/feed";
import { generateWebhookSecret, sealSecret, secretFingerprint, unsealSecret } from "./secret";
import {
  ZCreateWebhookInput,
  ZDeadLetterInput,
  ZReplayWebhookInput,
  ZRotateWebhookSecretInput,
  ZSetWebhookEnabledInput,
  ZUpdateWebhookInput,
  ZWebhookIdInput,
  type TCreateWebhookInput,
  type TRotateWebhookSecretInput,
  type TUpdateWebhookInput,
} from "./schema";
import type { z } from "zod";

async function lockSubscription(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT 1 FROM "WebhookSubscription" WHERE "id" = ${id}::uuid FOR UPDATE`;
}

/** Locks the row and reads it: a live (not deleted) subscription, else NOT_FOUND / CONFLICT. */
async function lockLive(tx: Tx, id: string) {
  await lockSubscription(tx, id);
  const sub = await tx.webhookSubscription.findUnique({ where: { id } });
  if (!sub) throw notFound("The webhook subscription");
  if (sub.deletedAt) throw conflict("This webhook subscription was deleted.");
  return sub;
}

const HOUR_MS = 3_600_000;

function assertManager(ctx: ServiceCtx) {
  if (!hasRole(ctx.actor, "ADMIN", "SECURITY")) throw forbidden("Only admins and security may manage webhook subscriptions.");
}

/**
 * Creates a subscription. ADMIN or SECURITY. Returns the subscription and, when Warrant generated the secret,
 * the secret itself: shown once, never again.
 */
export async function createWebhook(ctx: ServiceCtx, raw: TCreateWebhookInput) {
  assertManager(ctx);
  const input = ZCreateWebhookInput.parse(raw);
  const now = ctx.now();
  const generated = input.secretRef ? null : generateWebhookSecret();
  return ctx.db.$transaction(async (tx) => {
    const cursorSeq = input.startAt === "head" ? await headSeq(tx) : 0n;
    const sub = await tx.webhookSubscription.create({
      data: {
        name: input.name,
        url: input.url,
        eventTypes: [...new Set(input.eventTypes)],
        format: input.format,
        secretRef: input.secretRef || null,
        secretSealed: generated ? sealSecret(generated) : null,
        cursorSeq,
        nextAttemptAt: now,
        createdById: ctx.actor.id,
      },
    });
    const created = await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "webhook.created",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: { name: sub.name, url: sub.url, eventTypes: sub.eventTypes, format: sub.format, secret: input.secretRef ? { kind: "reference", ref: input.secretRef } : { kind: "generated" }, startAt: input.startAt },
    });
    // "head": only what happens after it exists (its own creation included in what it does not receive).
    if (input.startAt === "head") await tx.webhookSubscription.update({ where: { id: sub.id }, data: { cursorSeq: created.seq } });
    return { id: sub.id, name: sub.name, secret: generated };
  });
}

/** Enables or disables a subscription. ADMIN or SECURITY. Disabled: nothing is delivered, the cursor stays. */
export async function setWebhookEnabled(ctx: ServiceCtx, raw: z.input<typeof ZSetWebhookEnabledInput>) {
  assertManager(ctx);
  const input = ZSetWebhookEnabledInput.parse(raw);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const sub = await lockLive(tx, input.id);
    const moved = await tx.webhookSubscription.updateMany({ where: { id: sub.id, enabled: !input.enabled, deletedAt: null }, data: { enabled: input.enabled, nextAttemptAt: now } });
    if (moved.count === 0) throw conflict(`This webhook subscription is already ${input.enabled ? "enabled" : "disabled"}.`);
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: input.enabled ? "webhook.enabled" : "webhook.disabled",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: { name: sub.name, url: sub.url, cursorSeq: sub.cursorSeq.toString() },
    });
    return { id: sub.id, enabled: input.enabled };
  });
}

/**
 * Replays from a seq: the cursor moves to fromSeq − 1 (back or forward, never past the head), attempts reset,
 * the subscription resumes if it was paused, and an open dead letter is closed (REPLAYED when the replay
 * covers it, SKIPPED when fromSeq lies past it). ADMIN or SECURITY. Consumers see events again: at least once.
 */
export async function replayWebhookFrom(ctx: ServiceCtx, raw: z.input<typeof ZReplayWebhookInput>) {
  assertManager(ctx);
  const input = ZReplayWebhookInput.parse(raw);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    // Row lock: serialises with a worker recording a batch (its conditional write then finds the claim gone).
    const sub = await lockLive(tx, input.id);
    const from = BigInt(input.fromSeq);
    const head = await headSeq(tx);
    if (from > head + 1n) throw badInput(`The ledger ends at seq ${head}: replay from at most ${head + 1n}.`, "fromSeq");
    const cursor = from - 1n;
    await tx.webhookSubscription.update({
      where: { id: sub.id },
      data: { cursorSeq: cursor, attempts: 0, lastError: null, pausedAt: null, nextAttemptAt: now, claimedBy: null, claimedUntil: null },
    });
    const open = await tx.webhookDeadLetter.findFirst({ where: { subscriptionId: sub.id, status: "OPEN" } });
    if (open) {
      const status = from <= open.fromSeq ? "REPLAYED" : "SKIPPED";
      await tx.webhookDeadLetter.update({ where: { id: open.id }, data: { status, resolvedAt: now, resolvedById: ctx.actor.id } });
    }
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "webhook.replayed",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: { name: sub.name, fromSeq: input.fromSeq, previousCursorSeq: sub.cursorSeq.toString(), ...(open ? { deadLetterId: open.id, deadLetter: from <= open.fromSeq ? "replayed" : "skipped" } : {}) },
    });
    return { id: sub.id, cursorSeq: cursor.toString() };
  });
}

async function resolveDeadLetter(ctx: ServiceCtx, raw: z.input<typeof ZDeadLetterInput>, how: "REPLAYED" | "SKIPPED") {
  assertManager(ctx);
  const input = ZDeadLetterInput.parse(raw);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const found = await tx.webhookDeadLetter.findUnique({ where: { id: input.deadLetterId }, select: { subscriptionId: true } });
    if (!found) throw notFound("The dead letter");
    await lockSubscription(tx, found.subscriptionId);
    const dl = await tx.webhookDeadLetter.findUniqueOrThrow({ where: { id: input.deadLetterId }, include: { subscription: true } });
    if (dl.subscription.deletedAt) throw conflict("This dead letter's webhook subscription was deleted.");
    const closed = await tx.webhookDeadLetter.updateMany({ where: { id: dl.id, status: "OPEN" }, data: { status: how, resolvedAt: now, resolvedById: ctx.actor.id } });
    if (closed.count === 0) throw conflict(`This dead letter was already ${dl.status === "OPEN" ? "resolved" : dl.status.toLowerCase()}.`);
    // Replay: back to just before the batch. Skip: past it (only if the cursor has not moved beyond already).
    const cursor = how === "REPLAYED" ? dl.fromSeq - 1n : dl.toSeq > dl.subscription.cursorSeq ? dl.toSeq : dl.subscription.cursorSeq;
    await tx.webhookSubscription.update({
      where: { id: dl.subscriptionId },
      data: { cursorSeq: cursor, attempts: 0, lastError: null, pausedAt: null, nextAttemptAt: now, claimedBy: null, claimedUntil: null },
    });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: how === "REPLAYED" ? "webhook.dead_letter_replayed" : "webhook.dead_letter_skipped",
      subjectType: "WebhookSubscription",
      subjectId: dl.subscriptionId,
      occurredAt: now,
      payload: { deadLetterId: dl.id, name: dl.subscription.name, fromSeq: dl.fromSeq.toString(), toSeq: dl.toSeq.toString(), events: dl.events, cursorSeq: cursor.toString() },
    });
    return { id: dl.id, status: how, cursorSeq: cursor.toString() };
  });
}

/** Replays a dead letter: the cursor goes back to just before its batch and the subscription resumes. ADMIN or SECURITY. */
export const replayDeadLetter = (ctx: ServiceCtx, input: z.input<typeof ZDeadLetterInput>) => resolveDeadLetter(ctx, input, "REPLAYED");
/** Skips a dead letter: the cursor moves past its batch (those events are not delivered) and the subscription resumes. ADMIN or SECURITY. */
export const skipDeadLetter = (ctx: ServiceCtx, input: z.input<typeof ZDeadLetterInput>) => resolveDeadLetter(ctx, input, "SKIPPED");

/** How a secret shows in the ledger: a reference by name, a generated one by its fingerprint. */
function secretEvidence(s: { ref: string | null; sealed: string | null }) {
  if (s.ref) return { kind: "reference" as const, ref: s.ref };
  if (s.sealed) {
    try {
      return { kind: "generated" as const, fingerprint: secretFingerprint(unsealSecret(s.sealed)) };
    } catch {
      // Sealed under another auth secret: still rotated out, only its fingerprint is unknown.
      return { kind: "generated" as const, fingerprint: null };
    }
  }
  return null;
}

/**
 * Rotates the signing secret. ADMIN or SECURITY. Generates a new secret, returned ONCE (stored sealed); the
 * current one (generated or a reference) becomes the previous one and still signs, next to the new one, until
 * now + overlapHours (0: stops at once). A rotation during an overlap drops the older previous secret at once.
 * Locks the subscription row, so it serialises with the other changes and with a worker recording a batch (a
 * batch reads its secrets when it is signed: before or after the rotation, both verify during the overlap).
 * Ledger: "webhook.secret_rotated" with fingerprints and the overlap end, never a secret.
 */
export async function rotateWebhookSecret(ctx: ServiceCtx, raw: TRotateWebhookSecretInput) {
  assertManager(ctx);
  const input = ZRotateWebhookSecretInput.parse(raw);
  const now = ctx.now();
  const secret = generateWebhookSecret();
  return ctx.db.$transaction(async (tx) => {
    const sub = await lockLive(tx, input.id);
    const overlapEndsAt = input.overlapHours > 0 ? new Date(now.getTime() + input.overlapHours * HOUR_MS) : null;
    const droppedPrevious = sub.previousSecretUntil && sub.previousSecretUntil > now ? secretEvidence({ ref: sub.previousSecretRef, sealed: sub.previousSecretSealed }) : null;
    const moved = await tx.webhookSubscription.updateMany({
      where: { id: sub.id, deletedAt: null, secretRef: sub.secretRef, secretSealed: sub.secretSealed },
      data: {
        secretRef: null,
        secretSealed: sealSecret(secret),
        previousSecretRef: overlapEndsAt ? sub.secretRef : null,
        previousSecretSealed: overlapEndsAt ? sub.secretSealed : null,
        previousSecretUntil: overlapEndsAt,
        secretRotatedAt: now,
      },
    });
    if (moved.count === 0) throw conflict("The webhook subscription's secret changed meanwhile: reload and try again.");
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "webhook.secret_rotated",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: {
        name: sub.name,
        secret: { kind: "generated", fingerprint: secretFingerprint(secret) },
        previous: secretEvidence({ ref: sub.secretRef, sealed: sub.secretSealed }),
        overlapHours: input.overlapHours,
        overlapEndsAt: overlapEndsAt?.toISOString() ?? null,
        ...(droppedPrevious ? { droppedPrevious } : {}),
      },
    });
    return { id: sub.id, name: sub.name, secret, fingerprint: secretFingerprint(secret), overlapEndsAt };
  });
}

/**
 * Edits a subscription's name, URL, event types and/or format. ADMIN or SECURITY. The cursor stays: delivery
 * goes on from the next undelivered seq. When the URL, types or format change, the claim of a worker is
 * released and attempts reset, so the next batch (including one in flight now, whose late result is then not
 * recorded) goes out under the new settings at once; a paused subscription stays paused. Locks the row.
 * Nothing to change is BAD_INPUT. Ledger: "webhook.updated" with the changed fields before and after.
 */
export async function updateWebhook(ctx: ServiceCtx, raw: TUpdateWebhookInput) {
  assertManager(ctx);
  const input = ZUpdateWebhookInput.parse(raw);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const sub = await lockLive(tx, input.id);
    const next = {
      name: input.name ?? sub.name,
      url: input.url ?? sub.url,
      eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : sub.eventTypes,
      format: input.format ?? sub.format,
    };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    if (next.name !== sub.name) [before.name, after.name] = [sub.name, next.name];
    if (next.url !== sub.url) [before.url, after.url] = [sub.url, next.url];
    if (JSON.stringify(next.eventTypes) !== JSON.stringify(sub.eventTypes)) [before.eventTypes, after.eventTypes] = [sub.eventTypes, next.eventTypes];
    if (next.format !== sub.format) [before.format, after.format] = [sub.format, next.format];
    if (Object.keys(after).length === 0) throw badInput("Nothing to change: the subscription already has these settings.");
    const delivery = "url" in after || "eventTypes" in after || "format" in after;
    await tx.webhookSubscription.update({
      where: { id: sub.id },
      data: { ...next, ...(delivery ? { claimedBy: null, claimedUntil: null, attempts: 0, lastError: null, nextAttemptAt: now } : {}) },
    });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "webhook.updated",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: { name: next.name, before, after, cursorSeq: sub.cursorSeq.toString() },
    });
    return { id: sub.id, ...next };
  });
}

/**
 * Deletes (archives) a subscription. ADMIN or SECURITY. It is disabled and never claimed again, its secrets
 * are wiped, its claim released (a batch in flight may still arrive once; its result is not recorded), open
 * dead letters close as SKIPPED (their events will not be delivered); the row, attempts and dead letters stay
 * as evidence and its page stays readable. Deleting again is a CONFLICT. Locks the row.
 * Ledger: "webhook.deleted" with where it stood (URL, cursor, the dead letters it closed).
 */
export async function deleteWebhook(ctx: ServiceCtx, raw: z.input<typeof ZWebhookIdInput>) {
  assertManager(ctx);
  const input = ZWebhookIdInput.parse(raw);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const sub = await lockLive(tx, input.id);
    const moved = await tx.webhookSubscription.updateMany({
      where: { id: sub.id, deletedAt: null },
      data: {
        deletedAt: now,
        deletedById: ctx.actor.id,
        enabled: false,
        claimedBy: null,
        claimedUntil: null,
        secretRef: null,
        secretSealed: null,
        previousSecretRef: null,
        previousSecretSealed: null,
        previousSecretUntil: null,
      },
    });
    if (moved.count === 0) throw conflict("This webhook subscription was deleted.");
    const open = await tx.webhookDeadLetter.findMany({ where: { subscriptionId: sub.id, status: "OPEN" }, select: { id: true, fromSeq: true, toSeq: true } });
    if (open.length) await tx.webhookDeadLetter.updateMany({ where: { id: { in: open.map((d) => d.id) }, status: "OPEN" }, data: { status: "SKIPPED", resolvedAt: now, resolvedById: ctx.actor.id } });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "webhook.deleted",
      subjectType: "WebhookSubscription",
      subjectId: sub.id,
      occurredAt: now,
      payload: {
        name: sub.name,
        url: sub.url,
        eventTypes: sub.eventTypes,
        format: sub.format,
        cursorSeq: sub.cursorSeq.toString(),
        wasEnabled: sub.enabled,
        closedDeadLetters: open.map((d) => ({ id: d.id, fromSeq: d.fromSeq.toString(), toSeq: d.toSeq.toString() })),
      },
    });
    return { id: sub.id, deletedAt: now };
  });
}
