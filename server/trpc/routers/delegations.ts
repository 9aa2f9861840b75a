import { router, signedInProcedure } from "../init";
import { delegateOptions, listMyDelegations } from "../../domain/delegations/queries";
import { createDelegation, revokeDelegation } from "../../domain/delegations/service";
import { ZCreateDelegationInput, ZDelegateOptionsInput, ZRevokeDelegationInput } from "../../domain/delegations/schema";

/** Out-of-office delegation of one's own approvals. */
export const delegationsRouter = router({
  mine: signedInProcedure.query(({ ctx }) => listMyDelegations(ctx.svc)),
  delegateOptions: signedInProcedure.input(ZDelegateOptionsInput).query(({ ctx, input }) => delegateOptions(ctx.svc, input)),
  create: signedInProcedure.input(ZCreateDelegationInput).mutation(({ ctx, input }) => createDelegation(ctx.svc, input)),
  revoke: signedInProcedure.input(ZRevokeDelegationInput).mutation(({ ctx, input }) => revokeDelegation(ctx.svc, input)),
});
