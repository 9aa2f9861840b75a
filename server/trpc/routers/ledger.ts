import { router, roleProcedure } from "../init";
import { ledgerStatus } from "../../ledger/queries";

export const ledgerRouter = router({
  /** Chain head and a full verification, for admins, security and auditors. */
  status: roleProcedure("ADMIN", "SECURITY", "AUDITOR").query(({ ctx }) => ledgerStatus(ctx.db)),
});
