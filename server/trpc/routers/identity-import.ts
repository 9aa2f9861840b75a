import { roleProcedure, router } from "../init";
import { applyImport } from "../../domain/identity-import/apply";
import { importById, importRows } from "../../domain/identity-import/queries";
import { ZApplyImportInput, ZImportId, ZImportRowsInput } from "../../domain/identity-import/schema";

/** The HR import (ADMIN). The file itself is uploaded to /api/identity-import/upload, which stores the preview. */
export const identityImportRouter = router({
  /** A stored preview: file, counts, who previewed and applied it. */
  byId: roleProcedure("ADMIN").input(ZImportId).query(({ ctx, input }) => importById(ctx.svc, input)),
  /** One kind of row of a preview (joiners, movers, invalid rows, …), paged. */
  rows: roleProcedure("ADMIN").input(ZImportRowsInput).query(({ ctx, input }) => importRows(ctx.svc, input)),
  /** Applies exactly the previewed changes, once, in one transaction (CONFLICT when stale or already applied). */
  applyPreview: roleProcedure("ADMIN").input(ZApplyImportInput).mutation(({ ctx, input }) => applyImport(ctx.svc, input)),
});
