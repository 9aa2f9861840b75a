// Several portal processes behind one port (WEB_CONCURRENCY): plain JavaScript, for the same reason as
// listen.mjs (scripts/serve.mjs runs under plain `node`). Types: processes.d.mts. Tests: scripts/processes.test.ts.
//
// One Node.js process renders pages and evaluates policies on one core: a host with cores to spare needs several
// to use them. (On a 2-core machine that also runs PostgreSQL, a second process gave no throughput: the cores
// were already busy; docs/performance.md.) A process that dies is replaced, so a crash no longer takes the
// portal down. Node's cluster module shares the listening socket: the primary accepts connections and hands
// them to the processes in turn.
// Everything the processes share lives in the database (sessions, rate-limit counters, idempotency keys, job
// claims, the ledger head), so they need no other coordination. The embedded database (PGlite) lives inside one
// process and cannot be shared: several processes need PostgreSQL (DATABASE_URL).
import cluster from "node:cluster";
import { availableParallelism } from "node:os";

export const MAX_PROCESSES = 32;

/** How many portal processes WEB_CONCURRENCY asks for: unset or empty is 1, "auto" one per core; null when invalid. */
export function portalProcesses(env) {
  const raw = (env.WEB_CONCURRENCY ?? "").trim().toLowerCase();
  if (raw === "") return 1;
  if (raw === "auto") return Math.min(availableParallelism(), MAX_PROCESSES);
  if (!/^\d{1,3}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_PROCESSES ? n : null;
}

/** Why WEB_CONCURRENCY cannot be served, or null. */
export function processesRefusal(env) {
  const n = portalProcesses(env);
  if (n === null) return `WEB_CONCURRENCY=${env.WEB_CONCURRENCY} is not a number of processes: use a whole number from 1 to ${MAX_PROCESSES}, or "auto" (one per core).`;
  if (n > 1 && !env.DATABASE_URL) {
    return `WEB_CONCURRENCY=${env.WEB_CONCURRENCY} asks for ${n} portal processes, but the embedded database lives inside one process. Set DATABASE_URL (PostgreSQL) to run several, or leave WEB_CONCURRENCY unset.`;
  }
  if (n > 1 && ["true", "1", "yes"].includes(env.DEMO_TARGET ?? "")) {
    return `WEB_CONCURRENCY=${env.WEB_CONCURRENCY} with DEMO_TARGET=${env.DEMO_TARGET}: the demo's target database runs inside the portal process, so only one process can serve it. Leave one of them unset.`;
  }
  return null;
}

/**
 * Runs in the primary: starts `count` processes of this same script and keeps that many running.
 *
 * - A process that ends after it was listening (a crash: an uncaught error, a fatal V8 error, the OOM killer) is
 *   replaced at once; its connections in flight are lost, the others' are not. More than `count * 3` such ends
 *   within a minute is a crash loop: everything stops with exit code 1 rather than spin.
 * - A process that ends before it ever listened failed to start (port taken, bad configuration, database
 *   unreachable): starting another would fail the same way, so everything stops with its exit code (1 at least).
 * - SIGINT / SIGTERM are passed on; the primary exits 0 once every process has closed (or after `graceMs`).
 *
 * `log` / `warn` say what happens, one line each.
 */
export function superviseProcesses({ count, onListening, log = console.log, warn = console.error, graceMs = 10_000 }) {
  const listened = new Set();
  const recentCrashes = [];
  let stopping = false;
  let announced = false;

  const stopAll = (code, signal = "SIGTERM") => {
    if (stopping) return;
    stopping = true;
    process.exitCode = code;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code);
    setTimeout(() => process.exit(code), graceMs).unref();
  };

  cluster.on("listening", (worker, address) => {
    listened.add(worker.id);
    if (!announced && listened.size === count) {
      announced = true;
      onListening?.(address);
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!listened.has(worker.id)) {
      warn(`Warrant: portal process ${worker.process.pid} ended before it listened (${how}); stopping.`);
      stopAll(code && code > 0 ? code : 1);
      return;
    }
    listened.delete(worker.id);
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length && recentCrashes[0] < now - 60_000) recentCrashes.shift();
    if (recentCrashes.length > count * 3) {
      warn(`Warrant: ${recentCrashes.length} portal processes ended within a minute (the last: ${how}); stopping.`);
      stopAll(1);
      return;
    }
    const next = cluster.fork();
    warn(`Warrant: portal process ${worker.process.pid} ended (${how}); started ${next.process.pid} in its place.`);
  });

  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => stopAll(0, sig));
  for (let i = 0; i < count; i++) cluster.fork();
  log(`Warrant: ${count} portal processes (WEB_CONCURRENCY) behind one port.`);
}
