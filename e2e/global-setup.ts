/**
 * Once per browser-test run:
 *   1. a fresh embedded database with the demo organisation (.data/e2e-pglite, via scripts/prepare-db.ts),
 *   2. a production build of the portal (scripts/build-if-changed.mjs, what `npm start` runs: `next build`
 *      unless .next was built from these very sources; E2E_SKIP_BUILD=1 reuses .next whatever it holds),
 *   3. a real OpenID Connect provider (e2e/oidc-server.mjs) on 127.0.0.1:$E2E_OIDC_PORT,
 *   4. the portal (scripts/serve.mjs, what `npm start` runs) on 127.0.0.1:$E2E_APP_PORT with OIDC and demo
 *      sign-in on, behind a "trusted proxy" (TRUST_PROXY=true) so a spec can pose as another client address.
 * Both servers run as their own process groups; their PIDs go to .data/e2e/servers.json so
 * e2e/global-teardown.ts (or the next run, after a crash) stops exactly them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { ROOT, STATE_DIR, STATE_FILE, stopRecordedServers, type ServerState } from "./servers";

export const OIDC_CLIENT_ID = "warrant-e2e";
const PGLITE_DIR = path.join(ROOT, ".data/e2e-pglite");
/** Packs the e2e portal builds: a folder of its own, so its retention job never sees the dev portal's packs. */
const EVIDENCE_DIR = path.join(ROOT, ".data/e2e-evidence");
const NODE = process.execPath;
const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const BUILD = path.join(ROOT, "scripts/build-if-changed.mjs");
/** What `npm start` runs: Next's request handler behind our own listener (client address, loopback default). */
const SERVE = path.join(ROOT, "scripts/serve.mjs");

/** The environment every child gets: ours, minus anything that would point it at another database or IdP. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", EVIDENCE_DIR };
  for (const k of ["DATABASE_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME", "NEXTAUTH_URL", "NEXTAUTH_SECRET", "NODE_OPTIONS"]) delete env[k];
  return { ...env, ...extra };
}

/** Runs a command to completion with its output in a log file; throws with the log's tail if it fails. */
function run(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const logFile = path.join(STATE_DIR, `${label}.log`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      log.end(() => {
        if (code === 0) {
          console.log(`[e2e] ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          resolve();
        } else {
          reject(new Error(`[e2e] ${label} failed (${signal ?? `exit ${code}`}); last output from ${logFile}:\n${tail(logFile)}`));
        }
      });
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Starts a long-running server in its own process group (so it can be stopped with everything it forks),
 * writing straight to a log file (so it does not depend on this process staying alive to drain a pipe).
 */
function startServer(label: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; logFile: string } {
  const logFile = path.join(STATE_DIR, `${label}.log`);
  const fd = openSync(logFile, "w");
  try {
    const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd], detached: true });
    // The runner must not wait for these to exit; the teardown stops them.
    child.unref();
    return { child, logFile };
  } finally {
    closeSync(fd);
  }
}

/** Polls until `check` passes, the process dies, or time runs out. */
async function waitUntil(label: string, server: { child: ChildProcess; logFile: string }, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`[e2e] ${label} exited during start-up; last output from ${server.logFile}:\n${tail(server.logFile)}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`[e2e] ${label} did not become ready in ${timeoutMs / 1000} s; last output from ${server.logFile}:\n${tail(server.logFile)}`);
}

export default async function globalSetup() {
  try {
    await start();
  } catch (err) {
    // Whatever did start must not outlive a failed setup.
    await stopRecordedServers();
    throw err;
  }
}

async function start() {
  const t0 = Date.now();
  const appPort = process.env.E2E_APP_PORT;
  const oidcPort = process.env.E2E_OIDC_PORT;
  if (!appPort || !oidcPort) throw new Error("[e2e] E2E_APP_PORT / E2E_OIDC_PORT are not set: run through playwright.config.ts");
  const appUrl = `http://127.0.0.1:${appPort}`;
  const issuer = `http://127.0.0.1:${oidcPort}`;

  mkdirSync(STATE_DIR, { recursive: true });
  // A previous run that was killed before its teardown may have left its servers running.
  await stopRecordedServers();

  // 1 + 2: database and build in parallel (independent; the build never opens the database).
  rmSync(PGLITE_DIR, { recursive: true, force: true });
  rmSync(EVIDENCE_DIR, { recursive: true, force: true });
  const prepare = run("prepare-db", [TSX, path.join(ROOT, "scripts/prepare-db.ts")], childEnv({ PGLITE_DIR }));
  const skipBuild = process.env.E2E_SKIP_BUILD === "1" && existsSync(path.join(ROOT, ".next/BUILD_ID"));
  if (skipBuild) console.log("[e2e] next build: skipped (E2E_SKIP_BUILD=1), reusing .next");
  const build = skipBuild ? Promise.resolve() : run("next-build", [BUILD], childEnv({ NODE_ENV: "production" }));
  const results = await Promise.allSettled([prepare, build]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  // The postgres connector's target: a database in this run's throwaway cluster (scripts/e2e.sh starts it).
  await run("configure-target", [TSX, path.join(ROOT, "e2e/configure-target.ts")], childEnv({ PGLITE_DIR, TEST_PG_ADMIN_URL: process.env.TEST_PG_ADMIN_URL ?? "" }));

  // 3: the identity provider.
  const clientSecret = randomBytes(24).toString("base64url");
  const oidc = startServer(
    "oidc-server",
    [path.join(ROOT, "e2e/oidc-server.mjs")],
    childEnv({ OIDC_PORT: oidcPort, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: clientSecret, OIDC_REDIRECT_URI: `${appUrl}/api/auth/callback/oidc` }),
  );
  const state: ServerState = { servers: [{ label: "oidc-server", pid: oidc.child.pid! }] };
  writeFileSync(STATE_FILE, JSON.stringify(state));
  await waitUntil("oidc-server", oidc, async () => (await fetch(`${issuer}/.well-known/openid-configuration`)).ok, 20_000);

  // 4: the portal.
  const app = startServer(
    "next-start",
    [SERVE],
    childEnv({
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: appPort,
      // The security spec sends X-Forwarded-For to be a client address of its own, so the rate limits it
      // trips never touch the rest of the suite (the browser itself sends none: its address is the socket's).
      TRUST_PROXY: "true",
      PGLITE_DIR,
      NEXTAUTH_URL: appUrl,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_NAME: "Halcyon SSO",
      DEMO_LOGIN: "true",
      // Tests move the business clock (expiry, escalation) through /api/dev/clock and run jobs on demand.
      CLOCK_CONTROL: "true",
      // The Production Database target is the throwaway cluster of this run (configure-target above), not the
      // embedded demo target, whose data folder and port a portal started by hand on this machine may use.
      DEMO_TARGET: "false",
    }),
  );
  state.servers.push({ label: "next-start", pid: app.child.pid! });
  writeFileSync(STATE_FILE, JSON.stringify(state));
  await waitUntil(
    "next start",
    app,
    async () => {
      const res = await fetch(`${appUrl}/api/auth/providers`);
      if (!res.ok) return false;
      const providers = (await res.json()) as Record<string, unknown>;
      return "oidc" in providers && "demo" in providers;
    },
    60_000,
  );
  console.log(`[e2e] portal ${appUrl} and IdP ${issuer} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (logs in ${path.relative(ROOT, STATE_DIR)}/)`);
}
