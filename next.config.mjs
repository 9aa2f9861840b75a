/**
 * With a proxy (proxy.ts runs for every request), Next.js buffers each request body so the proxy could read
 * it, up to `proxyClientMaxBodySize` (default 10 MB), and silently cuts the body there. One byte over our own
 * cap (server/http/limits.ts MAX_BODY_BYTES, 1 MiB) keeps what Next buffers small and keeps an over-long
 * body detectable where it is read (a cut body is still longer than the cap, so it is refused, never parsed
 * as if it were complete). next-config.test.ts holds the two numbers together.
 */
export const PROXY_BODY_LIMIT = 1024 * 1024 + 1;

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
