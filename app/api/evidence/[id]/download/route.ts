/**
 * Downloads a finished evidence pack (streamed from disk). The requester, ADMIN or AUDITOR; 401 signed out,
 * 403 anyone else, 404 no such export, not DONE, or its file missing; 410 the pack expired (the retention job
 * removed its file). Authorization and messages: openExportDownload (domain, tested).
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { db } from "@/server/db";
import { getSessionIdentityId } from "@/server/auth/session";
import { openExportDownload, type DownloadOutcome } from "@/server/domain/evidence-exports/queries";

export const dynamic = "force-dynamic";

const refusal = (out: Extract<DownloadOutcome, { ok: false }>) =>
  new Response(out.message, { status: out.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const identityId = await getSessionIdentityId();
  const out = await openExportDownload(db(), identityId, id);
  if (!out.ok) return refusal(out);
  // Open before answering: once open, the file stays readable even if the retention job removes it meanwhile.
  let fh: FileHandle;
  try {
    fh = await open(out.filePath, "r");
  } catch {
    // Removed between the check and the open: say why (expired, or missing).
    const again = await openExportDownload(db(), identityId, id);
    return refusal(again.ok ? { ok: false, status: 404, message: "The evidence pack's file is no longer on the server: export it again." } : again);
  }
  const size = (await fh.stat()).size;
  const body = Readable.toWeb(fh.createReadStream()) as ReadableStream<Uint8Array>;
  const headers: Record<string, string> = {
    "Content-Type": "application/zip",
    "Content-Length": String(size),
    "Content-Disposition": `attachment; filename="${out.filename}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (out.sha256) headers["X-Evidence-Sha256"] = out.sha256;
  return new Response(body, { status: 200, headers });
}
