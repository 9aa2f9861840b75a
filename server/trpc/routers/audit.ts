import { router, roleProcedure } from "../init";
import { grantLineage } from "../../domain/audit/lineage";
import { searchGrants } from "../../domain/audit/grant-search";
import { accessAsOf, accessAsOfCsv, auditSystems } from "../../domain/audit/as-of";
import { CONTROL_CHECKS, controlChecksOverview } from "../../domain/audit/controls";
import { sampleControlPopulation } from "../../domain/audit/sampling";
import { ZAccessAsOfCsvInput, ZAccessAsOfInput, ZControlScope, ZGrantLineageInput, ZSampleInput, ZSearchGrantsInput } from "../../domain/audit/schema";

/** The auditor workspace: read-only, for admins, security and auditors. */
const auditReader = roleProcedure("ADMIN", "SECURITY", "AUDITOR");

export const auditRouter = router({
  grants: auditReader.input(ZSearchGrantsInput).query(({ ctx, input }) => searchGrants(ctx.db, input)),
  lineage: auditReader.input(ZGrantLineageInput).query(({ ctx, input }) => grantLineage(ctx.db, input.grantId)),
  systems: auditReader.query(({ ctx }) => auditSystems(ctx.db)),
  accessAsOf: auditReader.input(ZAccessAsOfInput).query(({ ctx, input }) => accessAsOf(ctx.db, input)),
  accessAsOfCsv: auditReader.input(ZAccessAsOfCsvInput).query(({ ctx, input }) => accessAsOfCsv(ctx.db, input)),
  controlChecks: auditReader.query(() => CONTROL_CHECKS),
  /** Per check: counts, and the first CONTROL_ROWS_SHOWN exceptions / flagged (all of them: the CSV route). */
  controls: auditReader.input(ZControlScope).query(({ ctx, input }) => controlChecksOverview(ctx.db, { ...input, now: ctx.now() })),
  sample: auditReader.input(ZSampleInput).query(({ ctx, input }) => sampleControlPopulation(ctx.db, input, ctx.now())),
});
