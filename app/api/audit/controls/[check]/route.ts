/**
 * GET /api/audit/controls/<check>?list=exceptions|flagged|population&from=&to=&system= — every exception (or
 * flagged member, or the whole population) of one control check over the controls page's scope, as CSV,
 * streamed one page at a time. ADMIN, SECURITY or AUDITOR; 401 signed out, 403 anyone else, 404 no such
 * check, 400 bad parameters. Authorization and parsing: openControlMembersCsv (domain, integration-tested).
 */
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { getSessionIdentityId } from "@/server/auth/session";
import { openControlMembersCsv } from "@/server/domain/audit/controls";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ check: string }> }) {
  const { check } = await params;
  const prisma = db();
  const [identityId, clock] = await Promise.all([getSessionIdentityId(), loadClock(prisma)]);
  const out = await openControlMembersCsv(prisma, identityId, check, new URL(req.url).searchParams, clock());
  if (!out.ok) return new Response(out.message, { status: out.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  return new Response(out.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${out.filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
