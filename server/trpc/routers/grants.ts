import { router, signedInProcedure } from "../init";
import { revocableGrantIds } from "../../domain/provisioning/queries";
import { deprovisionIdentity, reviewBreakGlass, revokeGrant } from "../../domain/provisioning/service";
import { ZDeprovisionIdentityInput, ZRelinquishGrantInput, ZRevocableGrantsInput, ZReviewBreakGlassInput, ZRevokeGrantInput } from "../../domain/provisioning/schema";
import { relinquishGrant } from "../../domain/provisioning/relinquish";

/** Ending access: revocation by owners, admins and security; leavers (admins); break-glass reviews (security). */
export const grantsRouter = router({
  revocable: signedInProcedure.input(ZRevocableGrantsInput).query(({ ctx, input }) => revocableGrantIds(ctx.svc, input)),
  revoke: signedInProcedure.input(ZRevokeGrantInput).mutation(({ ctx, input }) => revokeGrant(ctx.svc, input)),
  /** "Remove my access": the holder (or the NHI's owner) gives a grant up. */
  relinquish: signedInProcedure.input(ZRelinquishGrantInput).mutation(({ ctx, input }) => relinquishGrant(ctx.svc, input)),
  deprovisionIdentity: signedInProcedure.input(ZDeprovisionIdentityInput).mutation(({ ctx, input }) => deprovisionIdentity(ctx.svc, input)),
  reviewBreakGlass: signedInProcedure.input(ZReviewBreakGlassInput).mutation(({ ctx, input }) => reviewBreakGlass(ctx.svc, input)),
});
