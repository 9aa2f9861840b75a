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
 *  - every transition is a conditional write; a lost race is a CONFLICT.
 */
import type { Tx } from "../../db";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { hasRole, ledgerActor, type ServiceCtx } from "../actor";
import { headSeq } from "../events/feed";
import { generateWebhookSecret, sealSecret } from "./secret";
import { ZCreateWebhookInput, ZDeadLetterInput, ZReplayWebhookInput, ZSetWebhookEnabledInput, type TCreateWebhookInput } from "./schema";
import type { z } from "zod";

async function lockSubscription(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT 1 FROM "WebhookSubscription" WHERE "id" = ${id}::uuid FOR UPDATE`;
}

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
    const sub = await tx.webhookSubscription.findUnique({ where: { id: input.id } });
    if (!sub) throw notFound("The webhook subscription");
    const moved = await tx.webhookSubscription.updateMany({ where: { id: sub.id, enabled: !input.enabled }, data: { enabled: input.enabled, nextAttemptAt: now } });
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
    await lockSubscription(tx, input.id);
    const sub = await tx.webhookSubscription.findUnique({ where: { id: input.id } });
    if (!sub) throw notFound("The webhook subscription");
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
