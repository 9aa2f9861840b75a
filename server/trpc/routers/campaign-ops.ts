import { router, signedInProcedure } from "../init";
import { closeCampaign } from "../../domain/campaigns/close";
import { extendDue, remindCampaign } from "../../domain/campaigns/reminders";
import { campaignReport } from "../../domain/campaigns/report";
import { ZCampaignRef, ZExtendDueInput } from "../../domain/campaigns/ops-schema";

/**
 * The campaign owner's operations: reminders, due date, close (owner or admin), and the completion report
 * (also security and auditors). The CSV of the report is GET /api/campaigns/<id>/report.csv.
 */
export const campaignOpsRouter = router({
  remind: signedInProcedure.input(ZCampaignRef).mutation(({ ctx, input }) => remindCampaign(ctx.svc, input)),
  extendDue: signedInProcedure.input(ZExtendDueInput).mutation(({ ctx, input }) => extendDue(ctx.svc, input)),
  close: signedInProcedure.input(ZCampaignRef).mutation(({ ctx, input }) => closeCampaign(ctx.svc, input)),
  report: signedInProcedure.input(ZCampaignRef).query(({ ctx, input }) => campaignReport(ctx.svc, input)),
});
