/**
 * The facts an approver weighs, read fresh when they open a request: separation-of-duties conflicts the
 * beneficiary has now (held, being provisioned or pending; the policy checked them at submission, this
 * says whether anything changed since). Read-only; NOT_FOUND for whoever may not see the request.
 */
import { notFound } from "../../errors";
import type { ServiceCtx } from "../actor";
import { conflictingHeld } from "../policy/facts";
import { canSeeRequest } from "../requests/queries";
import { requestPartiesSelect, toParties } from "./eligibility";

export type DecisionFacts = {
  /** Names of entitlements that conflict with the requested one and that the beneficiary holds or asked for. */
  sodConflicts: string[];
};

/** Who may call: anyone who may see the request (the same rule as the request page). */
export async function decisionFacts(ctx: ServiceCtx, input: { requestId: string }): Promise<DecisionFacts> {
  const r = await ctx.db.accessRequest.findUnique({ where: { id: input.requestId }, select: { ...requestPartiesSelect, entitlementId: true } });
  if (!r) throw notFound("The request");
  if (!(await canSeeRequest(ctx.db, toParties(r), ctx.actor, ctx.now()))) throw notFound("The request");
  return { sodConflicts: await conflictingHeld(ctx.db, r.beneficiaryId, r.entitlementId) };
}
