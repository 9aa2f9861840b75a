/**
 * npm run bench (identity import): an HR file of BENCH_IMPORT_ROWS lines (default 100,000) streamed into a
 * preview against a directory of half as many people (half the file matches them, a tenth of those move,
 * the other half joins), on PostgreSQL. The file is generated chunk by chunk and never held whole. Then a
 * file of BENCH_IMPORT_APPLY_ROWS joiners (default 10,000) is previewed and applied in its one transaction.
 * Not a test: it prints figures, nothing passes or fails.
 *
 * Prints: preview lines/s (spool + read + plan + store), the counts, apply changes/s, and per phase the process's
 * RSS (sampled every 50 ms) and live heap (heapUsed after a forced full GC every 500 ms; needs --expose-gc),
 * before and at the peak. The preview works in batches of 1,000 lines (server/domain/identity-import/preview.ts,
 * docs/identity-import.md "How a preview is made"), so its memory is a batch, not the file or the directory.
 * Measured 2026-12-03 on 2 cores shared with other work (load average ~9):
 *   preview, 100,000 lines: 12.5–18.6 s (5,400–8,000 lines/s); RSS 233 → 320 MB, live heap 37 → 64 MB
 *     (20,000 lines: RSS 255 → 304 MB, live heap 37 → 51 MB; before batching, 100,000 lines: RSS 247 → 993 MB);
 *   apply, joiners: 2,000 at 126–160/s, 10,000 at 145/s; RSS 312 → 320 MB, live heap 58 → 60 MB.
 * The earlier "~290/s at 2,000" (after the lower(email) index) was not reproduced under this load.
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createTestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { loadActor } from "../server/domain/actor";
import { previewImport } from "../server/domain/identity-import/preview";
import { applyImport } from "../server/domain/identity-import/apply";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const APPLY_ROWS = Number(process.env.BENCH_IMPORT_APPLY_ROWS ?? 10_000);
const EXISTING = Math.round(ROWS / 2);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const line = (label: string, value: string) => console.log(`  ${label.padEnd(34)} ${value}`);

/** The file, 2,000 lines per chunk: existing people (every tenth moves department), then joiners. */
async function* hrFile(rows: number, existing: number, prefix: string): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let buf = "email,name,department,title,manager\n";
  for (let n = 1; n <= rows; n++) {
    if (n <= existing) buf += `person${n}@bench.example,Person ${n},Dept ${n % 10 === 0 ? (n + 1) % 50 : n % 50},,${n > 50 ? `person${1 + (n % 50)}@bench.example` : ""}\n`;
    else buf += `${prefix}${n}@bench.example,Joiner ${n},Dept ${n % 50},Analyst,person${1 + (n % 50)}@bench.example\n`;
    if (n % 2000 === 0) {
      yield enc.encode(buf);
      buf = "";
    }
  }
  if (buf) yield enc.encode(buf);
}

async function main() {
  if (!process.env.TEST_PG_ADMIN_URL) {
    console.log("Identity import benchmark: PostgreSQL only (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  console.log(`Identity import benchmark: a ${ROWS}-line HR file against ${EXISTING} people, PostgreSQL 15. Machine: 2 cores.`);
  await setup();
  const db = await createTestDb();
  try {
    const id = (n: string) => `md5('h' || ${n})::uuid`;
    await db.rawSql(`
      INSERT INTO "Identity" ("id", "kind", "displayName", "email", "department", "managerId", "updatedAt")
        SELECT ${id("n")}, 'HUMAN', 'Person ' || n, 'person' || n || '@bench.example', 'Dept ' || (n % 50),
          CASE WHEN n > 50 THEN ${id("(1 + n % 50)")} END, now()
        FROM generate_series(1, ${EXISTING}) n;
      INSERT INTO "RoleAssignment" ("identityId", "role") VALUES (${id("1")}, 'ADMIN');`);
    const [{ adminId }] = await db.prisma.$queryRaw<{ adminId: string }[]>`SELECT md5('h' || 1)::uuid::text AS "adminId"`;
    const actor = (await loadActor(db.prisma, adminId))!;
    const ctx = { db: db.prisma, actor, now: () => new Date() };

    // Memory: RSS sampled every 50 ms; the live heap (what is still referenced) after a forced full GC every
    // 500 ms (node --expose-gc; without it, only RSS). RSS also holds freed-but-kept heap and native buffers.
    const gc = global.gc;
    const watch = () => {
      gc?.();
      const before = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
      const peak = { ...before };
      const rss = setInterval(() => (peak.rss = Math.max(peak.rss, process.memoryUsage().rss)), 50);
      const heap = gc
        ? setInterval(() => {
            gc();
            peak.heap = Math.max(peak.heap, process.memoryUsage().heapUsed);
          }, 500)
        : null;
      return () => {
        clearInterval(rss);
        if (heap) clearInterval(heap);
        return `RSS ${mb(before.rss)} → peak ${mb(peak.rss)}; live heap after GC ${mb(before.heap)} → peak ${gc ? mb(peak.heap) : "(run with --expose-gc)"}`;
      };
    };

    let stop = watch();
    let t = performance.now();
    const big = await previewImport(ctx, { fileName: "bench.csv", fullList: false, source: hrFile(ROWS, EXISTING, "joiner") });
    let s = (performance.now() - t) / 1000;
    line("preview", `${ROWS} lines in ${s.toFixed(1)} s = ${Math.round(ROWS / s)} lines/s`);
    line("  counts", JSON.stringify(big.counts));
    line("  memory", stop());

    stop = watch();
    t = performance.now();
    const small = await previewImport(ctx, { fileName: "apply.csv", fullList: false, source: hrFile(APPLY_ROWS, 0, "applied") });
    const tp = (performance.now() - t) / 1000;
    t = performance.now();
    const out = await applyImport(ctx, { id: small.id });
    s = (performance.now() - t) / 1000;
    const changes = out.counts.JOIN + out.counts.MOVE + out.counts.UPDATE;
    line("apply (joiners)", `${changes} changes in ${s.toFixed(1)} s = ${Math.round(changes / s)} changes/s (each with its ledger event; preview ${tp.toFixed(1)} s)`);
    line("  memory", stop());
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
