/**
 * Because a proxy runs for every request (proxy.ts), Next.js reads each request body into memory for it, up to
 * `proxyClientMaxBodySize` (default 10 MB), and silently cuts the body there: it drops the whole socket read
 * that crosses the limit, so a cut body is shorter than the limit by up to one read (64 KiB). Our cap
 * (server/http/limits.ts MAX_BODY_BYTES, 1 MiB) is enforced in front of this (a declared Content-Length over
 * it: 413 in proxy.ts, nothing read) and behind it (route handlers count bytes as they read, e.g. a chunked
 * body to /api/trpc, and stop past the cap). Four times the cap keeps what Next may buffer small and makes a
 * cut body still longer than the cap, so it is refused, never parsed as if it were complete.
 * server/http/body.test.ts holds the numbers together.
 */
export const PROXY_BODY_LIMIT = 4 * 1024 * 1024;

/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/schema-engine-wasm",
    "@cedar-policy/cedar-wasm",
    "pg",
    "oidc-provider",
  ],
  poweredByHeader: false,
  typedRoutes: false,
  experimental: { proxyClientMaxBodySize: PROXY_BODY_LIMIT },
};

export default nextConfig;
