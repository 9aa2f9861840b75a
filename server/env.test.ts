import { describe, expect, it } from "vitest";
import { CONNECTOR_ENV_PREFIX } from "./connectors/secret-ref";
import { ENV_KEYS, EnvError, parseEnv } from "./env";

describe("configuration", () => {
  it("defaults to the embedded database with demo sign-in on", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({ embedded: true, demoLogin: true, oidcEnabled: false, PGLITE_DIR: ".data/pglite", PORT: 3000 });
  });

  it("turns demo sign-in off on PostgreSQL unless DEMO_LOGIN=true", () => {
    expect(parseEnv({ DATABASE_URL: "postgresql://u@h/db" }).demoLogin).toBe(false);
    expect(parseEnv({ DATABASE_URL: "postgresql://u@h/db", DEMO_LOGIN: "true" }).demoLogin).toBe(true);
    expect(parseEnv({ DEMO_LOGIN: "false" }).demoLogin).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgresql:\/\/ connection string/],
    [{ PORT: "eighty" }, /PORT: must be a port number/],
    [{ PORT: "70000" }, /PORT:/],
    [{ NEXTAUTH_SECRET: "short" }, /NEXTAUTH_SECRET: must be at least 32 characters/],
    [{ OIDC_ISSUER: "https://idp.example" }, /OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together/],
    [{ DEMO_LOGIN: "maybe" }, /DEMO_LOGIN: must be true or false/],
    [{ EVIDENCE_RETENTION_DAYS: "0" }, /EVIDENCE_RETENTION_DAYS: must be a whole number of days, at least 1/],
    [{ EVIDENCE_RETENTION_DAYS: "abc" }, /EVIDENCE_RETENTION_DAYS: must be a whole number of days, at least 1/],
    [{ EVIDENCE_RETENTION_DAYS: "1.5" }, /EVIDENCE_RETENTION_DAYS: must be a whole number of days, at least 1/],
    [{ EVIDENCE_RETENTION_DAYS: "-3" }, /EVIDENCE_RETENTION_DAYS: must be a whole number of days, at least 1/],
  ])("refuses %o with a message naming the variable", (source, message) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(message);
  });

  it("keeps evidence packs 30 days unless EVIDENCE_RETENTION_DAYS says otherwise", () => {
    expect(parseEnv({}).EVIDENCE_RETENTION_DAYS).toBe(30);
    expect(parseEnv({ EVIDENCE_RETENTION_DAYS: "7" }).EVIDENCE_RETENTION_DAYS).toBe(7);
    expect(parseEnv({ EVIDENCE_RETENTION_DAYS: "1" }).EVIDENCE_RETENTION_DAYS).toBe(1);
  });

  it("keeps the portal's own settings out of the connector secrets namespace", () => {
    expect(ENV_KEYS).toContain("NEXTAUTH_SECRET");
    expect(ENV_KEYS.filter((k) => k.startsWith(CONNECTOR_ENV_PREFIX))).toEqual([]);
  });

  it("enables OIDC when all three settings are present", () => {
    expect(parseEnv({ OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "warrant", OIDC_CLIENT_SECRET: "s3cret" }).oidcEnabled).toBe(true);
  });
});
