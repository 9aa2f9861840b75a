/**
 * npm run bench (last part): what people wait on, over HTTP against the BUILT portal on the scale data set, beside
 * the same SQL run raw at the same concurrency. Not a test: it prints figures, nothing passes or fails.
 *
 * 1. Loads the scale data set (scripts/lib/scale-data.ts; BENCH_GRANTS grants, default 100,000 for a quick run,
 *    1,000,000 for the real one) into a new database of the throwaway cluster (scripts/with-postgres.sh).
 * 2. Signs real identities of the data set in (a Session row + the next-auth JWT, as the sign-in does) and captures
 *    the SQL each path's procedures send (bench/lib/load.ts captureSql) on a copy of the database.
 * 3. Builds the portal if its sources changed and serves it (scripts/serve.mjs) on that database, background jobs
 *    and rate limits off.
 * 4. For each path and each of 1, 10 and 50 concurrent clients (BENCH_CLIENTS) for BENCH_DURATION seconds
 *    (default 10): the captured SQL replayed raw through a `pg` pool (writes in a rolled-back transaction), then
 *    the path over HTTP with autocannon. All raw runs come first: a raw write replays the captured ledger append
 *    at the captured chain position, which the HTTP writes then move on.
 *    Paths: first the floor every other path stands on (Next answering a static file; the cheapest signed-in tRPC
 *    call, me.current, which every page's shell makes), then approver inbox (a heavy manager, tRPC), directory search (identities.list with a term, tRPC), home
 *    page HTML (an admin, and a line manager), my requests (tRPC, a line manager), the control checks (tRPC
 *    audit.controls, the admin: counts and first exceptions of five checks over the whole organisation), request detail page HTML, review workspace page HTML (the reviewer with the most
 *    items), submit a request (tRPC mutation, 50 people in turn), approve a step (tRPC mutation, the heavy
 *    managers' open stages in turn).
 * BENCH_PROCESSES (e.g. "1,2") repeats the HTTP runs with that many portal processes (WEB_CONCURRENCY) each.
 * BENCH_PATHS (comma-separated words) runs only the paths whose names contain them. Each HTTP run starts once the
 * portal's database sessions of the run before are idle (calls autocannon cut off are still being served).
 * Prints the machine (cores, load average at start and end), the data set, then one line per path and level:
 * HTTP p50/p95/req/s, raw SQL p50/p95/req/s, and the ratios (HTTP p95 / SQL p95, SQL req/s / HTTP req/s); and, for
 * each HTTP run, the CPU time per call of the portal's processes, of PostgreSQL's (when the cluster runs on this
 * machine) and of this load generator (bench/lib/cpu.ts), with the ceiling the first two set on this machine's cores.
 */
import fs from "node:fs";
import os from "node:os";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDb, type PrismaClient } from "../server/db";
import { applyMigrations } from "../server/db/schema-engine";
import { callerAs } from "../server/testing/factories";
import { ZMyItemsInput } from "../server/domain/campaigns/schema";
import { ADMIN_PERSON, HEAVY_MANAGERS, loadScaleData, SCALE_EMAIL, scaleShape } from "../scripts/lib/scale-data";
import { buildIfChanged, signIn, startPortal } from "./lib/portal";
import { captureSql, httpLoad, sqlLoad, type Figures, type HttpCase, type Statement } from "./lib/load";
import { parentOf, perCall, readCpu, type CpuSplit } from "./lib/cpu";

const GRANTS = Number(process.env.BENCH_GRANTS ?? 100_000);
const SECONDS = Number(process.env.BENCH_DURATION ?? 10);
const LEVELS = (process.env.BENCH_CLIENTS ?? "1,10,50").split(",").map(Number);
const SEARCH_TERM = "Novak";
const DB_NAME = "warrant_bench_http";

const machine = () => `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} (1/5/15 min)`;

type Path = { name: string; write: boolean; sql: Statement[]; http: HttpCase };

