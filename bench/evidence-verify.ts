/**
 * npm run bench (fourth part): verifying a large evidence pack, bounded by design. Not a test: it prints
 * figures; the one target it states is the memory bound (docs/evidence-pack.md, "Limits"): verifying a pack
 * of 1,000,000 grants and 2,000,000 ledger events stays under 256 MB of RSS.
 *
 * The pack is built synthetically, not exported from a database (a million grants through the exporter
 * would take most of an hour here): the same format code writes it (the CSV rule of server/csv.ts,
 * toJsonText / RowCounter / checkpointMessage / keyIdOf of server/evidence/format.ts, a hash chain with the
 * ledger's eventHash, yazl as the exporter uses it), so the verifier sees a pack it must accept in full:
 * BENCH_VERIFY_GRANTS grants (default 1,000,000), each with two ledger events ("grant.imported", then
 * "grant.provisioned"), chained from the genesis to a checkpoint signed with a throwaway key, five control
 * checks, a manifest signed with the same key. Every other data file is empty.
 *
 * The verifier then runs in a child process of its own (so the figure is its own peak RSS, not the
 * builder's), pinned to the key, and its time is printed beside `sha256sum` of the same zip: reading and
 * hashing the bytes once, the floor any verifier pays.
 *   BENCH_VERIFY_GRANTS=20000 npm run bench    # a quick run
 */
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { csvLine } from "../server/csv";
import { Measure } from "../server/evidence/export";
import { eventHash, GENESIS_HASH } from "../server/ledger/hash";
import { CONTROL_IDS, FILES, FORMAT_VERSION, GENESIS_ANCHOR, GRANT_COLUMNS, RECON_FINDING_COLUMNS, checkpointMessage, keyIdOf, toJsonText, type Manifest, type ManifestFile, type PackCheckpoint } from "../server/evidence/format";

const MB = 1024 * 1024;
const LIMIT_MB = 256;

// ------------------------------------------------------------------------------------------------------
// The child: verify one pack, report time and peak memory as JSON on stdout.

async function child(zip: string, pubFile: string) {
  const { readFileSync } = await import("node:fs");
  const { verifyPack } = await import("../server/evidence/verify");
  let peakHeap = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
  }, 50);
  const t0 = performance.now();
  const r = await verifyPack(zip, { publicKeyPem: readFileSync(pubFile, "utf8") });
  const secs = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const failures = r.checks.flatMap((c) => c.failures.slice(0, 3).map((f) => `${c.name}: ${f}`));
  process.stdout.write(
    `${JSON.stringify({ secs, verdict: r.verdict, checks: r.checks.map((c) => `${c.name} ${c.passed}/${c.total}`), failures, maxRssMB: process.resourceUsage().maxRSS / 1024, peakHeapMB: peakHeap / MB })}\n`,
  );
}

// ------------------------------------------------------------------------------------------------------
// The builder

