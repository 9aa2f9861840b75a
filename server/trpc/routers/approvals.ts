import { router, signedInProcedure } from "../init";
import { approvalInbox, inboxFacets } from "../../domain/approvals/queries";
import { decideStep } from "../../domain/approvals/service";
import { ZDecideStepInput, ZInboxInput } from "../../domain/approvals/schema";

/** The approver inbox and decisions. Who may decide is checked fresh by the service on every call. */
export const approvalsRouter = router({
  inbox: signedInProcedure.input(ZInboxInput).query(({ ctx, input }) => approvalInbox(ctx.svc, input)),
  facets: signedInProcedure.query(({ ctx }) => inboxFacets(ctx.svc)),
  decide: signedInProcedure.input(ZDecideStepInput).mutation(({ ctx, input }) => decideStep(ctx.svc, input)),
});
