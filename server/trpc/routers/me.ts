import { router, publicProcedure, signedInProcedure, actorOf } from "../init";
import { whoAmI } from "../../domain/identities/me";

export const meRouter = router({
  /** The signed-in person with roles and relationship powers (for navigation), or null when signed out. */
  current: publicProcedure.query(async ({ ctx }) => whoAmI(ctx.db, await actorOf(ctx))),
  /** Same as current, but requires sign-in (used by tests and pages that must not render signed out). */
  profile: signedInProcedure.query(({ ctx }) => whoAmI(ctx.db, ctx.actor)),
});
