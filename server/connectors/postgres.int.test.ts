/**
 * The PostgreSQL connector against a real cluster: runs in the PostgreSQL stage of `npm test`
 * (scripts/with-postgres.sh sets TEST_PG_ADMIN_URL). Each test file gets a target database of its own.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { revokeExpiredGrants } from "../jobs/expiry";
import { eventsSince, makeGrantWithTask, provisioningCast, provisioningSnapshot } from "../domain/provisioning/provisioning-test-kit";
import { legacyMemberRoleName, memberRoleName, postgresConnector } from "./postgres";
import type { ConnectorCtx } from "./types";
import { openTargetDatabase, type TargetDatabase } from "./target-test-kit";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;

describe.skipIf(!ADMIN_URL)("postgres connector (real cluster)", () => {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 10);
  const targetDb = `warrant_target_${suffix}`;
  const role = `app_read_${suffix}`;
  const superRole = `app_super_${suffix}`;
  let admin: pg.Client;
  let config: Record<string, unknown>;

  let target: TargetDatabase;

  beforeAll(async () => {
    target = await openTargetDatabase(ADMIN_URL!, targetDb, [{ name: role }, { name: superRole, superuser: true }]);
    admin = target.admin;
    config = { host: new URL(ADMIN_URL!).hostname, port: target.port, database: targetDb, user: target.user };
  });
  afterAll(() => target.drop());

  const ctx = (identityId: string, externalRef: string | null = role): ConnectorCtx => ({
    system: { id: randomUUID(), name: "Production Database", connectorConfig: config },
    entitlement: { name: "Read replica access", externalRef },
    identity: { id: identityId, displayName: "Priya Nair", email: "priya@example.test", kind: "HUMAN" },
    taskId: randomUUID(),
  });

  async function isMember(member: string) {
    const r = await admin.query(
      "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2",
      [role, member],
    );
    return r.rowCount === 1;
  }

  it("GRANT creates the identity's NOLOGIN role, grants membership, and the catalog read-back confirms it; a repeat is idempotent", async () => {
    const id = randomUUID();
    const member = memberRoleName(id);
    expect(member).toMatch(/^w_[0-9a-f]{32}$/);
    const receipt = await postgresConnector.grant(ctx(id));
    expect(receipt).toMatchObject({ connector: "POSTGRES", action: "GRANT", confirmed: true, readBack: { role, member, isMember: true, roleExists: true, memberRoleExists: true, source: "pg_auth_members" } });
    expect(await isMember(member)).toBe(true);
    const login = await admin.query<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [member]);
    expect(login.rows[0]!.rolcanlogin).toBe(false);

    const again = await postgresConnector.grant(ctx(id));
    expect(again).toMatchObject({ confirmed: true, readBack: { isMember: true } });
    expect(await postgresConnector.readAccess(ctx(id))).toMatchObject({ hasAccess: true });
  });

  it("REVOKE removes the membership and the read-back confirms it; a repeat (or a never-created member role) is idempotent", async () => {
    const id = randomUUID();
    const member = memberRoleName(id);
    await postgresConnector.grant(ctx(id));
    const receipt = await postgresConnector.revoke(ctx(id));
    expect(receipt).toMatchObject({ action: "REVOKE", confirmed: true, readBack: { isMember: false } });
    expect(await isMember(member)).toBe(false);
    expect(await postgresConnector.revoke(ctx(id))).toMatchObject({ confirmed: true });
    expect(await postgresConnector.revoke(ctx(randomUUID()))).toMatchObject({ confirmed: true, readBack: { memberRoleExists: false } });
  });

  it("member roles carry the whole id: two identities sharing the first 8 hex digits get two roles, and granting one grants nothing to the other", async () => {
    const a = `abcd${suffix.slice(0, 4)}-0000-4000-8000-${randomUUID().slice(-12)}`;
    const b = `${a.slice(0, 8)}-1111-4111-8111-${randomUUID().slice(-12)}`;
    expect(memberRoleName(a)).not.toBe(memberRoleName(b));
    await postgresConnector.grant(ctx(a));
    expect(await isMember(memberRoleName(a))).toBe(true);
    expect(await postgresConnector.readAccess(ctx(b))).toMatchObject({ hasAccess: false });
    await postgresConnector.revoke(ctx(a));
  });

  it("revocation also removes a membership granted under the legacy 8-hex name, confirmed only when both are gone", async () => {
    const id = randomUUID();
    const legacy = legacyMemberRoleName(id);
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(legacy)} NOLOGIN; GRANT ${admin.escapeIdentifier(role)} TO ${admin.escapeIdentifier(legacy)}`);
    try {
      expect(await postgresConnector.readAccess(ctx(id))).toMatchObject({ hasAccess: true, readBack: { isMember: false, legacyMember: { member: legacy, isMember: true } } });
      const receipt = await postgresConnector.revoke(ctx(id));
      expect(receipt).toMatchObject({ action: "REVOKE", confirmed: true, readBack: { isMember: false, legacyMember: { member: legacy, wasMember: true, isMember: false } } });
      expect(await isMember(legacy)).toBe(false);
      expect(await postgresConnector.readAccess(ctx(id))).toMatchObject({ hasAccess: false });
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(legacy)}`);
    }
  });

  it("refuses a missing role, a missing externalRef and a superuser role, with clear messages", async () => {
    await expect(postgresConnector.grant(ctx(randomUUID(), `no_such_role_${suffix}`))).rejects.toThrow(/does not exist in the target database/);
    await expect(postgresConnector.grant(ctx(randomUUID(), null))).rejects.toThrow(/has no externalRef/);
    await expect(postgresConnector.grant(ctx(randomUUID(), superRole))).rejects.toThrow(/superuser role/);
  });

  it("quotes identifiers: a role name with quotes and spaces is granted as that exact role, nothing else runs", async () => {
    const odd = `odd "role"; DROP ROLE ${role}; -- ${suffix}`;
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(odd)} NOLOGIN`);
    try {
      const id = randomUUID();
      const receipt = await postgresConnector.grant(ctx(id, odd));
      expect(receipt).toMatchObject({ confirmed: true, readBack: { role: odd, isMember: true } });
      expect((await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount).toBe(1);
      await postgresConnector.revoke(ctx(id, odd));
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(odd)}`);
    }
  });

  describe("through the outbox worker", () => {
    let db: TestDb;
    let cast: Awaited<ReturnType<typeof provisioningCast>>;
    beforeAll(async () => {
      db = await createTestDb();
      cast = await provisioningCast(db.prisma, { connector: "POSTGRES", connectorConfig: config, externalRef: role });
    });
    afterAll(async () => {
      await db.close();
    });

    it("provisions (grant ACTIVE, receipt with the catalog read-back), then expiry revokes it (role membership gone, grant REVOKED)", async () => {
      const { grant, task } = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "POSTGRES", expiresAt: new Date(Date.now() + 3_600_000) });
      const before = await provisioningSnapshot(db.prisma);
      await processProvisioningTasks(db.prisma, new Date(), "pg-worker", 10);
      const member = memberRoleName(cast.holder.id);
      expect(await isMember(member)).toBe(true);
      expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "DONE", receipt: { confirmed: true, readBack: { isMember: true, member, role } } });
      expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("ACTIVE");

      const later = new Date(Date.now() + 2 * 3_600_000);
      expect(await revokeExpiredGrants(db.prisma, later)).toEqual({ processed: 1 });
      await processProvisioningTasks(db.prisma, later, "pg-worker", 10);
      expect(await isMember(member)).toBe(false);
      const g = await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } });
      expect(g).toMatchObject({ status: "REVOKED", revocationCause: "EXPIRY" });
      const actions = (await eventsSince(db.prisma, before.events)).map((e) => e.action);
      expect(actions).toEqual(["grant.provisioned", "grant.revocation_requested", "grant.expired", "grant.revoked"]);
    });

    it("retries when the target is unreachable, and marks nothing done", async () => {
      await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: { ...config, port: 1 } } });
      try {
        const { grant, task } = await makeGrantWithTask(db.prisma, { identityId: cast.employee.id, entitlementId: cast.entitlement.id, connector: "POSTGRES" });
        await processProvisioningTasks(db.prisma, new Date(), "pg-worker", 10);
        expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("Could not connect") });
        expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PENDING_PROVISION");
      } finally {
        await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: config as object } });
      }
    });
  });
});