const uuid = (kind: number, i: number) => `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;


function grantRow(i: number, at: string) {
  return {
    id: uuid(1, i),
    identityId: uuid(2, i % 100_000),
    identityName: `Person ${i % 100_000}`,
    identityKind: "HUMAN",
    identityEmail: `p${i % 100_000}@bench.test`,
    entitlementId: uuid(3, i % 50),
    entitlementName: `role-${i % 50}`,
    systemId: uuid(4, 0),
    systemName: "Bench",
    risk: "LOW",
    privileged: false,
    status: "ACTIVE",
    origin: "IMPORTED",
    requestId: null,
    startsAt: at,
    expiresAt: null,
    revokedAt: null,
    revocationCause: null,
    revokedById: null,
    revocationNote: null,
    createdAt: at,
    firstEventSeq: String(2 * i + 1),
    ledgerEvents: 2,
  };
}

/** Yields text in batches of `per` rows (one string each), so the zip sees large chunks. */
function* batches(n: number, per: number, row: (i: number) => string): Generator<string> {
  for (let i = 0; i < n; i += per) {
    let s = "";
    for (let k = i; k < Math.min(n, i + per); k++) s += row(k);
    yield s;
  }
}

async function build(file: string, grants: number, key: { privateKey: KeyObject; publicKeyPem: string }) {
  const keyId = keyIdOf(key.publicKeyPem);
  const at = "2026-02-01T00:00:00.000Z";
  const period = { from: "2026-01-01T00:00:00.000Z", to: "2026-04-01T00:00:00.000Z" };
  const events = 2 * grants;
  let head = GENESIS_HASH;
  const ledger = function* () {
    let prev = GENESIS_HASH;
    for (let i = 0; i < grants; i += 500) {
      let s = "";
      for (let k = i; k < Math.min(grants, i + 500); k++) {
        for (const [j, action] of (["grant.imported", "grant.provisioned"] as const).entries()) {
          const body = { seq: String(2 * k + 1 + j), occurredAt: at, actorId: null, onBehalfOfId: null, action, subjectType: "Grant", subjectId: uuid(1, k), payload: { source: "bench" } };
          const hash = eventHash(prev, body);
          s += `${toJsonText({ ...body, prevHash: prev, hash })}\n`;
          prev = hash;
        }
      }
      yield s;
    }
    head = prev;
  };
  const controls = function* () {
    for (const id of Object.values(CONTROL_IDS))
      yield `${toJsonText({ type: "check", id, title: id, description: "synthetic", population: grants, definition: "every grant of the bench pack", exceptions: 0, flagged: 0, passed: true })}\n`;
  };
  const specs: { path: string; chunks: () => Iterable<string> }[] = [
    { path: FILES.readme, chunks: () => ["Synthetic evidence pack for npm run bench.\n"] },
    { path: FILES.grantsCsv, chunks: () => [csvLine(GRANT_COLUMNS, "\n"), ...batches(grants, 1000, (i) => csvLine(Object.values(grantRow(i, at)), "\n"))] },
    { path: FILES.grants, chunks: () => batches(grants, 1000, (i) => `${toJsonText(grantRow(i, at))}\n`) },
    ...[FILES.requests, FILES.approvals, FILES.provisioning, FILES.reviewItems, FILES.revocations, FILES.policyVersions, FILES.scopeExclusions, FILES.reconciliationRuns].map((p) => ({ path: p, chunks: () => [] })),
    { path: FILES.reconciliationFindingsCsv, chunks: () => [csvLine(RECON_FINDING_COLUMNS, "\n")] },
    { path: FILES.reconciliationFindings, chunks: () => [] },
    { path: FILES.controls, chunks: controls },
    { path: FILES.checkpoint, chunks: () => [] }, // written once the head is known (below)
    { path: FILES.ledger, chunks: ledger },
  ];
  const zip = new ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(file));
  const stats: ManifestFile[] = [];
  let checkpoint: PackCheckpoint | null = null;
  const signCheckpoint = () => {
    const c = { seq: String(events), headHash: head, signedAt: "2026-04-01T00:00:00.000Z", keyId };
    return { ...c, signature: sign(null, checkpointMessage(c), key.privateKey).toString("base64"), reason: "export" };
  };
  // The ledger must be hashed before checkpoint.json can be written: build it first into the zip order.
  const order = [...specs.filter((s) => s.path !== FILES.checkpoint && s.path !== FILES.ledger), specs.find((s) => s.path === FILES.ledger)!, specs.find((s) => s.path === FILES.checkpoint)!];
  for (const s of order) {
    const m = new Measure(s.path);
    zip.addReadStream(m, s.path, { compress: true });
    const chunks = s.path === FILES.checkpoint ? [`${JSON.stringify({ anchor: GENESIS_ANCHOR, checkpoint: (checkpoint = signCheckpoint()) }, null, 2)}\n`] : s.chunks();
    await pipeline(Readable.from(chunks, { objectMode: false }), m);
    stats.push({ path: s.path, sha256: m.hash.digest("hex"), bytes: m.bytes, rows: m.rows.result(), description: "synthetic", query: null, parameters: [] });
  }
  const manifest: Manifest = {
    formatVersion: FORMAT_VERSION,
    generator: { name: "warrant (bench)", version: "0" },
    generatedAt: "2026-04-01T00:00:00.000Z",
    period,
    scope: { systems: [], campaign: null },
    ledger: { firstSeq: "1", lastSeq: String(events), events, periodFirstSeq: "1", periodLastSeq: String(events), anchor: GENESIS_ANCHOR, checkpoint: checkpoint! },
    keyId,
    publicKey: key.publicKeyPem,
    algorithm: "Ed25519",
    checkpointKeys: [],
    files: stats,
  };
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  zip.addBuffer(bytes, FILES.manifest);
  zip.addBuffer(Buffer.from(`${sign(null, bytes, key.privateKey).toString("base64")}\n`), FILES.signature, { compress: false });
  zip.end();
  await written;
  return stats.reduce((n, f) => n + f.bytes, 0);
}

function runChild(zip: string, pub: string): Promise<{ secs: number; verdict: string; checks: string[]; failures: string[]; maxRssMB: number; peakHeapMB: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", path.resolve("bench/evidence-verify.ts"), "--child", zip, pub], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`verifier child exited ${code}`))));
  });
}

async function main() {
  const grants = Number(process.env.BENCH_VERIFY_GRANTS ?? 1_000_000);
  console.log(`\nEvidence pack verification: ${grants.toLocaleString("en")} grants, ${(2 * grants).toLocaleString("en")} ledger events (synthetic pack, see bench/evidence-verify.ts); target: peak RSS under ${LIMIT_MB} MB.`);
  const dir = mkdtempSync(path.join(tmpdir(), "warrant-bench-verify-"));
  try {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const pub = path.join(dir, "key.pub.pem");
    writeFileSync(pub, publicKeyPem);
    const zip = path.join(dir, "pack.zip");
    const t0 = performance.now();
    const raw = await build(zip, grants, { privateKey, publicKeyPem });
    console.log(`  built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(raw / MB).toFixed(0)} MB of files, ${(statSync(zip).size / MB).toFixed(0)} MB zip`);
    const t1 = performance.now();
    execFileSync("sha256sum", [zip], { stdio: "ignore" });
    const floor = (performance.now() - t1) / 1000;
    const v = await runChild(zip, pub);
    console.log(`  verify: ${v.secs.toFixed(1).padStart(7)} s  ${v.verdict}; peak RSS ${v.maxRssMB.toFixed(0)} MB (${v.maxRssMB < LIMIT_MB ? "under" : "OVER"} the ${LIMIT_MB} MB bound), peak JS heap+buffers ${v.peakHeapMB.toFixed(0)} MB`);
    console.log(`  sha256sum of the zip (the floor): ${floor.toFixed(1).padStart(7)} s  (verify = ${(v.secs / floor).toFixed(0)}× the floor)`);
    console.log(`  checks: ${v.checks.join(", ")}`);
    for (const f of v.failures) console.log(`  FAIL ${f}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
(argv[0] === "--child" ? child(argv[1]!, argv[2]!) : main()).then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
