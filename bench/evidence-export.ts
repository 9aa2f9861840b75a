/**
 * npm run bench (third part): exporting and verifying evidence packs of growing size. Not a test: it
 * prints figures (MB/s, rows/s, peak RSS growth during the export), nothing passes or fails.
 *
 * For each size in BENCH_EVIDENCE_GRANTS (default "10000,40000"): a fresh database gets that many grants
 * (createMany, in batches) each with its "grant.imported" ledger event (hash-chained in JS, inserted in
 * batches), then one pack of everything is exported to a temp file while RSS is sampled every 20 ms, then
 * verified offline. Flat memory = the heap retained after a full GC (sampled every 20,000 rows; needs
 * node --expose-gc, as `npm run bench` runs it) stays the same as the export proceeds and as the pack
 * grows; the peak figures include garbage V8 had not collected yet.
 * Runs on PGlite, and on PostgreSQL when started through scripts/with-postgres.sh (TEST_PG_ADMIN_URL).
 */
import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const SIZES = (process.env.BENCH_EVIDENCE_GRANTS ?? "10000,40000").split(",").map(Number);
/** BENCH_EVIDENCE_ENGINES: "pglite,pg" (default) or one of them. */
const ENGINES = (process.env.BENCH_EVIDENCE_ENGINES ?? "pglite,pg").split(",").map((e) => e.trim());
/** BENCH_EVIDENCE_REPEAT: exports (and verifications) per data set (default 1); the data set is loaded once. */
const REPEAT = Math.max(1, Number(process.env.BENCH_EVIDENCE_REPEAT ?? 1));
/** BENCH_EVIDENCE_CPU_PROFILE=<dir>: a V8 CPU profile of each export alone (not the loading), written there. */
const CPU_PROFILE_DIR = process.env.BENCH_EVIDENCE_CPU_PROFILE;
const dir = mkdtempSync(path.join(tmpdir(), "warrant-bench-evidence-"));
const keyFile = path.join(dir, "key.pem");
writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
process.env.EVIDENCE_KEY_FILE = keyFile;

const { createTestDb } = await import("../server/testing/db");
const { default: setup } = await import("../server/testing/global-setup");
const { eventHash } = await import("../server/ledger/hash");
const { exportEvidencePack, EXPORT_BATCH } = await import("../server/evidence/export");
const { verifyPack } = await import("../server/evidence/verify");
type TestDb = Awaited<ReturnType<typeof createTestDb>>;

const MB = 1024 * 1024;

type FileTiming = { path: string; rows: number | null; bytes: number; ms: number; query: string | null; parameters: unknown[] };

/** A manifest query with its parameters written in as literals, for psql (which cannot bind them in COPY). */
function withLiterals(query: string, parameters: unknown[]): string {
  let q = query.replace(/ -- .*$/, "");
  for (let i = parameters.length; i >= 1; i--) {
    const v = parameters[i - 1];
    const lit = v === null || v === undefined ? "NULL" : `'${String(v).replace(/'/g, "''")}'`;
    q = q.split(`$${i}`).join(lit);
  }
  return q;
}

/** `COPY (query) TO STDOUT` of each query, in one psql session, hashed with sha256 as it arrives: the floor an export is compared with. */
function copyTo(url: string, queries: string[]): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const hash = createHash("sha256");
    let bytes = 0;
    const child = spawn("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", ...queries.flatMap((q) => ["-c", `COPY (${q}) TO STDOUT`])], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      hash.digest();
      if (code === 0) resolve({ ms: performance.now() - started, bytes });
      else reject(new Error(`psql COPY failed (${code}): ${err.trim()}`));
    });
  });
}

