import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import type { TCreateNhi } from "./schema";

let db: TestDb;
const id: Record<string, string> = {};
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  const admin = await makeHuman(p, { name: "Ada Admin", roles: ["ADMIN"] });
  const owner = await makeHuman(p, { name: "Olive Owner" });
  const employee = await makeHuman(p, { name: "Eve Employee" });
  const security = await makeHuman(p, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(p, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const leaver = await makeHuman(p, { name: "Lee Leaver", status: "DEPROVISIONED" });
  const suspended = await makeHuman(p, { name: "Sue Suspended", status: "SUSPENDED" });
  const nhi = await makeNhi(p, owner.id, { name: "svc-existing" });
  const system = await makeSystem(p, owner.id, { name: "Billing" });
  Object.assign(id, { admin: admin.id, owner: owner.id, employee: employee.id, security: security.id, auditor: auditor.id, leaver: leaver.id, suspended: suspended.id, nhi: nhi.id, system: system.id });
});
afterAll(async () => {
  await db.close();
});

const valid = (over: Partial<TCreateNhi> = {}): TCreateNhi => ({
  kind: "SERVICE_ACCOUNT",
  displayName: "svc-invoicing",
  ownerId: id.owner,
  purpose: "Generates and sends monthly invoices",
  ...over,
});

async function snapshot() {
  return { identities: await db.prisma.identity.count(), events: await db.prisma.ledgerEvent.count() };
}

/** Runs a call expected to be refused, and checks that nothing was written. */
async function expectRefused(call: () => Promise<unknown>, code: string, message?: string | RegExp) {
  const before = await snapshot();
  const err = await call().then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, "the call should have been refused").not.toBeNull();
  expect(err!.code).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  expect(await snapshot()).toEqual(before);
}

