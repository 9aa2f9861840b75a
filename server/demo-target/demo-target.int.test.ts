/**
 * The demo's PostgreSQL target: a PGlite served over the wire protocol, talked to by node-postgres and by
 * the PostgreSQL connector exactly as a real server would be. Runs in both stages (the target is always
 * PGlite; Warrant's own database is PGlite or PostgreSQL).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPGlite } from "../db/pglite";
import { memberRoleName, postgresConnector } from "../connectors/postgres";
import { processProvisioningTasks } from "../jobs/provisioning";
import { makeGrantWithTask, provisioningCast } from "../domain/provisioning/provisioning-test-kit";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeGrant, makeNhi } from "../testing/factories";
import { credentialFingerprint } from "../connectors/postgres-login";
import { startDemoTarget, type DemoTarget } from "./index";
import { serveOverWire } from "./wire-server";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function client(port: number, extra: Partial<pg.ClientConfig> = {}) {
  const c = new pg.Client({ host: "127.0.0.1", port, database: "halcyon_prod", user: "warrant", ...extra });
  await c.connect();
  return c;
}

// No Warrant database here (a PGlite of its own behind the wire server): it runs once, in the PGlite stage.
describe.skipIf(TEST_ENGINE !== "pglite")("a PGlite served over the PostgreSQL wire protocol", () => {
  it("answers node-postgres (simple and extended protocol), keeps one connection's transaction to itself, and refuses TLS plainly", async () => {
    const db = newPGlite();
    const wire = await serveOverWire(db);
    const a = await client(wire.port);
    const b = await client(wire.port);
    try {
      await a.query("CREATE TABLE t (n int)");
      expect((await a.query("SELECT $1::int + 1 AS n", [41])).rows).toEqual([{ n: 42 }]);
      // a opens a transaction; b's statement waits until a commits, then sees a's row.
      await a.query("BEGIN");
      await a.query("INSERT INTO t VALUES (1)");
      const seen = b.query("SELECT count(*)::int AS n FROM t");
      await a.query("INSERT INTO t VALUES (2)");
      await a.query("COMMIT");
      expect((await seen).rows).toEqual([{ n: 2 }]);
      // A connection that goes away inside a transaction is rolled back, and the others carry on.
      await b.query("BEGIN");
      await b.query("INSERT INTO t VALUES (3)");
      await b.end();
      expect((await a.query("SELECT count(*)::int AS n FROM t")).rows).toEqual([{ n: 2 }]);
      await expect(client(wire.port, { ssl: { rejectUnauthorized: false } })).rejects.toThrow(/does not support SSL/);
      // PGlite's one backend would fail for good on a start-up it refuses: every connection is its superuser.
      for (const odd of [{ user: "" }, { user: "nobody", database: "nodb" }]) {
        const c = await client(wire.port, odd);
        expect((await c.query("SELECT current_user AS u")).rows).toEqual([{ u: "postgres" }]);
        await c.end();
      }
      expect((await a.query("SELECT count(*)::int AS n FROM t")).rows).toEqual([{ n: 2 }]);
    } finally {
      await a.end();
      await wire.close();
      await db.close();
    }
  });
});

describe(`the demo target with Warrant (${TEST_ENGINE})`, () => {
  let db: TestDb;
  let dir: string;
  let port: number;
  let target: DemoTarget | null = null;
  let cast: Awaited<ReturnType<typeof provisioningCast>>;

  beforeAll(async () => {
    db = await createTestDb();
    dir = mkdtempSync(path.join(tmpdir(), "warrant-demo-target-"));
    port = await freePort();
    cast = await provisioningCast(db.prisma, { connector: "POSTGRES", connectorConfig: { database: "halcyon_prod", host: "127.0.0.1", port }, externalRef: "replica_reader" });
  });
  afterAll(async () => {
    await target?.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function members(role: string): Promise<string[]> {
    const c = await client(port);
    try {
      const r = await c.query<{ member: string }>(
        "SELECT u.rolname AS member FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 ORDER BY 1",
        [role],
      );
      return r.rows.map((x) => x.member);
    } finally {
      await c.end();
    }
  }

  it("at its first start creates the catalog's roles and the memberships of the access in effect; a restart keeps its data and adds only new roles", async () => {
    const existing = await makeGrant(db.prisma, cast.holder.id, cast.entitlement.id);
    target = await startDemoTarget(db.prisma, { dir, port });
    expect(target).toMatchObject({ port, systems: [cast.system.name], roles: 1, memberships: 1 });
    expect(await members("replica_reader")).toEqual([memberRoleName(existing.identityId)]);

    await makeEntitlement(db.prisma, cast.system.id, { name: "reporting" }).then((e) => db.prisma.entitlement.update({ where: { id: e.id }, data: { externalRef: "reporting_reader" } }));
    await target.close();
    target = await startDemoTarget(db.prisma, { dir, port });
    expect(target).toMatchObject({ roles: 1, memberships: 0 });
    expect(await members("replica_reader")).toEqual([memberRoleName(existing.identityId)]);
    expect(await members("reporting_reader")).toEqual([]);
  });

  it("the PostgreSQL connector provisions into it through the worker, confirmed by read-back, and revokes from it", async () => {
    const other = await db.prisma.identity.create({ data: { kind: "HUMAN", displayName: "Noor New", email: `noor-${Date.now()}@example.test` } });
    const { grant } = await makeGrantWithTask(db.prisma, { identityId: other.id, entitlementId: cast.entitlement.id, connector: "POSTGRES" });
    await processProvisioningTasks(db.prisma, new Date(), "demo-target-test", 10);
    const done = await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } });
    expect(done.status).toBe("ACTIVE");
    expect(await members("replica_reader")).toContain(memberRoleName(other.id));

    const ctx = {
      system: { id: cast.system.id, name: cast.system.name, connectorConfig: { database: "halcyon_prod", host: "127.0.0.1", port } },
      entitlement: { name: cast.entitlement.name, externalRef: "replica_reader" },
      identity: { id: other.id, displayName: other.displayName, email: other.email, kind: other.kind },
      taskId: grant.id,
    };
    expect(await postgresConnector.revoke(ctx)).toMatchObject({ confirmed: true, readBack: { isMember: false } });
    expect(await members("replica_reader")).not.toContain(memberRoleName(other.id));
  });

  it("issues a credential into it (PGlite stores the login, validity and SCRAM verifier; it checks no password at login), rotates it, and drops it at revocation", async () => {
    const ent = await db.prisma.entitlement.create({ data: { systemId: cast.system.id, name: "replica-login", externalRef: "replica_reader", issuesCredential: true } });
    const nhi = await makeNhi(db.prisma, cast.employee.id, { name: "svc-demo-etl" });
    const { grant } = await makeGrantWithTask(db.prisma, { identityId: nhi.id, entitlementId: ent.id, connector: "POSTGRES" });
    await processProvisioningTasks(db.prisma, new Date(), "demo-target-test", 10);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "ACTIVE" });
    const cred = await db.prisma.credential.findUniqueOrThrow({ where: { grantId: grant.id } });
    expect(await members("replica_reader")).toContain(cred.login);
    const c = await client(port);
    try {
      const r = await c.query<{ rolcanlogin: boolean; rolvaliduntil: Date; rolpassword: string }>("SELECT rolcanlogin, rolvaliduntil, rolpassword FROM pg_authid WHERE rolname = $1", [cred.login]);
      expect(r.rows[0]).toMatchObject({ rolcanlogin: true, rolvaliduntil: grant.expiresAt });
      expect(credentialFingerprint(r.rows[0]!.rolpassword)).toBe(cred.fingerprint);
    } finally {
      await c.end();
    }
    const owner = cast.as(cast.employee.id);
    expect((await owner.credentials.reveal({ credentialId: cred.id })).password).toBeTruthy();
    expect(await owner.credentials.rotate({ credentialId: cred.id })).toMatchObject({ rotated: true });

    await cast.as(cast.admin.id).grants.revoke({ grantId: grant.id, reason: "The ETL job moved to the warehouse" });
    await processProvisioningTasks(db.prisma, new Date(), "demo-target-test", 10);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "REVOKED" });
    expect(await db.prisma.credential.findUniqueOrThrow({ where: { id: cred.id } })).toMatchObject({ status: "REVOKED", version: 2 });
    expect(await members("replica_reader")).not.toContain(cred.login);
  });

  it("a taken port is a clear error, and the running target is untouched", async () => {
    await expect(startDemoTarget(db.prisma, { dir: mkdtempSync(path.join(tmpdir(), "warrant-demo-target-")), port })).rejects.toThrow(/EADDRINUSE/);
    expect(await members("replica_reader")).toHaveLength(1);
  });
});
