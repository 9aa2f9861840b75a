import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement, makeHuman, makeNhi } from "../../testing/factories";
import { catalogCast, catalogSnapshot, expectOneEvent, expectUnchanged } from "./catalog-test-kit";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;
let entId: string;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
  await makeEntitlement(db.prisma, cast.system.id, { name: "payments-write" });
  entId = (await makeEntitlement(db.prisma, cast.system.id, { name: "payments-read", risk: "LOW", maxDurationDays: 180 })).id;
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

const current = () => db.prisma.entitlement.findUniqueOrThrow({ where: { id: entId } });

describe("catalog.updateEntitlement", () => {
  it("lets an admin edit an entitlement and records the changed fields, before and after", async () => {
    const e = await current();
    const newOwner = await makeHuman(db.prisma, { name: "Nina New" });
    before = await catalogSnapshot(db.prisma);
    const updated = await cast.as.admin.catalog.updateEntitlement({
      id: e.id,
      expectedUpdatedAt: e.updatedAt,
      description: "Read payments",
      risk: "MEDIUM",
      ownerId: newOwner.id,
      requestable: false,
      externalRef: "grp_read",
    });
    expect(updated).toMatchObject({ risk: "MEDIUM", ownerId: newOwner.id, requestable: false, externalRef: "grp_read" });
    const event = await expectOneEvent(db.prisma, before.events, "entitlement.updated", e.id);
    expect(event.payload).toEqual({
      systemId: cast.system.id,
      name: "payments-read",
      effectiveOwnerId: newOwner.id,
      changes: {
        description: { before: "", after: "Read payments" },
        risk: { before: "LOW", after: "MEDIUM" },
        ownerId: { before: null, after: newOwner.id },
        requestable: { before: true, after: false },
        externalRef: { before: null, after: "grp_read" },
      },
    });
  });

  it("hands ownership back to the system owner with ownerId null", async () => {
    const e = await current();
    await cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, ownerId: null });
    const event = await expectOneEvent(db.prisma, before.events, "entitlement.updated", e.id);
    expect(event.payload).toMatchObject({ changes: { ownerId: { after: null } }, effectiveOwnerId: cast.owner.id });
    expect((await cast.as.employee.catalog.entitlementById({ id: e.id })).owner.id).toBe(cast.owner.id);
  });

  it("refuses marking a 180-day entitlement privileged without shortening it, and writes nothing", async () => {
    const e = await current();
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, privileged: true })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Privileged and critical-risk entitlements can be granted for at most 90 days (maximum duration was 180 days).",
    });
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, risk: "CRITICAL" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });

  it("accepts privileged together with a shorter maximum duration", async () => {
    const e = await current();
    const u = await cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, privileged: true, maxDurationDays: 30 });
    expect(u).toMatchObject({ privileged: true, maxDurationDays: 30 });
    await expectOneEvent(db.prisma, before.events, "entitlement.updated", e.id);
    const back = await current();
    // Lengthening a privileged entitlement past 90 days is refused too.
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: back.updatedAt, maxDurationDays: 120 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses a maximum duration outside 1..365 and writes nothing", async () => {
    const e = await current();
    for (const days of [0, 400]) {
      await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, maxDurationDays: days })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("between 1 and 365 days"),
      });
    }
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a stale expectedUpdatedAt with CONFLICT and writes nothing", async () => {
    const e = await current();
    await expect(
      cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: new Date(e.updatedAt.getTime() - 1), description: "stale" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("changed by someone else") });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses renaming onto a sibling's name with CONFLICT and writes nothing", async () => {
    const e = await current();
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, name: "PAYMENTS-WRITE" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'The system "Payments API" already has an entitlement named "payments-write".',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a non-human owner and writes nothing", async () => {
    const bot = await makeNhi(db.prisma, cast.owner.id, { name: "svc-bot" });
    before = await catalogSnapshot(db.prisma);
    const e = await current();
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, ownerId: bot.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'The owner must be an active person: "svc-bot" is a non-human identity.',
    });
    await expectUnchanged(db.prisma, before);
  });

  it.each(["employee", "security", "auditor", "owner"] as const)("forbids %s and writes nothing", async (who) => {
    const e = await current();
    await expect(cast.as[who].catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, requestable: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the signed-out, and an unknown entitlement, writing nothing", async () => {
    const e = await current();
    await expect(cast.as.signedOut.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, requestable: true })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(
      cast.as.admin.catalog.updateEntitlement({ id: "00000000-0000-4000-8000-000000000000", expectedUpdatedAt: e.updatedAt, requestable: true }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses changing the system (not an editable field)", async () => {
    const e = await current();
    await expect(cast.as.admin.catalog.updateEntitlement({ id: e.id, expectedUpdatedAt: e.updatedAt, systemId: e.id } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });
});
