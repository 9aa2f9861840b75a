/**
 * Closing a campaign: the decisions are applied in ONE transaction.
 *
 * 1. Undecided items get the campaign's default action, set-based (one UPDATE, whatever the population):
 *    - KEEP   → decision KEEP, `defaulted`;
 *    - REVOKE → decision REVOKE, `defaulted`;
 *    - ESCALATE → the FIRST close does not close: every undecided item is reassigned to the fallback reviewer
 *      (`routedFromId` = the reviewer who did not decide, `escalatedAt` set, version bumped; an item held by the
 *      fallback reviewer themself goes to the campaign owner, since nobody reviews their own access), the
 *      due date moves to max(now, due date) + 7 days, the campaign stays ACTIVE, "campaign.escalated" is
 *      recorded and the fallback reviewer is told. A campaign escalates once: a LATER close (anything still
 *      undecided after the escalation) keeps the remaining items, marked `defaulted`, with a comment saying
 *      so. Choice: an item nobody decided even after escalation is reported as an exception (defaulted,
 *      overdue) rather than revoked blind — removing unreviewed production access can cause an outage, and
 *      the report makes every such item visible to the auditor.
 * 2. Every REVOKE item (a person's decision or the default) goes through the normal revocation:
 *    `startRevocation(cause REVIEW)` — a REVOKE task in the outbox, confirmed by the connector's read-back —
 *    and its remediation is PENDING. A grant already being revoked for another reason (PENDING_REVOKE) is
 *    PENDING too (the job confirms it when that revocation lands); a grant already gone is CONFIRMED at once
 *    ("review.remediation_confirmed" with alreadyRemoved). Scale: the first CLOSE_IMMEDIATE_REVOCATIONS
 *    revocations are started in the close transaction; any beyond are marked PENDING in it (set-based) and
 *    started by the worker in batches (startDeferredRevocations), with the closer as the revoking actor.
 * 3. The campaign becomes REMEDIATING while any remediation is PENDING, else CLOSED (closedAt/By set either
 *    way: the moment it was closed), with "campaign.closed". A campaign with a recurrence that reaches CLOSED
 *    drafts its successor (createNextCampaign).
 *
 * Concurrency: the campaign row is locked (`FOR UPDATE`) first, so two closes serialise and the loser sees a
 * non-ACTIVE campaign (CONFLICT); every item write is conditional (`decision IS NULL`, remediation NONE) and
 * bumps `version`, so a reviewer's decision in flight on an item the close touched fails its version check.
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import type { Campaign } from "../../db/generated/client";
import { conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import type { Actor, ServiceCtx } from "../actor";
import { notify } from "../notifications/notify";
import { resolveCampaignWork, workKey } from "../notifications/resolve";
import { startRevocation } from "../provisioning/grant-lifecycle";
import { GRANT_IN_EFFECT } from "../grants/status";
import type { ZCampaignRef } from "./ops-schema";
import { canManageCampaign } from "./policy";
import { assertCanSeeCampaign } from "./visibility";
import { formatDateTime } from "@/components/ui/format";

const DAY_MS = 86_400_000;
/** How much time an escalation gives the fallback reviewer. */
export const ESCALATION_EXTENSION_MS = 7 * DAY_MS;

/** Locks the campaign row for the rest of the transaction and returns it (null if there is none). */
export async function lockCampaign(tx: Tx, campaignId: string): Promise<Campaign | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Campaign" WHERE "id" = ${campaignId}::uuid FOR UPDATE`;
  if (rows.length === 0) return null;
  return tx.campaign.findUnique({ where: { id: campaignId } });
}

/**
 * Loads (and locks) a campaign the actor manages. NOT_FOUND when there is none or the actor may not see it
 * (visibility.ts); FORBIDDEN when they see it but do not manage it.
 */
export async function loadManagedCampaign(tx: Tx, actor: Actor, campaignId: string, what: string): Promise<Campaign> {
  const c = await lockCampaign(tx, campaignId);
  if (!c) throw notFound("The campaign");
  if (!canManageCampaign(actor, c)) {
    await assertCanSeeCampaign(tx, actor, c);
    throw forbidden(`Only the campaign's owner or an admin can ${what}.`);
  }
  return c;
}

export type CloseResult = {
  status: "ACTIVE" | "REMEDIATING" | "CLOSED";
  revocationsRequested: number;
  defaulted: number;
  /** Items escalated to the fallback reviewer (ESCALATE default action, first close only). */
  escalated: number;
  dueAt: Date;
};

