import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";

let db: TestDb;
const id: Record<string, string> = {};
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  const admin = await makeHuman(p, { name: "Ada Admin", roles: ["ADMIN"] });
  const owner = await makeHuman(p, { name: "Olive Owner" });
  const newOwner = await makeHuman(p, { name: "Nora Newowner" });
  const employee = await makeHuman(p, { name: "Eve Employee" });
  const security = await makeHuman(p, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(p, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const leaver = await makeHuman(p, { name: "Lee Leaver", status: "DEPROVISIONED" });
  const system = await makeSystem(p, owner.id, { name: "Billing" });
  Object.assign(id, { admin: admin.id, owner: owner.id, newOwner: newOwner.id, employee: employee.id, security: security.id, auditor: auditor.id, leaver: leaver.id, system: system.id });
});
afterAll(async () => {
  await db.close();
});

/** A fresh non-human identity per test, so tests do not depend on each other's edits. */
async function freshNhi(name = "svc-under-test") {
  return makeNhi(db.prisma, id.owner, { name });
}

async function snapshot(nhiId: string) {
  return {
    identities: await db.prisma.identity.count(),
    events: await db.prisma.ledgerEvent.count(),
    row: await db.prisma.identity.findUniqueOrThrow({ where: { id: nhiId } }),
  };
}

/** Runs a call expected to be refused, and checks that nothing was written. */
async function expectRefused(nhiId: string, call: () => Promise<unknown>, code: string, message?: string | RegExp) {
  const before = await snapshot(nhiId);
  const err = await call().then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, "the call should have been refused").not.toBeNull();
  expect(err!.code).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  expect(await snapshot(nhiId)).toEqual(before);
}

