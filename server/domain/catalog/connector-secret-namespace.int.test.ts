/**
 * Connector secret references stay in the connector secrets namespace: an admin can name
 * env:WARRANT_CONNECTOR_<NAME> or file:<name> in CONNECTOR_SECRETS_DIR, and nothing else: not the portal's
 * own settings (NEXTAUTH_SECRET, DATABASE_URL), not a path out of the folder, not a symlink out of it.
 * Every refusal is a BAD_REQUEST about the exact setting, and changes nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { mutateOverHttp } from "../../testing/trpc-http";
import { catalogCast, catalogSnapshot, expectUnchanged } from "./catalog-test-kit";
import type { TCreateSystemInput } from "./schema";

// The folder and the portal's own secret are set before anything reads the configuration (env() caches it).
const SECRETS = mkdtempSync(path.join(tmpdir(), "warrant-connector-secrets-"));
const OUTSIDE = mkdtempSync(path.join(tmpdir(), "warrant-outside-"));
const PORTAL_SECRET = "portal-own-nextauth-secret-0123456789-abcdef";
process.env.CONNECTOR_SECRETS_DIR = SECRETS;
process.env.NEXTAUTH_SECRET = PORTAL_SECRET;
writeFileSync(path.join(SECRETS, "payments-hook"), "a-file-secret\n");
writeFileSync(path.join(OUTSIDE, "stolen"), PORTAL_SECRET);
symlinkSync(path.join(OUTSIDE, "stolen"), path.join(SECRETS, "escape-link"));
symlinkSync("/etc/passwd", path.join(SECRETS, "passwd-link"));
symlinkSync(OUTSIDE, path.join(SECRETS, "outside-dir"));
mkdirSync(path.join(SECRETS, "a-folder"));
writeFileSync(path.join(SECRETS, "huge"), Buffer.alloc(64 * 1024 + 1, 0x61));

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
});
afterAll(async () => {
  await db.close();
  rmSync(SECRETS, { recursive: true, force: true });
  rmSync(OUTSIDE, { recursive: true, force: true });
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

let n = 0;
const webhook = (secretRef: string): TCreateSystemInput => ({
  name: `Payments Hooks ${++n}`,
  ownerId: cast.owner.id,
  criticality: "HIGH",
  connector: "WEBHOOK",
  connectorConfig: { url: "https://hooks.example.test/payments", secretRef },
});

/** References an admin must not be able to save, and what the refusal must say. */
const REFUSED: [string, string, RegExp][] = [
  ["the portal's session secret", "env:NEXTAUTH_SECRET", /starts with WARRANT_CONNECTOR_.*portal's own settings can never be connector secrets/],
  ["the portal's database URL", "env:DATABASE_URL", /starts with WARRANT_CONNECTOR_/],
  ["a bare setting name (the old form)", "DATABASE_URL", /env:WARRANT_CONNECTOR_<NAME>.*file:<name>/],
  ["a bare secret name", "NEXTAUTH_SECRET", /env:WARRANT_CONNECTOR_<NAME>.*file:<name>/],
  ["the prefix alone", "env:WARRANT_CONNECTOR_", /env:WARRANT_CONNECTOR_<NAME>/],
  ["the prefix in lower case", "env:warrant_connector_payments", /starts with WARRANT_CONNECTOR_/],
  ["a path up and out of the folder", "file:../../etc/passwd", /plain file name in CONNECTOR_SECRETS_DIR.*no '\/', no '\.\.'/],
  ["an absolute path", "file:/etc/passwd", /plain file name/],
  ["a hidden file", "file:.env", /not starting with '\.'/],
  ["a sub-folder", "file:sub/secret", /no '\/'/],
  ["a symlink to a file outside the folder", "file:escape-link", /resolves outside CONNECTOR_SECRETS_DIR/],
  ["a symlink to /etc/passwd", "file:passwd-link", /resolves outside CONNECTOR_SECRETS_DIR/],
  ["a symlink to a folder outside", "file:outside-dir", /resolves outside CONNECTOR_SECRETS_DIR/],
  ["a folder", "file:a-folder", /regular file/],
  ["a file over the size cap", "file:huge", /at most 64 KiB/],
  ["another scheme", "vault:kv/payments", /env:WARRANT_CONNECTOR_<NAME>.*file:<name>/],
];

describe("connector secret references on save", () => {
  it.each(REFUSED)("refuses %s (%s) on create: BAD_REQUEST on connectorConfig.secretRef, nothing written", async (_label, ref, says) => {
    const err = await cast.as.admin.catalog.createSystem(webhook(ref)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST", cause: { field: "connectorConfig.secretRef" } });
    expect((err as Error).message).toMatch(says);
    expect((err as Error).message).not.toContain(PORTAL_SECRET);
    await expectUnchanged(db.prisma, before); // systems, ledger, findings, notifications
  });

  it.each(REFUSED)("refuses %s (%s) on update of an existing webhook system, nothing written", async (_label, ref, says) => {
    const s = await db.prisma.system.findFirst({ where: { name: "Payments Hooks (kept)" } });
    const system = s ?? (await cast.as.admin.catalog.createSystem({ ...webhook("env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET"), name: "Payments Hooks (kept)" }));
    before = await catalogSnapshot(db.prisma);
    const err = await cast.as.admin.catalog
      .updateSystem({ id: system.id, expectedUpdatedAt: system.updatedAt, connectorConfig: { url: "https://hooks.example.test/payments", secretRef: ref } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST", cause: { field: "connectorConfig.secretRef" } });
    expect((err as Error).message).toMatch(says);
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the portal's settings as a PostgreSQL password or CA reference too, naming the setting", async () => {
    const pgSystem = (connectorConfig: Record<string, unknown>): TCreateSystemInput => ({ name: `Ledger DB ${++n}`, ownerId: cast.owner.id, criticality: "HIGH", connector: "POSTGRES", connectorConfig });
    await expect(cast.as.admin.catalog.createSystem(pgSystem({ database: "ledger", host: "db.internal", secretRef: "env:DATABASE_URL" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { field: "connectorConfig.secretRef" },
    });
    await expect(cast.as.admin.catalog.createSystem(pgSystem({ database: "ledger", host: "db.internal", sslRootCertRef: "file:../ca.pem" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { field: "connectorConfig.sslRootCertRef" },
    });
    await expect(cast.as.admin.catalog.createSystem(pgSystem({ database: "ledger", host: "db.internal", sslRootCertRef: "file:escape-link" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { field: "connectorConfig.sslRootCertRef" },
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the portal's settings, or a token typed in, for a SCIM application's bearer token, naming the setting", async () => {
    const scimSystem = (connectorConfig: Record<string, unknown>): TCreateSystemInput => ({ name: `CRM ${++n}`, ownerId: cast.owner.id, criticality: "HIGH", connector: "SCIM", connectorConfig });
    const url = "https://crm.example.test/scim/v2";
    for (const tokenRef of ["env:NEXTAUTH_SECRET", "file:../token", "file:escape-link", PORTAL_SECRET]) {
      const err = await cast.as.admin.catalog.createSystem(scimSystem({ baseUrl: url, tokenRef })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BAD_REQUEST", cause: { field: "connectorConfig.tokenRef" } });
      expect((err as Error).message).not.toContain(PORTAL_SECRET);
    }
    await expect(cast.as.admin.catalog.createSystem(scimSystem({ baseUrl: url, tokenRef: "env:WARRANT_CONNECTOR_CRM", token: "abc" }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cast.as.admin.catalog.createSystem(scimSystem({ baseUrl: "http://crm.example.test/scim/v2", tokenRef: "env:WARRANT_CONNECTOR_CRM" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { field: "connectorConfig.baseUrl" },
    });
    await expectUnchanged(db.prisma, before);
    await expect(cast.as.admin.catalog.createSystem(scimSystem({ baseUrl: url, tokenRef: "env:WARRANT_CONNECTOR_CRM_SCIM_TOKEN" }))).resolves.toMatchObject({ connector: "SCIM" });
  });

  it("sends the refusal to the browser as a field error on connectorConfig.secretRef (HTTP 400)", async () => {
    for (const ref of ["env:NEXTAUTH_SECRET", "file:escape-link"]) {
      const res = await mutateOverHttp(db.prisma, cast.admin.id, "catalog.createSystem", webhook(ref));
      expect(res.status).toBe(400);
      expect(res.error?.data.code).toBe("BAD_REQUEST");
      expect(Object.keys(res.error?.data.fieldErrors ?? {})).toEqual(["connectorConfig.secretRef"]);
      expect(res.error?.data.fieldErrors?.["connectorConfig.secretRef"]).toMatch(/WARRANT_CONNECTOR_|CONNECTOR_SECRETS_DIR/);
      expect(JSON.stringify(res.error)).not.toContain(PORTAL_SECRET);
    }
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["a prefixed environment variable", "env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET"],
    ["a file in the folder", "file:payments-hook"],
    ["a file not deployed yet (read, and refused if still missing, at task time)", "file:payments-hook-next"],
  ])("accepts %s", async (_label, ref) => {
    const created = await cast.as.admin.catalog.createSystem(webhook(ref));
    expect(created.connectorConfig).toMatchObject({ secretRef: ref });
  });
});
