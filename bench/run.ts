/**
 * npm run bench: prints throughput figures (not a test; nothing here passes or fails).
 *
 * Ledger append is the system's serial point: every writer locks the chain head. This measures events/s for
 * sequential and concurrent writers against a plain transactional insert of the same payload, and how fast
 * `verifyChain` walks the chain, on PGlite and (when started through scripts/with-postgres.sh) PostgreSQL.
 */
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { recordEvent, verifyChain } from "../server/ledger/ledger";

const N = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const payload = (i: number) => ({ grantId: `g-${i}`, entitlement: "aws-prod:ReadOnly", reason: "quarterly review keep", at: new Date().toISOString() });

async function timed(label: string, count: number, fn: () => Promise<void>) {
  const t0 = performance.now();
  await fn();
  const secs = (performance.now() - t0) / 1000;
  console.log(`  ${label.padEnd(46)} ${count.toString().padStart(6)} in ${secs.toFixed(2).padStart(6)} s  = ${Math.round(count / secs).toString().padStart(6)} /s`);
}

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

async function benchEngine(name: string, db: TestDb) {
  console.log(`\n${name}`);
  const prisma = db.prisma;
  await db.rawSql(`CREATE TABLE bench_plain (id bigserial PRIMARY KEY, action text NOT NULL, payload jsonb NOT NULL)`);
  // Warm up connections and query plans so the first case is not charged for them.
  await pool(200, CONCURRENCY, (i) => prisma.$transaction(async (tx) => void (await tx.$executeRaw`INSERT INTO bench_plain (action, payload) VALUES ('warmup', ${JSON.stringify(payload(i))}::jsonb)`)));
  await timed("plain insert, 1 writer (baseline)", N, () => pool(N, 1, (i) => prisma.$transaction(async (tx) => void (await tx.$executeRaw`INSERT INTO bench_plain (action, payload) VALUES ('bench', ${JSON.stringify(payload(i))}::jsonb)`))));
  await timed("ledger append, 1 writer", N, () => pool(N, 1, (i) => prisma.$transaction(async (tx) => void (await recordEvent(tx, { actorId: null, action: "bench.event", subjectType: "Bench", subjectId: String(i), payload: payload(i) })))));
  await timed(`plain insert, ${CONCURRENCY} writers (baseline)`, N, () => pool(N, CONCURRENCY, (i) => prisma.$transaction(async (tx) => void (await tx.$executeRaw`INSERT INTO bench_plain (action, payload) VALUES ('bench', ${JSON.stringify(payload(i))}::jsonb)`))));
  await timed(`ledger append, ${CONCURRENCY} writers`, N, () => pool(N, CONCURRENCY, (i) => prisma.$transaction(async (tx) => void (await recordEvent(tx, { actorId: null, action: "bench.event", subjectType: "Bench", subjectId: String(i), payload: payload(i) })), { timeout: 60_000, maxWait: 60_000 })));
  const total = await prisma.ledgerEvent.count();
  let broken: unknown = null;
  await timed("verify whole chain", total, async () => {
    broken = (await verifyChain(prisma)).firstBroken;
  });
  console.log(`  chain ${broken ? "BROKEN" : "intact"} after the run (${total} events)`);
}

async function main() {
  console.log(`Ledger benchmark: ${N} events per case, ${CONCURRENCY} concurrent writers where stated. Machine: 2 cores.`);
  const pgUrl = process.env.TEST_PG_ADMIN_URL;
  delete process.env.TEST_PG_ADMIN_URL;
  await setup();
  const lite = await createTestDb();
  await benchEngine("PGlite (embedded, one connection: writers queue in-process)", lite);
  await lite.close();
  if (pgUrl) {
    process.env.TEST_PG_ADMIN_URL = pgUrl;
    await setup();
    const pg = await createTestDb();
    await benchEngine("PostgreSQL 15 (pool of 10 connections, fsync off in the throwaway cluster)", pg);
    await pg.close();
  } else {
    console.log("\nPostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
