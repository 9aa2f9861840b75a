import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";

let db: TestDb;
const id: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  const boss = await makeHuman(p, { name: "Marcus Boss" });
  const person = await makeHuman(p, { name: "Priya Person", managerId: boss.id });
  await p.identity.update({ where: { id: person.id }, data: { title: "Software Engineer" } });
  const gone = await makeHuman(p, { name: "Gone Report", managerId: boss.id, status: "DEPROVISIONED" });
  const stranger = await makeHuman(p, { name: "Random Employee" });
  const admin = await makeHuman(p, { name: "Ada Admin", roles: ["ADMIN"] });
  const security = await makeHuman(p, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(p, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const system = await makeSystem(p, boss.id, { name: "Payments Core" });
  const nhi = await makeNhi(p, person.id, { name: "svc-settlement" });
  await p.identity.update({
    where: { id: nhi.id },
    data: {
      systemId: system.id,
      purpose: "Runs the nightly settlement batch",
      credentialKeyId: "AKIA-123",
      credentialCreatedAt: new Date("2026-01-01T00:00:00Z"),
      credentialRotatedAt: new Date("2026-02-01T00:00:00Z"),
      credentialExpiresAt: new Date("2026-08-01T00:00:00Z"),
    },
  });
  const admin2Nhi = await makeNhi(p, person.id, { kind: "AI_AGENT", name: "agent-helper" });

  const ent1 = await makeEntitlement(p, system.id, { name: "payments-admin", risk: "CRITICAL", privileged: true });
  const ent2 = await makeEntitlement(p, system.id, { name: "payments-read", risk: "LOW" });
  const ent3 = await makeEntitlement(p, system.id, { name: "payments-write", risk: "HIGH" });
  await makeGrant(p, person.id, ent1.id, { origin: "IMPORTED" });
  await makeGrant(p, person.id, ent2.id, { origin: "REQUEST", expiresAt: new Date("2026-07-01T00:00:00Z") });
  const old = await makeGrant(p, person.id, ent3.id, { origin: "REQUEST" });
  await p.grant.update({ where: { id: old.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "EXPIRY" } });
  await makeGrant(p, nhi.id, ent2.id);
  Object.assign(id, { boss: boss.id, person: person.id, gone: gone.id, stranger: stranger.id, admin: admin.id, security: security.id, auditor: auditor.id, system: system.id, nhi: nhi.id, agent: admin2Nhi.id });
});
afterAll(async () => {
  await db.close();
});

describe("identities.byId", () => {
  it("shows a person: manager, title, department, reports and owned non-human identities", async () => {
    const p = await callerAs(db.prisma, id.stranger).identities.byId({ id: id.person });
    expect(p).toMatchObject({
      id: id.person,
      kind: "HUMAN",
      status: "ACTIVE",
      displayName: "Priya Person",
      department: "Engineering",
      title: "Software Engineer",
      manager: { id: id.boss, displayName: "Marcus Boss" },
      owner: null,
      credential: null,
      canEdit: false,
    });
    expect(p.ownedNhis.count).toBe(2);
    expect(p.ownedNhis.items.map((n) => n.displayName)).toEqual(["agent-helper", "svc-settlement"]);
    const boss = await callerAs(db.prisma, id.stranger).identities.byId({ id: id.boss });
    // Deprovisioned reports are not listed as reports.
    expect(boss.reports).toEqual({ count: 1, items: [expect.objectContaining({ id: id.person, displayName: "Priya Person", title: "Software Engineer" })] });
  });

  it("lists the grants held, with entitlement, system, risk, origin and expiry, and revoked ones as history (to their manager; see access-visibility)", async () => {
    const p = await callerAs(db.prisma, id.boss).identities.byId({ id: id.person });
    expect(p.grants.current.map((g) => g.entitlement.name)).toEqual(["payments-read", "payments-admin"]); // expiring first, standing last
    expect(p.grants.current[1]).toMatchObject({
      status: "ACTIVE",
      origin: "IMPORTED",
      expiresAt: null,
      entitlement: { name: "payments-admin", risk: "CRITICAL", privileged: true, system: { id: id.system, name: "Payments Core" } },
    });
    expect(p.grants.current[0]).toMatchObject({ origin: "REQUEST", expiresAt: new Date("2026-07-01T00:00:00Z") });
    expect(p.grants.historyCount).toBe(1);
    expect(p.grants.history).toEqual([expect.objectContaining({ status: "REVOKED", revocationCause: "EXPIRY", entitlement: expect.objectContaining({ name: "payments-write" }) })]);
  });

  it("shows a non-human identity's owner, purpose and system to everyone", async () => {
    const n = await callerAs(db.prisma, id.stranger).identities.byId({ id: id.nhi });
    expect(n).toMatchObject({
      kind: "SERVICE_ACCOUNT",
      owner: { id: id.person, displayName: "Priya Person", status: "ACTIVE" },
      manager: null,
      purpose: "Runs the nightly settlement batch",
      system: { id: id.system, name: "Payments Core" },
    });
    // Its access is for its owner (and admins, security, auditors), not for everyone.
    expect(n.grants.current).toHaveLength(0);
    expect((await callerAs(db.prisma, id.person).identities.byId({ id: id.nhi })).grants.current).toHaveLength(1);
  });

  it("hides credential metadata from an employee who is not the owner", async () => {
    const n = await callerAs(db.prisma, id.stranger).identities.byId({ id: id.nhi });
    expect(n.credential).toEqual({ visible: false });
    expect(JSON.stringify(n)).not.toContain("AKIA-123");
    // The owner's manager is not the owner either.
    const m = await callerAs(db.prisma, id.boss).identities.byId({ id: id.nhi });
    expect(m.credential).toEqual({ visible: false });
  });

  it("shows credential metadata to the owner, admins, security and auditors", async () => {
    for (const viewer of [id.person, id.admin, id.security, id.auditor]) {
      const n = await callerAs(db.prisma, viewer).identities.byId({ id: id.nhi });
      expect(n.credential).toEqual({
        visible: true,
        keyId: "AKIA-123",
        createdAt: new Date("2026-01-01T00:00:00Z"),
        rotatedAt: new Date("2026-02-01T00:00:00Z"),
        expiresAt: new Date("2026-08-01T00:00:00Z"),
      });
    }
  });

  it("offers editing of non-human identities to admins only, never of people", async () => {
    expect((await callerAs(db.prisma, id.admin).identities.byId({ id: id.nhi })).canEdit).toBe(true);
    expect((await callerAs(db.prisma, id.admin).identities.byId({ id: id.person })).canEdit).toBe(false);
    expect((await callerAs(db.prisma, id.person).identities.byId({ id: id.nhi })).canEdit).toBe(false);
    expect((await callerAs(db.prisma, id.security).identities.byId({ id: id.nhi })).canEdit).toBe(false);
  });

  it("answers NOT_FOUND for an unknown id, BAD_REQUEST for a non-uuid, UNAUTHORIZED when signed out", async () => {
    const unknown = "5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f";
    await expect(callerAs(db.prisma, id.stranger).identities.byId({ id: unknown })).rejects.toMatchObject({ code: "NOT_FOUND", message: `Identity ${unknown} was not found.` });
    await expect(callerAs(db.prisma, id.stranger).identities.byId({ id: "not-a-uuid" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("id must be a valid id") });
    await expect(callerAs(db.prisma, null).identities.byId({ id: id.person })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // A deprovisioned session is signed out in effect.
    await expect(callerAs(db.prisma, id.gone).identities.byId({ id: id.person })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
