import { router, signedInProcedure } from "../init";
import { approvalInbox, inboxFacets } from "../../domain/approvals/queries";
import { decideMany, decideStep } from "../../domain/approvals/service";
import { decisionFacts } from "../../domain/approvals/decision-facts";
import { ZDecideManyInput, ZDecisionFactsInput, ZDecideStepInput, ZInboxInput } from "../../domain/approvals/schema";

/** The approver inbox and decisions. Who may decide is checked fresh by the service on every call. */
export const approvalsRouter = router({
  inbox: signedInProcedure.input(ZInboxInput).query(({ ctx, input }) => approvalInbox(ctx.svc, input)),
  /** Separation-of-duties conflicts the beneficiary has now, for whoever may see the request. */
  decisionFacts: signedInProcedure.input(ZDecisionFactsInput).query(({ ctx, input }) => decisionFacts(ctx.svc, input)),
  facets: signedInProcedure.query(({ ctx }) => inboxFacets(ctx.svc)),
  decide: signedInProcedure.input(ZDecideStepInput).mutation(({ ctx, input }) => decideStep(ctx.svc, input)),
  /** Several stages at once, one reason: each decided on its own with all its checks; one outcome per stage. */
  decideMany: signedInProcedure.input(ZDecideManyInput).mutation(({ ctx, input }) => decideMany(ctx.svc, input)),
});
