/**
 * Reviewing: decide an item (KEEP / REVOKE), decide many at once (or accept suggestions), reassign one or
 * many. Each call is one transaction that holds the campaign row FOR SHARE (so closing the campaign waits
 * for it, and a decision never lands after the close), writes each item conditionally on the version the reviewer loaded
 * (CONFLICT for the loser of a race) and records one ledger event per item.
 *
 * Rules:
 * - Only the item's current reviewer decides it (after a reassignment, the previous reviewer cannot).
 * - The campaign must be ACTIVE ("The campaign is closed" otherwise) and the item undecided.
 * - KEEP of privileged access, or of access with unverified origin (imported, or no approved request behind
 *   it), needs a comment of 5..2000 characters; a REVOKE comment is optional.
 * - Reassign: the current reviewer, the campaign's owner or an ADMIN; to an active person who is not the
 *   holder (nobody reviews their own access) and not already the reviewer; a reason is required.
 * - Bulk decide and bulk reassign apply the same per-item rules to at most BULK_MAX items and return the
 *   refusals per item. Accepting suggestions is a bulk decision with `asSuggested`: each item is decided only
 *   if the server, in this transaction, still suggests that decision (./suggestions.ts), and its comment
 *   names the suggestion's reasons.
 * Revocations are not started here: closing the campaign applies the decisions (close.ts).
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import type { ReviewDecision, ReviewItem } from "../../db/generated/client";
import { DomainError, badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { notify } from "../notifications/notify";
import { resolveReviewerIfDone, resolveWork, workKey } from "../notifications/resolve";
import { ledgerActor, type Actor, type ServiceCtx } from "../actor";
import { lockIdentities } from "../locks";
import { canManageCampaign, canSeeWholeCampaign } from "./policy";
import { COMMENT_MAX, COMMENT_MIN, commentRequired, type ZBulkDecideInput, type ZBulkReassignInput, type ZDecideInput, type ZReassignInput } from "./schema";
import { suggestionsFor } from "./suggestions";

export const CAMPAIGN_CLOSED = "The campaign is closed: decisions and reassignments are no longer accepted.";

/** Locks the campaign row FOR SHARE for the rest of the transaction and returns it. */
async function lockCampaign(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<{ id: string; name: string; status: string; ownerId: string }[]>`
    SELECT "id", "name", "status"::text AS "status", "ownerId" FROM "Campaign" WHERE "id" = ${id}::uuid FOR SHARE`;
  return rows[0] ?? null;
}

/** The item's reviewer, its previous reviewer, or someone who sees the whole campaign; others get NOT_FOUND. */
function mayLookAt(actor: Actor, item: { reviewerId: string; routedFromId: string | null }, campaign: { ownerId: string }): boolean {
  return item.reviewerId === actor.id || item.routedFromId === actor.id || canSeeWholeCampaign(actor, campaign);
}

type LoadedItem = ReviewItem & { grant: { requestId: string | null } };

const loadItem = (tx: Tx, id: string) => tx.reviewItem.findUnique({ where: { id }, include: { grant: { select: { requestId: true } } } });

export function originUnverified(item: { origin: string; grant: { requestId: string | null } }): boolean {
  return item.origin === "IMPORTED" || item.grant.requestId === null;
}

/** The rule checks of one decision by the actor; throws the DomainError that refuses it. */
function checkDecision(actorId: string, item: LoadedItem, expectedVersion: number, decision: ReviewDecision, comment: string | undefined) {
  // Staleness first: a previous reviewer deciding from an old page learns the item moved on (CONFLICT).
  if (item.decision) throw conflict(`This item was already decided (${item.decision}).`);
  if (item.version !== expectedVersion) throw conflict("This item changed after you loaded it (decided or reassigned). Reload to see its current state.");
  if (item.reviewerId !== actorId) throw forbidden("Only the item's current reviewer can decide it.");
  const privileged = item.privileged;
  const unverified = originUnverified(item);
  if (commentRequired(decision, { privileged, originUnverified: unverified }) && (!comment || comment.length < COMMENT_MIN)) {
    const why = privileged && unverified ? "privileged access of unverified origin" : privileged ? "privileged access" : "access of unverified origin (imported, no approved request)";
    throw badInput(`comment: a comment of at least ${COMMENT_MIN} characters is required to keep ${why}.`);
  }
}

