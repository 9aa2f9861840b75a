/**
 * e2e set-up step (run with tsx after prepare-db, before the portal starts): makes the demo's
 * "Production Database" system a real target. It creates the `halcyon_prod` database, the group roles its
 * entitlements name and the memberships of the seed's grants in effect (as the demo's own embedded target
 * does, server/demo-target) in the throwaway PostgreSQL cluster of this run (TEST_PG_ADMIN_URL, from
 * scripts/with-postgres.sh), and points the system's postgres connector at it. The change goes through the
 * catalog service as the demo admin, so it is in the ledger like any other.
 */
import pg from "pg";
import { openDb } from "../server/db";
import { loadActor } from "../server/domain/actor";
import { updateSystem } from "../server/domain/catalog/service";
import { DEMO_TARGET_DEFAULT_PORT } from "../server/demo-target/config";
import { pgClientTarget, prepareDemoTarget } from "../server/demo-target";

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
  await admin.end();
  // The same preparation as the demo's embedded target (server/demo-target): the group roles, and the
  // memberships of the access the seed shows in effect, so the target starts in step with Warrant.
  const target = new pg.Client({ connectionString: Object.assign(new URL(adminUrl), { pathname: `/${DATABASE}` }).toString() });
  await target.connect();
  const prepared = await prepareDemoTarget(handle.prisma, pgClientTarget(target), DEMO_TARGET_DEFAULT_PORT);
  await target.end();

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
  console.log(`configure-target: Production Database → postgresql://${url.hostname}:${url.port}/${DATABASE} (${roles.length} roles: ${roles.join(", ")}; ${prepared.memberships} memberships of the seed's grants)`);
} finally {
  await handle.close();
}
