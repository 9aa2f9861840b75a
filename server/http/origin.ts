/**
 * The Origin check on every state-changing request (cross-site request forgery): a POST, PUT, PATCH or DELETE
 * is accepted only when the browser says it comes from the portal's own pages. Runs in proxy.ts for every
 * path, before any route handler, next-auth or tRPC sees the request.
 *
 * The rule, in order:
 *   1. GET, HEAD and OPTIONS change nothing here (tRPC refuses a mutation over GET): not checked.
 *   2. Machine endpoints that authenticate each request by signature (the webhook callback) are exempt:
 *      they are called by servers, carry no cookie, and a forged one fails its HMAC.
 *   3. An `Origin` header (every current browser sends one on every POST/PUT/PATCH/DELETE, same-origin
 *      included) must be the portal's own origin: NEXTAUTH_URL's, or, for a loopback host only (the demo
 *      at http://localhost:3000 or http://127.0.0.1:3000), the host the request was sent to. Matching any
 *      request host would let a DNS-rebinding page pass; a loopback name cannot be rebound.
 *   4. Without a usable Origin (absent, or "null"), `Sec-Fetch-Site: same-origin` is accepted and any other
 *      Sec-Fetch-Site value is refused.
 *   5. Neither header: accepted. Forging a request needs a victim's browser, and browsers send Origin; a
 *      request with neither header comes from a program (curl, a script, the test harness), which can send
 *      whatever headers it likes anyway. The defence against a program holding a stolen cookie is that the
 *      session ends on the server (sign-out, deprovisioning), not this check.
 */

export const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Paths whose POSTs are authenticated by a signature, not a cookie (exact match). */
export const ORIGIN_EXEMPT_PATHS = new Set(["/api/connectors/webhook/callback"]);

export type OriginInput = {
  method: string;
  pathname: string;
  /** The Origin header, or null. */
  origin: string | null;
  /** The Sec-Fetch-Site header, or null. */
  secFetchSite: string | null;
  /** The Host header of the request, or null. */
  host: string | null;
  /** The portal's public origin (from NEXTAUTH_URL), e.g. "https://warrant.example.com". */
  publicOrigin: string;
};

export type OriginVerdict = { ok: true } | { ok: false; message: string };

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function parseOrigin(value: string): URL | null {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? u : null;
  } catch {
    return null;
  }
}

export function checkOrigin(input: OriginInput): OriginVerdict {
  const method = input.method.toUpperCase();
  if (SAFE_METHODS.has(method)) return { ok: true };
  if (ORIGIN_EXEMPT_PATHS.has(input.pathname)) return { ok: true };
  const refuse = (from: string): OriginVerdict => ({
    ok: false,
    message: `Refused: this change was sent from ${from}, not from Warrant's own pages, so nothing was done. Open Warrant at ${input.publicOrigin} and try again there.`,
  });

  if (input.origin && input.origin !== "null") {
    const o = parseOrigin(input.origin);
    if (!o) return refuse(`an unrecognisable origin (${input.origin.slice(0, 100)})`);
    if (o.origin === input.publicOrigin) return { ok: true };
    if (input.host && LOOPBACK.test(o.hostname) && o.host.toLowerCase() === input.host.toLowerCase()) return { ok: true };
    return refuse(`another site (${o.origin})`);
  }
  if (input.secFetchSite) {
    return input.secFetchSite.toLowerCase() === "same-origin" ? { ok: true } : refuse(`another site (Sec-Fetch-Site: ${input.secFetchSite.slice(0, 40)})`);
  }
  if (input.origin === "null") return refuse("a page without an origin");
  return { ok: true };
}
