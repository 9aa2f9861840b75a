#!/usr/bin/env node
// `npm start`'s build step: builds the portal only when its sources changed since the last build.
//
// A production build takes minutes on two cores; rebuilding identical sources on every start only makes a
// newcomer wait. The sources that go into the build (app code, configuration, the lockfile, public files)
// are hashed; the hash of the last successful build is kept in .next/warrant-source-hash. Same hash and a
// complete build (.next/BUILD_ID) → the build is reused, and the start says so. Anything else → `next build`
// runs, saying first what it is doing and roughly how long it takes, and the hash is written after it
// succeeded. `--force` always builds. `--print-hash` prints the hash (for tests and the curious).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What goes into a build: these folders (recursively) and files, relative to the project root. */
export const BUILD_INPUTS = {
  folders: ["app", "components", "server", "public", "prisma"],
  files: ["package.json", "package-lock.json", "next.config.mjs", "tsconfig.json", "postcss.config.mjs", "proxy.ts", "instrumentation.ts", "instrumentation-client.ts"],
};
/** Never part of a build, wherever they are (tests, generated output, local data). */
const SKIP_DIRS = new Set(["node_modules", ".next", ".data", "test-results", "playwright-report", "generated"]);
const SKIP_FILE = /\.(test|int\.test|property\.test)\.ts$|\.md$/;

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith(".") && e.name !== ".well-known") continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(full, out);
    } else if (e.isFile() && !SKIP_FILE.test(e.name)) {
      out.push(full);
    }
  }
}

/** SHA-256 over every build input's path and content (sorted), plus the Node.js version. */
export function sourceHash(base = root) {
  const files = [];
  for (const f of BUILD_INPUTS.folders) walk(path.join(base, f), files);
  for (const f of BUILD_INPUTS.files) if (existsSync(path.join(base, f))) files.push(path.join(base, f));
  files.sort();
  const h = createHash("sha256");
  h.update(`node ${process.version}\n`);
  for (const f of files) {
    h.update(path.relative(base, f).split(path.sep).join("/"));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex");
}

const HASH_FILE = path.join(root, ".next/warrant-source-hash");

async function main() {
  const args = process.argv.slice(2);
  const hash = sourceHash();
  if (args.includes("--print-hash")) {
    console.log(hash);
    return 0;
  }
  const built = existsSync(path.join(root, ".next/BUILD_ID")) && existsSync(HASH_FILE) && readFileSync(HASH_FILE, "utf8").trim() === hash;
  if (built && !args.includes("--force")) {
    const when = statSync(HASH_FILE).mtime.toISOString().slice(0, 16).replace("T", " ");
    console.log(`Build: reusing the build of ${when} UTC (the sources have not changed since). \`npm run build\` rebuilds.`);
    return 0;
  }
  console.log("Build: building the portal for production (a few minutes on two cores; only when the sources changed)…");
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (code !== 0) return code;
  writeFileSync(HASH_FILE, `${hash}\n`);
  console.log(`Build: done in ${Math.round((Date.now() - started) / 1000)} s.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code));
}
