/**
 * Notifications resolve themselves: a notification that points to a piece of work (an approval stage to
 * decide, a review item, a task, a finding) carries that work's key, and the service that finishes the
 * work, whoever did it, calls `resolveWork` in the same transaction. A resolved notification leaves the
 * bell's count and the default list; it is kept (with resolvedAt) so the history stays readable.
 */
import type { Tx } from "../../db";

/** The keys of the kinds of work a notification can point to: one place, so the writer and the resolver agree. */
export const workKey = {
  approvalStep: (stepId: string) => `step:${stepId}`,
  /** The campaign id first, so closing a campaign resolves all of its items' notifications by prefix. */
  reviewItem: (campaignId: string, itemId: string) => `review-item:${campaignId}:${itemId}`,
  /** A reviewer's undecided items in a campaign (reminders, escalations). */
  campaignReviewer: (campaignId: string, reviewerId: string) => `campaign-reviewer:${campaignId}:${reviewerId}`,
  /** A campaign that needs its owner (overdue). */
  campaign: (campaignId: string) => `campaign:${campaignId}`,
  task: (taskId: string) => `task:${taskId}`,
  finding: (findingId: string) => `finding:${findingId}`,
} as const;

/** Marks every open notification of these pieces of work resolved; returns how many. */
export async function resolveWork(tx: Tx, keys: string[], now: Date): Promise<number> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return 0;
  const res = await tx.notification.updateMany({ where: { workKey: { in: unique }, resolvedAt: null }, data: { resolvedAt: now } });
  return res.count;
}

/**
 * The approval stages of a request that are no longer open (decided, voided, or the request ended): their
 * "approval needed" / "escalated to you" notifications are resolved. Call after any change to a request's
 * stages; stages still open keep theirs.
 */
export async function resolveClosedApprovalStages(tx: Tx, requestId: string, now: Date): Promise<number> {
  const closed = await tx.approvalStep.findMany({ where: { requestId, status: { not: "OPEN" } }, select: { id: true } });
  return resolveWork(tx, closed.map((s) => workKey.approvalStep(s.id)), now);
}

/** A reviewer's campaign reminders resolve once they have no undecided item left in that campaign. */
export async function resolveReviewerIfDone(tx: Tx, campaignId: string, reviewerId: string, now: Date): Promise<number> {
  const left = await tx.reviewItem.count({ where: { campaignId, reviewerId, decision: null } });
  return left === 0 ? resolveWork(tx, [workKey.campaignReviewer(campaignId, reviewerId)], now) : 0;
}

/**
 * A campaign's reviewer work: on close every reviewer's and item's notification (and the owner's "overdue")
 * is resolved; on escalation (`keepReviewerIds` = who still has undecided items) only the others'.
 */
export async function resolveCampaignWork(tx: Tx, campaignId: string, now: Date, keepReviewerIds?: string[]): Promise<number> {
  if (keepReviewerIds) {
    const keep = keepReviewerIds.map((r) => workKey.campaignReviewer(campaignId, r));
    const res = await tx.notification.updateMany({
      where: { workKey: { startsWith: `campaign-reviewer:${campaignId}:`, notIn: keep }, resolvedAt: null },
      data: { resolvedAt: now },
    });
    return res.count;
  }
  const res = await tx.notification.updateMany({
    where: {
      resolvedAt: null,
      OR: [{ workKey: { startsWith: `campaign-reviewer:${campaignId}:` } }, { workKey: { startsWith: `review-item:${campaignId}:` } }, { workKey: workKey.campaign(campaignId) }],
    },
    data: { resolvedAt: now },
  });
  return res.count;
}