const trpcGet = (proc: string, input: unknown) => `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function fmt(n: number, digits = 0) {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

async function main() {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  console.log(`\nHTTP benchmark (bench/http.ts), ${new Date().toISOString()}`);
  if (!adminUrl) {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  console.log(`Machine at start: ${machine()}. Node ${process.version}.`);
  const s = scaleShape(GRANTS);
  console.log(`Data set: BENCH_GRANTS=${GRANTS} → ${s.people} people, ${s.nhis} NHIs, ${s.entitlements} entitlements, ${s.requests} requests (${s.pending} pending). ${SECONDS} s per run (BENCH_DURATION), clients ${LEVELS.join(", ")}.`);

  await buildIfChanged();

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const pgVersion = (await admin.query("SHOW server_version")).rows[0].server_version;
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  const url = new URL(adminUrl);
  url.pathname = `/${DB_NAME}`;
  const dbUrl = url.toString();
  console.log(`PostgreSQL ${pgVersion} (scripts/with-postgres.sh: fsync off, synchronous_commit off).`);

  const handle = openDb({ url: dbUrl });
  const prisma: PrismaClient = handle.prisma;
  await applyMigrations(handle.adapter);
  const t0 = performance.now();
  const counts = await loadScaleData(dbUrl, prisma, GRANTS, (l) => console.log(l));
  console.log(`Scale data set loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")}.`);

  // The people each path acts as, all from the data set.
  const byEmail = async (n: number) => (await prisma.identity.findUniqueOrThrow({ where: { email: SCALE_EMAIL(n) }, select: { id: true } })).id;
  const heavy = await Promise.all(HEAVY_MANAGERS.map(byEmail));
  const adminId = await byEmail(ADMIN_PERSON);
  const submitters = await Promise.all(Array.from({ length: Math.min(50, s.lineManagers) }, (_, i) => byEmail(12 + i)));
  const reviewer = (await prisma.$queryRawUnsafe<{ reviewerId: string; campaignId: string; n: number }[]>(`SELECT "reviewerId", "campaignId", count(*)::int AS n FROM "ReviewItem" GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1`))[0]!;
  const steps = await prisma.$queryRawUnsafe<{ stepId: string; requestId: string; approver: string }[]>(
    `SELECT s."id" AS "stepId", s."requestId", s."eligibleIds"[1]::text AS approver FROM "ApprovalStep" s WHERE s."status" = 'OPEN' AND s."eligibleIds"[1] = ANY($1::uuid[]) ORDER BY s."openedAt", s."id"`,
    heavy,
  );
  const entitlements = (await prisma.entitlement.findMany({ select: { id: true }, orderBy: { name: "asc" } })).map((e) => e.id);
  const inboxTop = await callerAs(prisma, heavy[0]!).approvals.inbox({});
  // The captured submit must succeed: an entitlement its submitter neither holds nor has asked for (at small
  // BENCH_GRANTS the data set's people hold most of the few entitlements there are).
  const touched = new Set(
    (await prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "entitlementId"::text AS id FROM "Grant" WHERE "identityId" = $1::uuid UNION SELECT "entitlementId"::text FROM "AccessRequest" WHERE "beneficiaryId" = $1::uuid`,
      submitters[0]!,
    )).map((r) => r.id),
  );
  const captureSubmitEnt = [...entitlements].reverse().find((e) => !touched.has(e)) ?? entitlements[entitlements.length - 1]!;
  console.log(`Acting as: heavy managers with ${steps.length} open stages between them (inbox of the first: ${inboxTop.total}); admin for the home page; reviewer with ${reviewer.n} items; ${submitters.length} line managers submitting.`);

  // Sessions first: their ledger events must come before the SQL capture (see the header).
  const secret = randomBytes(32).toString("base64url");
  const cookie = new Map<string, string>();
  for (const id of new Set([...heavy, adminId, reviewer.reviewerId, ...submitters])) cookie.set(id, await signIn(prisma, secret, id));
  await handle.close();

  // Capture each path's SQL on a copy of the database, so the copy's writes do not reach the measured one.
  const capName = `${DB_NAME}_capture`;
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DB_NAME}' AND pid <> pg_backend_pid()`);
  await admin.query(`CREATE DATABASE ${capName} TEMPLATE ${DB_NAME}`);
  url.pathname = `/${capName}`;
  const capUrl = url.toString();
  const capturedStep = steps[steps.length - 1]!;
  const sql = {
    inbox: await captureSql(capUrl, (p) => callerAs(p, heavy[0]!).approvals.inbox({})),
    directory: await captureSql(capUrl, (p) => callerAs(p, heavy[0]!).identities.list({ q: SEARCH_TERM })),
    home: await captureSql(capUrl, (p) => Promise.all([callerAs(p, adminId).me.profile(), callerAs(p, adminId).home.summary()])),
    homeManager: await captureSql(capUrl, (p) => Promise.all([callerAs(p, submitters[0]!).me.profile(), callerAs(p, submitters[0]!).home.summary()])),
    mine: await captureSql(capUrl, (p) => callerAs(p, submitters[0]!).requests.mine({})),
    shell: await captureSql(capUrl, (p) => callerAs(p, submitters[0]!).me.current()),
    controls: await captureSql(capUrl, (p) => callerAs(p, adminId).audit.controls({})),
    detail: await captureSql(capUrl, (p) => callerAs(p, heavy[0]!).requests.byId({ id: inboxTop.rows[0]!.requestId })),
    review: await captureSql(capUrl, async (p) => {
      const api = callerAs(p, reviewer.reviewerId);
      await api.campaigns.byId({ id: reviewer.campaignId });
      await Promise.all([api.campaigns.myItems(ZMyItemsInput.parse({ campaignId: reviewer.campaignId })), api.campaigns.myProgress({ campaignId: reviewer.campaignId }), api.catalog.facets()]);
    }),
    submit: await captureSql(capUrl, (p) => callerAs(p, submitters[0]!).requests.submit({ entitlementId: captureSubmitEnt, durationHours: 24, justification: "Needed for the quarterly reporting work (benchmark)" })),
    approve: await captureSql(capUrl, (p) =>
      callerAs(p, capturedStep.approver).approvals.decide({ requestId: capturedStep.requestId, stepId: capturedStep.stepId, decision: "APPROVE", expectedRevision: 1 }),
    ),
  };
  await admin.query(`DROP DATABASE ${capName} WITH (FORCE)`);

  // BENCH_PROCESSES: the HTTP runs are repeated for each number of portal processes (WEB_CONCURRENCY), on the
  // same port, e.g. "1,2" to see what a second process on a second core gives.
  const processCounts = (process.env.BENCH_PROCESSES ?? "1").split(",").map(Number);
  let portal = await startPortal(dbUrl, secret, { WEB_CONCURRENCY: String(processCounts[0]) });
  const port = Number(new URL(portal.origin).port);
  const json = { "content-type": "application/json", origin: portal.origin };
  let submitted = 0;
  let approved = 0;
  const paths: Path[] = [
    // The floor of the stack, what every other path pays before its own work: Next answering a static file (no
    // session, no database), and the cheapest signed-in tRPC call (the session row, the clock, the actor and one
    // statement of powers: every page's shell asks it).
    { name: "floor: a static file (/icon.svg)", write: false, sql: [], http: { path: "/icon.svg", headers: {} } },
    { name: "floor: the page shell (tRPC me.current)", write: false, sql: sql.shell, http: { path: trpcGet("me.current", {}), headers: { cookie: cookie.get(submitters[0]!)! } } },
    { name: "approver inbox (tRPC, heavy manager)", write: false, sql: sql.inbox, http: { path: trpcGet("approvals.inbox", {}), headers: { cookie: cookie.get(heavy[0]!)! } } },
    { name: `directory search (identities.list q="${SEARCH_TERM}")`, write: false, sql: sql.directory, http: { path: trpcGet("identities.list", { q: SEARCH_TERM }), headers: { cookie: cookie.get(heavy[0]!)! } } },
    { name: "home page HTML (admin)", write: false, sql: sql.home, http: { path: "/", headers: { cookie: cookie.get(adminId)! } } },
    { name: "home page HTML (line manager)", write: false, sql: sql.homeManager, http: { path: "/", headers: { cookie: cookie.get(submitters[0]!)! } } },
    { name: "my requests (tRPC requests.mine, line manager)", write: false, sql: sql.mine, http: { path: trpcGet("requests.mine", {}), headers: { cookie: cookie.get(submitters[0]!)! } } },
    { name: "control checks (tRPC audit.controls, admin)", write: false, sql: sql.controls, http: { path: trpcGet("audit.controls", {}), headers: { cookie: cookie.get(adminId)! } } },
    { name: "request detail page HTML", write: false, sql: sql.detail, http: { path: `/requests/${inboxTop.rows[0]!.requestId}`, headers: { cookie: cookie.get(heavy[0]!)! } } },
    { name: "review workspace page HTML", write: false, sql: sql.review, http: { path: `/campaigns/${reviewer.campaignId}/review`, headers: { cookie: cookie.get(reviewer.reviewerId)! } } },
    {
      name: "submit a request (tRPC mutation)",
      write: true,
      sql: sql.submit,
      http: {
        method: "POST",
        path: "/api/trpc/requests.submit",
        headers: json,
        next: () => {
          const i = submitted++;
          const who = submitters[i % submitters.length]!;
          const ent = entitlements[Math.floor(i / submitters.length) % entitlements.length]!;
          return { method: "POST", path: "/api/trpc/requests.submit", headers: { ...json, cookie: cookie.get(who)! }, body: JSON.stringify({ json: { entitlementId: ent, durationHours: 24, justification: "Needed for the quarterly reporting work (benchmark)" } }) };
        },
      },
    },
    {
      name: "approve a step (tRPC mutation)",
      write: true,
      sql: sql.approve,
      http: {
        method: "POST",
        path: "/api/trpc/approvals.decide",
        headers: json,
        next: () => {
          // Each call decides another open stage; past the last one, calls repeat it and are refused (counted as failed).
          const st = steps[Math.min(approved++, steps.length - 2)]!;
          return { method: "POST", path: "/api/trpc/approvals.decide", headers: { ...json, cookie: cookie.get(st.approver)! }, body: JSON.stringify({ json: { requestId: st.requestId, stepId: st.stepId, decision: "APPROVE", expectedRevision: 1 } }) };
        },
      },
    },
  ];

  // BENCH_PATHS: only the paths whose name contains one of these words (comma-separated), e.g. "home,review".
  const only = (process.env.BENCH_PATHS ?? "").split(",").map((w) => w.trim()).filter(Boolean);
  if (only.length) paths.splice(0, paths.length, ...paths.filter((p) => only.some((w) => p.name.includes(w))));
  const results: { path: Path; level: number; raw: Figures | null; http: Map<number, Figures & { cpu: CpuSplit }> }[] = [];
  // The database server's processes, for the CPU per call: the postmaster is the parent of this session's backend
  // when the cluster runs on this machine (scripts/with-postgres.sh); otherwise its share is not read.
  const backend = (await admin.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
  const postmaster = parentOf(backend);
  const isPostgres = (pid: number | null) => pid !== null && /^postgres/.test(readComm(pid));
  const postmasterPid = isPostgres(backend) && isPostgres(postmaster) ? postmaster : null;
  try {
    console.log(`\nRaw SQL runs (statements per operation: ${paths.map((p) => `${p.name.split(" (")[0]} ${p.sql.length}`).join(", ")})`);
    for (const p of paths) {
      for (const level of LEVELS) {
        // A path with no SQL of its own (the static file) has nothing to replay.
        const raw = p.sql.length > 0 ? await sqlLoad(dbUrl, p.sql, p.write, level, SECONDS) : null;
        results.push({ path: p, level, raw, http: new Map() });
        if (raw) console.log(`  ${p.name.padEnd(46)} ${String(level).padStart(3)} clients  p50 ${fmt(raw.p50, 1).padStart(8)} ms  p95 ${fmt(raw.p95, 1).padStart(8)} ms  ${fmt(raw.rps, 1).padStart(8)} /s`);
      }
    }
    for (const [i, processes] of processCounts.entries()) {
      if (i > 0) {
        await portal.stop();
        portal = await startPortal(dbUrl, secret, { WEB_CONCURRENCY: String(processes) }, port);
      }
      console.log(`\nHTTP runs with ${processes} portal process${processes === 1 ? "" : "es"} (first, one call of each path, then 3 s of it at 10 clients, to warm every process up)`);
      for (const p of paths) {
        const w0 = performance.now();
        const req = p.http.next ? p.http.next() : { method: "GET", path: p.http.path, headers: p.http.headers };
        const res = await fetch(portal.origin + req.path, { method: req.method, headers: req.headers, body: req.body });
        const text = await res.text();
        console.log(`  warm-up ${p.name}: HTTP ${res.status} in ${(performance.now() - w0).toFixed(0)} ms${res.ok ? "" : `: ${text.slice(0, 300)}`}`);
        // Several connections, so that each process (they take connections in turn) compiles and loads the path.
        await httpLoad(portal.origin, p.http, 10, 3);
      }
      // autocannon stops at the end of its window, but the portal goes on with the calls still in flight: each run
      // starts once the portal's queries of the one before have finished, so a slow path's backlog is not charged
      // to the next one.
      const drained = async () => {
        for (let quiet = 0; quiet < 2; ) {
          const busy = (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle' AND pid <> pg_backend_pid()`, [DB_NAME])).rows[0].n as number;
          quiet = busy === 0 ? quiet + 1 : 0;
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      for (const r of results) {
        await drained();
        const before = readCpu(portal.pid, postmasterPid);
        const f = await httpLoad(portal.origin, r.path.http, r.level, SECONDS);
        const h = { ...f, cpu: perCall(readCpu(portal.pid, postmasterPid), before, f.count + f.failed) };
        r.http.set(processes, h);
        const none = h.count === 0 ? `  (no call finished within ${SECONDS} s: raise BENCH_DURATION)` : "";
        console.log(`  ${r.path.name.padEnd(46)} ${String(r.level).padStart(3)} clients  p50 ${fmt(h.p50).padStart(6)} ms  p95 ${fmt(h.p95).padStart(6)} ms  ${fmt(h.rps, 1).padStart(8)} /s  CPU per call: portal ${fmt(h.cpu.portal ?? NaN, 1)} ms, PostgreSQL ${fmt(h.cpu.database ?? NaN, 1)} ms, load generator ${fmt(h.cpu.loadGenerator, 1)} ms${h.failed ? `  (${h.failed} non-2xx or errors: ${Object.entries(h.statuses ?? {}).map(([k, n]) => `${n}× ${k}`).join(", ")})` : ""}${none}`);
      }
    }
  } finally {
    await portal.stop();
  }

  const cores = os.cpus().length;
  console.log(`\nSide by side (${GRANTS.toLocaleString("en")} grants; ms; ratio = HTTP p95 / SQL p95 and SQL req/s / HTTP req/s;`);
  console.log(`CPU per call = the portal's and PostgreSQL's processes' CPU time over the HTTP run divided by its calls; ceiling = ${cores} cores × 1000 / their sum,`);
  console.log(`the calls a second these ${cores} cores could serve if nothing else ran on them, the load generator included)`);
  console.log(`| path | clients | portal processes | HTTP p50 | HTTP p95 | HTTP req/s | SQL p50 | SQL p95 | SQL req/s | p95 ratio | req/s ratio | CPU/call portal | CPU/call PostgreSQL | ceiling/s |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const r of results) {
    for (const [processes, h] of r.http) {
      console.log(
        `| ${r.path.name} | ${r.level} | ${processes} | ${fmt(h.p50)} | ${fmt(h.p95)} | ${h.count ? fmt(h.rps, 1) : `none in ${SECONDS} s`}${h.failed ? ` (${h.failed} failed)` : ""} | ${fmt(r.raw?.p50 ?? NaN, 1)} | ${fmt(r.raw?.p95 ?? NaN, 1)} | ${fmt(r.raw?.rps ?? NaN, 1)} | ${r.raw ? `${fmt(h.p95 / r.raw.p95, 1)}×` : "-"} | ${r.raw ? `${fmt(r.raw.rps / h.rps, 1)}×` : "-"} | ${fmt(h.cpu.portal ?? NaN, 1)} | ${fmt(h.cpu.database ?? NaN, 1)} | ${fmt((cores * 1000) / ((h.cpu.portal ?? NaN) + (h.cpu.database ?? NaN)))} |`,
      );
    }
  }
  console.log(`\nMachine at end: ${machine()}.`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.end();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
