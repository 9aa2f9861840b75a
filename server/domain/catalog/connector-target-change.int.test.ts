/**
 * A change of where a connector sends access changes (webhook URL; PostgreSQL host, port, database, user,
 * sslmode, CA) or of a secret reference is an admin change security must see: in the same transaction as
 * the change, a "system.connector_target_changed" ledger event with before/after of exactly those fields,
 * an in-app notification to every active security officer, and an open finding that a security officer
 * (not the person who made the change) resolves after checking it. Other edits raise none of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import { catalogCast, catalogSnapshot, expectEvents, expectUnchanged } from "./catalog-test-kit";
import type { TCreateSystemInput } from "./schema";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;
let security2: Awaited<ReturnType<typeof makeHuman>>;
let adminSecurity: Awaited<ReturnType<typeof makeHuman>>;
let suspendedSecurity: Awaited<ReturnType<typeof makeHuman>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
  security2 = await makeHuman(db.prisma, { name: "Sia Security", roles: ["SECURITY"] });
  adminSecurity = await makeHuman(db.prisma, { name: "Abe AdminSecurity", roles: ["ADMIN", "SECURITY"] });
  suspendedSecurity = await makeHuman(db.prisma, { name: "Sus Security", roles: ["SECURITY"], status: "SUSPENDED" });
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

const HOOK = { url: "https://hooks.example.test/payments", secretRef: "env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET" };
let n = 0;
async function makeSystem(connector: TCreateSystemInput["connector"], connectorConfig: Record<string, unknown>) {
  const s = await cast.as.admin.catalog.createSystem({ name: `Payments ${++n}`, ownerId: cast.owner.id, criticality: "HIGH", connector, connectorConfig });
  before = await catalogSnapshot(db.prisma);
  return s;
}
const newSince = <T extends { createdAt: Date }>(rows: T[], since: Date) => rows.filter((r) => r.createdAt >= since);

describe("connector target changes", () => {
  it("records a webhook URL change as its own ledger event, notifies every active security officer and opens a finding", async () => {
    const s = await makeSystem("WEBHOOK", HOOK);
    const since = new Date();
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { ...HOOK, url: "https://collector.attacker.test/x" } });

    const [updated, target] = await expectEvents(db.prisma, before.events, ["system.updated", "system.connector_target_changed"], s.id);
    expect(updated!.payload).toMatchObject({ changes: { connectorConfig: { before: HOOK, after: { ...HOOK, url: "https://collector.attacker.test/x" } } } });
    expect(target!.actorId).toBe(cast.admin.id);
    expect(target!.payload).toEqual({
      name: s.name,
      before: { connector: "WEBHOOK", url: HOOK.url, secretRef: HOOK.secretRef },
      after: { connector: "WEBHOOK", url: "https://collector.attacker.test/x", secretRef: HOOK.secretRef },
      changed: ["url"],
    });

    const notes = newSince(await db.prisma.notification.findMany({ where: { kind: "system.connector_target_changed" } }), since);
    expect(notes.map((x) => x.recipientId).sort()).toEqual([cast.security.id, security2.id, adminSecurity.id].sort());
    expect(notes[0]).toMatchObject({ title: `Connector target changed: ${s.name}`, link: "/findings?kind=CONNECTOR_TARGET_CHANGED&status=OPEN" });
    expect(notes[0]!.body).toContain(`url ${HOOK.url} → https://collector.attacker.test/x`);
    expect(notes.some((x) => x.recipientId === suspendedSecurity.id || x.recipientId === cast.admin.id)).toBe(false);

    const findings = await db.prisma.finding.findMany({ where: { kind: "CONNECTOR_TARGET_CHANGED", subjectId: s.id }, orderBy: { createdAt: "asc" } });
    expect(findings).toHaveLength(2); // one when it was created with a target, one for this change
    expect(findings[1]).toMatchObject({
      status: "OPEN",
      subjectType: "System",
      assigneeId: null,
      details: { system: s.name, changedById: cast.admin.id, changedBy: "Ada Admin", changed: ["url"], ledgerSeq: target!.seq.toString() },
    });
    expect(await db.prisma.finding.count()).toBe(before.findings + 1);

    // Security sees it on the Findings page, linked to the system, and may resolve it; the admin may not.
    const page = await cast.as.security.findings.list({ kind: "CONNECTOR_TARGET_CHANGED", status: "OPEN", q: s.name });
    expect(page.rows.map((r) => r.id)).toEqual(expect.arrayContaining([findings[1]!.id]));
    const row = page.rows.find((r) => r.id === findings[1]!.id)!;
    expect(row).toMatchObject({ subject: { type: "System", label: s.name, href: `/catalog/systems/${s.id}` }, canResolve: true });
    expect((await cast.as.admin.findings.list({ kind: "CONNECTOR_TARGET_CHANGED" })).rows.find((r) => r.id === row.id)?.canResolve).toBe(false);
  });

  it("treats a change of the secret reference alone as a target change", async () => {
    const s = await makeSystem("WEBHOOK", HOOK);
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { ...HOOK, secretRef: "env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET_V2" } });
    const [, target] = await expectEvents(db.prisma, before.events, ["system.updated", "system.connector_target_changed"], s.id);
    expect(target!.payload).toMatchObject({ changed: ["secretRef"], before: { secretRef: HOOK.secretRef }, after: { secretRef: "env:WARRANT_CONNECTOR_PAYMENTS_WEBHOOK_SECRET_V2" } });
  });

  it("reports PostgreSQL target changes (login, sslmode, password reference) by their effective values: spelling out a default is no change", async () => {
    const s = await makeSystem("POSTGRES", { database: "ledger", host: "db.internal" });
    const created = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: s.id, action: "system.connector_target_changed" } });
    expect(created.payload).toMatchObject({
      before: null,
      after: { connector: "POSTGRES", host: "db.internal", port: 5432, database: "ledger", user: null, sslmode: "verify-full", sslRootCertRef: null, secretRef: null },
    });

    // The default written out: the settings change (system.updated), the target does not.
    const v1 = await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { database: "ledger", host: "db.internal", port: 5432, sslmode: "verify-full" } });
    await expectEvents(db.prisma, before.events, ["system.updated"], s.id);
    expect(await db.prisma.finding.count()).toBe(before.findings);
    expect(await db.prisma.notification.count()).toBe(before.notifications);

    // Weaker TLS and another login: reported, with exactly the fields that changed.
    before = await catalogSnapshot(db.prisma);
    await cast.as.admin.catalog.updateSystem({
      id: s.id,
      expectedUpdatedAt: v1.updatedAt,
      connectorConfig: { database: "ledger", host: "db.internal", port: 5432, sslmode: "require", user: "warrant", secretRef: "env:WARRANT_CONNECTOR_LEDGER_PG_PASSWORD" },
    });
    const [, target] = await expectEvents(db.prisma, before.events, ["system.updated", "system.connector_target_changed"], s.id);
    expect(target!.payload).toMatchObject({
      changed: ["user", "sslmode", "secretRef"],
      before: { sslmode: "verify-full", user: null, secretRef: null },
      after: { sslmode: "require", user: "warrant", secretRef: "env:WARRANT_CONNECTOR_LEDGER_PG_PASSWORD" },
    });
    expect(await db.prisma.finding.count()).toBe(before.findings + 1);
  });

  it("reports a SCIM application's base URL or bearer token reference changing (people's names and emails go there)", async () => {
    const SCIM = { baseUrl: "https://crm.example.test/scim/v2", tokenRef: "env:WARRANT_CONNECTOR_CRM_SCIM_TOKEN" };
    const s = await makeSystem("SCIM", SCIM);
    const created = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: s.id, action: "system.connector_target_changed" } });
    expect(created.payload).toMatchObject({ before: null, after: { connector: "SCIM", ...SCIM } });
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { ...SCIM, baseUrl: "https://elsewhere.test/scim/v2" } });
    const [, target] = await expectEvents(db.prisma, before.events, ["system.updated", "system.connector_target_changed"], s.id);
    expect(target!.payload).toMatchObject({ changed: ["baseUrl"], before: { baseUrl: SCIM.baseUrl }, after: { baseUrl: "https://elsewhere.test/scim/v2", tokenRef: SCIM.tokenRef } });
    expect(await db.prisma.finding.count()).toBe(before.findings + 1);
  });

  it("records a description-only change as system.updated alone: no target event, no notification, no finding", async () => {
    const s = await makeSystem("WEBHOOK", HOOK);
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, description: "Card and bank payments" });
    await expectEvents(db.prisma, before.events, ["system.updated"], s.id);
    expect(await db.prisma.finding.count()).toBe(before.findings);
    expect(await db.prisma.notification.count()).toBe(before.notifications);
  });

  it("does not report a switch to the manual connector (nothing is sent anywhere any more); system.updated records it", async () => {
    const s = await makeSystem("WEBHOOK", HOOK);
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connector: "MANUAL", connectorConfig: {} });
    await expectEvents(db.prisma, before.events, ["system.updated"], s.id);
    expect(await db.prisma.finding.count()).toBe(before.findings);
  });

  it("reports nothing when the change itself is refused (stale version, or a reference outside the namespace)", async () => {
    const s = await makeSystem("WEBHOOK", HOOK);
    await expect(
      cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: new Date(s.updatedAt.getTime() - 1000), connectorConfig: { ...HOOK, url: "https://collector.attacker.test/y" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { ...HOOK, secretRef: "env:NEXTAUTH_SECRET" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expectUnchanged(db.prisma, before);
  });

  it("is resolved by a security officer other than the person who made the change", async () => {
    // An admin who is also a security officer changes the target: they cannot sign off their own change.
    const s = await makeSystem("WEBHOOK", HOOK);
    await callerAs(db.prisma, adminSecurity.id).catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { ...HOOK, url: "https://hooks.example.test/v2" } });
    const finding = await db.prisma.finding.findFirstOrThrow({ where: { kind: "CONNECTOR_TARGET_CHANGED", subjectId: s.id, details: { path: ["changedById"], equals: adminSecurity.id } } });
    const note = "Checked with the system owner: the v2 endpoint is the new payments gateway.";
    const snapshot = () => db.prisma.finding.findUniqueOrThrow({ where: { id: finding.id } });
    const unchanged = await snapshot();

    await expect(callerAs(db.prisma, adminSecurity.id).findings.resolve({ id: finding.id, note })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/You made this change/) });
    await expect(cast.as.admin.findings.resolve({ id: finding.id, note })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Only a security officer/) });
    expect(await snapshot()).toEqual(unchanged);

    const events = await db.prisma.ledgerEvent.count();
    await cast.as.security.findings.resolve({ id: finding.id, note });
    expect(await snapshot()).toMatchObject({ status: "RESOLVED", resolvedById: cast.security.id, details: { resolutionNote: note } });
    expect(await db.prisma.ledgerEvent.findFirstOrThrow({ where: { seq: BigInt(events + 1) } })).toMatchObject({ action: "finding.resolved", subjectId: finding.id });
  });
});
