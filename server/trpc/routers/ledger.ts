import { router, roleProcedure } from "../init";
import { ledgerFacets, ledgerStatus, listLedgerEvents, ZListLedgerEvents } from "../../ledger/queries";

/** The evidence ledger is readable by admins, security and auditors. */
const evidenceReader = roleProcedure("ADMIN", "SECURITY", "AUDITOR");

export const ledgerRouter = router({
  status: evidenceReader.query(({ ctx }) => ledgerStatus(ctx.db)),
  list: evidenceReader.input(ZListLedgerEvents).query(({ ctx, input }) => listLedgerEvents(ctx.db, input)),
  facets: evidenceReader.query(({ ctx }) => ledgerFacets(ctx.db)),
});