/**
 * How many revocations closing starts in its own transaction (~3 ms each on PostgreSQL: a task and a ledger
 * event per grant). Beyond this, items are marked PENDING in the same transaction and the worker starts their
 * revocations in batches, so closing a campaign with tens of thousands of REVOKE items does not hold one long
 * transaction (and the ledger head) for minutes.
 */
export const CLOSE_IMMEDIATE_REVOCATIONS = 500;

export async function closeCampaign(ctx: ServiceCtx, input: z.output<typeof ZCampaignRef>, opts = { immediateRevocations: CLOSE_IMMEDIATE_REVOCATIONS }): Promise<CloseResult> {
  return ctx.db.$transaction(async (tx) => {
    const c = await loadManagedCampaign(tx, ctx.actor, input.campaignId, "close it");
    if (c.status !== "ACTIVE") throw conflict(`This campaign is ${c.status.toLowerCase()}: only an active campaign can be closed.`);
    const now = ctx.now();
    const undecided = await tx.reviewItem.count({ where: { campaignId: c.id, decision: null } });
    const escalatedBefore = (await tx.reviewItem.count({ where: { campaignId: c.id, escalatedAt: { not: null } } })) > 0;
    if (c.defaultAction === "ESCALATE" && undecided > 0 && !escalatedBefore) return escalate(tx, c, ctx.actor, now);
    return applyAndClose(tx, c, ctx.actor, now, escalatedBefore, opts);
  });
}

async function escalate(tx: Tx, c: Campaign, actor: Actor, now: Date): Promise<CloseResult> {
  const fb = c.fallbackReviewerId;
  const nowIso = now.toISOString();
  const reason = `Escalated when the campaign was closed: not decided by ${formatDateTime(c.dueAt)}.`;
  // To the fallback reviewer (not for items the fallback reviewer holds: nobody reviews their own access).
  const toFallback = await tx.$executeRaw`
    UPDATE "ReviewItem" SET "routedFromId" = "reviewerId", "reviewerId" = ${fb}::uuid, "routingReason" = ${reason},
           "escalatedAt" = ${nowIso}::timestamp, "version" = "version" + 1
     WHERE "campaignId" = ${c.id}::uuid AND "decision" IS NULL AND "reviewerId" <> ${fb}::uuid AND "identityId" <> ${fb}::uuid`;
  // The fallback reviewer's own access goes to the campaign owner instead.
  const ownerReason = `${reason} The fallback reviewer holds this access, so it went to the campaign owner.`;
  const toOwner = await tx.$executeRaw`
    UPDATE "ReviewItem" SET "routedFromId" = "reviewerId", "reviewerId" = ${c.ownerId}::uuid, "routingReason" = ${ownerReason},
           "escalatedAt" = ${nowIso}::timestamp, "version" = "version" + 1
     WHERE "campaignId" = ${c.id}::uuid AND "decision" IS NULL AND "escalatedAt" IS NULL
       AND "identityId" = ${fb}::uuid AND "reviewerId" <> ${c.ownerId}::uuid AND "identityId" <> ${c.ownerId}::uuid`;
  // What is left (already with the fallback reviewer, or nobody else to send it to) is marked escalated where it is.
  const inPlace = await tx.$executeRaw`
    UPDATE "ReviewItem" SET "escalatedAt" = ${nowIso}::timestamp, "version" = "version" + 1
     WHERE "campaignId" = ${c.id}::uuid AND "decision" IS NULL AND "escalatedAt" IS NULL`;
  const escalated = toFallback + toOwner + inPlace;
  const dueAt = new Date(Math.max(now.getTime(), c.dueAt.getTime()) + ESCALATION_EXTENSION_MS);
  const moved = await tx.campaign.updateMany({ where: { id: c.id, status: "ACTIVE", dueAt: c.dueAt }, data: { dueAt } });
  if (moved.count === 0) throw conflict("This campaign changed while it was being closed: reload and try again.");
  const perReviewer = await tx.reviewItem.groupBy({ by: ["reviewerId"], where: { campaignId: c.id, decision: null }, _count: { _all: true } });
  // Reviewers whose items all moved to someone else have nothing left to do here.
  await resolveCampaignWork(tx, c.id, now, perReviewer.map((r) => r.reviewerId));
  for (const r of perReviewer) {
    await notify(tx, {
      recipientIds: [r.reviewerId],
      kind: "campaign.escalated",
      title: `Access review escalated to you: ${c.name}`,
      body: `${r._count._all} access review item${r._count._all === 1 ? " was" : "s were"} not decided in time and ${r._count._all === 1 ? "is" : "are"} now yours to decide in "${c.name}", by ${formatDateTime(dueAt)}.`,
      link: `/campaigns/${c.id}`,
      workKey: workKey.campaignReviewer(c.id, r.reviewerId),
    });
  }
  await recordEvent(tx, {
    actorId: actor.id,
    action: "campaign.escalated",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: { items: escalated, toFallback, toOwner, inPlace, fallbackReviewerId: fb, previousDueAt: c.dueAt, dueAt },
  });
  return { status: "ACTIVE", revocationsRequested: 0, defaulted: 0, escalated, dueAt };
}

