/**
 * Upload of an HR file (CSV of people and non-human identities) for a preview: the body is the file itself,
 * streamed and counted as it arrives (at most IMPORT_MAX_BYTES), never held whole. `?fileName=…&fullList=1`.
 * Answers { id, counts } (the stored preview, see server/domain/identity-import) or { error }.
 *
 * This path is outside proxy.ts's matcher: Next.js buffers (and cuts at PROXY_BODY_LIMIT) every body a proxy
 * sees, which a 100k-line file is far past. So the edge's checks run here instead: the Origin check
 * (server/http/origin.ts, the same rule), the security headers, a declared size over the cap refused
 * before anything is read.
 */
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { loadClock } from "@/server/clock";
import { getSessionIdentityId } from "@/server/auth/session";
import { guardedRoute } from "@/server/http/route";
import { declaredOver } from "@/server/http/body";
import { checkOrigin } from "@/server/http/origin";
import { staticSecurityHeaders } from "@/server/http/security-headers";
import { streamChunks, uploadWithinLimit } from "@/server/domain/identity-import/upload";
import { IMPORT_MAX_BYTES } from "@/server/domain/identity-import/schema";

export const dynamic = "force-dynamic";

export const POST = guardedRoute("api/identity-import/upload", async (req) => {
  const e = env();
  const publicUrl = new URL(process.env.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`);
  const https = publicUrl.protocol === "https:" || (e.TRUST_PROXY === true && req.headers.get("x-forwarded-proto") === "https");
  const headers = { ...staticSecurityHeaders({ https }), "Cache-Control": "no-store" };
  const answer = (status: number, body: unknown) => NextResponse.json(body, { status, headers });

  const verdict = checkOrigin({
    method: req.method,
    pathname: new URL(req.url).pathname,
    origin: req.headers.get("origin"),
    secFetchSite: req.headers.get("sec-fetch-site"),
    host: req.headers.get("host"),
    publicOrigin: publicUrl.origin,
  });
  if (!verdict.ok) return answer(403, { error: verdict.message });
  if (declaredOver(req, IMPORT_MAX_BYTES)) return answer(413, { error: `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MiB: split it.` });

  const url = new URL(req.url);
  const prisma = db();
  const now = await loadClock(prisma);
  const out = await uploadWithinLimit(
    prisma,
    await getSessionIdentityId(),
    { fileName: url.searchParams.get("fileName") ?? "import.csv", fullList: url.searchParams.get("fullList") === "1", source: streamChunks(req.body) },
    now,
  );
  if (out.status === 429) return NextResponse.json(out.body, { status: 429, headers: { ...headers, "Retry-After": String(out.retryAfterSeconds) } });
  return answer(out.status, out.body);
});
