import { router, signedInProcedure } from "../init";
import { homeSummary } from "../../domain/home/queries";

export const homeRouter = router({
  summary: signedInProcedure.query(({ ctx }) => homeSummary(ctx.db, ctx.actor, ctx.now())),
});
