/**
 * Reads of webhook subscriptions for the admin page: ADMIN, SECURITY and AUDITOR (the ledger's readers; an
 * auditor sees where evidence flows, changes nothing). Secrets never leave: only whether one is a reference
 * (and which) or generated.
 */
import type { Tx } from "../../db";
import { forbidden, notFound } from "../../errors";
import { hasRole, type Actor } from "../actor";
import { headSeq } from "../events/feed";
import type { WebhookState, WebhookView } from "./schema";

function assertReader(actor: Actor) {
  if (!hasRole(actor, "ADMIN", "SECURITY", "AUDITOR")) throw forbidden("Only admins, security and auditors may see webhook subscriptions.");
}

function stateOf(s: { enabled: boolean; deletedAt: Date | null; pausedAt: Date | null; attempts: number; cursorSeq: bigint }, head: bigint): WebhookState {
  if (s.deletedAt) return "deleted";
  if (!s.enabled) return "disabled";
  if (s.pausedAt) return "paused";
  if (s.attempts > 0) return "retrying";
  return s.cursorSeq >= head ? "caught up" : "delivering";
}

export type WebhookRow = WebhookView & { createdAt: Date };

const withOpenCount = { _count: { select: { deadLetters: { where: { status: "OPEN" as const } } } } };

/** Every subscription with its cursor and lag (head − cursor), newest first; deleted ones after the live ones. */
export async function listWebhooks(db: Tx, actor: Actor): Promise<{ head: string; rows: WebhookRow[] }> {
  assertReader(actor);
  const head = await headSeq(db);
  const subs = await db.webhookSubscription.findMany({ orderBy: [{ deletedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }, { id: "asc" }], take: 500, include: withOpenCount });
  return { head: head.toString(), rows: subs.map((s) => rowOf(s, head)) };
}

type SubWithCount = Awaited<ReturnType<Tx["webhookSubscription"]["findMany"]>>[number] & { _count: { deadLetters: number } };

function rowOf(s: SubWithCount, head: bigint): WebhookRow {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    eventTypes: s.eventTypes,
    format: s.format,
    secret: s.deletedAt ? "removed (deleted)" : s.secretRef ? `reference ${s.secretRef}` : "generated (shown once)",
    previousSecretUntil: s.previousSecretUntil,
    secretRotatedAt: s.secretRotatedAt,
    enabled: s.enabled,
    deletedAt: s.deletedAt,
    state: stateOf(s, head),
    cursorSeq: s.cursorSeq.toString(),
    lag: (head > s.cursorSeq ? head - s.cursorSeq : 0n).toString(),
    attempts: s.attempts,
    nextAttemptAt: s.nextAttemptAt,
    lastError: s.lastError,
    lastDeliveredAt: s.lastDeliveredAt,
    openDeadLetters: s._count.deadLetters,
    createdAt: s.createdAt,
  };
}

/** One subscription: its row, its 20 latest attempts and its dead letters (open first). */
export async function webhookDetail(db: Tx, actor: Actor, id: string) {
  assertReader(actor);
  const sub = await db.webhookSubscription.findUnique({ where: { id }, include: withOpenCount });
  if (!sub) throw notFound("The webhook subscription");
  const headNow = await headSeq(db);
  const row = rowOf(sub, headNow);
  const head = headNow.toString();
  const [attempts, deadLetters] = await Promise.all([
    db.webhookAttempt.findMany({ where: { subscriptionId: id }, orderBy: [{ at: "desc" }, { id: "asc" }], take: 20 }),
    db.webhookDeadLetter.findMany({ where: { subscriptionId: id }, orderBy: [{ status: "asc" }, { createdAt: "desc" }], take: 50 }),
  ]);
  return {
    head,
    subscription: row,
    attempts: attempts.map((a) => ({ id: a.id, at: a.at, fromSeq: a.fromSeq.toString(), toSeq: a.toSeq.toString(), events: a.events, httpStatus: a.httpStatus, ok: a.ok, error: a.error, durationMs: a.durationMs })),
    deadLetters: deadLetters.map((d) => ({ id: d.id, createdAt: d.createdAt, fromSeq: d.fromSeq.toString(), toSeq: d.toSeq.toString(), events: d.events, attempts: d.attempts, lastError: d.lastError, status: d.status, resolvedAt: d.resolvedAt })),
  };
}
