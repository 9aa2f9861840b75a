/**
 * The Warrant API system's scopes, as the migration inserts them and as ensureWarrantApiSystem creates them,
 * are the same (one entitlement per scope, privileged scopes privileged and HIGH risk); the system form never
 * offers the built-in connector.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTOR_KINDS } from "../catalog/schema";
import { API_SCOPE_NAMES, WARRANT_API_SYSTEM_ID } from "./scopes";
import { scopeEntitlement } from "./system";

const SQL = readFileSync(join(__dirname, "../../../prisma/migrations/20261203071402_warrant_api_system/migration.sql"), "utf8");

describe("the Warrant API system", () => {
  it("the migration inserts exactly the scopes of scopes.ts, as ensureWarrantApiSystem would", () => {
    const rows = [...SQL.matchAll(/\('([a-z:-]+)', '((?:[^']|'')*)', '(LOW|HIGH)', (true|false), (\d+)\)/g)].map((m) => ({
      name: m[1],
      externalRef: m[1],
      description: m[2]!.replace(/''/g, "'"),
      risk: m[3],
      privileged: m[4] === "true",
      requestable: true,
      maxDurationDays: Number(m[5]),
    }));
    expect(rows).toEqual(API_SCOPE_NAMES.map((s) => scopeEntitlement(s)));
    expect(SQL).toContain(WARRANT_API_SYSTEM_ID);
  });

  it("privileged scopes are privileged, high risk and at most 30 days", () => {
    expect(scopeEntitlement("requests:on-behalf")).toMatchObject({ privileged: true, risk: "HIGH", maxDurationDays: 30 });
    expect(scopeEntitlement("catalog:read")).toMatchObject({ privileged: false, risk: "LOW", maxDurationDays: 90 });
  });

  it("the system form never offers the built-in connector", () => {
    expect(CONNECTOR_KINDS as readonly string[]).not.toContain("WARRANT_API");
  });
});
