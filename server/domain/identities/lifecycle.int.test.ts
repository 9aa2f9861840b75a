import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { moreInstances } from "../../testing/race-kit";
import { joinPerson, leavePerson, rejoinPerson, updatePerson, type SyncSource } from "./lifecycle";

let db: TestDb;
let admin: Awaited<ReturnType<typeof makeHuman>>;
const now = new Date("2026-11-02T10:00:00Z");
const scim: SyncSource = { via: "scim", clientId: "00000000-0000-4000-8000-000000000001", clientName: "Okta" };

beforeAll(async () => {
  db = await createTestDb();
  admin = await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] });
});
afterAll(async () => {
  await db.close();
});

async function snapshot() {
  const [identities, events, grants, campaigns] = await Promise.all([
    db.prisma.identity.findMany({ orderBy: { id: "asc" } }),
    db.prisma.ledgerEvent.count(),
    db.prisma.grant.findMany({ orderBy: { id: "asc" } }),
    db.prisma.campaign.count(),
  ]);
  return { identities, events, grants, campaigns };
}

async function eventsAfter(count: number) {
  expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  return db.prisma.ledgerEvent.findMany({ where: { seq: { gt: BigInt(count) } }, orderBy: { seq: "asc" } });
}

const tx = <T,>(fn: (t: Parameters<Parameters<TestDb["prisma"]["$transaction"]>[0]>[0]) => Promise<T>) => db.prisma.$transaction(fn);

