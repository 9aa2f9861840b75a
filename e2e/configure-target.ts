/**
 * e2e set-up step (run with tsx after prepare-db, before the portal starts): makes the demo's
 * "Production Database" system a real target. It creates the `halcyon_prod` database and the group roles its
 * entitlements name in the throwaway PostgreSQL cluster of this run (TEST_PG_ADMIN_URL, from
 * scripts/with-postgres.sh), and points the system's postgres connector at it. The change goes through the
 * catalog service as the demo admin, so it is in the ledger like any other.
 */
import pg from "pg";
import { openDb } from "../server/db";
import { loadActor } from "../server/domain/actor";
import { updateSystem } from "../server/domain/catalog/service";

const adminUrl = process.env.TEST_PG_ADMIN_URL;
const pgliteDir = process.env.PGLITE_DIR;
if (!adminUrl || !pgliteDir) throw new Error("configure-target: TEST_PG_ADMIN_URL and PGLITE_DIR are required (run through scripts/e2e.sh)");
const url = new URL(adminUrl);
const DATABASE = "halcyon_prod";

const handle = openDb({ pgliteDir });
try {
  const system = await handle.prisma.system.findUniqueOrThrow({ where: { name: "Production Database" }, include: { entitlements: true } });
  const roles = system.entitlements.map((e) => e.externalRef).filter((r): r is string => Boolean(r));

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  for (const role of roles) {
    await admin.query(`DO $$ BEGIN CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  }
  await admin.end();

  const grace = await handle.prisma.identity.findUniqueOrThrow({ where: { email: "grace.kim@halcyon.example" } });
  const actor = await loadActor(handle.prisma, grace.id);
  if (!actor) throw new Error("configure-target: the demo admin is not active");
  await updateSystem(
    { db: handle.prisma, actor, now: () => new Date() },
    {
      id: system.id,
      expectedUpdatedAt: system.updatedAt,
      connector: "POSTGRES",
      connectorConfig: { database: DATABASE, host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username) || "postgres" },
    },
  );
  console.log(`configure-target: Production Database → postgresql://${url.hostname}:${url.port}/${DATABASE} (${roles.length} roles: ${roles.join(", ")})`);
} finally {
  await handle.close();
}