describe("identities.updateNhi", () => {
  it("lets an admin edit a non-human identity and records the before/after of the changed fields only", async () => {
    const nhi = await freshNhi();
    const before = await snapshot(nhi.id);
    const updated = await callerAs(db.prisma, id.admin).identities.updateNhi({
      id: nhi.id,
      expectedUpdatedAt: nhi.updatedAt,
      displayName: "svc-renamed",
      ownerId: id.newOwner,
      purpose: nhi.purpose!, // unchanged: not in the diff
      systemId: id.system,
    });
    expect(updated).toMatchObject({ displayName: "svc-renamed", ownerId: id.newOwner, systemId: id.system, purpose: nhi.purpose });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(nhi.updatedAt.getTime());
    const after = await snapshot(nhi.id);
    expect(after.identities).toBe(before.identities);
    expect(after.events).toBe(before.events + 1);

    const event = await db.prisma.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ action: "identity.nhi.updated", subjectType: "Identity", subjectId: nhi.id, actorId: id.admin });
    expect(event.payload).toEqual({
      kind: "SERVICE_ACCOUNT",
      changes: {
        displayName: { from: nhi.displayName, to: "svc-renamed" },
        ownerId: { from: id.owner, to: id.newOwner },
        systemId: { from: null, to: id.system },
      },
    });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("records a new key id as issued (first key) or rotated, and can clear optional fields", async () => {
    const nhi = await freshNhi();
    const api = callerAs(db.prisma, id.admin);
    const expires = new Date(Date.now() + 30 * DAY);
    const first = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, credentialKeyId: "kid-1", credentialExpiresAt: expires });
    expect(first.credentialCreatedAt).toBeInstanceOf(Date);
    expect(first.credentialRotatedAt).toBeNull();
    const second = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: first.updatedAt, credentialKeyId: "kid-2" });
    expect(second.credentialRotatedAt).toBeInstanceOf(Date);
    const event = await db.prisma.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(Object.keys((event.payload as { changes: object }).changes).sort()).toEqual(["credentialKeyId", "credentialRotatedAt"]);
    const cleared = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: second.updatedAt, credentialExpiresAt: null, systemId: null });
    expect(cleared.credentialExpiresAt).toBeNull();
  });

  it("writes nothing when nothing changes", async () => {
    const nhi = await freshNhi();
    const before = await snapshot(nhi.id);
    const same = await callerAs(db.prisma, id.admin).identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName: nhi.displayName, purpose: nhi.purpose! });
    expect(same.updatedAt).toEqual(nhi.updatedAt);
    expect(await snapshot(nhi.id)).toEqual(before);
  });

  it("refuses a stale expectedUpdatedAt with CONFLICT and changes nothing", async () => {
    const nhi = await freshNhi();
    const api = callerAs(db.prisma, id.admin);
    await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName: "svc-first-edit" });
    await expectRefused(
      nhi.id,
      () => api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName: "svc-second-edit" }),
      "CONFLICT",
      "This identity was changed by someone else; reload and try again.",
    );
  });

  it("lets exactly one of two concurrent edits of the same version win", async () => {
    const nhi = await freshNhi();
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const results = await Promise.allSettled(
      ["svc-edit-a", "svc-edit-b"].map((displayName) => callerAs(db.prisma, id.admin).identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({ code: "CONFLICT" });
    expect(await db.prisma.ledgerEvent.count()).toBe(eventsBefore + 1);
  });

  it("refuses employees, security, auditors and the NHI's own owner (FORBIDDEN), and the signed-out (UNAUTHORIZED)", async () => {
    const nhi = await freshNhi();
    const input = { id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName: "svc-hijacked" };
    for (const who of [id.employee, id.security, id.auditor, id.owner]) {
      await expectRefused(nhi.id, () => callerAs(db.prisma, who).identities.updateNhi(input), "FORBIDDEN");
    }
    await expectRefused(nhi.id, () => callerAs(db.prisma, null).identities.updateNhi(input), "UNAUTHORIZED");
  });

  it("refuses editing a person through this procedure", async () => {
    const person = await db.prisma.identity.findUniqueOrThrow({ where: { id: id.employee } });
    await expectRefused(
      person.id,
      () => callerAs(db.prisma, id.admin).identities.updateNhi({ id: person.id, expectedUpdatedAt: person.updatedAt, displayName: "Someone Else" }),
      "BAD_REQUEST",
      /Eve Employee is a person: people come from HR and the identity provider/,
    );
  });

  it("refuses bad input with a message naming the problem", async () => {
    const nhi = await freshNhi();
    const other = await freshNhi("svc-other");
    const api = callerAs(db.prisma, id.admin);
    const base = { id: nhi.id, expectedUpdatedAt: nhi.updatedAt };
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, ownerId: other.id }), "BAD_REQUEST", /owner must be a person: svc-other is a service account/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, ownerId: id.leaver }), "BAD_REQUEST", /Lee Leaver is deprovisioned/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, purpose: "short" }), "BAD_REQUEST", /purpose: Purpose must be at least 10 characters/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, id: "not-a-uuid" }), "BAD_REQUEST", /id must be a valid id/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, systemId: "5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f" }), "BAD_REQUEST", /system was not found/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, credentialRotatedAt: new Date(Date.now() + DAY) }), "BAD_REQUEST", /rotation date cannot be in the future/);
    await expectRefused(
      nhi.id,
      () => api.identities.updateNhi({ ...base, credentialRotatedAt: new Date(Date.now() - DAY), credentialExpiresAt: new Date(Date.now() - 2 * DAY) }),
      "BAD_REQUEST",
      /expiry must be after the date it was issued or last rotated/,
    );
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, kind: "HUMAN" } as never), "BAD_REQUEST", /kind/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ ...base, status: "GONE" } as never), "BAD_REQUEST", /status must be one of/);
    await expectRefused(nhi.id, () => api.identities.updateNhi({ id: nhi.id, displayName: "x-no-version" } as never), "BAD_REQUEST", /expectedUpdatedAt/);
    await expectRefused(
      nhi.id,
      () => api.identities.updateNhi({ id: "5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f", expectedUpdatedAt: new Date(), displayName: "ghost" }),
      "NOT_FOUND",
      /Identity 5f0c6b1e-9a57-4c1e-8d0a-3b2f4c5d6e7f was not found/,
    );
  });

  it("suspends and deprovisions, but not while access is held, and never reactivates a deprovisioned identity", async () => {
    const nhi = await freshNhi();
    const api = callerAs(db.prisma, id.admin);
    const ent = await makeEntitlement(db.prisma, id.system);
    const grant = await makeGrant(db.prisma, nhi.id, ent.id);
    const suspended = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, status: "SUSPENDED" });
    expect(suspended.status).toBe("SUSPENDED");
    await expectRefused(
      nhi.id,
      () => api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: suspended.updatedAt, status: "DEPROVISIONED" }),
      "BAD_REQUEST",
      /still holds 1 grant: revoke it before deprovisioning/,
    );
    await db.prisma.grant.update({ where: { id: grant.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
    const gone = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: suspended.updatedAt, status: "DEPROVISIONED" });
    expect(gone.status).toBe("DEPROVISIONED");
    await expectRefused(nhi.id, () => api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: gone.updatedAt, status: "ACTIVE" }), "BAD_REQUEST", /deprovisioned, which is final/);
  });

  it("refuses an admin at once after the role is removed", async () => {
    const nhi = await freshNhi();
    const demoted = await makeHuman(db.prisma, { name: "Dee Demoted", roles: ["ADMIN"] });
    const api = callerAs(db.prisma, demoted.id);
    const first = await api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: nhi.updatedAt, displayName: "svc-edited-by-admin" });
    await db.prisma.roleAssignment.deleteMany({ where: { identityId: demoted.id } });
    await expectRefused(nhi.id, () => api.identities.updateNhi({ id: nhi.id, expectedUpdatedAt: first.updatedAt, displayName: "svc-edited-after-demotion" }), "FORBIDDEN");
  });
});
