import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../testing/factories";
import { recordEvent } from "../ledger/ledger";

let t: TestDb;
let admin: { id: string }, auditor: { id: string }, security: { id: string }, employee: { id: string }, manager: { id: string }, leaver: { id: string };

beforeAll(async () => {
  t = await createTestDb();
  manager = await makeHuman(t.prisma, { name: "Mona Manager" });
  employee = await makeHuman(t.prisma, { name: "Eve Employee", managerId: manager.id });
  admin = await makeHuman(t.prisma, { roles: ["ADMIN"] });
  auditor = await makeHuman(t.prisma, { roles: ["AUDITOR"] });
  security = await makeHuman(t.prisma, { roles: ["SECURITY"] });
  leaver = await makeHuman(t.prisma, { status: "DEPROVISIONED" });
  const sys = await makeSystem(t.prisma, manager.id, { name: "Billing" });
  const ent = await makeEntitlement(t.prisma, sys.id, { name: "billing:viewer", risk: "MEDIUM" });
  await makeGrant(t.prisma, employee.id, ent.id, { expiresAt: new Date(Date.now() + 3 * 86_400_000) });
  for (const action of ["system.created", "entitlement.created"]) {
    await t.prisma.$transaction((tx) => recordEvent(tx, { actorId: admin.id, action, subjectType: "System", subjectId: sys.id }));
  }
});
afterAll(() => t.close());

describe(`procedure stack (${TEST_ENGINE})`, () => {
  it("signed-out callers get only public procedures", async () => {
    const anon = callerAs(t.prisma, null);
    expect(await anon.me.current()).toBeNull();
    await expect(anon.me.profile()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anon.home.summary()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anon.ledger.status()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a deprovisioned person with a still-valid session is refused at once", async () => {
    const c = callerAs(t.prisma, leaver.id);
    expect(await c.me.current()).toBeNull();
    await expect(c.home.summary()).rejects.toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/not active/) });
  });

  it("reads roles fresh on every call: a demoted admin loses ledger access on the next call", async () => {
    const person = await makeHuman(t.prisma, { roles: ["ADMIN"] });
    const c = callerAs(t.prisma, person.id);
    await expect(c.ledger.status()).resolves.toMatchObject({ intact: true });
    await t.prisma.roleAssignment.delete({ where: { identityId_role: { identityId: person.id, role: "ADMIN" } } });
    await expect(c.ledger.status()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("me.profile reports roles and relationship powers", async () => {
    expect(await callerAs(t.prisma, manager.id).me.profile()).toMatchObject({ displayName: "Mona Manager", roles: [], isManager: true, ownsSystems: true, ownsNhis: false });
    expect(await callerAs(t.prisma, auditor.id).me.profile()).toMatchObject({ roles: ["AUDITOR"], isManager: false, ownsSystems: false, ownsNhis: false });
  });

  it("home.summary shows the person's own access expiring soon and no organisation totals to an employee", async () => {
    const s = await callerAs(t.prisma, employee.id).home.summary();
    expect(s.myGrants).toBe(1);
    expect(s.expiringSoon).toEqual([expect.objectContaining({ entitlement: "billing:viewer", system: "Billing" })]);
    expect(s.org).toBeNull();
    const a = await callerAs(t.prisma, admin.id).home.summary();
    expect(a.org).toMatchObject({ systems: 1, entitlements: 1, activeGrants: { value: 1, capped: false }, unverifiedGrants: { value: 1, capped: false } });
  });
});

describe(`ledger procedures (${TEST_ENGINE})`, () => {
  it.each([["admin"], ["auditor"], ["security"]])("%s can read the ledger and its verification", async (who) => {
    const id = { admin, auditor, security }[who as "admin"]!.id;
    const c = callerAs(t.prisma, id);
    expect(await c.ledger.status()).toMatchObject({ intact: true, eventsChecked: 2, headSeq: "2" });
    const page = await c.ledger.list({ action: "entitlement.created" });
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ seq: "2", action: "entitlement.created", actorId: admin.id });
    expect((await c.ledger.facets()).actions).toEqual(["entitlement.created", "system.created"]);
  });

  it("an employee (even a manager or system owner) cannot read the ledger", async () => {
    for (const id of [employee.id, manager.id]) {
      await expect(callerAs(t.prisma, id).ledger.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(callerAs(t.prisma, id).ledger.status()).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });

  it("bad list input gets a clear error", async () => {
    const c = callerAs(t.prisma, auditor.id);
    await expect(c.ledger.list({ page: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/page/) });
    // @ts-expect-error unknown key
    await expect(c.ledger.list({ drop: "table" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/drop/) });
  });
});

// Last: it adds a system and entitlements that the organisation counts above would see.
describe(`me.profile's relationship powers (${TEST_ENGINE})`, () => {
  it("me.profile's powers on their edges: reports who left do not make a manager; owning one entitlement, or one NHI, does count", async () => {
    const boss = await makeHuman(t.prisma, { name: "Lone Boss" });
    await makeHuman(t.prisma, { managerId: boss.id, status: "DEPROVISIONED" });
    const powers = async (id: string) => {
      const { isManager, ownsSystems, ownsNhis } = (await callerAs(t.prisma, id).me.profile())!;
      return { isManager, ownsSystems, ownsNhis };
    };
    expect(await powers(boss.id)).toEqual({ isManager: false, ownsSystems: false, ownsNhis: false });
    await makeHuman(t.prisma, { managerId: boss.id, status: "SUSPENDED" });
    expect(await powers(boss.id)).toEqual({ isManager: true, ownsSystems: false, ownsNhis: false });

    const entOwner = await makeHuman(t.prisma);
    const other = await makeSystem(t.prisma, admin.id, { name: "Payroll" });
    await makeEntitlement(t.prisma, other.id, { name: "payroll:viewer", ownerId: entOwner.id });
    expect(await powers(entOwner.id)).toEqual({ isManager: false, ownsSystems: true, ownsNhis: false });

    const nhiOwner = await makeHuman(t.prisma);
    await makeNhi(t.prisma, nhiOwner.id);
    expect(await powers(nhiOwner.id)).toEqual({ isManager: false, ownsSystems: false, ownsNhis: true });
  });
});
