/**
 * The PostgreSQL connector logs in with the password its secretRef names, through SCRAM-SHA-256 (the only
 * password exchange it answers), against the throwaway cluster of scripts/with-postgres.sh, where the role
 * TEST_PG_SCRAM_USER must log in with a SCRAM password. Runs in the PostgreSQL stage.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresConnector } from "./postgres";
import { ConnectorError, type ConnectorCtx } from "./types";
import { openTargetDatabase, type TargetDatabase } from "./target-test-kit";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;
const SCRAM_USER = process.env.TEST_PG_SCRAM_USER;
const PASSWORD = `scram-${randomUUID()}`;

describe.skipIf(!ADMIN_URL || !SCRAM_USER)("postgres connector login (SCRAM-SHA-256, real cluster)", () => {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 10);
  const targetDb = `warrant_scram_${suffix}`;
  const role = `scram_read_${suffix}`;
  let admin: pg.Client;
  let port = 0;
  let target: TargetDatabase;

  beforeAll(async () => {
    process.env.WARRANT_CONNECTOR_TEST_SCRAM_PASSWORD = PASSWORD;
    process.env.WARRANT_CONNECTOR_TEST_WRONG_PASSWORD = "not-the-password";
    target = await openTargetDatabase(ADMIN_URL!, targetDb, [{ name: role }]);
    admin = target.admin;
    port = target.port;
    await admin.query("SET password_encryption = 'scram-sha-256'");
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(SCRAM_USER!)}`);
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(SCRAM_USER!)} LOGIN CREATEROLE PASSWORD ${admin.escapeLiteral(PASSWORD)}`);
  });
  afterAll(async () => {
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(SCRAM_USER!)}`);
    await target.drop();
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