async function applyAndClose(tx: Tx, c: Campaign, actor: Actor, now: Date, escalatedBefore: boolean, opts: { immediateRevocations: number }): Promise<CloseResult> {
  const decidedByPeople = await tx.reviewItem.count({ where: { campaignId: c.id, decision: { not: null }, defaulted: false } });
  const decision = c.defaultAction === "REVOKE" ? "REVOKE" : "KEEP";
  const comment =
    c.defaultAction === "ESCALATE"
      ? "Escalated, and still not decided when the campaign closed: kept by default (reported as an exception)."
      : `Not decided when the campaign closed: ${decision === "KEEP" ? "kept" : "revoked"} by the campaign's default action.`;
  const defaulted = (
    await tx.reviewItem.updateMany({
      where: { campaignId: c.id, decision: null },
      data: { decision, defaulted: true, decidedAt: now, comment, version: { increment: 1 } },
    })
  ).count;

  // Revocations: through the normal outbox, one task per grant still in effect.
  const revokeOpen = { campaignId: c.id, decision: "REVOKE" as const, remediation: "NONE" as const };
  const noteOf = (comment: string | null) => `Access review ${c.name}: ${comment?.trim() || "revoked"}`.slice(0, 1000);

  // (a) Access already gone (revoked meanwhile, e.g. expired): confirmed at once, nothing to revoke.
  const gone = await tx.reviewItem.findMany({
    where: { ...revokeOpen, grant: { status: { notIn: GRANT_IN_EFFECT } } },
    select: { id: true, grantId: true, grant: { select: { status: true, revokedAt: true, revocationCause: true } } },
    orderBy: { id: "asc" },
  });
  for (const it of gone) {
    const removedAt = it.grant.revokedAt ?? now;
    await tx.reviewItem.updateMany({ where: { id: it.id, remediation: "NONE" }, data: { remediation: "CONFIRMED", remediatedAt: removedAt, version: { increment: 1 } } });
    await recordEvent(tx, {
      actorId: actor.id,
      action: "review.remediation_confirmed",
      subjectType: "ReviewItem",
      subjectId: it.id,
      occurredAt: now,
      payload: {
        campaignId: c.id,
        grantId: it.grantId,
        alreadyRemoved: true,
        grantStatus: it.grant.status,
        revokedAt: it.grant.revokedAt,
        cause: it.grant.revocationCause,
        note: "The access was already removed before the campaign closed: nothing to revoke.",
      },
    });
  }
  const alreadyRemoved = gone.length;

  // (b) Being removed for another reason already (PENDING_REVOKE): PENDING, confirmed when that revocation lands.
  const inProgress = (await tx.reviewItem.updateMany({ where: { ...revokeOpen, grant: { status: "PENDING_REVOKE" } }, data: { remediation: "PENDING", version: { increment: 1 } } })).count;

  // (c) Started now: every grant whose earlier revocation failed, and ACTIVE grants up to the limit.
  const startNow = [
    ...(await tx.reviewItem.findMany({ where: { ...revokeOpen, grant: { status: "REVOKE_FAILED" } }, select: { id: true, grantId: true, comment: true }, orderBy: { id: "asc" } })),
    ...(await tx.reviewItem.findMany({ where: { ...revokeOpen, grant: { status: "ACTIVE" } }, select: { id: true, grantId: true, comment: true }, orderBy: { id: "asc" }, take: opts.immediateRevocations })),
  ];
  let tasksCreated = 0;
  for (const it of startNow) {
    // A lost race (null) leaves the item PENDING: the remediation job settles it from the grant's state.
    if (await startRevocation(tx, { grantId: it.grantId, cause: "REVIEW", actorId: actor.id, note: noteOf(it.comment), now })) tasksCreated++;
  }
  if (startNow.length > 0) {
    await tx.reviewItem.updateMany({ where: { id: { in: startNow.map((i) => i.id) }, remediation: "NONE" }, data: { remediation: "PENDING", version: { increment: 1 } } });
  }

  // (d) The rest (ACTIVE grants beyond the limit): PENDING now, set-based; the worker starts their revocations
  // in batches (startDeferredRevocations in remediation.ts), so closing a huge campaign stays one short transaction.
  const deferred = (await tx.reviewItem.updateMany({ where: { ...revokeOpen, grant: { status: "ACTIVE" } }, data: { remediation: "PENDING", version: { increment: 1 } } })).count;

  const pending = inProgress + startNow.length + deferred;
  const status = pending > 0 ? "REMEDIATING" : "CLOSED";
  const moved = await tx.campaign.updateMany({ where: { id: c.id, status: "ACTIVE" }, data: { status, closedAt: now, closedById: actor.id } });
  if (moved.count === 0) throw conflict("This campaign was closed by someone else meanwhile.");
  // Nothing is left to review: every reviewer's reminder and the owner's "overdue" are done.
  await resolveCampaignWork(tx, c.id, now);
  await recordEvent(tx, {
    actorId: actor.id,
    action: "campaign.closed",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: {
      status,
      population: c.populationCount,
      decided: decidedByPeople,
      defaulted,
      defaultAction: c.defaultAction,
      defaultApplied: decision,
      afterEscalation: escalatedBefore,
      revocationsRequested: pending,
      revocationTasksCreated: tasksCreated,
      revocationsDeferred: deferred,
      alreadyBeingRevoked: inProgress,
      alreadyRemoved,
    },
  });
  if (status === "CLOSED") await createNextCampaign(tx, c, now, actor.id);
  return { status, revocationsRequested: pending, defaulted, escalated: 0, dueAt: c.dueAt };
}

