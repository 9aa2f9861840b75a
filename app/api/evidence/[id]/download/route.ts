/**
 * Downloads a finished evidence pack (streamed from disk). The requester, ADMIN or AUDITOR; 401 signed out,
 * 404 no such export or not allowed to see it (alike), not DONE, or its file missing; 410 the pack expired
 * (the retention job removed its file). Authorization and messages: openExportDownload (domain, tested).
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { db } from "@/server/db";
import { downloadRoute } from "@/server/http/route";
import { textResponse } from "@/server/http/responses";
import { openExportDownload, type DownloadOutcome } from "@/server/domain/evidence-exports/queries";

export const dynamic = "force-dynamic";

const refusal = (out: Extract<DownloadOutcome, { ok: false }>) => textResponse(out.status, out.message);

export const GET = downloadRoute<{ id: string }>("api/evidence/download", async (_req, { identityId, params: { id } }) => {
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
});
