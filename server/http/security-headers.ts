/**
 * The security headers of every response (set in proxy.ts: pages, route handlers, static files, errors).
 *
 * Content-Security-Policy is nonce-based and made per request: Next.js reads the nonce from the CSP request
 * header proxy.ts forwards and puts it on its own scripts, and `'strict-dynamic'` lets those load the app's
 * chunks, so no inline script without the nonce runs (an injected `<script>` or `onerror=` does not). Styles
 * come from the app's stylesheet; React `style={…}` attributes are not used (style-src has no
 * 'unsafe-inline'), see components/ui/bar.tsx. Only development needs 'unsafe-eval' (React's dev tooling).
 */

export type HeaderOptions = {
  nonce: string;
  /** The portal is served over HTTPS (NEXTAUTH_URL is https, or the proxy says so): adds HSTS and upgrades. */
  https: boolean;
  /** `next dev`: React's dev tooling needs eval and a websocket for hot reload. */
  dev: boolean;
};

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(o: HeaderOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${o.nonce}' 'strict-dynamic'${o.dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${o.nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${o.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
  ];
  if (o.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** Every security header but the CSP (the same for every response). */
export function staticSecurityHeaders(o: Pick<HeaderOptions, "https">): Record<string, string> {
  const h: Record<string, string> = {
    // frame-ancestors 'none' in the CSP, and the older header for browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // Full URLs (with ids and filters) stay inside the portal; other sites see only the origin, and never over http.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-DNS-Prefetch-Control": "off",
  };
  // Only over HTTPS: sent over plain http it is ignored by browsers, and it would pin a demo's localhost.
  if (o.https) h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  return h;
}
