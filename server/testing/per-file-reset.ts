/**
 * Runs before every test file (vitest.config.ts `setupFiles`). The workers run with `isolate: false`: one
 * process runs many test files in turn, so starting a process and importing the packages (Prisma's runtime,
 * PGlite, Cedar's WebAssembly, next-auth, tRPC, zod) is paid once per worker instead of once per file. What a
 * test file could see of the files before it is put back here, so each file still starts as it would in a
 * fresh process:
 *
 * - The project's own modules (everything outside node_modules) are evaluated afresh for each file
 *   (`vi.resetModules()`), so no module state carries over from one file to the next. That covers, among
 *   others: the parsed environment (`env()` in server/env.ts), the session secret (server/auth/secret.ts), the
 *   evidence signing keys (`loadSigningKey` in server/evidence/keys.ts), the credential key
 *   (server/domain/credentials/sealed.ts), the served OpenAPI document (server/http/api-v1/openapi.ts and
 *   server/testing/api-contract.ts, whose per-file coverage of answered statuses must start empty), the
 *   prepared Cedar policies (server/domain/policy/evaluate.ts), the schema engine's glue
 *   (server/db/schema-engine.ts) and the test factories' counters. Packages in node_modules are shared.
 * - `process.env` is put back to what the worker started with (tests set CREDENTIAL_KEY_FILE, EVIDENCE_DIR,
 *   NEXTAUTH_URL, ...; `env()` adds NEXTAUTH_URL), and so is the working directory.
 * - Real timers, and no stubbed globals or environment variables (`vi.useFakeTimers`, `vi.stubGlobal`,
 *   `vi.stubEnv`); Vitest itself restores spies (`vi.restoreAllMocks`) after each file.
 * - The process-wide singletons the portal keeps on `globalThis` (server/db.ts's database handle, the
 *   in-process worker, the demo target) must not exist between files: no test opens them (tests open their
 *   own database through server/testing/db.ts), and a file that did would fail here rather than leak.
 */
import { vi } from "vitest";

type Start = { env: Record<string, string | undefined>; cwd: string };
const g = globalThis as unknown as { __warrantWorkerStart?: Start; __warrantDb?: unknown; __warrantWorker?: unknown; __warrantDemoTarget?: unknown };

// The first file of this worker: remember how the worker started.
g.__warrantWorkerStart ??= { env: { ...process.env }, cwd: process.cwd() };
const start = g.__warrantWorkerStart;

vi.resetModules();
vi.useRealTimers();
vi.unstubAllGlobals();
vi.unstubAllEnvs();

for (const key of Object.keys(process.env)) if (!(key in start.env)) delete process.env[key];
for (const [key, value] of Object.entries(start.env)) if (process.env[key] !== value) process.env[key] = value;
if (process.cwd() !== start.cwd) process.chdir(start.cwd);

for (const name of ["__warrantDb", "__warrantWorker", "__warrantDemoTarget"] as const) {
  if (g[name] !== undefined) throw new Error(`per-file reset: globalThis.${name} was left by the previous test file; a test file must open and close its own`);
}
