/**
 * The demo's "Production Database", real out of the box: a second embedded database (PGlite, data in
 * DEMO_TARGET_DIR) served over the PostgreSQL wire protocol on 127.0.0.1:DEMO_TARGET_PORT, started with the
 * portal when the portal runs on the embedded database (DEMO_TARGET, default on there). The PostgreSQL
 * connector talks to it like to any server: approving, expiring, revoking and reconciling all work in the
 * demo with nothing installed. With DATABASE_URL it is off; docs/configuration.md says how to point the
 * system at a real server.
 *
 * At every start it creates the group roles the catalog's entitlements name (for each PostgreSQL system
 * pointing at this port). At the first start it also creates the memberships of the access Warrant shows in
 * effect on those systems, so the target starts in step with the demo's imported organisation.
 */
import { mkdirSync } from "node:fs";
import pg from "pg";
import type { PrismaClient } from "../db";
import { newPGlite } from "../db/pglite";
import { memberRoleName, postgresConfig } from "../connectors/postgres";
import { isLoopbackHost } from "../connectors/pg-target";
import { log } from "../logger";
import { DEMO_TARGET_HOST } from "./config";
import { serveOverWire, type WireServer } from "./wire-server";

export type DemoTarget = { port: number; systems: string[]; roles: number; memberships: number; close(): Promise<void> };

const q = pg.escapeIdentifier;

/** The PostgreSQL systems whose connector settings point at this machine's `port`. */
async function systemsOn(prisma: PrismaClient, port: number) {
  const systems = await prisma.system.findMany({ where: { connector: "POSTGRES" }, select: { id: true, name: true, connectorConfig: true } });
  return systems.filter((s) => {
    try {
      const cfg = postgresConfig(s.connectorConfig);
      return cfg.port === port && isLoopbackHost(cfg.host);
    } catch {
      return false;
    }
  });
}

/** What preparing a target needs of its connection: PGlite as it is, or a `pg` client (see pgClientTarget). */
export type TargetSql = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>; exec(sql: string): Promise<unknown> };

/** A node-postgres client as a TargetSql (the e2e set-up prepares a real PostgreSQL cluster the same way). */
export function pgClientTarget(client: pg.Client): TargetSql {
  return { query: (sql, params) => client.query(sql, params), exec: (sql) => client.query(sql) };
}

/**
 * Creates the roles and (first start only) the memberships in `target`, for the PostgreSQL systems pointing
 * at `port` on this machine. Returns what it created.
 */
export async function prepareDemoTarget(prisma: PrismaClient, target: TargetSql, port: number): Promise<{ systems: string[]; roles: number; memberships: number }> {
  const systems = await systemsOn(prisma, port);
  const entitlements = await prisma.entitlement.findMany({
    where: { systemId: { in: systems.map((s) => s.id) }, externalRef: { not: null } },
    select: { id: true, externalRef: true },
  });
  let roles = 0;
  for (const ref of new Set(entitlements.map((e) => e.externalRef!.trim()).filter(Boolean))) {
    const exists = await target.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [ref]);
    if (exists.rows.length) continue;
    await target.exec(`CREATE ROLE ${q(ref)} NOLOGIN`);
    roles++;
  }
  await target.exec("CREATE SCHEMA IF NOT EXISTS warrant_demo; CREATE TABLE IF NOT EXISTS warrant_demo.started (at timestamptz NOT NULL DEFAULT now())");
  const first = (await target.query("SELECT 1 FROM warrant_demo.started")).rows.length === 0;
  let memberships = 0;
  if (first) {
    const grants = await prisma.grant.findMany({
      where: { entitlementId: { in: entitlements.map((e) => e.id) }, status: { in: ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"] } },
      select: { identityId: true, identity: { select: { displayName: true } }, entitlement: { select: { externalRef: true } } },
      orderBy: { id: "asc" },
    });
    for (const g of grants) {
      const member = memberRoleName(g.identityId);
      if ((await target.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [member])).rows.length === 0) {
        await target.exec(`CREATE ROLE ${q(member)} NOLOGIN; COMMENT ON ROLE ${q(member)} IS ${pg.escapeLiteral(`Warrant identity ${g.identityId} (${g.identity.displayName})`)}`);
      }
      await target.exec(`GRANT ${q(g.entitlement.externalRef!.trim())} TO ${q(member)}`);
      memberships++;
    }
    await target.exec("INSERT INTO warrant_demo.started DEFAULT VALUES");
  }
  return { systems: systems.map((s) => s.name), roles, memberships };
}

/** Opens the target's database, prepares it and serves it. Throws when the port is taken. */
export async function startDemoTarget(prisma: PrismaClient, opts: { dir?: string; port: number }): Promise<DemoTarget> {
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const target = newPGlite(opts.dir);
  let wire: WireServer | null = null;
  try {
    await target.waitReady;
    const prepared = await prepareDemoTarget(prisma, target, opts.port);
    wire = await serveOverWire(target, { host: DEMO_TARGET_HOST, port: opts.port });
    const served = wire;
    return {
      port: served.port,
      ...prepared,
      close: async () => {
        await served.close();
        await target.close();
      },
    };
  } catch (e) {
    await wire?.close();
    await target.close();
    throw e;
  }
}

const g = globalThis as unknown as { __warrantDemoTarget?: Promise<DemoTarget | null> };

/** Started from instrumentation.ts, once per process; a failure is logged and the portal carries on. */
export function startInProcessDemoTarget(prisma: PrismaClient, opts: { dir: string; port: number }): Promise<DemoTarget | null> {
  g.__warrantDemoTarget ??= startDemoTarget(prisma, opts).then(
    (t) => {
      console.log(`Demo target: embedded PostgreSQL for ${t.systems.join(", ") || "no system"} on ${DEMO_TARGET_HOST}:${t.port}${t.roles || t.memberships ? ` (created ${t.roles} role(s), ${t.memberships} membership(s))` : ""}.`);
      return t;
    },
    (e: Error) => {
      log.warn(`demo target not started: ${e.message}; the demo's PostgreSQL system will retry until a server answers on ${DEMO_TARGET_HOST}:${opts.port}`, { port: opts.port });
      return null;
    },
  );
  return g.__warrantDemoTarget;
}
