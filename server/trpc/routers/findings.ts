import { roleProcedure, router } from "../init";
import { listFindings } from "../../domain/findings/queries";
import { resolveFinding } from "../../domain/findings/service";
import { ZListFindingsInput, ZResolveFindingInput } from "../../domain/findings/schema";

/** Findings: read by admins, security and auditors; resolved with a note by admins and security. */
export const findingsRouter = router({
  list: roleProcedure("ADMIN", "SECURITY", "AUDITOR").input(ZListFindingsInput).query(({ ctx, input }) => listFindings(ctx.svc, input)),
  resolve: roleProcedure("ADMIN", "SECURITY").input(ZResolveFindingInput).mutation(({ ctx, input }) => resolveFinding(ctx.svc, input)),
});
