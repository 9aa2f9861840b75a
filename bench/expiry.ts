/**
 * npm run bench (expiry): BENCH_EXPIRY_GRANTS grants (default 100,000) of a webhook-connector system all
 * reaching their end date at once, on PostgreSQL, worked off by 1 and then 2 workers running the real job
 * list (server/jobs/registry.ts: revoke-expired-grants, warn-expiring-grants, process-provisioning-tasks).
 * The target system is the webhook test server (server/connectors/webhook-test-server.ts) answering at once
 * with a confirming read-back. Not a test: it prints figures, nothing passes or fails.
 *
 * Prints: expiries/s (until no grant is ACTIVE), confirmed revocations/s (until every grant is REVOKED), the
 * total time, the process's RSS before and at its peak (memory flat = the peak does not grow with the
 * number of grants), and checks that the ledger holds one "grant.expired" and one "grant.revoked" per grant
 * and that the chain verifies. Each worker has its own database pool (as a separate process would).
 * BENCH_EXPIRY_MAX_S (default 900) stops a run that would take longer; BENCH_EXPIRY_WORKERS (default "1,2").
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { openDb, type DbHandle } from "../server/db";
import { startWebhookServer } from "../server/connectors/webhook-test-server";
import { JOBS } from "../server/jobs/registry";
import { runJobsOnce } from "../server/jobs/worker";
import { verifyChain } from "../server/ledger/ledger";

const GRANTS = Number(process.env.BENCH_EXPIRY_GRANTS ?? 100_000);
const MAX_S = Number(process.env.BENCH_EXPIRY_MAX_S ?? 900);
const WORKER_COUNTS = (process.env.BENCH_EXPIRY_WORKERS ?? "1,2").split(",").map(Number);
const PEOPLE = Math.max(200, Math.round(GRANTS / 20));
const NHIS = Math.round(PEOPLE / 10);
const ENTITLEMENTS = 200;
const SECRET = "bench-expiry-secret-0123456789abcdef";
const SECRET_ENV = "WARRANT_CONNECTOR_BENCH_EXPIRY_SECRET";
process.env[SECRET_ENV] = SECRET;

const JOB_NAMES = new Set(["revoke-expired-grants", "warn-expiring-grants", "process-provisioning-tasks"]);
const jobs = JOBS.filter((j) => JOB_NAMES.has(j.name));

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** People, NHIs with owners, one webhook system, its entitlements, one approved request per grant, and the grants: all due. */
async function seed(db: TestDb, url: string) {
  const id = (prefix: string, n: string) => `md5('${prefix}' || ${n})::uuid`;
  await db.rawSql(`
    INSERT INTO "Identity" ("id", "kind", "displayName", "email", "department", "managerId", "updatedAt")
      SELECT ${id("h", "n")}, 'HUMAN', 'Person ' || n, 'person' || n || '@bench.example', 'Dept ' || (n % 50),
        CASE WHEN n > 50 THEN ${id("h", "(1 + n % 50)")} END, now()
      FROM generate_series(1, ${PEOPLE}) n;
    INSERT INTO "Identity" ("id", "kind", "displayName", "ownerId", "purpose", "updatedAt")
      SELECT ${id("n", "n")}, 'SERVICE_ACCOUNT', 'svc-' || n, ${id("h", `(1 + n % ${PEOPLE})`)}, 'bench', now()
      FROM generate_series(1, ${NHIS}) n;
    INSERT INTO "System" ("id", "name", "ownerId", "connector", "connectorConfig", "updatedAt")
      VALUES (${id("s", "1")}, 'Bench webhook system', ${id("h", "1")}, 'WEBHOOK', '${JSON.stringify({ url, secretRef: `env:${SECRET_ENV}` })}'::jsonb, now());
    INSERT INTO "Entitlement" ("id", "systemId", "name", "externalRef", "risk", "ownerId", "updatedAt")
      SELECT ${id("e", "n")}, ${id("s", "1")}, 'role-' || n, 'grp-' || n, 'LOW', ${id("h", "(2 + n % 20)")}, now()
      FROM generate_series(1, ${ENTITLEMENTS}) n;
    INSERT INTO "PolicyVersion" ("id", "version", "text", "sha256") VALUES (${id("p", "1")}, 1, 'permit(principal, action, resource);', repeat('x', 64));
    INSERT INTO "AccessRequest" ("id", "requesterId", "beneficiaryId", "entitlementId", "justification", "durationHours", "status", "contentHash",
        "policyVersionId", "policyHash", "policyDecision", "inputHash", "deadlineAt", "decidedAt", "updatedAt")
      SELECT ${id("r", "n")}, ${id("h", `(1 + (n * 7) % ${PEOPLE})`)},
        CASE WHEN n % 10 = 0 THEN ${id("n", `(1 + n % ${NHIS})`)} ELSE ${id("h", `(1 + (n * 7) % ${PEOPLE})`)} END,
        ${id("e", `(1 + n % ${ENTITLEMENTS})`)}, 'bench', 24, 'APPROVED', repeat('c', 64), ${id("p", "1")}, repeat('x', 64), '{"allowed":true}'::jsonb,
        repeat('i', 64), now() - interval '2 days', now() - interval '2 days', now()
      FROM generate_series(1, ${GRANTS}) n;
    INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "requestId", "startsAt", "expiresAt", "updatedAt")
      SELECT ${id("g", "n")}, r."beneficiaryId", r."entitlementId", 'ACTIVE', 'REQUEST', r."id", now() - interval '1 day', now() - interval '1 minute', now()
      FROM generate_series(1, ${GRANTS}) n JOIN "AccessRequest" r ON r."id" = ${id("r", "n")};
    INSERT INTO "RoleAssignment" ("identityId", "role") VALUES (${id("h", "1")}, 'ADMIN');
    ANALYZE;
  `);
}