async function populate(db: TestDb, n: number) {
  const p = db.prisma;
  const owner = await p.identity.create({ data: { kind: "HUMAN", displayName: "Bench Owner", email: `owner-${randomUUID()}@bench.test` } });
  const system = await p.system.create({ data: { name: `Bench ${randomUUID().slice(0, 6)}`, ownerId: owner.id } });
  const ents = await Promise.all(Array.from({ length: 20 }, (_, i) => p.entitlement.create({ data: { systemId: system.id, name: `role-${i}` } })));
  const people: string[] = [];
  for (let i = 0; i < Math.ceil(n / 10); i += 1000) {
    const rows = Array.from({ length: Math.min(1000, Math.ceil(n / 10) - i) }, (_, k) => ({ id: randomUUID(), kind: "HUMAN" as const, displayName: `Person ${i + k}`, email: `p${i + k}-${randomUUID().slice(0, 6)}@bench.test` }));
    await p.identity.createMany({ data: rows });
    people.push(...rows.map((r) => r.id));
  }
  const head = await p.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
  let seq = head.seq;
  let prev = head.hash;
  const at = new Date(Date.now() - 86_400_000);
  for (let i = 0; i < n; i += 1000) {
    const grants = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
      id: randomUUID(),
      identityId: people[(i + k) % people.length]!,
      entitlementId: ents[(i + k) % ents.length]!.id,
      status: "ACTIVE" as const,
      origin: "IMPORTED" as const,
      startsAt: at,
    }));
    await p.grant.createMany({ data: grants });
    const events = grants.map((g) => {
      seq += 1n;
      const body = { seq: seq.toString(), occurredAt: at.toISOString(), actorId: null, onBehalfOfId: null, action: "grant.imported", subjectType: "Grant", subjectId: g.id, payload: { identityId: g.identityId, entitlementId: g.entitlementId, source: "bench" } };
      const hash = eventHash(prev, body);
      const row = { seq, occurredAt: at, actorId: null, onBehalfOfId: null, action: body.action, subjectType: body.subjectType, subjectId: g.id, payload: body.payload, prevHash: prev, hash };
      prev = hash;
      return row;
    });
    await p.ledgerEvent.createMany({ data: events });
    await p.ledgerHead.update({ where: { id: 1 }, data: { seq, hash: prev } });
  }
}

async function benchOne(engine: string, n: number) {
  const db = await createTestDb();
  try {
    const t0 = performance.now();
    await populate(db, n);
    const setupSecs = (performance.now() - t0) / 1000;
    for (let run = 1; run <= REPEAT; run++) await exportOnce(db, engine, n, setupSecs, run);
  } finally {
    await db.close();
  }
}

/** Starts a CPU profile when BENCH_EVIDENCE_CPU_PROFILE is set; the returned function writes it. */
async function startProfile(name: string): Promise<() => Promise<void>> {
  if (!CPU_PROFILE_DIR) return async () => {};
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    const out = path.resolve(CPU_PROFILE_DIR, `${name}.cpuprofile`);
    writeFileSync(out, JSON.stringify(profile));
    session.disconnect();
    console.log(`  ${"".padStart(7)}         CPU profile of the export: ${out}`);
  };
}

