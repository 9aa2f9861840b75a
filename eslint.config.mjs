// Lint: TypeScript recommended rules plus the layering rules of STYLE.md, so a misplaced import fails `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const prismaImports = {
  group: ["**/db/generated/**", "@prisma/*", "**/server/db", "@/server/db", "../db", "../../db"],
  message: "Only domain services, the ledger and server/db.ts touch Prisma. Call a domain service instead.",
  allowTypeImports: true,
};

export default tseslint.config(
  { ignores: ["node_modules/**", ".next/**", ".data/**", "server/db/generated/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // TypeScript checks names; the core rule knows no Node or browser globals in .mjs files.
      "no-undef": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports", fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
    },
  },
  {
    // Routers are thin: validate, authorize, call a service. No Prisma.
    files: ["server/trpc/routers/**/*.ts"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [prismaImports] }] },
  },
  {
    // The server files components may import run in the browser too: they may not load the database client
    // (a value imported from it pulls Node-only modules into the page's bundle, and the build fails).
    files: ["server/domain/*/schema.ts", "server/domain/list.ts", "server/domain/field-errors.ts", "server/http/limits.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/db/**", "**/db", "@prisma/*", "@/server/db"], message: "Shared with the browser: no database client here (types excepted). Put SQL helpers in server/db/.", allowTypeImports: true }] },
      ],
    },
  },
  {
    // Components run in the browser: no server code, except types and the zod schemas shared with the client.
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // A regex, not a gitignore-style group: a group cannot re-include a file under an excluded folder.
              // server/http/limits.ts is plain numbers the browser's tRPC client must split its batches by.
              regex: "^@/server/(?!domain/[^/]+/schema$|domain/list$|domain/field-errors$|http/limits$)",
              message: "Components never import server code (types, server/domain/*/schema.ts, server/domain/field-errors.ts and server/http/limits.ts excepted).",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