async function runOnce(workers: number) {
  let calls = 0;
  const hook = await startWebhookServer(SECRET, (call) => {
    calls++;
    return { status: 200, json: { status: "done", readBack: { hasAccess: call.body.action !== "REVOKE" } } };
  });
  const db = await createTestDb();
  const handles: DbHandle[] = [];
  try {
    const t0s = performance.now();
    await seed(db, hook.url);
    console.log(`\n${workers} worker${workers === 1 ? "" : "s"}: seeded ${GRANTS} due grants in ${((performance.now() - t0s) / 1000).toFixed(1)} s`);
    for (let i = 0; i < workers; i++) handles.push(openDb({ url: db.url! }));

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
      // The test server keeps every call it saw: drop them, or the bench measures its own log growing.
      hook.calls.length = 0;
    }, 200);
    const t0 = performance.now();
    let expiredAt: number | null = null;
    let revokedAt: number | null = null;
    let stop = false;
    const watcher = (async () => {
      while (!stop) {
        const [{ active, revoked }] = await db.prisma.$queryRaw<{ active: number; revoked: number }[]>`
          SELECT count(*) FILTER (WHERE "status" = 'ACTIVE')::int AS active, count(*) FILTER (WHERE "status" = 'REVOKED')::int AS revoked FROM "Grant"`;
        const secs = (performance.now() - t0) / 1000;
        if (expiredAt === null && active === 0) expiredAt = secs;
        if (revoked === GRANTS) {
          revokedAt = secs;
          stop = true;
        } else if (secs > MAX_S) {
          console.log(`  stopped after ${MAX_S} s: ${GRANTS - active} expired, ${revoked} revoked`);
          stop = true;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const loops = handles.map(async (h, i) => {
      while (!stop) {
        const runs = await runJobsOnce(h.prisma, new Date(), `bench-worker-${i}`, jobs);
        for (const r of runs) if (r.error) console.log(`  worker ${i}: ${r.name} failed: ${r.error}`);
      }
    });
    await Promise.all([watcher, ...loops]);
    clearInterval(sampler);
    const total = (performance.now() - t0) / 1000;

    const [counts] = await db.prisma.$queryRaw<{ expired: number; revoked: number; tasks: number }[]>`
      SELECT (SELECT count(*) FROM "LedgerEvent" WHERE "action" = 'grant.expired')::int AS expired,
             (SELECT count(*) FROM "LedgerEvent" WHERE "action" = 'grant.revoked')::int AS revoked,
             (SELECT count(*) FROM "ProvisioningTask" WHERE "action" = 'REVOKE')::int AS tasks`;
    const done = (GRANTS - (await db.prisma.grant.count({ where: { status: "ACTIVE" } })));
    const revoked = await db.prisma.grant.count({ where: { status: "REVOKED" } });
    const line = (label: string, value: string) => console.log(`  ${label.padEnd(44)} ${value}`);
    line("expired (grant left ACTIVE)", `${done} in ${(expiredAt ?? total).toFixed(1)} s = ${Math.round(done / (expiredAt ?? total))} expiries/s`);
    line("revoked and confirmed by the target", `${revoked} in ${(revokedAt ?? total).toFixed(1)} s = ${Math.round(revoked / (revokedAt ?? total))} confirmed revocations/s`);
    line("total time", `${total.toFixed(1)} s${revokedAt !== null ? "" : " (unfinished)"}`);
    line("webhook calls", String(calls));
    line("RSS before / peak", `${mb(rssBefore)} / ${mb(peak)}`);
    line("ledger grant.expired / grant.revoked / REVOKE tasks", `${counts.expired} / ${counts.revoked} / ${counts.tasks}`);
    const tv = performance.now();
    const chain = await verifyChain(db.prisma);
    line("chain", `${chain.firstBroken ? `BROKEN at ${chain.firstBroken.seq}` : "intact"} (${chain.checked} events verified in ${((performance.now() - tv) / 1000).toFixed(1)} s)`);
  } finally {
    for (const h of handles) await h.close();
    await db.close();
    await hook.close();
  }
}

async function main() {
  if (!process.env.TEST_PG_ADMIN_URL) {
    console.log("Expiry benchmark: PostgreSQL only (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  console.log(`Expiry benchmark: ${GRANTS} grants expiring at once, webhook connector answering at once, PostgreSQL 15. Machine: 2 cores.`);
  await setup();
  for (const w of WORKER_COUNTS) await runOnce(w);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
