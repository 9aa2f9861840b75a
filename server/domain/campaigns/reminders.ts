/**
 * Reminders and due dates: the owner's "send reminders now" and "extend the due date", and the background
 * worker's scheduled reminders and overdue escalation.
 *
 * - A reminder goes to every reviewer with undecided items in an ACTIVE campaign: one notification each, with
 *   their count; their undecided items get `lastRemindedAt` (not a version bump: a reminder does not change
 *   what the reviewer decides on). "campaign.reminded" {reviewers, items}.
 * - Scheduled: `reminderDays` are days before the due date. At each such moment (after launch, before the
 *   due date) the job reminds once per scheduled day and reviewer (notification dedupeKey
 *   campaign-reminder:<campaign>:<due date>:<days>). After a long outage only the latest scheduled day is
 *   sent, not all the missed ones. Extending the due date gives a new schedule.
 * - Overdue: once the due date has passed with undecided items, the campaign owner and the fallback reviewer
 *   are told once, with "campaign.overdue" once per campaign and due date (an extended or escalated due date
 *   that passes again is a new overdue).
 */
import type { z } from "zod";
import type { PrismaClient, Tx } from "../../db";
import type { Campaign } from "../../db/generated/client";
import { badInput, conflict } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import type { ServiceCtx } from "../actor";
import { notify } from "../notifications/notify";
import { workKey } from "../notifications/resolve";
import { loadManagedCampaign, lockCampaign } from "./close";
import type { ZCampaignRef, ZExtendDueInput } from "./ops-schema";
import { formatDateTime } from "@/components/ui/format";

const DAY_MS = 86_400_000;

type ReminderKind = { manual: true } | { manual: false; daysBefore: number };

/**
 * Notifies every reviewer with undecided items (one notification each) and stamps their items. Returns how
 * many reviewers were notified (0: nothing undecided, or every one already had this scheduled reminder).
 */
async function remindReviewers(tx: Tx, c: Campaign, now: Date, kind: ReminderKind, actorId: string | null): Promise<{ reviewers: number; items: number }> {
  const perReviewer = await tx.reviewItem.groupBy({ by: ["reviewerId"], where: { campaignId: c.id, decision: null }, _count: { _all: true }, orderBy: { reviewerId: "asc" } });
  const reminded: string[] = [];
  let items = 0;
  for (const r of perReviewer) {
    const n = r._count._all;
    const sent = await notify(tx, {
      recipientIds: [r.reviewerId],
      kind: "campaign.reminder",
      title: `Reminder: ${n} access review item${n === 1 ? "" : "s"} to decide — ${c.name}`,
      body: `You have ${n} undecided access review item${n === 1 ? "" : "s"} in "${c.name}", due ${formatDateTime(c.dueAt)}.`,
      link: `/campaigns/${c.id}`,
      dedupeKey: kind.manual ? undefined : `campaign-reminder:${c.id}:${c.dueAt.toISOString()}:${kind.daysBefore}`,
      workKey: workKey.campaignReviewer(c.id, r.reviewerId),
    });
    if (sent > 0) {
      reminded.push(r.reviewerId);
      items += n;
    }
  }
  if (reminded.length === 0) return { reviewers: 0, items: 0 };
  await tx.reviewItem.updateMany({ where: { campaignId: c.id, decision: null, reviewerId: { in: reminded } }, data: { lastRemindedAt: now } });
  await recordEvent(tx, {
    actorId,
    action: "campaign.reminded",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: { reviewers: reminded.length, items, dueAt: c.dueAt, ...(kind.manual ? { manual: true } : { manual: false, daysBefore: kind.daysBefore }) },
  });
  return { reviewers: reminded.length, items };
}

/** The owner's (or an admin's) "send reminders now". ACTIVE campaigns only. */
export async function remindCampaign(ctx: ServiceCtx, input: z.output<typeof ZCampaignRef>): Promise<{ reminded: number; items: number }> {
  return ctx.db.$transaction(async (tx) => {
    const c = await loadManagedCampaign(tx, ctx.actor, input.campaignId, "send its reminders");
    if (c.status !== "ACTIVE") throw conflict(`This campaign is ${c.status.toLowerCase()}: reminders are only sent while it is active.`);
    const r = await remindReviewers(tx, c, ctx.now(), { manual: true }, ctx.actor.id);
    return { reminded: r.reviewers, items: r.items };
  });
}

/** Moves the due date later. ACTIVE only; the new date must be in the future and after the current one. */
export async function extendDue(ctx: ServiceCtx, input: z.output<typeof ZExtendDueInput>) {
  return ctx.db.$transaction(async (tx) => {
    const c = await loadManagedCampaign(tx, ctx.actor, input.campaignId, "extend its due date");
    if (c.status !== "ACTIVE") throw conflict(`This campaign is ${c.status.toLowerCase()}: only an active campaign's due date can be extended.`);
    const now = ctx.now();
    if (input.dueAt.getTime() <= now.getTime()) throw badInput("The new due date must be in the future.");
    if (input.dueAt.getTime() <= c.dueAt.getTime()) throw badInput(`The new due date must be later than the current one (${formatDateTime(c.dueAt)}).`);
    const moved = await tx.campaign.updateMany({ where: { id: c.id, status: "ACTIVE", dueAt: c.dueAt }, data: { dueAt: input.dueAt } });
    if (moved.count === 0) throw conflict("This campaign changed meanwhile: reload and try again.");
    await recordEvent(tx, {
      actorId: ctx.actor.id,
      action: "campaign.due_extended",
      subjectType: "Campaign",
      subjectId: c.id,
      occurredAt: now,
      payload: { from: c.dueAt, to: input.dueAt },
    });
    return tx.campaign.findUniqueOrThrow({ where: { id: c.id } });
  });
}

