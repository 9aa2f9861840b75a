import { router, signedInProcedure } from "../init";
import { createCampaign, previewScope, updateCampaign } from "../../domain/campaigns/define";
import { launchCampaign } from "../../domain/campaigns/launch";
import { myItems } from "../../domain/campaigns/queries";
import { campaignDetail, campaignList, myCampaignProgress } from "../../domain/campaigns/progress";
import { bulkDecide, bulkReassign, decideItem, reassignItem } from "../../domain/campaigns/review";
import {
  ZBulkDecideInput,
  ZBulkReassignInput,
  ZCampaignById,
  ZCreateCampaignInput,
  ZDecideInput,
  ZLaunchCampaignInput,
  ZListCampaignsInput,
  ZMyItemsInput,
  ZMyProgressInput,
  ZPreviewScopeInput,
  ZReassignInput,
  ZUpdateCampaignInput,
} from "../../domain/campaigns/schema";

/**
 * Access review campaigns: definition and launch (ADMIN, or system owners for their own systems), the
 * reviewer workspace and decisions. Who may do what is decided in server/domain/campaigns/policy.ts.
 */
export const campaignsRouter = router({
  list: signedInProcedure.input(ZListCampaignsInput).query(({ ctx, input }) => campaignList(ctx.svc, input)),
  byId: signedInProcedure.input(ZCampaignById).query(({ ctx, input }) => campaignDetail(ctx.svc, input)),
  previewScope: signedInProcedure.input(ZPreviewScopeInput).query(({ ctx, input }) => previewScope(ctx.svc, input)),
  myItems: signedInProcedure.input(ZMyItemsInput).query(({ ctx, input }) => myItems(ctx.svc, input)),
  myProgress: signedInProcedure.input(ZMyProgressInput).query(({ ctx, input }) => myCampaignProgress(ctx.svc, input)),

  create: signedInProcedure.input(ZCreateCampaignInput).mutation(({ ctx, input }) => createCampaign(ctx.svc, input)),
  update: signedInProcedure.input(ZUpdateCampaignInput).mutation(({ ctx, input }) => updateCampaign(ctx.svc, input)),
  launch: signedInProcedure.input(ZLaunchCampaignInput).mutation(({ ctx, input }) => launchCampaign(ctx.svc, input)),
  decide: signedInProcedure.input(ZDecideInput).mutation(({ ctx, input }) => decideItem(ctx.svc, input)),
  bulkDecide: signedInProcedure.input(ZBulkDecideInput).mutation(({ ctx, input }) => bulkDecide(ctx.svc, input)),
  reassign: signedInProcedure.input(ZReassignInput).mutation(({ ctx, input }) => reassignItem(ctx.svc, input)),
  /** Many items to one new reviewer, each under the single-item rules; per-item outcomes. */
  bulkReassign: signedInProcedure.input(ZBulkReassignInput).mutation(({ ctx, input }) => bulkReassign(ctx.svc, input)),
});
