import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/server/env";
import { checkOrigin, SAFE_METHODS } from "@/server/http/origin";
import { MAX_BODY_BYTES } from "@/server/http/limits";
import { contentSecurityPolicy, newNonce, staticSecurityHeaders } from "@/server/http/security-headers";

/**
 * The HTTP edge, for every request (pages, route handlers, static files and 404s alike; the one path left out
 * is the HR file upload, see `config` below):
 *   1. security headers on the response, with a Content-Security-Policy whose nonce is fresh per request
 *      (Next.js takes the nonce from the CSP request header forwarded here and puts it on its scripts);
 *   2. the Origin check of state-changing requests (server/http/origin.ts): 403 before anything runs;
 *   3. a declared body over MAX_BODY_BYTES: 413 before it is read (chunked bodies are counted where they
 *      are read, e.g. app/api/trpc; next.config.mjs also caps what Next buffers for this proxy);
 *   4. the requested path for server components, so the portal layout can send a signed-out visitor to
 *      sign-in and back. Not an authorization check: that happens on every call.
 */
export function proxy(request: NextRequest) {
  const e = env();
  const publicUrl = new URL(process.env.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`);
  const forwardedHttps = e.TRUST_PROXY === true && request.headers.get("x-forwarded-proto") === "https";
  const https = publicUrl.protocol === "https:" || forwardedHttps;
  const nonce = newNonce();
  const csp = contentSecurityPolicy({ nonce, https, dev: process.env.NODE_ENV === "development" });
  const withHeaders = (res: NextResponse) => {
    res.headers.set("Content-Security-Policy", csp);
    for (const [k, v] of Object.entries(staticSecurityHeaders({ https }))) res.headers.set(k, v);
    return res;
  };
  const refuse = (status: number, message: string) =>
    withHeaders(NextResponse.json({ error: { message, httpStatus: status } }, { status, headers: { "Cache-Control": "no-store" } }));

  if (!SAFE_METHODS.has(request.method.toUpperCase())) {
    const verdict = checkOrigin({
      method: request.method,
      pathname: request.nextUrl.pathname,
      origin: request.headers.get("origin"),
      secFetchSite: request.headers.get("sec-fetch-site"),
      host: request.headers.get("host"),
      publicOrigin: publicUrl.origin,
    });
    if (!verdict.ok) return refuse(403, verdict.message);
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      return refuse(413, `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted.`);
    }
  }

  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", csp);
  headers.set("x-nonce", nonce);
  headers.set("x-warrant-path", request.nextUrl.pathname + request.nextUrl.search);
  return withHeaders(NextResponse.next({ request: { headers } }));
}

/**
 * Every path except the HR file upload (app/api/identity-import/upload/route.ts): Next.js buffers the body of
 * every request a proxy sees and cuts it at PROXY_BODY_LIMIT, and that upload streams files of up to 64 MiB.
 * Its route runs the same Origin check and security headers itself.
 */
export const config = { matcher: ["/((?!api/identity-import/upload).*)"] };
