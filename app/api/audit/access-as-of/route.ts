/**
 * GET /api/audit/access-as-of?systemId=&date=YYYY-MM-DD — who held what in a system on a UTC day, as CSV.
 * ADMIN, SECURITY or AUDITOR; 401 signed out, 400 bad parameters, 404 no such system or not allowed to read
 * it (alike, so the answer never tells whether a system id exists).
 */
import { downloadRoute } from "@/server/http/route";
import { auditCaller, csvResponse, errorResponse } from "../_lib/http";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("api/audit/access-as-of", async (req, { identityId }) => {
  const url = new URL(req.url);
  try {
    const api = await auditCaller(identityId);
    const out = await api.audit.accessAsOfCsv({ systemId: url.searchParams.get("systemId") ?? "", date: url.searchParams.get("date") ?? "" });
    return csvResponse(out.filename, out.csv);
  } catch (e) {
    return errorResponse(e, "The system was not found.");
  }
});
