/**
 * GET /api/events/export?from=<seq>&to=<seq> — a seq range of the ledger as JSON Lines (docs/events.md): a range
 * line, one line per event with its hash and prevHash, and the signed checkpoints in range. Streamed.
 * ADMIN, SECURITY or AUDITOR; 401 signed out, 404 anyone else, 400 bad parameters. Authorization and parsing:
 * openEventsExport (domain, integration-tested).
 */
import { db } from "@/server/db";
import { downloadRoute } from "@/server/http/route";
import { jsonLinesDownload, textResponse } from "@/server/http/responses";
import { openEventsExport } from "@/server/domain/events/export";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("api/events/export", async (req, { identityId }) => {
  const out = await openEventsExport(db(), identityId, new URL(req.url).searchParams);
  if (!out.ok) return textResponse(out.status, out.message);
  return jsonLinesDownload(out.body, out.filename);
});