/** The conditional write of one decision; false when the item changed in between. */
async function writeDecision(tx: Tx, ctx: ServiceCtx, item: LoadedItem, expectedVersion: number, decision: ReviewDecision, comment: string | undefined, now: Date) {
  const res = await tx.reviewItem.updateMany({
    where: { id: item.id, version: expectedVersion, decision: null, reviewerId: ctx.actor.id },
    data: { decision, comment: comment ?? null, decidedAt: now, decidedById: ctx.actor.id, version: { increment: 1 } },
  });
  if (res.count !== 1) return false;
  await resolveWork(tx, [workKey.reviewItem(item.campaignId, item.id)], now);
  await resolveReviewerIfDone(tx, item.campaignId, ctx.actor.id, now);
  await recordEvent(tx, {
    ...ledgerActor(ctx.actor),
    action: "review.decided",
    subjectType: "ReviewItem",
    subjectId: item.id,
    occurredAt: now,
    payload: {
      campaignId: item.campaignId,
      grantId: item.grantId,
      identityId: item.identityId,
      identity: item.identityName,
      entitlementId: item.entitlementId,
      entitlement: `${item.entitlementName} (${item.systemName})`,
      decision,
      comment: comment ?? null,
      version: expectedVersion + 1,
    },
  });
  return true;
}

/** Decides one item. Returns the item as stored. */
export async function decideItem(ctx: ServiceCtx, input: z.output<typeof ZDecideInput>): Promise<ReviewItem> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const item = await loadItem(tx, input.itemId);
    if (!item) throw notFound("The review item");
    const campaign = await lockCampaign(tx, item.campaignId);
    if (!campaign) throw notFound("The campaign");
    if (!mayLookAt(ctx.actor, item, campaign)) throw notFound("The review item");
    if (campaign.status !== "ACTIVE") throw conflict(CAMPAIGN_CLOSED);
    checkDecision(ctx.actor.id, item, input.expectedVersion, input.decision, input.comment);
    if (!(await writeDecision(tx, ctx, item, input.expectedVersion, input.decision, input.comment, now))) {
      throw conflict("This item changed after you loaded it (decided or reassigned). Reload to see its current state.");
    }
    return tx.reviewItem.findUniqueOrThrow({ where: { id: item.id } });
  });
}

/** The comment of a decision taken by accepting a suggestion: the evidence says why. */
export function suggestionComment(text: string, extra: string | undefined): string {
  const base = `Accepted suggestion: ${text}`;
  return (extra ? `${base}. ${extra}` : base).slice(0, COMMENT_MAX);
}

export type BulkResult = { decided: number; conflicts: { itemId: string; reason: string }[] };

/**
 * Decides many items of one campaign with one decision (and comment), each under the same rules as a
 * single decision, in one transaction. Items that cannot be decided (someone else's, already decided,
 * changed since loaded, a comment required) are returned as conflicts with the reason; the others are
 * decided. Refused as a whole when the campaign is closed or none of the items is the caller's.
 */
