/**
 * Downloads a finished evidence pack (streamed from disk). The requester, ADMIN or AUDITOR; 401 signed out,
 * 403 anyone else, 404 no such export or not DONE. Authorization: openExportDownload (domain, unit-tested).
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { db } from "@/server/db";
import { getSessionIdentityId } from "@/server/auth/session";
import { openExportDownload } from "@/server/domain/evidence-exports/queries";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const out = await openExportDownload(db(), await getSessionIdentityId(), id);
  if (!out.ok) return new Response(out.message, { status: out.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  const body = Readable.toWeb(createReadStream(out.filePath)) as ReadableStream<Uint8Array>;
  const headers: Record<string, string> = {
    "Content-Type": "application/zip",
    "Content-Length": String(out.byteSize),
    "Content-Disposition": `attachment; filename="${out.filename}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (out.sha256) headers["X-Evidence-Sha256"] = out.sha256;
  return new Response(body, { status: 200, headers });
}
