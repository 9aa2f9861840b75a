/**
 * The PostgreSQL connector over TLS, against the throwaway cluster of scripts/with-postgres.sh (ssl=on, a
 * certificate for "localhost" only, signed by a CA made for the run: TEST_PG_CA_FILE). Runs in the
 * PostgreSQL stage; skipped without TEST_PG_ADMIN_URL or TEST_PG_CA_FILE.
 *   verify-full + the right CA, host "localhost"        → connects, grants, the receipt records the sslmode
 *   verify-full + the right CA, host "127.0.0.1"        → refused: the certificate does not name that host
 *   verify-full + another CA                            → refused: the certificate is not signed by it
 *   verify-ca   + the right CA, host "127.0.0.1"        → connects (the chain is checked, the name is not)
 *   require                                             → connects encrypted, nothing checked
 * The CA is referenced like any connector secret: file:<name> in CONNECTOR_SECRETS_DIR, or env:WARRANT_CONNECTOR_*.
 */
import { randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { makeGrantWithTask, provisioningCast } from "../domain/provisioning/provisioning-test-kit";
import { memberRoleName, postgresConnector } from "./postgres";
import { ConnectorError, type ConnectorCtx } from "./types";
import { openTargetDatabase, type TargetDatabase } from "./target-test-kit";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;
const CA_FILE = process.env.TEST_PG_CA_FILE;

// Set before anything reads the configuration (env() caches it).
const SECRETS = mkdtempSync(path.join(tmpdir(), "warrant-tls-secrets-"));
process.env.CONNECTOR_SECRETS_DIR = SECRETS;

describe.skipIf(!ADMIN_URL || !CA_FILE)("postgres connector over TLS (real cluster with ssl=on)", () => {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 10);
  const targetDb = `warrant_tls_${suffix}`;
  const role = `tls_read_${suffix}`;
  let port = 0;
  let user = "postgres";
  let otherCaDir = "";
  let target: TargetDatabase;

  beforeAll(async () => {
    copyFileSync(CA_FILE!, path.join(SECRETS, "target-ca.pem"));
    // Another CA, unrelated to the server's certificate (what a man in the middle would present is signed by one).
    otherCaDir = mkdtempSync(path.join(tmpdir(), "warrant-other-ca-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=Some other CA", "-keyout", path.join(otherCaDir, "ca.key"), "-out", path.join(otherCaDir, "ca.crt")], { stdio: "ignore" });
    process.env.WARRANT_CONNECTOR_TEST_OTHER_CA = readFileSync(path.join(otherCaDir, "ca.crt"), "utf8");

    target = await openTargetDatabase(ADMIN_URL!, targetDb, [{ name: role }]);
    port = target.port;
    user = target.user;
  });
  afterAll(async () => {
    await target.drop();
    rmSync(SECRETS, { recursive: true, force: true });
    if (otherCaDir) rmSync(otherCaDir, { recursive: true, force: true });
    delete process.env.WARRANT_CONNECTOR_TEST_OTHER_CA;
  });

  const config = (settings: Record<string, unknown>) => ({ database: targetDb, port, user, ...settings });
  const ctx = (settings: Record<string, unknown>, identityId = randomUUID()): ConnectorCtx => ({
    system: { id: randomUUID(), name: "Production Database", connectorConfig: config(settings) },
    entitlement: { name: "Read replica access", externalRef: role },
    identity: { id: identityId, displayName: "Priya Nair", email: "priya@example.test", kind: "HUMAN" },
    taskId: randomUUID(),
  });
  const refusal = (settings: Record<string, unknown>) => postgresConnector.grant(ctx(settings)).then(
    () => {
      throw new Error("connected");
    },
    (e: unknown) => e as ConnectorError,
  );

  it("verify-full with the right CA connects and grants; the receipt records the sslmode and the server saw TLS", async () => {
    const id = randomUUID();
    const receipt = await postgresConnector.grant(ctx({ host: "localhost", sslmode: "verify-full", sslRootCertRef: "file:target-ca.pem" }, id));
    expect(receipt).toMatchObject({
      connector: "POSTGRES",
      confirmed: true,
      target: `postgresql://localhost:${port}/${targetDb}?sslmode=verify-full role ${role} → ${memberRoleName(id)}`,
      readBack: { isMember: true, tls: { sslmode: "verify-full", encrypted: true, version: expect.stringMatching(/^TLSv1\.[23]$/) } },
    });
  });

  it("verify-full refuses a certificate that does not name the host (127.0.0.1), with a clear ConnectorError", async () => {
    const e = await refusal({ host: "127.0.0.1", sslmode: "verify-full", sslRootCertRef: "file:target-ca.pem" });
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toMatch(/Could not connect to PostgreSQL at postgresql:\/\/127\.0\.0\.1:\d+\/\w+\?sslmode=verify-full/);
    expect(e.message).toMatch(/certificate does not name 127\.0\.0\.1/);
  });

  it("verify-full refuses a server whose certificate another CA signed, with a clear ConnectorError", async () => {
    const e = await refusal({ host: "localhost", sslmode: "verify-full", sslRootCertRef: "env:WARRANT_CONNECTOR_TEST_OTHER_CA" });
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toMatch(/not signed by the CA in sslRootCertRef/);
  });

  it("verify-full without a CA checks against the public roots, which never signed a private CA's certificate", async () => {
    const e = await refusal({ host: "localhost", sslmode: "verify-full" });
    expect(e.message).toMatch(/not signed by the CA in sslRootCertRef, which is not set/);
  });

  it("verify-ca checks the chain but not the name: 127.0.0.1 connects with the right CA, not with another", async () => {
    const receipt = await postgresConnector.grant(ctx({ host: "127.0.0.1", sslmode: "verify-ca", sslRootCertRef: "file:target-ca.pem" }));
    expect(receipt).toMatchObject({ confirmed: true, readBack: { tls: { sslmode: "verify-ca", encrypted: true } } });
    expect((await refusal({ host: "127.0.0.1", sslmode: "verify-ca", sslRootCertRef: "env:WARRANT_CONNECTOR_TEST_OTHER_CA" })).message).toMatch(/not signed by the CA/);
  });

  it("require connects encrypted without checking the certificate; disable (the loopback default) connects in clear", async () => {
    expect(await postgresConnector.grant(ctx({ host: "127.0.0.1", sslmode: "require" }))).toMatchObject({
      confirmed: true,
      target: expect.stringContaining("?sslmode=require "),
      readBack: { tls: { sslmode: "require", encrypted: true } },
    });
    expect(await postgresConnector.grant(ctx({ host: "127.0.0.1" }))).toMatchObject({
      confirmed: true,
      target: expect.stringContaining("?sslmode=disable "),
      readBack: { tls: { sslmode: "disable", encrypted: false } },
    });
  });

  describe("through the outbox worker", () => {
    let db: TestDb;
    let cast: Awaited<ReturnType<typeof provisioningCast>>;
    beforeAll(async () => {
      db = await createTestDb();
      cast = await provisioningCast(db.prisma, { connector: "POSTGRES", connectorConfig: config({ host: "localhost", sslmode: "verify-full", sslRootCertRef: "file:target-ca.pem" }), externalRef: role });
    });
    afterAll(async () => {
      await db.close();
    });

    it("provisions over verify-full (the task's receipt records the sslmode); with another CA the task is retried with the TLS error", async () => {
      const ok = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "POSTGRES" });
      await processProvisioningTasks(db.prisma, new Date(), "tls-worker", 10);
      expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: ok.task.id } })).toMatchObject({
        status: "DONE",
        receipt: { target: expect.stringContaining("?sslmode=verify-full "), readBack: { tls: { sslmode: "verify-full", encrypted: true } } },
      });
      expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: ok.grant.id } })).status).toBe("ACTIVE");

      await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: config({ host: "localhost", sslmode: "verify-full", sslRootCertRef: "env:WARRANT_CONNECTOR_TEST_OTHER_CA" }) } });
      const bad = await makeGrantWithTask(db.prisma, { identityId: cast.employee.id, entitlementId: cast.entitlement.id, connector: "POSTGRES" });
      await processProvisioningTasks(db.prisma, new Date(), "tls-worker", 10);
      expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: bad.task.id } })).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringMatching(/not signed by the CA/) });
      expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: bad.grant.id } })).status).toBe("PENDING_PROVISION");
    });
  });
});
