import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { catalogCast } from "./catalog-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
const ids: Record<string, string> = {};

/*
 * A small catalog with known answers (holders = distinct identities with access in effect):
 *   Payments API   (Olga, CRITICAL, WEBHOOK)  payments-read   LOW      req   365d  6 holders (+1 revoked, +1 pending provision)
 *                                             payments-admin  CRITICAL priv  30d   1 holder (PENDING_REVOKE) held twice; own owner Wes
 *                                             payments-write  MEDIUM   not requestable  90d  0
 *   Data Warehouse (Wes, HIGH)                 dw-analyst      HIGH     req   180d  3 (one an NHI)
 *                                             dw-superuser    CRITICAL priv  7d    0
 *   zeta CRM       (Wes, LOW)                  crm-user        LOW            60d   1  externalRef grp_sales
 *   Billing_100%   (Olga, MEDIUM)              billing-viewer  MEDIUM         14d   0  (LIKE wildcards in the system name)
 *   Filler 1..3    (Olga)                      none
 */
beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  cast = await catalogCast(p);
  const wes = await makeHuman(p, { name: "Wes Warehouse" });
  ids.wes = wes.id;
  await p.system.update({ where: { id: cast.system.id }, data: { criticality: "CRITICAL", connector: "WEBHOOK", connectorConfig: { url: "https://hooks.example.test/payments", secretRef: "env:WARRANT_CONNECTOR_PAY_HOOK" } } });
  const dw = await makeSystem(p, wes.id, { name: "Data Warehouse" });
  await p.system.update({ where: { id: dw.id }, data: { criticality: "HIGH" } });
  const crm = await makeSystem(p, wes.id, { name: "zeta CRM" });
  await p.system.update({ where: { id: crm.id }, data: { criticality: "LOW" } });
  const billing = await makeSystem(p, cast.owner.id, { name: "Billing_100%" });
  for (const i of [1, 2, 3]) await makeSystem(p, cast.owner.id, { name: `Filler ${i}` });
  Object.assign(ids, { payments: cast.system.id, dw: dw.id, crm: crm.id, billing: billing.id });

  const read = await makeEntitlement(p, cast.system.id, { name: "payments-read", risk: "LOW", maxDurationDays: 365 });
  const admin = await makeEntitlement(p, cast.system.id, { name: "payments-admin", risk: "CRITICAL", privileged: true, maxDurationDays: 30, ownerId: wes.id });
  const write = await makeEntitlement(p, cast.system.id, { name: "payments-write", risk: "MEDIUM" });
  await p.entitlement.update({ where: { id: write.id }, data: { requestable: false, description: "Move money between accounts" } });
  const analyst = await makeEntitlement(p, dw.id, { name: "dw-analyst", risk: "HIGH", maxDurationDays: 180 });
  const superuser = await makeEntitlement(p, dw.id, { name: "dw-superuser", risk: "CRITICAL", privileged: true, maxDurationDays: 7 });
  const crmUser = await makeEntitlement(p, crm.id, { name: "crm-user", risk: "LOW", maxDurationDays: 60 });
  await p.entitlement.update({ where: { id: crmUser.id }, data: { externalRef: "grp_sales" } });
  const billingViewer = await makeEntitlement(p, billing.id, { name: "billing-viewer", risk: "MEDIUM", maxDurationDays: 14 });
  Object.assign(ids, { read: read.id, admin: admin.id, write: write.id, analyst: analyst.id, superuser: superuser.id, crmUser: crmUser.id, billingViewer: billingViewer.id });

  const people = [];
  for (let i = 0; i < 6; i++) people.push(await makeHuman(p, { name: `Holder ${i}` }));
  for (const person of people) await makeGrant(p, person.id, read.id);
  const revoked = await makeGrant(p, cast.employee.id, read.id);
  await p.grant.update({ where: { id: revoked.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
  const pending = await makeGrant(p, cast.security.id, read.id);
  await p.grant.update({ where: { id: pending.id }, data: { status: "PENDING_PROVISION" } });

  const g1 = await makeGrant(p, people[0].id, admin.id);
  await p.grant.update({ where: { id: g1.id }, data: { status: "PENDING_REVOKE" } });
  await makeGrant(p, people[0].id, admin.id);

  const nhi = await makeNhi(p, wes.id, { name: "svc-etl" });
  for (const id of [people[1].id, people[2].id, nhi.id]) await makeGrant(p, id, analyst.id, { origin: "REQUEST", expiresAt: new Date(Date.now() + 86_400_000) });
  await makeGrant(p, people[3].id, crmUser.id);
});
afterAll(async () => {
  await db.close();
});

const names = (rows: { name: string }[]) => rows.map((r) => r.name);

describe("catalog.listSystems", () => {
  it("pages systems sorted by name, case-insensitively, with owner and counts", async () => {
    const first = await cast.as.employee.catalog.listSystems({ size: 5 });
    expect(first.total).toBe(7);
    expect(names(first.rows)).toEqual(["Billing_100%", "Data Warehouse", "Filler 1", "Filler 2", "Filler 3"]);
    const second = await cast.as.employee.catalog.listSystems({ size: 5, page: 2 });
    expect(names(second.rows)).toEqual(["Payments API", "zeta CRM"]);
    const payments = second.rows[0];
    expect(payments).toMatchObject({ ownerName: "Olga Owner", ownerId: cast.owner.id, criticality: "CRITICAL", connector: "WEBHOOK", entitlementCount: 3 });
    // 6 holders of payments-read + 2 grants on payments-admin (one pending revoke); revoked and pending provision not counted.
    expect(payments.activeGrantCount).toBe(8);
    expect(payments).not.toHaveProperty("connectorConfig");
  });

  it("searches name, description and owner, taking LIKE wildcards literally", async () => {
    expect(names((await cast.as.employee.catalog.listSystems({ q: "100%" })).rows)).toEqual(["Billing_100%"]);
    expect(names((await cast.as.employee.catalog.listSystems({ q: "wes WARE" })).rows)).toEqual(["Data Warehouse", "zeta CRM"]);
    expect((await cast.as.employee.catalog.listSystems({ q: "_" })).total).toBe(1);
  });

  it("filters by criticality and sorts by counts and criticality", async () => {
    expect(names((await cast.as.employee.catalog.listSystems({ criticality: "HIGH" })).rows)).toEqual(["Data Warehouse"]);
    const byEnts = await cast.as.employee.catalog.listSystems({ sort: "entitlements", dir: "desc", size: 5 });
    expect(names(byEnts.rows).slice(0, 3)).toEqual(["Payments API", "Data Warehouse", "Billing_100%"]);
    const byGrants = await cast.as.employee.catalog.listSystems({ sort: "activeGrants", dir: "desc", size: 5 });
    expect(byGrants.rows.slice(0, 3).map((r) => [r.name, r.activeGrantCount])).toEqual([["Payments API", 8], ["Data Warehouse", 3], ["zeta CRM", 1]]);
    const byCrit = await cast.as.employee.catalog.listSystems({ sort: "criticality", dir: "desc", size: 5 });
    expect(names(byCrit.rows).slice(0, 2)).toEqual(["Payments API", "Data Warehouse"]);
  });

  it("refuses the signed-out and unknown sort keys", async () => {
    await expect(cast.as.signedOut.catalog.listSystems({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(cast.as.employee.catalog.listSystems({ sort: "password" as never })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("catalog.listEntitlements", () => {
  it("sorts by risk in risk order (LOW < MEDIUM < HIGH < CRITICAL), not alphabetically", async () => {
    const asc = await cast.as.employee.catalog.listEntitlements({ sort: "risk", size: 50 });
    expect(asc.rows.map((r) => r.risk)).toEqual(["LOW", "LOW", "MEDIUM", "MEDIUM", "HIGH", "CRITICAL", "CRITICAL"]);
    // Ties broken by name.
    expect(names(asc.rows)).toEqual(["crm-user", "payments-read", "billing-viewer", "payments-write", "dw-analyst", "dw-superuser", "payments-admin"]);
    const desc = await cast.as.employee.catalog.listEntitlements({ sort: "risk", dir: "desc", size: 50 });
    expect(desc.rows.map((r) => r.risk)).toEqual(["CRITICAL", "CRITICAL", "HIGH", "MEDIUM", "MEDIUM", "LOW", "LOW"]);
  });

  it("pages, and sorts by system, duration and holders", async () => {
    const p1 = await cast.as.employee.catalog.listEntitlements({ size: 5 });
    expect(p1.total).toBe(7);
    expect(names(p1.rows)).toEqual(["billing-viewer", "crm-user", "dw-analyst", "dw-superuser", "payments-admin"]);
    const p2 = await cast.as.employee.catalog.listEntitlements({ size: 5, page: 2 });
    expect(names(p2.rows)).toEqual(["payments-read", "payments-write"]);
    expect((await cast.as.employee.catalog.listEntitlements({ size: 5, page: 3 })).rows).toEqual([]);

    const bySystem = await cast.as.employee.catalog.listEntitlements({ sort: "system", size: 50 });
    expect(bySystem.rows.map((r) => r.systemName)).toEqual(["Billing_100%", "Data Warehouse", "Data Warehouse", "Payments API", "Payments API", "Payments API", "zeta CRM"]);
    const byDuration = await cast.as.employee.catalog.listEntitlements({ sort: "maxDurationDays", dir: "desc", size: 5 });
    expect(byDuration.rows.map((r) => r.maxDurationDays)).toEqual([365, 180, 90, 60, 30]);
    const byHolders = await cast.as.employee.catalog.listEntitlements({ sort: "holders", dir: "desc", size: 50 });
    expect(byHolders.rows.slice(0, 4).map((r) => [r.name, r.activeHolderCount])).toEqual([
      ["payments-read", 6],
      ["dw-analyst", 3],
      ["crm-user", 1],
      ["payments-admin", 1], // two grants, one identity
    ]);
  });

  it("filters by system, risk, privileged and requestable (also given as URL strings)", async () => {
    expect(names((await cast.as.employee.catalog.listEntitlements({ systemId: ids.dw })).rows)).toEqual(["dw-analyst", "dw-superuser"]);
    expect(names((await cast.as.employee.catalog.listEntitlements({ risk: "CRITICAL" })).rows)).toEqual(["dw-superuser", "payments-admin"]);
    expect(names((await cast.as.employee.catalog.listEntitlements({ privileged: true, systemId: ids.payments })).rows)).toEqual(["payments-admin"]);
    expect((await cast.as.employee.catalog.listEntitlements({ privileged: "false" as unknown as boolean })).total).toBe(5);
    expect(names((await cast.as.employee.catalog.listEntitlements({ requestable: false })).rows)).toEqual(["payments-write"]);
  });

  it("searches entitlement name, description, system name and external reference", async () => {
    expect(names((await cast.as.employee.catalog.listEntitlements({ q: "ADMIN" })).rows)).toEqual(["payments-admin"]);
    expect(names((await cast.as.employee.catalog.listEntitlements({ q: "move money" })).rows)).toEqual(["payments-write"]);
    expect(names((await cast.as.employee.catalog.listEntitlements({ q: "warehouse" })).rows)).toEqual(["dw-analyst", "dw-superuser"]);
    expect(names((await cast.as.employee.catalog.listEntitlements({ q: "grp_sales" })).rows)).toEqual(["crm-user"]);
    expect((await cast.as.employee.catalog.listEntitlements({ q: "%" })).total).toBe(1); // only "Billing_100%"'s entitlement
  });

  it("reports the effective owner: the entitlement's own, else the system owner", async () => {
    const rows = (await cast.as.employee.catalog.listEntitlements({ systemId: ids.payments })).rows;
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName["payments-admin"].owner).toEqual({ id: ids.wes, name: "Wes Warehouse" });
    expect(byName["payments-read"].owner).toEqual({ id: cast.owner.id, name: "Olga Owner" });
    expect(byName["payments-read"]).toMatchObject({ systemId: ids.payments, systemName: "Payments API", requestable: true, privileged: false });
  });
});

describe("catalog.systemById", () => {
  it("shows connector settings only to admins, security, auditors and the system owner", async () => {
    for (const who of ["admin", "security", "auditor", "owner"] as const) {
      const s = await cast.as[who].catalog.systemById({ id: ids.payments });
      expect(s.connectorConfig, who).toEqual({ url: "https://hooks.example.test/payments", secretRef: "env:WARRANT_CONNECTOR_PAY_HOOK" });
    }
    const s = await cast.as.employee.catalog.systemById({ id: ids.payments });
    expect(s.connectorConfig).toBeNull();
    expect(s.connector).toBe("WEBHOOK");
    expect(s.viewer).toEqual({ canEdit: false, canSeeConnectorConfig: false, actsOnAccess: true });
    expect((await cast.as.admin.catalog.systemById({ id: ids.payments })).viewer.canEdit).toBe(true);
    expect((await cast.as.auditor.catalog.systemById({ id: ids.payments })).viewer.canEdit).toBe(false);
  });

  it("lists the system's entitlements with effective owner and holder counts", async () => {
    const s = await cast.as.employee.catalog.systemById({ id: ids.payments });
    expect(s).toMatchObject({ name: "Payments API", owner: { id: cast.owner.id, name: "Olga Owner" }, entitlementCount: 3, activeGrantCount: 8 });
    expect(s.entitlements.map((e) => [e.name, e.owner.name, e.ownerIsSystemOwner, e.holderCount])).toEqual([
      ["payments-admin", "Wes Warehouse", false, 1],
      ["payments-read", "Olga Owner", true, 6],
      ["payments-write", "Olga Owner", true, 0],
    ]);
  });

  it("answers NOT_FOUND for an unknown system and UNAUTHORIZED when signed out", async () => {
    await expect(cast.as.employee.catalog.systemById({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(cast.as.signedOut.catalog.systemById({ id: ids.payments })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("catalog.entitlementById", () => {
  it("lists who holds it, newest first, paged, with the total", async () => {
    const e = await cast.as.admin.catalog.entitlementById({ id: ids.read, holdersSize: 5 });
    expect(e).toMatchObject({ name: "payments-read", holderCount: 6, owner: { id: cast.owner.id }, ownerIsSystemOwner: true, system: { id: ids.payments, name: "Payments API" } });
    expect(e.holders!.total).toBe(6);
    expect(e.holders!.rows).toHaveLength(5);
    expect(e.holders!.rows[0]).toMatchObject({ identity: { kind: "HUMAN" }, origin: "IMPORTED", status: "ACTIVE", expires: null });
    const page2 = await cast.as.admin.catalog.entitlementById({ id: ids.read, holdersSize: 5, holdersPage: 2 });
    expect(page2.holders!.rows).toHaveLength(1);
    const all = new Set([...e.holders!.rows, ...page2.holders!.rows].map((h) => h.identity.name));
    expect(all).toEqual(new Set(["Holder 0", "Holder 1", "Holder 2", "Holder 3", "Holder 4", "Holder 5"]));
  });

  it("includes non-human holders with their kind, origin and expiry", async () => {
    const e = await cast.as.auditor.catalog.entitlementById({ id: ids.analyst });
    const nhi = e.holders!.rows.find((h) => h.identity.name === "svc-etl");
    expect(nhi).toMatchObject({ identity: { kind: "SERVICE_ACCOUNT" }, origin: "REQUEST" });
    expect(nhi!.expires).toBeInstanceOf(Date);
  });

  it("names holders only to admins, security, auditors and the owners; others see the count", async () => {
    for (const who of ["admin", "security", "auditor", "owner"] as const) {
      expect((await cast.as[who].catalog.entitlementById({ id: ids.read })).holders, who).not.toBeNull();
    }
    const wes = (await import("../../testing/factories")).callerAs(db.prisma, ids.wes);
    // Wes owns payments-admin (not its system): he sees its holders, not payments-read's.
    expect((await wes.catalog.entitlementById({ id: ids.admin })).holders).not.toBeNull();
    const other = await wes.catalog.entitlementById({ id: ids.read });
    expect(other.holders).toBeNull();
    expect(other.holderCount).toBe(6);
    expect((await cast.as.employee.catalog.entitlementById({ id: ids.read })).holders).toBeNull();
  });

  it("answers NOT_FOUND for an unknown entitlement and BAD_REQUEST for a malformed id", async () => {
    await expect(cast.as.employee.catalog.entitlementById({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(cast.as.employee.catalog.entitlementById({ id: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("catalog.facets and catalog.ownerOptions", () => {
  it("lists every system by name for the filters", async () => {
    const f = await cast.as.employee.catalog.facets();
    expect(names(f.systems)).toEqual(["Billing_100%", "Data Warehouse", "Filler 1", "Filler 2", "Filler 3", "Payments API", "zeta CRM"]);
  });

  it("offers only active people as owners, to admins only", async () => {
    await makeHuman(db.prisma, { name: "Gone Person", status: "DEPROVISIONED" });
    const opts = await cast.as.admin.catalog.ownerOptions({ q: "o" });
    expect(opts.map((o) => o.name)).toContain("Olga Owner");
    expect(opts.map((o) => o.name)).not.toContain("Gone Person");
    expect(opts.map((o) => o.name)).not.toContain("svc-etl");
    await expect(cast.as.employee.catalog.ownerOptions({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