describe(`joiners, movers, leavers (${TEST_ENGINE})`, () => {
  it("a joiner is created active, trimmed, email lower-cased, with one identity.joined event naming its source", async () => {
    const manager = await makeHuman(db.prisma, { name: "Mia Manager" });
    const before = await db.prisma.ledgerEvent.count();
    const { identityId } = await tx((t) =>
      joinPerson(t, { actorId: admin.id, now, source: scim, fields: { email: "  Jo.Joiner@Example.test ", displayName: " Jo Joiner ", department: "Finance", managerId: manager.id, externalId: "okta-123", employeeNumber: "E-77" } }),
    );
    const jo = await db.prisma.identity.findUniqueOrThrow({ where: { id: identityId } });
    expect(jo).toMatchObject({ kind: "HUMAN", status: "ACTIVE", email: "jo.joiner@example.test", displayName: "Jo Joiner", department: "Finance", managerId: manager.id, externalId: "okta-123", employeeNumber: "E-77" });
    const events = await eventsAfter(before);
    expect(events.map((e) => e.action)).toEqual(["identity.joined"]);
    expect(events[0]).toMatchObject({ actorId: admin.id, subjectId: identityId, payload: { source: scim, externalId: "okta-123" } });
  });

  it("refuses a taken email (any case), external id or employee number, an unknown or departed manager, and empty names — changing nothing", async () => {
    const taken = await makeHuman(db.prisma, { name: "Tess Taken" });
    await db.prisma.identity.update({ where: { id: taken.id }, data: { externalId: "ext-taken", employeeNumber: "N-taken" } });
    const gone = await makeHuman(db.prisma, { name: "Gil Gone", status: "DEPROVISIONED" });
    const before = await snapshot();
    const base = { email: "fresh@example.test", displayName: "Fresh Face" };
    const bad: [Parameters<typeof joinPerson>[1]["fields"], string][] = [
      [{ ...base, email: taken.email!.toUpperCase() }, "CONFLICT"],
      [{ ...base, externalId: "ext-taken" }, "CONFLICT"],
      [{ ...base, employeeNumber: "N-taken" }, "CONFLICT"],
      [{ ...base, managerId: "00000000-0000-4000-8000-00000000dead" }, "BAD_INPUT"],
      [{ ...base, managerId: gone.id }, "BAD_INPUT"],
      [{ ...base, email: "   " }, "BAD_INPUT"],
      [{ ...base, displayName: "" }, "BAD_INPUT"],
    ];
    for (const [fields, code] of bad) {
      await expect(tx((t) => joinPerson(t, { actorId: admin.id, now, source: scim, fields }))).rejects.toMatchObject({ code });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("an update writes only real changes; nothing changed writes nothing; a title change is identity.updated, not a move", async () => {
    const p = await makeHuman(db.prisma, { name: "Uma Update", department: "Sales" });
    const before = await snapshot();
    const same = await tx((t) => updatePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, fields: { displayName: "Uma Update", department: " Sales " } }));
    expect(same).toEqual({ changed: [], moved: false });
    expect(await snapshot()).toEqual(before);
    const res = await tx((t) => updatePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, fields: { title: "Lead" } }));
    expect(res).toEqual({ changed: ["title"], moved: false });
    const events = await eventsAfter(before.events);
    expect(events.map((e) => e.action)).toEqual(["identity.updated"]);
    expect(events[0]!.payload).toMatchObject({ changes: { title: { from: null, to: "Lead" } } });
  });

  it("a new manager or department is a move, recorded with where from and where to", async () => {
    const oldBoss = await makeHuman(db.prisma, { name: "Otto Old" });
    const newBoss = await makeHuman(db.prisma, { name: "Nina New" });
    const p = await makeHuman(db.prisma, { name: "Max Mover", department: "Sales", managerId: oldBoss.id });
    const before = await db.prisma.ledgerEvent.count();
    const res = await tx((t) => updatePerson(t, { actorId: admin.id, now, source: { via: "csv", importId: "imp-1", line: 4 }, identityId: p.id, fields: { managerId: newBoss.id, department: "Finance" } }));
    expect(res).toEqual({ changed: ["department", "managerId"], moved: true });
    const moved = (await eventsAfter(before)).find((e) => e.action === "identity.moved")!;
    expect(moved.payload).toMatchObject({ from: { managerId: oldBoss.id, department: "Sales" }, to: { managerId: newBoss.id, department: "Finance" }, source: { via: "csv", importId: "imp-1", line: 4 } });
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: p.id } })).managerId).toBe(newBoss.id);
  });

  it("refuses to make a person their own manager or to empty their email, changing nothing", async () => {
    const p = await makeHuman(db.prisma, { name: "Sam Self" });
    const before = await snapshot();
    await expect(tx((t) => updatePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, fields: { managerId: p.id } }))).rejects.toMatchObject({ code: "BAD_INPUT" });
    await expect(tx((t) => updatePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, fields: { email: "" } }))).rejects.toMatchObject({ code: "BAD_INPUT" });
    expect(await snapshot()).toEqual(before);
  });

  it("a leaver from a feed runs the leaver flow (grants revoking, NHIs flagged) and records the feed; a repeat changes nothing; a rejoin is active without the old access", async () => {
    const boss = await makeHuman(db.prisma, { name: "Bea Boss" });
    const p = await makeHuman(db.prisma, { name: "Lou Leaver", managerId: boss.id });
    const sys = await makeSystem(db.prisma, admin.id);
    const ent = await makeEntitlement(db.prisma, sys.id);
    const grant = await makeGrant(db.prisma, p.id, ent.id);
    await makeNhi(db.prisma, p.id, { name: "svc-lou" });
    const before = await db.prisma.ledgerEvent.count();
    const res = await tx((t) => leavePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, reason: "SCIM: active false" }));
    expect(res).toMatchObject({ identityId: p.id, revokingGrants: 1, nhisFlagged: 1 });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PENDING_REVOKE");
    const dep = (await eventsAfter(before)).find((e) => e.action === "identity.deprovisioned")!;
    expect(dep).toMatchObject({ actorId: admin.id, payload: { reason: "SCIM: active false", source: scim } });

    const mid = await snapshot();
    expect(await tx((t) => leavePerson(t, { actorId: admin.id, now, source: scim, identityId: p.id, reason: "again" }))).toBeNull();
    expect(await snapshot()).toEqual(mid);

    expect(await tx((t) => rejoinPerson(t, { actorId: admin.id, now, source: scim, identityId: p.id }))).toBe(true);
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: p.id } })).status).toBe("ACTIVE");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PENDING_REVOKE");
    const after = await snapshot();
    expect(await tx((t) => rejoinPerson(t, { actorId: admin.id, now, source: scim, identityId: p.id }))).toBe(false);
    expect(await snapshot()).toEqual(after);
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("joiners: a race on PostgreSQL", () => {
  it("ten feeds create the same person at once: one person, the others CONFLICT, the chain intact", async () => {
    const extra = moreInstances(db.url!, 3);
    try {
      const clients = [db.prisma, ...extra.map((h) => h.prisma)];
      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          clients[i % clients.length]!.$transaction((t) => joinPerson(t, { actorId: admin.id, now, source: scim, fields: { email: i % 2 ? "Racy@Example.test" : "racy@example.test", displayName: `Racy ${i}` } })),
        ),
      );
      expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(1);
      for (const s of settled) if (s.status === "rejected") expect(s.reason).toMatchObject({ code: "CONFLICT" });
      expect(await db.prisma.identity.count({ where: { email: "racy@example.test" } })).toBe(1);
      expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
    } finally {
      await Promise.all(extra.map((h) => h.close()));
    }
  });
});
