import { router, roleProcedure } from "../init";
import { ledgerFacets, ledgerStatus, listLedgerEvents, ZListLedgerEvents } from "../../ledger/queries";
import { readEventFeed } from "../../domain/events/feed";
import { ZFeedQuery } from "../../domain/events/schema";

/** The evidence ledger is readable by admins, security and auditors. */
const evidenceReader = roleProcedure("ADMIN", "SECURITY", "AUDITOR");

export const ledgerRouter = router({
  status: evidenceReader.query(({ ctx }) => ledgerStatus(ctx.db)),
  list: evidenceReader.input(ZListLedgerEvents).query(({ ctx, input }) => listLedgerEvents(ctx.db, input)),
  facets: evidenceReader.query(({ ctx }) => ledgerFacets(ctx.db)),
  /** The event feed (docs/events.md): events after a seq with their hashes and the checkpoints covering them; long-polls with `wait`. */
  feed: evidenceReader.input(ZFeedQuery).query(({ ctx, input, signal }) => readEventFeed(ctx.db, ctx.actor, input, signal)),
});