export async function bulkDecide(ctx: ServiceCtx, input: z.output<typeof ZBulkDecideInput>): Promise<BulkResult> {
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      const campaign = await lockCampaign(tx, input.campaignId);
      if (!campaign) throw notFound("The campaign");
      const items = await tx.reviewItem.findMany({
        where: { id: { in: input.items.map((i) => i.itemId) }, campaignId: campaign.id },
        include: { grant: { select: { requestId: true } } },
      });
      const mine = items.filter((i) => i.reviewerId === ctx.actor.id);
      if (mine.length === 0) {
        if (!canSeeWholeCampaign(ctx.actor, campaign) && !(await tx.reviewItem.findFirst({ where: { campaignId: campaign.id, reviewerId: ctx.actor.id }, select: { id: true } }))) {
          throw notFound("The campaign");
        }
        throw forbidden("None of these items are assigned to you: only an item's current reviewer can decide it.");
      }
      if (campaign.status !== "ACTIVE") throw conflict(CAMPAIGN_CLOSED);
      const byId = new Map(items.map((i) => [i.id, i]));
      // Accepting suggestions: what the server suggests now, in this transaction (the data may have changed
      // since the page showed them).
      const suggested = input.asSuggested ? await suggestionsFor(tx, mine.map((i) => i.id)) : null;
      const result: BulkResult = { decided: 0, conflicts: [] };
      for (const { itemId, expectedVersion } of input.items) {
        const item = byId.get(itemId);
        if (!item) {
          result.conflicts.push({ itemId, reason: "This item is not part of this campaign." });
          continue;
        }
        let comment = input.comment;
        try {
          if (suggested && item.reviewerId === ctx.actor.id && !item.decision) {
            const s = suggested.get(item.id)?.suggestion ?? null;
            if (!s) throw conflict("No decision is suggested for this item any more (its facts changed): decide it yourself.");
            if (s.decision !== input.decision) throw conflict(`The suggestion changed: it is now “${s.text}”. Reload to see it.`);
            comment = suggestionComment(s.text, input.comment);
          }
          checkDecision(ctx.actor.id, item, expectedVersion, input.decision, comment);
        } catch (e) {
          if (e instanceof DomainError) {
            result.conflicts.push({ itemId, reason: e.message });
            continue;
          }
          throw e;
        }
        if (await writeDecision(tx, ctx, item, expectedVersion, input.decision, comment, now)) result.decided++;
        else result.conflicts.push({ itemId, reason: "This item changed after you loaded it (decided or reassigned). Reload to see its current state." });
      }
      return result;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

type Reviewer = { id: string; displayName: string; kind: string; status: string };

/** The new reviewer, locked against the leaver flow (server/domain/locks.ts); must be an active person. */
async function loadNewReviewer(tx: Tx, toId: string): Promise<Reviewer> {
  await lockIdentities(tx, [toId]);
  const to = await tx.identity.findUnique({ where: { id: toId }, select: { id: true, displayName: true, kind: true, status: true } });
  if (!to) throw badInput(`toId: the new reviewer must be an active person: no identity with id ${toId} exists.`);
  if (to.kind !== "HUMAN" || to.status !== "ACTIVE") throw badInput(`toId: the new reviewer must be an active person: "${to.displayName}" is not.`);
  return to;
}

/** The per-item rules of a reassignment (the campaign is known ACTIVE); throws the DomainError that refuses it. */
function checkReassign(actor: Actor, item: ReviewItem, campaign: { ownerId: string }, to: Reviewer, expectedVersion: number) {
  if (item.reviewerId !== actor.id && !canManageCampaign(actor, campaign)) throw forbidden("Only the item's reviewer, the campaign's owner or an admin can reassign it.");
  if (item.decision) throw conflict(`This item was already decided (${item.decision}): it can no longer be reassigned.`);
  if (item.version !== expectedVersion) throw conflict("This item changed after you loaded it (decided or reassigned). Reload to see its current state.");
  if (to.id === item.identityId) throw badInput(`toId: ${to.displayName} holds this access and cannot review it (no self-review).`);
  if (to.id === item.reviewerId) throw badInput(`toId: ${to.displayName} is already the reviewer of this item.`);
}

/** The conditional write of one reassignment with its ledger event; false when the item changed in between. */
async function writeReassign(tx: Tx, ctx: ServiceCtx, item: ReviewItem, to: Reviewer, expectedVersion: number, reason: string, now: Date): Promise<boolean> {
  const res = await tx.reviewItem.updateMany({
    where: { id: item.id, version: expectedVersion, decision: null },
    data: { reviewerId: to.id, routedFromId: item.reviewerId, routingReason: `reassigned: ${reason}`, lastRemindedAt: null, version: { increment: 1 } },
  });
  if (res.count !== 1) return false;
  // The item is no longer the previous reviewer's work (nor that of whoever it was reassigned to before).
  await resolveWork(tx, [workKey.reviewItem(item.campaignId, item.id)], now);
  await resolveReviewerIfDone(tx, item.campaignId, item.reviewerId, now);
  await recordEvent(tx, {
    ...ledgerActor(ctx.actor),
    action: "review.reassigned",
    subjectType: "ReviewItem",
    subjectId: item.id,
    occurredAt: now,
    payload: { campaignId: item.campaignId, grantId: item.grantId, fromId: item.reviewerId, toId: to.id, reason, version: expectedVersion + 1 },
  });
  return true;
}

/** Moves an undecided item to another reviewer. Records "review.reassigned" and notifies the new reviewer. */
export async function reassignItem(ctx: ServiceCtx, input: z.output<typeof ZReassignInput>): Promise<ReviewItem> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const item = await loadItem(tx, input.itemId);
    if (!item) throw notFound("The review item");
    const campaign = await lockCampaign(tx, item.campaignId);
    if (!campaign) throw notFound("The campaign");
    const isReviewer = item.reviewerId === ctx.actor.id;
    if (!mayLookAt(ctx.actor, item, campaign)) throw notFound("The review item");
    if (!isReviewer && !canManageCampaign(ctx.actor, campaign)) throw forbidden("Only the item's reviewer, the campaign's owner or an admin can reassign it.");
    if (campaign.status !== "ACTIVE") throw conflict(CAMPAIGN_CLOSED);
    if (item.decision) throw conflict(`This item was already decided (${item.decision}): it can no longer be reassigned.`);
    if (item.version !== input.expectedVersion) throw conflict("This item changed after you loaded it (decided or reassigned). Reload to see its current state.");
    const to = await loadNewReviewer(tx, input.toId);
    checkReassign(ctx.actor, item, campaign, to, input.expectedVersion);
    if (!(await writeReassign(tx, ctx, item, to, input.expectedVersion, input.reason, now))) {
      throw conflict("This item changed after you loaded it (decided or reassigned). Reload to see its current state.");
    }
    await notify(tx, {
      recipientIds: [to.id],
      kind: "review.reassigned",
      title: `Access review reassigned to you: ${campaign.name}`,
      body: `${ctx.actor.displayName} asked you to review ${item.identityName}'s access to ${item.entitlementName} (${item.systemName}): ${input.reason}`,
      link: `/campaigns/${campaign.id}`,
      dedupeKey: `review.reassigned:${item.id}:v${input.expectedVersion + 1}`,
      workKey: workKey.reviewItem(item.campaignId, item.id),
    });
    return tx.reviewItem.findUniqueOrThrow({ where: { id: item.id } });
  });
}

