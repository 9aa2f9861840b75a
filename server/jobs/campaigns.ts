/**
 * Access review campaigns in the background (registered in server/jobs/registry.ts):
 * - start-deferred-campaign-revocations: revocations a close of a very large campaign left to the worker
 *   (before the provisioning job, so their tasks run in the same tick);
 * - settle-campaign-remediations: a closed campaign's revocations, once the connector confirmed (or failed)
 *   them, become CONFIRMED / FAILED on their review items (server/domain/campaigns/remediation.ts);
 * - complete-remediating-campaigns: REMEDIATING campaigns with nothing pending left become CLOSED (and a
 *   recurring one drafts its successor);
 * - send-campaign-reminders: the reminder schedule (days before the due date), once per scheduled day and
 *   reviewer;
 * - notify-overdue-campaigns: past the due date with undecided items, the owner and the fallback reviewer
 *   are told once ("campaign.overdue").
 * Each claims its work with `FOR UPDATE SKIP LOCKED` and is idempotent (dedupe keys, conditional writes).
 */
import type { PrismaClient } from "../db";
import { completeRemediatingCampaigns, settleRemediations, startDeferredRevocations } from "../domain/campaigns/remediation";
import { notifyOverdueCampaigns, sendScheduledReminders } from "../domain/campaigns/reminders";

export { completeRemediatingCampaigns, notifyOverdueCampaigns, sendScheduledReminders, settleRemediations, startDeferredRevocations };

/** Remediation then completion, so a campaign whose last revocation was just confirmed closes in the same tick. */
export async function followCampaignRemediation(db: PrismaClient, now: Date): Promise<{ processed: number }> {
  await startDeferredRevocations(db, now);
  const a = await settleRemediations(db, now);
  const b = await completeRemediatingCampaigns(db, now);
  return { processed: a.processed + b.processed };
}