const PERIOD_MONTHS: Record<string, number> = { MONTHLY: 1, QUARTERLY: 3, YEARLY: 12 };

/** `d` plus `months` calendar months (UTC), the day clamped to the target month's length (31 Jan + 1 → 28/29 Feb). */
export function addMonthsUtc(d: Date, months: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const daysInTarget = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), daysInTarget));
  return target;
}

/**
 * Recurrence: when a campaign with a recurrence reaches CLOSED (at close, or when its remediation completes),
 * the next one is created from the same definition as a DRAFT (launching takes the snapshot, so it needs the
 * owner's launch), `previousId` = this campaign, start shifted by the period and the same review window
 * (due = start + the old due − the old start). If that window is already over (a campaign closed very late),
 * it is shifted by further periods until the due date is in the future. At most one successor per campaign.
 * "campaign.created" {recurrenceOf}; the owner is told. Returns the new id, or null.
 */
export async function createNextCampaign(tx: Tx, c: Campaign, now: Date, actorId: string | null): Promise<string | null> {
  const months = c.recurrence ? PERIOD_MONTHS[c.recurrence] : undefined;
  if (!months) return null;
  if (await tx.campaign.findFirst({ where: { previousId: c.id }, select: { id: true } })) return null;
  const windowMs = c.dueAt.getTime() - c.startsAt.getTime();
  let k = 1;
  let startsAt = addMonthsUtc(c.startsAt, months);
  while (startsAt.getTime() + windowMs <= now.getTime() && k < 1200) {
    k++;
    startsAt = addMonthsUtc(c.startsAt, months * k);
  }
  const dueAt = new Date(startsAt.getTime() + windowMs);
  const next = await tx.campaign.create({
    data: {
      name: c.name,
      description: c.description,
      ownerId: c.ownerId,
      status: "DRAFT",
      scope: c.scope as object,
      reviewerStrategy: c.reviewerStrategy,
      namedReviewerIds: c.namedReviewerIds,
      fallbackReviewerId: c.fallbackReviewerId,
      startsAt,
      dueAt,
      reminderDays: c.reminderDays,
      defaultAction: c.defaultAction,
      recurrence: c.recurrence,
      previousId: c.id,
    },
  });
  await recordEvent(tx, {
    actorId,
    action: "campaign.created",
    subjectType: "Campaign",
    subjectId: next.id,
    occurredAt: now,
    payload: { recurrenceOf: c.id, recurrence: c.recurrence, name: next.name, status: "DRAFT", startsAt, dueAt, scope: c.scope as object },
  });
  await notify(tx, {
    recipientIds: [c.ownerId],
    kind: "campaign.recurrence_drafted",
    title: `Next access review drafted: ${c.name}`,
    body: `"${c.name}" recurs ${c.recurrence!.toLowerCase()}: the next campaign (${formatDateTime(startsAt)} to ${formatDateTime(dueAt)}) is a draft waiting for you to launch it.`,
    link: `/campaigns/${next.id}`,
    dedupeKey: `campaign-next:${c.id}`,
  });
  return next.id;
}
