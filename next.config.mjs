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
};

export default nextConfig;
