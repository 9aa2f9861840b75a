/**
 * Several portal processes behind one port (scripts/lib/processes.mjs, WEB_CONCURRENCY): which values start,
 * which are refused and why, and the supervisor's behaviour with real processes. The supervised process here
 * is a plain HTTP server answering with its pid (a production build of the portal is not there when this
 * stage runs); docs/performance.md has the portal itself measured with two processes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MAX_PROCESSES, portalProcesses, processesRefusal } from "./lib/processes.mjs";
import { startupRefusal } from "./lib/listen.mjs";

const PG = "postgresql://u:p@db:5432/warrant";

describe("WEB_CONCURRENCY", () => {
  it("is one process unless set; a whole number or auto", () => {
    expect(portalProcesses({})).toBe(1);
    expect(portalProcesses({ WEB_CONCURRENCY: "" })).toBe(1);
    expect(portalProcesses({ WEB_CONCURRENCY: " 2 " })).toBe(2);
    expect(portalProcesses({ WEB_CONCURRENCY: String(MAX_PROCESSES) })).toBe(MAX_PROCESSES);
    expect(portalProcesses({ WEB_CONCURRENCY: "AUTO" })).toBeGreaterThanOrEqual(1);
    for (const bad of ["0", "-1", "1.5", "2x", "33", "1e2", "two", "0x2"]) expect(portalProcesses({ WEB_CONCURRENCY: bad }), bad).toBeNull();
  });

  it("refuses what it cannot serve, and says why", () => {
    expect(processesRefusal({ WEB_CONCURRENCY: "2", DATABASE_URL: PG })).toBeNull();
    expect(processesRefusal({ WEB_CONCURRENCY: "1" })).toBeNull();
    expect(processesRefusal({ WEB_CONCURRENCY: "many", DATABASE_URL: PG })).toMatch(/WEB_CONCURRENCY=many is not a number of processes/);
    // The embedded database lives inside one process.
    expect(processesRefusal({ WEB_CONCURRENCY: "2" })).toMatch(/embedded database lives inside one process.*DATABASE_URL/);
    expect(processesRefusal({ WEB_CONCURRENCY: "2", DATABASE_URL: PG, DEMO_TARGET: "true" })).toMatch(/demo's target database runs inside the portal process/);
    // npm start's start-up check (prestart runs it) refuses the same.
    expect(startupRefusal({ WEB_CONCURRENCY: "2" })).toMatch(/embedded database/);
    expect(startupRefusal({ WEB_CONCURRENCY: "2", DATABASE_URL: PG })).toBeNull();
  });
});

// --- the supervisor with real processes ---------------------------------------------------------------

const dir = mkdtempSync(path.join(tmpdir(), "warrant-processes-"));
const FIXTURE = path.join(dir, "fixture.mjs");
writeFileSync(
  FIXTURE,
  `import cluster from "node:cluster";
import http from "node:http";
import { superviseProcesses } from ${JSON.stringify(path.resolve(import.meta.dirname, "lib/processes.mjs"))};
if (cluster.isPrimary) {
  superviseProcesses({ count: Number(process.env.N), onListening: () => console.log("LISTENING"), graceMs: 20000 });
} else {
  if (process.env.MODE === "fail-start") process.exit(3);
  const server = http.createServer((req, res) => res.end(String(process.pid)));
  server.listen(Number(process.env.PORT), "127.0.0.1", () => {
    if (process.env.MODE === "crash") setTimeout(() => process.exit(5), 50);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Run = { child: ChildProcessWithoutNullStreams; port: number; out: () => string; exited: Promise<number | null> };
const running: Run[] = [];
afterEach(() => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function start(n: number, mode = ""): Promise<Run> {
  const port = await freePort();
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, N: String(n), PORT: String(port), MODE: mode } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const run = { child, port, out: () => out, exited };
  running.push(run);
  return run;
}

/** Polls `check` until it returns a value (not undefined): a wait on a condition, never a fixed sleep. */
async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * One request on a connection of its own (the primary hands out connections, not requests). A connection
 * handed to a process at the moment it was killed is lost with it: such a call times out and counts as failed.
 */
function pidAnswering(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(Number(body)));
    });
    req.on("timeout", () => req.destroy(new Error("no answer in 5 s")));
    req.on("error", reject);
  });
}

async function pidsAnswering(port: number, calls: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < calls; i++) pids.add(await pidAnswering(port));
  return pids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the supervisor of several portal processes", { timeout: 120_000 }, () => {
  it("serves one port from N processes, replaces one that dies, and stops them all on SIGTERM", async () => {
    const run = await start(2);
    await until(() => (run.out().includes("LISTENING") ? true : undefined), "both processes listening");
    expect(run.out()).toContain("2 portal processes");
    const first = await pidsAnswering(run.port, 8);
    expect(first.size).toBe(2);
    expect(first.has(run.child.pid!)).toBe(false); // the primary only hands out connections

    // One dies (as the V8 crash of docs/performance.md killed the portal): the other goes on, a new one replaces it.
    const [victim, survivor] = [...first];
    process.kill(victim!, "SIGKILL");
    const after = await until(async () => {
      const pids = await pidsAnswering(run.port, 8).catch(() => undefined);
      return pids?.size === 2 && !pids.has(victim!) ? pids : undefined;
    }, "a replacement process answering");
    expect(after.has(survivor!)).toBe(true);
    expect(run.out()).toMatch(new RegExp(`portal process ${victim} ended \\(signal SIGKILL\\); started \\d+ in its place`));

    process.kill(run.child.pid!, "SIGTERM");
    expect(await run.exited).toBe(0);
    for (const pid of after) await until(() => (alive(pid) ? undefined : true), `process ${pid} gone`);
  });

  it("stops with the exit code of a process that could not start, instead of starting it again and again", async () => {
    const run = await start(2, "fail-start");
    expect(await run.exited).toBe(3);
    expect(run.out()).toMatch(/ended before it listened \(exit code 3\); stopping/);
  });

  it("stops with exit code 1 when processes keep dying (a crash loop), rather than spin", async () => {
    const run = await start(1, "crash");
    expect(await run.exited).toBe(1);
    expect(run.out()).toMatch(/4 portal processes ended within a minute \(the last: exit code 5\); stopping/);
  });
});
