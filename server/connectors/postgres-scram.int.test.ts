/**
 * The PostgreSQL connector logs in with the password its secretRef names, through SCRAM-SHA-256 (the only
 * password exchange it answers), against the throwaway cluster of scripts/with-postgres.sh, where the role
 * TEST_PG_SCRAM_USER must log in with a SCRAM password. Runs in the PostgreSQL stage.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresConnector } from "./postgres";
import { ConnectorError, type ConnectorCtx } from "./types";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;
const SCRAM_USER = process.env.TEST_PG_SCRAM_USER;
const PASSWORD = `scram-${randomUUID()}`;

describe.skipIf(!ADMIN_URL || !SCRAM_USER)("postgres connector login (SCRAM-SHA-256, real cluster)", () => {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 10);
  const targetDb = `warrant_scram_${suffix}`;
  const role = `scram_read_${suffix}`;
  let admin: pg.Client;
  let port = 0;

  beforeAll(async () => {
    process.env.WARRANT_CONNECTOR_TEST_SCRAM_PASSWORD = PASSWORD;
    process.env.WARRANT_CONNECTOR_TEST_WRONG_PASSWORD = "not-the-password";
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    port = Number(new URL(ADMIN_URL!).port);
    await admin.query("SET password_encryption = 'scram-sha-256'");
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(SCRAM_USER!)}`);
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(SCRAM_USER!)} LOGIN CREATEROLE PASSWORD ${admin.escapeLiteral(PASSWORD)}`);
    await admin.query(`CREATE DATABASE ${targetDb}`);
    await admin.query(`CREATE ROLE ${role} NOLOGIN`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${targetDb} WITH (FORCE)`);
    const members = await admin.query<{ rolname: string }>(
      "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1",
      [role],
    );
    for (const m of members.rows) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(m.rolname)}`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(SCRAM_USER!)}`);
    await admin.end();
    delete process.env.WARRANT_CONNECTOR_TEST_SCRAM_PASSWORD;
    delete process.env.WARRANT_CONNECTOR_TEST_WRONG_PASSWORD;
  });

  const ctx = (settings: Record<string, unknown>): ConnectorCtx => ({
    system: { id: randomUUID(), name: "Production Database", connectorConfig: { database: targetDb, host: "127.0.0.1", port, user: SCRAM_USER, ...settings } },
    entitlement: { name: "Read replica access", externalRef: role },
    identity: { id: randomUUID(), displayName: "Priya Nair", email: "priya@example.test", kind: "HUMAN" },
    taskId: randomUUID(),
  });

  it("logs in with the referenced password and grants", async () => {
    expect(await postgresConnector.grant(ctx({ secretRef: "env:WARRANT_CONNECTOR_TEST_SCRAM_PASSWORD" }))).toMatchObject({ confirmed: true, readBack: { isMember: true } });
  });

  it("reports a wrong password, and a missing secretRef, as ConnectorErrors", async () => {
    await expect(postgresConnector.grant(ctx({ secretRef: "env:WARRANT_CONNECTOR_TEST_WRONG_PASSWORD" }))).rejects.toThrow(/password authentication failed/);
    const err = await postgresConnector.grant(ctx({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/asks for a password, but the connector has no secretRef/);
  });
});
