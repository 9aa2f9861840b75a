/**
 * GET /api/audit/controls/<check>?list=exceptions|flagged|population&from=&to=&system= — every exception (or
 * flagged member, or the whole population) of one control check over the controls page's scope, as CSV,
 * streamed one page at a time. ADMIN, SECURITY or AUDITOR; 401 signed out, 404 anyone else or no such check,
 * 400 bad parameters. Authorization and parsing: openControlMembersCsv (domain, integration-tested).
 */
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { downloadRoute } from "@/server/http/route";
import { textResponse } from "@/server/http/responses";
import { openControlMembersCsv } from "@/server/domain/audit/controls";

export const dynamic = "force-dynamic";

export const GET = downloadRoute<{ check: string }>("api/audit/controls", async (req, { identityId, params: { check } }) => {
  const prisma = db();
  const clock = await loadClock(prisma);
  const out = await openControlMembersCsv(prisma, identityId, check, new URL(req.url).searchParams, clock());
  if (!out.ok) return textResponse(out.status, out.message);
  return new Response(out.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${out.filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
