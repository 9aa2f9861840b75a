import { router, signedInProcedure } from "../init";
import { globalSearch } from "../../domain/search/queries";
import { ZGlobalSearchInput } from "../../domain/search/schema";

/** Global search (Cmd/Ctrl-K): people, systems, entitlements, requests, campaigns, as each area's list shows them to the caller. */
export const searchRouter = router({
  global: signedInProcedure.input(ZGlobalSearchInput).query(({ ctx, input }) => globalSearch(ctx.svc, input)),
});
