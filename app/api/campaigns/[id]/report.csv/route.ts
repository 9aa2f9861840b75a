/**
 * The completion report of an access review campaign as CSV (streamed). Signed-in campaign owner, ADMIN,
 * SECURITY or AUDITOR; 401 signed out, 404 no such campaign or not allowed to read its report (alike).
 */
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { downloadRoute } from "@/server/http/route";
import { textResponse } from "@/server/http/responses";
import { openReportCsv } from "@/server/domain/campaigns/report";

export const dynamic = "force-dynamic";

export const GET = downloadRoute<{ id: string }>("api/campaigns/report.csv", async (_req, { identityId, params: { id } }) => {
  const prisma = db();
  const clock = await loadClock(prisma);
  const out = await openReportCsv(prisma, identityId, id, clock());
  if (!out.ok) return textResponse(out.status, out.message);
  return new Response(out.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${out.filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