export type BulkReassignResult = { reassigned: number; conflicts: { itemId: string; reason: string }[] };

/**
 * Moves many undecided items of one campaign to another reviewer, each under the same rules as a single
 * reassignment (the item's reviewer, the campaign's owner or an admin; never to the item's holder; the
 * version the caller loaded), in one transaction with one "review.reassigned" event per item. Items that
 * cannot be moved come back as conflicts with the reason. The new reviewer gets one notification for the
 * whole call. Refused as a whole when the campaign is closed, the new reviewer is not an active person,
 * or the caller may reassign none of the items.
 */
export async function bulkReassign(ctx: ServiceCtx, input: z.output<typeof ZBulkReassignInput>): Promise<BulkReassignResult> {
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      const campaign = await lockCampaign(tx, input.campaignId);
      if (!campaign) throw notFound("The campaign");
      const manages = canManageCampaign(ctx.actor, campaign);
      const items = await tx.reviewItem.findMany({ where: { id: { in: input.items.map((i) => i.itemId) }, campaignId: campaign.id } });
      if (!manages && !items.some((i) => i.reviewerId === ctx.actor.id)) {
        if (!canSeeWholeCampaign(ctx.actor, campaign) && !(await tx.reviewItem.findFirst({ where: { campaignId: campaign.id, reviewerId: ctx.actor.id }, select: { id: true } }))) {
          throw notFound("The campaign");
        }
        throw forbidden("Only the item's reviewer, the campaign's owner or an admin can reassign it: none of these items are yours to reassign.");
      }
      if (campaign.status !== "ACTIVE") throw conflict(CAMPAIGN_CLOSED);
      const to = await loadNewReviewer(tx, input.toId);
      const byId = new Map(items.map((i) => [i.id, i]));
      const result: BulkReassignResult = { reassigned: 0, conflicts: [] };
      const moved: ReviewItem[] = [];
      for (const { itemId, expectedVersion } of input.items) {
        const item = byId.get(itemId);
        if (!item) {
          result.conflicts.push({ itemId, reason: "This item is not part of this campaign." });
          continue;
        }
        try {
          checkReassign(ctx.actor, item, campaign, to, expectedVersion);
        } catch (e) {
          if (e instanceof DomainError) {
            result.conflicts.push({ itemId, reason: e.message.replace(/^toId: /, "") });
            continue;
          }
          throw e;
        }
        if (await writeReassign(tx, ctx, item, to, expectedVersion, input.reason, now)) {
          result.reassigned++;
          moved.push(item);
        } else result.conflicts.push({ itemId, reason: "This item changed after you loaded it (decided or reassigned). Reload to see its current state." });
      }
      if (moved.length > 0) {
        // One notification for the call, pointing at the new reviewer's work in this campaign.
        const first = moved[0]!;
        await notify(tx, {
          recipientIds: [to.id],
          kind: "review.reassigned",
          title: `Access review reassigned to you: ${campaign.name}`,
          body:
            moved.length === 1
              ? `${ctx.actor.displayName} asked you to review ${first.identityName}'s access to ${first.entitlementName} (${first.systemName}): ${input.reason}`
              : `${ctx.actor.displayName} asked you to review ${moved.length} items: ${input.reason}`,
          link: `/campaigns/${campaign.id}/review`,
          dedupeKey: `review.bulk-reassigned:${campaign.id}:${first.id}:v${first.version + 1}`,
          workKey: workKey.campaignReviewer(campaign.id, to.id),
        });
      }
      return result;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}
