/**
 * npm run bench: submitting access requests (the real `submitRequest` service: locks, policy evaluation,
 * the request, its stages or grant, notifications and ledger events, one transaction each) on PostgreSQL,
 * at 1, 10 and 50 concurrent submitters. Not a test: it prints figures, nothing passes or fails.
 *
 * Seeds BENCH_SUBMIT_PEOPLE people (default 5,000, with managers and departments), 20 systems, 400
 * entitlements of every risk (owners on half) and 20,000 standing grants set-based, saves the default
 * policy, then submits BENCH_SUBMITS requests per concurrency level (default 1,500), each for a
 * different (person, entitlement) pair so none is refused as a duplicate. Prints requests/s, p50/p95/max
 * latency, the outcomes, and ledger events/s; then checks the chain is intact.
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import type { Actor, ServiceCtx } from "../server/domain/actor";
import { ensureDefaultPolicy } from "../server/domain/policy/service";
import { submitRequest } from "../server/domain/requests/service";
import { ZSubmitRequestInput } from "../server/domain/requests/schema";
import { verifyChain } from "../server/ledger/ledger";
import { poolMax } from "../server/db";

const PEOPLE = Number(process.env.BENCH_SUBMIT_PEOPLE ?? 5_000);
const SUBMITS = Number(process.env.BENCH_SUBMITS ?? 1_500);
const LEVELS = (process.env.BENCH_SUBMIT_CONCURRENCY ?? "1,10,50").split(",").map(Number);
const SYSTEMS = 20;
const ENTITLEMENTS = 400;
const MANAGERS = 100;
const GRANTS = 20_000;

async function seed(db: TestDb) {
  // md5-derived, with the version and variant digits set so the API's UUID validation accepts them.
  const id = (prefix: string, n: string) => `overlay(overlay(md5('${prefix}' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;
  await db.rawSql(`
    INSERT INTO "Identity" ("id", "kind", "displayName", "email", "department", "managerId", "updatedAt")
      SELECT ${id("h", "n")}, 'HUMAN', 'Person ' || n, 'person' || n || '@bench.example', 'Dept ' || (n % 50),
        CASE WHEN n > ${MANAGERS} THEN ${id("h", `(1 + n % ${MANAGERS})`)} END, now()
      FROM generate_series(1, ${PEOPLE}) n;
    INSERT INTO "System" ("id", "name", "ownerId", "updatedAt")
      SELECT ${id("s", "n")}, 'Bench system ' || n, ${id("h", "n")}, now() FROM generate_series(1, ${SYSTEMS}) n;
    INSERT INTO "Entitlement" ("id", "systemId", "name", "risk", "privileged", "ownerId", "updatedAt")
      SELECT ${id("e", "n")}, ${id("s", `(1 + n % ${SYSTEMS})`)}, 'role-' || n,
        (ARRAY['LOW','MEDIUM','HIGH','CRITICAL']::"RiskLevel"[])[1 + n % 4], n % 10 = 0,
        CASE WHEN n % 2 = 0 THEN ${id("h", `(${SYSTEMS} + 1 + n % 300)`)} END, now()
      FROM generate_series(1, ${ENTITLEMENTS}) n;
    INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "startsAt", "updatedAt")
      SELECT ${id("g", "n")}, ${id("h", `(1 + (n * 7) % ${PEOPLE})`)}, ${id("e", `(1 + n % ${ENTITLEMENTS})`)},
        'ACTIVE', 'IMPORTED', now() - (n % 700) * interval '1 day', now()
      FROM generate_series(1, ${GRANTS}) n;
    INSERT INTO "Identity" ("id", "kind", "displayName", "email", "updatedAt") VALUES
      (gen_random_uuid(), 'HUMAN', 'Bench Security', 'security@bench.example', now());
    INSERT INTO "RoleAssignment" ("identityId", "role") SELECT "id", 'SECURITY' FROM "Identity" WHERE "email" = 'security@bench.example';
    ANALYZE;
  `);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main() {
  const pgUrl = process.env.TEST_PG_ADMIN_URL;
  console.log(`\nSubmit benchmark: submitRequest (policy + ledger), ${SUBMITS} submits per level (BENCH_SUBMITS), ${PEOPLE} people, ${ENTITLEMENTS} entitlements, ${GRANTS} grants. Machine: 2 cores.`);
  if (!pgUrl) {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  await setup();
  const db = await createTestDb();
  try {
    await seed(db);
    const prisma = db.prisma;
    await prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, new Date()));
    const people = (await prisma.identity.findMany({ where: { email: { endsWith: "@bench.example" }, roles: { none: {} } }, select: { id: true, displayName: true, email: true }, orderBy: { email: "asc" } })).map(
      (p): Actor => ({ id: p.id, kind: "HUMAN", displayName: p.displayName, email: p.email, roles: [] }),
    );
    const ents = (await prisma.entitlement.findMany({ select: { id: true }, orderBy: { name: "asc" } })).map((e) => e.id);
    console.log(`  database pool: ${poolMax()} connections (DATABASE_POOL_MAX)`);

    // Each submit k is a distinct (person, entitlement) pair across all levels.
    let k = 0;
    const nextPair = () => {
      const i = k++;
      return { actor: people[i % people.length]!, entitlementId: ents[Math.floor(i / people.length) * 7 + (i % ents.length)]! };
    };
    const submitOne = async () => {
      const { actor, entitlementId } = nextPair();
      const ctx: ServiceCtx = { db: prisma, actor, now: () => new Date() };
      const input = ZSubmitRequestInput.parse({ entitlementId, justification: "Needed for the quarterly close (bench)", durationHours: 48 });
      const t0 = performance.now();
      const r = await submitRequest(ctx, input);
      return { ms: performance.now() - t0, status: r.status };
    };

    // Warm up: connections, plans, the prepared policy set.
    for (let i = 0; i < 10; i++) {
      const w = await submitOne();
      if (process.env.BENCH_VERBOSE) console.log(`  warm-up submit ${i}: ${w.ms.toFixed(1)} ms (${w.status})`);
    }

    for (const conc of LEVELS) {
      const lat: number[] = [];
      const outcomes = new Map<string, number>();
      const errors = new Map<string, number>();
      const events0 = await prisma.ledgerEvent.count();
      let issued = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: conc }, async () => {
          while (issued < SUBMITS) {
            issued++;
            try {
              const r = await submitOne();
              lat.push(r.ms);
              outcomes.set(r.status, (outcomes.get(r.status) ?? 0) + 1);
            } catch (e) {
              const m = e instanceof Error ? e.message.slice(0, 80) : String(e);
              errors.set(m, (errors.get(m) ?? 0) + 1);
            }
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      const events = (await prisma.ledgerEvent.count()) - events0;
      lat.sort((a, b) => a - b);
      const out = [...outcomes].map(([s, n]) => `${s.toLowerCase()} ${n}`).join(", ");
      console.log(
        `  submit, ${String(conc).padStart(2)} concurrent: ${String(lat.length).padStart(5)} in ${secs.toFixed(2).padStart(6)} s = ${String(Math.round(lat.length / secs)).padStart(4)} requests/s` +
          `  p50 ${pct(lat, 50).toFixed(0)} ms  p95 ${pct(lat, 95).toFixed(0)} ms  max ${(lat.at(-1) ?? 0).toFixed(0)} ms  (${out}; ${Math.round(events / secs)} ledger events/s)`,
      );
      for (const [m, n] of errors) console.log(`    ${n} refused: ${m}`);
    }
    const v = await verifyChain(prisma);
    console.log(`  chain ${v.firstBroken ? `BROKEN at ${v.firstBroken.seq}: ${v.firstBroken.reason}` : "intact"} after the run (${v.checked} events)`);
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
