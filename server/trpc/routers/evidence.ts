import { router, roleProcedure, signedInProcedure } from "../init";
import { startExport } from "../../domain/evidence-exports/service";
import { evidencePublicKey, exportById, exportFormOptions, myExports } from "../../domain/evidence-exports/queries";
import { ZExportRef, ZStartExport } from "../../domain/evidence-exports/schema";

/** Evidence packs: auditors, admins and security officers export them (the zip is GET /api/evidence/<id>/download). */
const exporter = roleProcedure("ADMIN", "SECURITY", "AUDITOR");

export const evidenceRouter = router({
  /** The one change an auditor may make: asking for an evidence pack. */
  startExport: exporter
    .meta({ auditorMayCall: true })
    .input(ZStartExport)
    .mutation(({ ctx, input }) => startExport(ctx.svc, input)),
  myExports: exporter.query(({ ctx }) => myExports(ctx.svc)),
  byId: exporter.input(ZExportRef).query(({ ctx, input }) => exportById(ctx.svc, input)),
  formOptions: exporter.query(({ ctx }) => exportFormOptions(ctx.svc)),
  /** The signing key's public half and id (public by design). */
  publicKey: signedInProcedure.query(({ ctx }) => evidencePublicKey(ctx.db)),
});
