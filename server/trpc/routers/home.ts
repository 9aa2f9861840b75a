import { router, signedInProcedure } from "../init";
import { homeSummary } from "../../domain/home/queries";

/** The home page: my work, what expires soon, what I own, and the charts of my role (one call, queries in parallel). */
export const homeRouter = router({
  summary: signedInProcedure.query(({ ctx }) => homeSummary(ctx.svc)),
});
