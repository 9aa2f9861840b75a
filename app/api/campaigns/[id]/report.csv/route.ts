/**
 * The completion report of an access review campaign as CSV (streamed). Signed-in campaign owner, ADMIN,
 * SECURITY or AUDITOR; 401 signed out, 403 anyone else, 404 no such campaign.
 */
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { getSessionIdentityId } from "@/server/auth/session";
import { openReportCsv } from "@/server/domain/campaigns/report";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const prisma = db();
  const [identityId, clock] = await Promise.all([getSessionIdentityId(), loadClock(prisma)]);
  const out = await openReportCsv(prisma, identityId, id, clock());
  if (!out.ok) return new Response(out.message, { status: out.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  return new Response(out.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${out.filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
