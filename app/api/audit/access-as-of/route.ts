/**
 * GET /api/audit/access-as-of?systemId=&date=YYYY-MM-DD — who held what in a system on a UTC day, as CSV.
 * ADMIN, SECURITY or AUDITOR; 401 signed out, 403 anyone else, 400 bad parameters, 404 no such system.
 */
import { auditCaller, csvResponse, errorResponse } from "../_lib/http";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const url = new URL(req.url);
  try {
    const api = await auditCaller();
    const out = await api.audit.accessAsOfCsv({ systemId: url.searchParams.get("systemId") ?? "", date: url.searchParams.get("date") ?? "" });
    return csvResponse(out.filename, out.csv);
  } catch (e) {
    return errorResponse(e);
  }
}
