import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "prisma/**/*.test.ts", "scripts/**/*.test.ts", "components/**/*.test.ts"],
    globalSetup: ["server/testing/global-setup.ts"],
    // Generous on purpose: a slow, busy 2-core machine (CI) runs tests that start CLI processes and workers
    // (tsx compiling on start) several times slower than a quiet one. Tests wait on state, never on time.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: "forks",
    // One process runs many test files in turn (process start-up and package imports paid once per worker,
    // not once per file); server/testing/per-file-reset.ts gives each file fresh project modules, the worker's
    // starting environment and real timers, as a process of its own would.
    isolate: false,
    setupFiles: ["server/testing/per-file-reset.ts"],
    // V8 in Node 20 sometimes aborts ("unreachable code" in the deoptimizer) when it inlines calls into
    // WebAssembly (Cedar's policy engine); a long-lived worker optimises more of them. The portal runs with the
    // same flag (scripts/serve.mjs), and since then no such crash.
    execArgv: ["--no-turbo-inline-js-wasm-calls"],
    // Two cores: two workers, each with its own PGlite (or its own PostgreSQL database).
    maxWorkers: 2,
  },
});
