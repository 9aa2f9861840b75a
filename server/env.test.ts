import { describe, expect, it } from "vitest";
import { CONNECTOR_ENV_PREFIX } from "./connectors/secret-ref";
import { ENV_KEYS, EnvError, parseEnv } from "./env";
import { configuredWitnesses } from "./evidence/witnesses";

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
    [{ WITNESS_FILE: "witness.jsonl" }, /WITNESS_FILE: must be an absolute path/],
    [{ WITNESS_DIR: "relative/folder" }, /WITNESS_DIR: must be an absolute path/],
    [{ WITNESS_EMAIL: "not-an-address" }, /WITNESS_EMAIL: must be the email address of the audit mailbox/],
    [{ WITNESS_EMAIL: "audit@example.com" }, /WITNESS_EMAIL: needs SMTP_URL/],
    [{ WITNESS_WEBHOOK_URLS: "https://ok.example/w,ftp://nope.example/w", WITNESS_WEBHOOK_SECRET: "x".repeat(32) }, /WITNESS_WEBHOOK_URLS\.1: must be a comma-separated list of http:\/\/ or https:\/\/ URLs/],
    [{ WITNESS_WEBHOOK_URLS: " , " }, /WITNESS_WEBHOOK_URLS: must name at least one URL/],
    [{ WITNESS_WEBHOOK_URLS: "https://witness.example/in" }, /WITNESS_WEBHOOK_SECRET: must be set when WITNESS_WEBHOOK_URLS is/],
    [{ WITNESS_WEBHOOK_URLS: "https://witness.example/in", WITNESS_WEBHOOK_SECRET: "short" }, /WITNESS_WEBHOOK_SECRET: must be at least 32 characters/],
    [{ WITNESS_DIR: "/srv/witness", WITNESS_FILE: "/srv/witness/checkpoints.jsonl" }, /WITNESS_FILE: must not be WITNESS_DIR or inside it/],
    [{ PGLITE_DIR: "/srv/warrant/db", WITNESS_FILE: "/srv/warrant/db/witness.jsonl" }, /WITNESS_FILE: must be outside the portal's data folders/],
    [{ WITNESS_DIR: `${process.cwd()}/.data/evidence/witness` }, /WITNESS_DIR: must be outside the portal's data folders/],
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

  it("names every configured checkpoint witness, and none by default", () => {
    expect(configuredWitnesses(parseEnv({}))).toEqual([]);
    const e = parseEnv({
      WITNESS_FILE: "/srv/witness/checkpoints.jsonl",
      WITNESS_DIR: "/mnt/worm/checkpoints",
      SMTP_URL: "smtp://mail.example:25",
      WITNESS_EMAIL: "audit@example.com",
      WITNESS_WEBHOOK_URLS: "https://a.example/w, http://b.example:8080/w",
      WITNESS_WEBHOOK_SECRET: "s".repeat(32),
    });
    expect(configuredWitnesses(e)).toEqual([
      { kind: "file", target: "/srv/witness/checkpoints.jsonl" },
      { kind: "folder", target: "/mnt/worm/checkpoints" },
      { kind: "email", target: "audit@example.com" },
      { kind: "webhook", target: "https://a.example/w" },
      { kind: "webhook", target: "http://b.example:8080/w" },
    ]);
  });
});
