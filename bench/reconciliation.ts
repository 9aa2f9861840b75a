/**
 * npm run bench (reconciliation): a PostgreSQL target holding BENCH_RECON_MEMBERSHIPS role memberships
 * (default 1,000,000: BENCH_RECON_ROLES roles × as many member roles as needed, granted in one statement per
 * block), a Warrant database on PostgreSQL whose grants match them except for 1 % missing in the target and
 * 1 % missing in Warrant, and one reconciliation of the system through the real connector and service.
 * Not a test: it prints figures, nothing passes or fails.
 *
 * Prints: the raw read of the same memberships (the connector's keyset pages alone, and one plain query), the
 * reconciliation's memberships/s beside it, the findings it recorded, and the process's RSS before and at its
 * peak (flat: it does not grow with the number of memberships). Run through scripts/with-postgres.sh.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createTestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { memberRoleName, postgresConnector } from "../server/connectors/postgres";
import { runReconciliation } from "../server/domain/reconciliation/service";

const MEMBERSHIPS = Number(process.env.BENCH_RECON_MEMBERSHIPS ?? 1_000_000);
const ROLES = Number(process.env.BENCH_RECON_ROLES ?? 1000);
const MEMBERS = Math.ceil(MEMBERSHIPS / ROLES);
const adminUrl = process.env.TEST_PG_ADMIN_URL;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

if (!adminUrl) {
  console.log("reconciliation bench: needs TEST_PG_ADMIN_URL (run through scripts/with-postgres.sh); skipped.");
  process.exit(0);
}

// With --expose-gc (as npm run bench runs it), a collection before each sample: the peak is what is live, not
// garbage V8 has not collected yet.
const gc = (globalThis as { gc?: () => void }).gc;
let peak = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  gc?.();
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 250);
sampler.unref();

await setup();
const db = await createTestDb();
const suffix = randomUUID().replace(/-/g, "").slice(0, 8);
const database = `bench_recon_${suffix}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const roleNames = Array.from({ length: ROLES }, (_, i) => `bench_r${i}_${suffix}`);
const identityIds = Array.from({ length: MEMBERS }, () => randomUUID());
const members = identityIds.map(memberRoleName);
try {
  const t0 = performance.now();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  for (const r of roleNames) await admin.query(`CREATE ROLE ${admin.escapeIdentifier(r)} NOLOGIN`);
  for (const m of members) await admin.query(`CREATE ROLE ${admin.escapeIdentifier(m)} NOLOGIN`);
  // Every member holds every role, except 1 % of the pairs (Warrant's grant is then missing in the target).
  const roleList = roleNames.map((r) => admin.escapeIdentifier(r)).join(", ");
  for (let i = 0; i < members.length; i += 50) {
    await admin.query(`GRANT ${roleList} TO ${members.slice(i, i + 50).map((m) => admin.escapeIdentifier(m)).join(", ")}`);
  }
  const missing: [string, string][] = [];
  for (let i = 0; i < MEMBERSHIPS / 100; i++) missing.push([members[i % MEMBERS]!, roleNames[(Math.floor(i / MEMBERS) + i * 7) % ROLES]!]);
  for (const [m, r] of missing) await admin.query(`REVOKE ${admin.escapeIdentifier(r)} FROM ${admin.escapeIdentifier(m)}`);
  const targetMs = performance.now() - t0;

  // Warrant: the people, one system with an entitlement per role, and a grant per membership, except 1 %
  // (access in the target only: unmanaged).
  const t1 = performance.now();
  const owner = identityIds[0]!;
  const values = identityIds.map((id, i) => `('${id}'::uuid, 'HUMAN', 'Bench ${i}', 'bench${i}@bench.example', now())`).join(",\n");
  await db.rawSql(`INSERT INTO "Identity" ("id", "kind", "displayName", "email", "updatedAt") VALUES ${values};`);
  const url = new URL(adminUrl);
  const config = { host: url.hostname, port: Number(url.port), database, user: decodeURIComponent(url.username) || "postgres" };
  await db.rawSql(`
    INSERT INTO "System" ("id", "name", "ownerId", "connector", "connectorConfig", "updatedAt")
      VALUES (md5('bench-sys')::uuid, 'Bench target', '${owner}'::uuid, 'POSTGRES', '${JSON.stringify(config)}'::jsonb, now());
    INSERT INTO "Entitlement" ("id", "systemId", "name", "externalRef", "updatedAt")
      SELECT md5('bench-e' || n)::uuid, md5('bench-sys')::uuid, 'role ' || n, 'bench_r' || n || '_${suffix}', now() FROM generate_series(0, ${ROLES - 1}) n;
    INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "startsAt", "updatedAt")
      SELECT gen_random_uuid(), i.id, e.id, 'ACTIVE', 'IMPORTED', now(), now()
        FROM "Identity" i CROSS JOIN "Entitlement" e
       WHERE e."systemId" = md5('bench-sys')::uuid AND i."displayName" LIKE 'Bench %'
         AND (hashtext(i.id::text || e.id::text) % 100) <> 0;
    ANALYZE "Grant";`);
  const warrantMs = performance.now() - t1;
  const grants = await db.prisma.grant.count();
  console.log(`reconciliation bench: target ${MEMBERSHIPS.toLocaleString()} memberships (${ROLES} roles × ${MEMBERS} members, ${missing.length} revoked by hand) set up in ${(targetMs / 1000).toFixed(1)} s; Warrant ${grants.toLocaleString()} grants in ${(warrantMs / 1000).toFixed(1)} s`);

  // Raw reads of the same rows.
  const rss0 = process.memoryUsage().rss;
  peak = rss0;
  const managedRefs = roleNames;
  let n = 0;
  const t2 = performance.now();
  for await (const _ of postgresConnector.listAccess!({ system: { id: "bench", name: "Bench", connectorConfig: config }, managedRefs })) n++;
  const pagedMs = performance.now() - t2;
  const raw = new pg.Client({ connectionString: new URL(`/${database}`, adminUrl).toString() });
  await raw.connect();
  const t3 = performance.now();
  let all: pg.QueryResult | null = await raw.query("SELECT u.rolname::text, r.rolname::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname::text = ANY($1::text[])", [managedRefs]);
  const plainMs = performance.now() - t3;
  await raw.end();
  const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString()} /s`;
  console.log(`  raw read, connector cursor (5,000 per fetch): ${n.toLocaleString()} rows in ${(pagedMs / 1000).toFixed(1)} s (${rate(n, pagedMs)})`);
  console.log(`  raw read, one plain query (all in memory): ${all.rowCount?.toLocaleString()} rows in ${(plainMs / 1000).toFixed(1)} s (${rate(all.rowCount ?? 0, plainMs)})`);
  all = null;
  gc?.();

  gc?.();
  peak = process.memoryUsage().rss;
  peakHeap = process.memoryUsage().heapUsed;
  const rssBefore = peak;
  const heapBefore = peakHeap;
  const t4 = performance.now();
  const res = await runReconciliation(db.prisma, { systemId: (await db.prisma.system.findFirstOrThrow({ where: { name: "Bench target" } })).id, trigger: "MANUAL", actorId: null, now: new Date(), adoptExisting: false });
  const runMs = performance.now() - t4;
  console.log(`  reconciliation: ${res.memberships.toLocaleString()} memberships in ${(runMs / 1000).toFixed(1)} s (${rate(res.memberships, runMs)}); findings ${JSON.stringify(res.counts)}`);
  console.log(`  RSS before the run ${mb(rssBefore)}, peak during it ${mb(peak)}; JS heap in use before ${mb(heapBefore)}, peak ${mb(peakHeap)}${gc ? "" : " (run with --expose-gc for live-heap figures)"}`);
} finally {
  clearInterval(sampler);
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`).catch(() => undefined);
  for (const m of members) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(m)}`).catch(() => undefined);
  for (const r of roleNames) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(r)}`).catch(() => undefined);
  await admin.end();
  await db.close();
}
process.exit(0);
