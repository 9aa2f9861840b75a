/**
 * npm run bench: the ledger head as the serial point, on PostgreSQL. Not a test: it prints figures.
 *
 * Every writer locks the one LedgerHead row until it commits, so the chain's ceiling is 1 / (time the lock is
 * held) transactions per second, whatever the number of writers. What matters is how long a transaction
 * holds it. Each case runs BENCH_LEDGER_TX transactions (default 1,500) at 1 and BENCH_CONCURRENCY (16)
 * writers; "work" is BENCH_LEDGER_WORK (10) other statements per transaction, as a submit does (reads,
 * inserts), half before the first event and half between the events:
 *   - no ledger: the same transaction without events (what the database does without the chain);
 *   - 3 events, head locked at the first: recordEvent as the work goes (the lock held through the work);
 *   - 3 events, deferred: withDeferredLedger (the lock held only from the append, one statement, to commit);
 *   - a batch of 3 / of 100 events per transaction, no work: recordEvents (the ceiling in events/s).
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import type { Tx } from "../server/db";
import { poolMax } from "../server/db";
import { recordEvent, recordEvents, verifyChain, withDeferredLedger, type LedgerEventInput } from "../server/ledger/ledger";

const TX = Number(process.env.BENCH_LEDGER_TX ?? 1_500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WORK = Number(process.env.BENCH_LEDGER_WORK ?? 10);

const ev = (i: number, k: number): LedgerEventInput => ({
  actorId: null,
  action: "bench.event",
  subjectType: "Bench",
  subjectId: `${i}-${k}`,
  payload: { grantId: `g-${i}`, entitlement: "aws-prod:ReadOnly", reason: "quarterly review keep", at: new Date().toISOString() },
});

async function work(tx: Tx, n: number) {
  for (let j = 0; j < n; j++) await tx.$executeRaw`INSERT INTO bench_work (i) VALUES (${j})`;
}

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function benchCase(db: TestDb, label: string, eventsPerTx: number, body: (tx: Tx, i: number) => Promise<void>) {
  for (const writers of [1, CONCURRENCY]) {
    const total = label.includes("100 events") ? Math.ceil(TX / 10) : TX;
    const t0 = performance.now();
    await pool(total, writers, (i) => db.prisma.$transaction((tx) => body(tx, i), { timeout: 120_000, maxWait: 120_000 }));
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `  ${label.padEnd(52)} ${String(writers).padStart(2)} writer(s): ${String(total).padStart(5)} tx in ${secs.toFixed(2).padStart(6)} s = ${String(Math.round(total / secs)).padStart(5)} tx/s, ${String(Math.round((total * eventsPerTx) / secs)).padStart(6)} events/s`,
    );
  }
}

async function main() {
  console.log(`\nLedger append benchmark: ${TX} transactions per case, 1 and ${CONCURRENCY} writers, ${WORK} other statements per transaction where stated. Machine: 2 cores.`);
  const pgUrl = process.env.TEST_PG_ADMIN_URL;
  if (!pgUrl) {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  await setup();
  const db = await createTestDb();
  try {
    console.log(`  PostgreSQL 15, pool of ${poolMax()} connections (DATABASE_POOL_MAX), fsync off in the throwaway cluster`);
    await db.rawSql(`CREATE TABLE bench_work (id bigserial PRIMARY KEY, i int NOT NULL)`);
    const half = Math.floor(WORK / 2);
    await pool(200, CONCURRENCY, (i) => db.prisma.$transaction(async (tx) => void (await recordEvent(tx, ev(i, 0))))); // warm up
    await benchCase(db, `no ledger (${WORK} statements)`, 0, (tx) => work(tx, WORK));
    await benchCase(db, `3 events, head locked at the first (+${WORK} stmts)`, 3, async (tx, i) => {
      await work(tx, half);
      await recordEvent(tx, ev(i, 1));
      await recordEvent(tx, ev(i, 2));
      await work(tx, WORK - half);
      await recordEvent(tx, ev(i, 3));
    });
    await benchCase(db, `3 events, deferred to the end (+${WORK} stmts)`, 3, (tx, i) =>
      withDeferredLedger(tx, async () => {
        await work(tx, half);
        await recordEvent(tx, ev(i, 1));
        await recordEvent(tx, ev(i, 2));
        await work(tx, WORK - half);
        await recordEvent(tx, ev(i, 3));
      }),
    );
    await benchCase(db, "1 event, recordEvent, no other work", 1, async (tx, i) => void (await recordEvent(tx, ev(i, 1))));
    await benchCase(db, "batch of 3 events, recordEvents, no other work", 3, async (tx, i) => void (await recordEvents(tx, [ev(i, 1), ev(i, 2), ev(i, 3)])));
    await benchCase(db, "batch of 100 events, recordEvents, no other work", 100, async (tx, i) => void (await recordEvents(tx, Array.from({ length: 100 }, (_, k) => ev(i, k)))));
    const t0 = performance.now();
    const v = await verifyChain(db.prisma);
    const secs = (performance.now() - t0) / 1000;
    console.log(`  verify whole chain: ${v.checked} events in ${secs.toFixed(2)} s = ${Math.round(v.checked / secs)} events/s, ${v.firstBroken ? `BROKEN at ${v.firstBroken.seq}` : "intact"}`);
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