async function exportOnce(db: TestDb, engine: string, n: number, setupSecs: number, run: number) {
  if (REPEAT > 1) console.log(`  run ${run} of ${REPEAT}`);
  const file = path.join(dir, `pack-${engine}-${n}.zip`);
  global.gc?.();
  const base = process.memoryUsage();
  let peak = base.rss;
  let peakHeap = base.heapUsed + base.external + base.arrayBuffers;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
  }, 20);
  const t1 = performance.now();
  let lastGc = 0;
  const retained: number[] = [];
  /** Time spent in the memory probe's forced full collections (inside the timed export). */
  let probeMs = 0;
  const onProgress = (done: number) => {
    // With --expose-gc: what is still retained (after a full collection) as the export proceeds.
    if (global.gc && done - lastGc >= 20_000) {
      lastGc = done;
      const g0 = performance.now();
      global.gc();
      probeMs += performance.now() - g0;
      retained.push(process.memoryUsage().heapUsed);
    }
  };
  const timings: FileTiming[] = [];
  const onFile = (f: { path: string; rows: number | null; bytes: number; query: string | null; parameters: unknown[] }, ms: number) =>
    timings.push({ path: f.path, rows: f.rows, bytes: f.bytes, ms, query: f.query, parameters: f.parameters });
  const stopProfile = await startProfile(`export-${engine}-${n}-${run}`);
  const res = await exportEvidencePack(db.prisma, { from: new Date("2000-01-01"), to: new Date("2100-01-01") }, createWriteStream(file), { generator: "bench", onProgress, onFile });
  const secs = (performance.now() - t1) / 1000;
  await stopProfile();
  clearInterval(timer);
  const rawBytes = res.fileStats.reduce((s, f) => s + f.bytes, 0);
  console.log(
    `  ${String(n).padStart(7)} grants: ${String(res.rows).padStart(8)} rows, ${(rawBytes / MB).toFixed(1).padStart(6)} MB of files (${(statSync(file).size / MB).toFixed(1)} MB zip) in ${secs.toFixed(2).padStart(6)} s` +
      ` = ${(rawBytes / MB / secs).toFixed(1).padStart(5)} MB/s, ${Math.round(res.rows / secs).toString().padStart(6)} rows/s; peak RSS +${((peak - base.rss) / MB).toFixed(0)} MB, peak JS heap+buffers +${((peakHeap - base.heapUsed - base.external - base.arrayBuffers) / MB).toFixed(0)} MB (setup ${setupSecs.toFixed(1)} s)`,
  );
  const slowest = [...timings].sort((a, b) => b.ms - a.ms).slice(0, 6);
  console.log(`  ${"".padStart(7)}         slowest files: ${slowest.map((t) => `${t.path} ${(t.ms / 1000).toFixed(2)} s (${t.rows ?? "-"} rows)`).join(", ")}`);
  if (engine === "pg" && "url" in db && typeof db.url === "string") {
    // The same rows straight out of PostgreSQL: each file's query (from the manifest) through COPY TO, hashed.
    // controls.jsonl is computed in code (one query per check), not one query: it has no COPY twin.
    const queries = timings.filter((t) => t.query && /^\s*(SELECT|WITH)\b/i.test(t.query)).map((t) => withLiterals(t.query!, t.parameters));
    const { ms: copyMs, bytes: copyBytes } = await copyTo(db.url, queries);
    console.log(
      `  ${"".padStart(7)}         COPY TO + sha256 of every file's query: ${(copyMs / 1000).toFixed(2)} s (${(copyBytes / MB).toFixed(1)} MB); the export takes ${(secs / (copyMs / 1000)).toFixed(1)}× as long = ${((copyMs / 1000) / secs).toFixed(2)}× COPY's speed`,
    );
  }
  if (retained.length)
    console.log(
      `  ${"".padStart(7)}         heap retained after a full GC, every 20,000 rows: ${retained.map((b) => (b / MB).toFixed(0)).join(", ")} MB (flat = streamed); these ${retained.length} forced collections took ${(probeMs / 1000).toFixed(2)} s of the export's time`,
    );
  const t2 = performance.now();
  const v = await verifyPack(file);
  console.log(`  ${"".padStart(7)}         verified offline in ${((performance.now() - t2) / 1000).toFixed(2)} s: ${v.ok ? "VALID" : "INVALID"} (${v.checks.map((c) => `${c.name} ${c.passed}/${c.total}`).join(", ")})`);
  rmSync(file, { force: true });
}

async function main() {
  console.log(`\nEvidence pack export (streamed zip, file queries fetched from cursors ${EXPORT_BATCH} rows at a time), sizes ${SIZES.join(", ")} grants + one ledger event each.`);
  const pgUrl = process.env.TEST_PG_ADMIN_URL;
  delete process.env.TEST_PG_ADMIN_URL;
  if (ENGINES.includes("pglite")) {
    await setup();
    console.log("PGlite (embedded)");
    for (const n of SIZES) await benchOne("pglite", n);
  }
  if (pgUrl && ENGINES.includes("pg")) {
    process.env.TEST_PG_ADMIN_URL = pgUrl;
    await setup();
    console.log("PostgreSQL 15");
    for (const n of SIZES) await benchOne("pg", n);
  } else {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
  }
}

main().then(
  () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  },
  (e) => {
    console.error(e);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
