/**
 * Who may know a campaign exists (campaigns/policy.ts): those who see it whole (its owner, ADMIN, SECURITY,
 * AUDITOR) and its reviewers. Everyone else is told it was not found, whatever they asked to do with it, so
 * a refusal never confirms that an id they cannot see belongs to a campaign (the same answer as
 * campaigns.byId gives them).
 */
import type { Tx } from "../../db";
import { notFound } from "../../errors";
import type { Actor } from "../actor";
import { canSeeWholeCampaign } from "./policy";

/** Whether the actor reviews an item of the campaign (the campaign page's "reviewer"). */
export async function reviewsIn(tx: Tx, campaignId: string, actorId: string): Promise<boolean> {
  return Boolean(await tx.reviewItem.findFirst({ where: { campaignId, reviewerId: actorId }, select: { id: true } }));
}

/** NOT_FOUND unless the actor may see the campaign. Call it before refusing with FORBIDDEN. */
export async function assertCanSeeCampaign(tx: Tx, actor: Actor, campaign: { id: string; ownerId: string }): Promise<void> {
  if (canSeeWholeCampaign(actor, campaign)) return;
  if (!(await reviewsIn(tx, campaign.id, actor.id))) throw notFound("The campaign");
}