describe("identities.createNhi", () => {
  it("lets an admin create a non-human identity and records exactly one ledger event in the same transaction", async () => {
    const before = await snapshot();
    const expires = new Date(Date.now() + 90 * DAY);
    const created = await callerAs(db.prisma, id.admin).identities.createNhi(
      valid({ kind: "API_KEY", displayName: "  key-billing  ", systemId: id.system, credentialKeyId: "kid-001", credentialExpiresAt: expires }),
    );
    expect(created).toMatchObject({ kind: "API_KEY", status: "ACTIVE", displayName: "key-billing", ownerId: id.owner, systemId: id.system, credentialKeyId: "kid-001", credentialExpiresAt: expires });
    expect(created.credentialCreatedAt).toBeInstanceOf(Date);
    expect(await snapshot()).toEqual({ identities: before.identities + 1, events: before.events + 1 });

    const event = await db.prisma.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ action: "identity.nhi.created", subjectType: "Identity", subjectId: created.id, actorId: id.admin });
    expect(event.payload).toEqual({
      kind: "API_KEY",
      status: "ACTIVE",
      displayName: "key-billing",
      ownerId: id.owner,
      purpose: "Generates and sends monthly invoices",
      systemId: id.system,
      credentialKeyId: "kid-001",
      credentialCreatedAt: created.credentialCreatedAt!.toISOString(),
      credentialExpiresAt: expires.toISOString(),
    });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();

    // It shows up in the directory straight away.
    const page = await callerAs(db.prisma, id.employee).identities.list({ q: "key-billing" });
    expect(page.rows).toEqual([expect.objectContaining({ id: created.id, kind: "API_KEY", ownerName: "Olive Owner" })]);
  });

  it("writes nothing when the ledger write fails (identity and event share one transaction)", async () => {
    const head = await db.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
    await db.rawSql(`DELETE FROM "LedgerHead"`);
    try {
      const before = await snapshot();
      await expect(callerAs(db.prisma, id.admin).identities.createNhi(valid({ displayName: "svc-doomed" }))).rejects.toThrow(/ledger head/);
      expect(await snapshot()).toEqual(before);
      expect(await db.prisma.identity.count({ where: { displayName: "svc-doomed" } })).toBe(0);
    } finally {
      await db.rawSql(`INSERT INTO "LedgerHead" ("id", "seq", "hash") VALUES (1, ${head.seq}, '${head.hash}')`);
    }
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("refuses employees, security and auditors (FORBIDDEN) and the signed-out (UNAUTHORIZED), writing nothing", async () => {
    await expectRefused(() => callerAs(db.prisma, id.employee).identities.createNhi(valid()), "FORBIDDEN", /ADMIN role/);
    await expectRefused(() => callerAs(db.prisma, id.security).identities.createNhi(valid()), "FORBIDDEN", /ADMIN role/);
    await expectRefused(() => callerAs(db.prisma, id.auditor).identities.createNhi(valid()), "FORBIDDEN");
    // Owning non-human identities does not make you an admin.
    await expectRefused(() => callerAs(db.prisma, id.owner).identities.createNhi(valid()), "FORBIDDEN");
    await expectRefused(() => callerAs(db.prisma, null).identities.createNhi(valid()), "UNAUTHORIZED");
  });

  it("refuses an owner who is not an active person, naming the problem", async () => {
    const admin = callerAs(db.prisma, id.admin);
    await expectRefused(() => admin.identities.createNhi(valid({ ownerId: id.nhi })), "BAD_REQUEST", /owner must be a person: svc-existing is a service account/);
    await expectRefused(() => admin.identities.createNhi(valid({ ownerId: id.leaver })), "BAD_REQUEST", /owner must be an active person: Lee Leaver is deprovisioned/);
    await expectRefused(() => admin.identities.createNhi(valid({ ownerId: id.suspended })), "BAD_REQUEST", /Sue Suspended is suspended/);
    await expectRefused(() => admin.identities.createNhi(valid({ ownerId: "5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f" })), "BAD_REQUEST", /owner was not found/);
  });

  it("refuses bad input with a message naming the field", async () => {
    const admin = callerAs(db.prisma, id.admin);
    await expectRefused(() => admin.identities.createNhi(valid({ purpose: "too short" })), "BAD_REQUEST", /purpose: Purpose must be at least 10 characters/);
    await expectRefused(() => admin.identities.createNhi(valid({ purpose: "x".repeat(501) })), "BAD_REQUEST", /purpose: Purpose must be at most 500/);
    await expectRefused(() => admin.identities.createNhi(valid({ purpose: undefined as never })), "BAD_REQUEST", /purpose: Purpose is required/);
    await expectRefused(() => admin.identities.createNhi(valid({ kind: "HUMAN" as never })), "BAD_REQUEST", /kind must be a non-human kind/);
    await expectRefused(() => admin.identities.createNhi(valid({ ownerId: "not-a-uuid" })), "BAD_REQUEST", /ownerId must be a valid id/);
    await expectRefused(() => admin.identities.createNhi(valid({ displayName: " " })), "BAD_REQUEST", /displayName: Name must be at least 2/);
    await expectRefused(() => admin.identities.createNhi(valid({ systemId: "5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f" })), "BAD_REQUEST", /system was not found/);
    await expectRefused(() => admin.identities.createNhi(valid({ credentialExpiresAt: new Date(Date.now() - DAY) })), "BAD_REQUEST", /expiry must be in the future/);
    // Strict input: no sneaking in fields the form does not offer.
    await expectRefused(() => admin.identities.createNhi({ ...valid(), status: "SUSPENDED" } as never), "BAD_REQUEST", /status/);
    await expectRefused(() => admin.identities.createNhi({ ...valid(), email: "x@example.test" } as never), "BAD_REQUEST", /email/);
  });

  it("refuses an admin at once after the role is removed", async () => {
    const demoted = await makeHuman(db.prisma, { name: "Dee Demoted", roles: ["ADMIN"] });
    const api = callerAs(db.prisma, demoted.id);
    await api.identities.createNhi(valid({ displayName: "svc-before-demotion" }));
    await db.prisma.roleAssignment.deleteMany({ where: { identityId: demoted.id } });
    await expectRefused(() => api.identities.createNhi(valid({ displayName: "svc-after-demotion" })), "FORBIDDEN");
  });
});
