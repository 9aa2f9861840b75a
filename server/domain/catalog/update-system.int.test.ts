import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman, makeSystem } from "../../testing/factories";
import { catalogCast, catalogSnapshot, expectEvents, expectUnchanged } from "./catalog-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

const current = () => db.prisma.system.findUniqueOrThrow({ where: { id: cast.system.id } });

describe("catalog.updateSystem", () => {
  it("lets an admin edit a system and records the changed fields, before and after", async () => {
    const s = await current();
    const newOwner = await makeHuman(db.prisma, { name: "Nina New" });
    before = await catalogSnapshot(db.prisma);
    const updated = await cast.as.admin.catalog.updateSystem({
      id: s.id,
      expectedUpdatedAt: s.updatedAt,
      name: "Payments API", // unchanged: not in the diff
      description: "Card and bank payments",
      ownerId: newOwner.id,
      connector: "POSTGRES",
      connectorConfig: { database: "payments" },
    });
    expect(updated).toMatchObject({ ownerId: newOwner.id, connector: "POSTGRES", connectorConfig: { database: "payments" } });
    expect(updated.updatedAt.getTime()).toBeGreaterThan(s.updatedAt.getTime());
    // MANUAL → POSTGRES gives the system a connector target: its own event follows system.updated.
    const [event] = await expectEvents(db.prisma, before.events, ["system.updated", "system.connector_target_changed"], s.id);
    expect(event!.actorId).toBe(cast.admin.id);
    expect(event!.payload).toEqual({
      name: "Payments API",
      changes: {
        description: { before: "test system", after: "Card and bank payments" },
        ownerId: { before: cast.owner.id, after: newOwner.id },
        connector: { before: "MANUAL", after: "POSTGRES" },
        connectorConfig: { before: {}, after: { database: "payments" } },
      },
    });
  });

  it("sets how often the system is reconciled (0: on demand only), recorded like any field; a bad value changes nothing", async () => {
    const s = await current();
    before = await catalogSnapshot(db.prisma);
    for (const bad of [-1, 721, 1.5]) {
      await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, reconcileEveryHours: bad })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expectUnchanged(db.prisma, before);
    const updated = await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, reconcileEveryHours: 0 });
    expect(updated.reconcileEveryHours).toBe(0);
    const [event] = await expectEvents(db.prisma, before.events, ["system.updated"], s.id);
    expect(event!.payload).toEqual({ name: s.name, changes: { reconcileEveryHours: { before: s.reconcileEveryHours, after: 0 } } });
    expect((await cast.as.owner.catalog.systemById({ id: s.id })).reconcileEveryHours).toBe(0);
  });

  it("writes nothing (no event) when no field changes", async () => {
    const s = await current();
    const res = await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, name: s.name, criticality: s.criticality });
    expect(res.updatedAt).toEqual(s.updatedAt);
    await expectUnchanged(db.prisma, before);
  });

  it("lets exactly one of two concurrent edits from the same version win", async () => {
    const s = await current();
    const results = await Promise.allSettled(
      (["HIGH", "LOW"] as const).map((criticality) => cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, criticality })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events + 1);
  });

  it("refuses a stale expectedUpdatedAt with CONFLICT and writes nothing", async () => {
    const s = await current();
    await expect(
      cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: new Date(s.updatedAt.getTime() - 1000), description: "stale edit" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("changed by someone else") });
    await expectUnchanged(db.prisma, before);
  });

  it("lets only the first of two edits from the same version win", async () => {
    const s = await current();
    await cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, criticality: "CRITICAL" });
    const afterFirst = await catalogSnapshot(db.prisma);
    await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, criticality: "LOW" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, afterFirst);
    expect((await current()).criticality).toBe("CRITICAL");
  });

  it.each(["employee", "security", "auditor", "owner"] as const)("forbids %s and writes nothing", async (who) => {
    const s = await current();
    await expect(cast.as[who].catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, description: "mine now" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the signed-out and writes nothing", async () => {
    const s = await current();
    await expect(cast.as.signedOut.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, description: "x" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses renaming onto another system's name with CONFLICT and writes nothing", async () => {
    await makeSystem(db.prisma, cast.owner.id, { name: "Treasury" });
    before = await catalogSnapshot(db.prisma);
    const s = await current();
    await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, name: "TREASURY" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'A system named "Treasury" already exists.',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a suspended owner and writes nothing", async () => {
    const suspended = await makeHuman(db.prisma, { name: "Sus Pended", status: "SUSPENDED" });
    before = await catalogSnapshot(db.prisma);
    const s = await current();
    await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, ownerId: suspended.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'The owner must be an active person: "Sus Pended" is suspended.',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("re-checks the stored settings when only the connector changes, and refuses secrets", async () => {
    const s = await current(); // POSTGRES { database: "payments" } from the first test
    await expect(cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connector: "WEBHOOK" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Connector settings for WEBHOOK"),
    });
    await expect(
      cast.as.admin.catalog.updateSystem({ id: s.id, expectedUpdatedAt: s.updatedAt, connectorConfig: { database: "payments", password: "hunter2" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining('"password"') });
    await expectUnchanged(db.prisma, before);
  });

  it("answers NOT_FOUND for an unknown system and writes nothing", async () => {
    await expect(
      cast.as.admin.catalog.updateSystem({ id: "00000000-0000-4000-8000-000000000000", expectedUpdatedAt: new Date(), description: "x" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });
});