/**
 * Which scheduled reminder is due now: the latest `reminderDays` moment (dueAt − d days) that has passed,
 * not before launch, while the due date has not. null when none.
 */
export function dueReminderDay(c: Pick<Campaign, "dueAt" | "reminderDays" | "launchedAt" | "startsAt">, now: Date): number | null {
  if (now.getTime() >= c.dueAt.getTime()) return null;
  const from = (c.launchedAt ?? c.startsAt).getTime();
  const passed = c.reminderDays.filter((d) => {
    const at = c.dueAt.getTime() - d * DAY_MS;
    return at <= now.getTime() && at >= from;
  });
  return passed.length ? Math.min(...passed) : null;
}

/** Runs `fn` on the campaign if it is still ACTIVE and no other worker holds it (SKIP LOCKED). */
async function withClaimedActiveCampaign<T>(db: PrismaClient, campaignId: string, fn: (tx: Tx, c: Campaign) => Promise<T>): Promise<T | null> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Campaign" WHERE "id" = ${campaignId}::uuid AND "status" = 'ACTIVE' FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return null;
    const c = await lockCampaign(tx, campaignId);
    return c ? fn(tx, c) : null;
  });
}

/** The worker's scheduled reminders. Returns how many campaigns sent reminders. */
export async function sendScheduledReminders(db: PrismaClient, now: Date, limit = 200): Promise<{ processed: number }> {
  const nowIso = now.toISOString();
  const candidates = await db.$queryRaw<{ id: string }[]>`
    SELECT c."id" FROM "Campaign" c
     WHERE c."status" = 'ACTIVE' AND c."dueAt" > ${nowIso}::timestamp
       AND EXISTS (SELECT 1 FROM unnest(c."reminderDays") AS d(days)
                    WHERE c."dueAt" - make_interval(days => d.days) <= ${nowIso}::timestamp)
       AND EXISTS (SELECT 1 FROM "ReviewItem" i WHERE i."campaignId" = c."id" AND i."decision" IS NULL)
     ORDER BY c."dueAt", c."id"
     LIMIT ${limit}`;
  let processed = 0;
  for (const { id } of candidates) {
    const r = await withClaimedActiveCampaign(db, id, async (tx, c) => {
      const day = dueReminderDay(c, now);
      if (day === null) return 0;
      return (await remindReviewers(tx, c, now, { manual: false, daysBefore: day }, null)).reviewers;
    });
    if (r) processed++;
  }
  return { processed };
}

/**
 * The worker's overdue escalation: ACTIVE campaigns past their due date with undecided items tell the owner
 * and the fallback reviewer once per due date, with "campaign.overdue".
 */
export async function notifyOverdueCampaigns(db: PrismaClient, now: Date, limit = 200): Promise<{ processed: number }> {
  const candidates = await db.$queryRaw<{ id: string }[]>`
    SELECT c."id" FROM "Campaign" c
     WHERE c."status" = 'ACTIVE' AND c."dueAt" <= ${now.toISOString()}::timestamp
       AND EXISTS (SELECT 1 FROM "ReviewItem" i WHERE i."campaignId" = c."id" AND i."decision" IS NULL)
       AND NOT EXISTS (SELECT 1 FROM "Notification" n WHERE n."dedupeKey" = 'campaign-overdue:' || c."id"::text || ':' || to_char(c."dueAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ':' || c."ownerId"::text)
     ORDER BY c."dueAt", c."id"
     LIMIT ${limit}`;
  let processed = 0;
  for (const { id } of candidates) {
    const done = await withClaimedActiveCampaign(db, id, async (tx, c) => {
      if (c.dueAt.getTime() > now.getTime()) return false;
      const undecided = await tx.reviewItem.count({ where: { campaignId: c.id, decision: null } });
      if (undecided === 0) return false;
      const reviewers = await tx.reviewItem.groupBy({ by: ["reviewerId"], where: { campaignId: c.id, decision: null } });
      const sent = await notify(tx, {
        recipientIds: [c.ownerId, c.fallbackReviewerId],
        kind: "campaign.overdue",
        title: `Access review overdue: ${c.name}`,
        body: `"${c.name}" was due ${formatDateTime(c.dueAt)} and ${undecided} item${undecided === 1 ? " is" : "s are"} still undecided (${reviewers.length} reviewer${reviewers.length === 1 ? "" : "s"}). Remind the reviewers, extend the due date, or close the campaign to apply its default action (${c.defaultAction.toLowerCase()}).`,
        link: `/campaigns/${c.id}`,
        dedupeKey: `campaign-overdue:${c.id}:${c.dueAt.toISOString()}`,
        workKey: workKey.campaign(c.id),
      });
      if (sent === 0) return false;
      await recordEvent(tx, {
        actorId: null,
        action: "campaign.overdue",
        subjectType: "Campaign",
        subjectId: c.id,
        occurredAt: now,
        payload: { dueAt: c.dueAt, undecided, reviewers: reviewers.length, notified: [...new Set([c.ownerId, c.fallbackReviewerId])] },
      });
      return true;
    });
    if (done) processed++;
  }
  return { processed };
}
