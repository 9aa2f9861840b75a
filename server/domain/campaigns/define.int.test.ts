import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { coreCast, coreGrants, coreSnapshot, DAY, definition, eventsSince, expectUnchanged, launched, type CoreCast, type CoreSnapshot } from "./core-test-kit";

let db: TestDb;
let c: CoreCast;
let before: CoreSnapshot;

beforeAll(async () => {
  db = await createTestDb();
  c = await coreCast(db.prisma);
  await coreGrants(db.prisma, c);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await coreSnapshot(db.prisma);
});

describe("campaigns.create", () => {
  it("lets an admin create a DRAFT campaign they own, and records campaign.created", async () => {
    const { id } = await c.as(c.admin.id).campaigns.create(definition(c, { reviewerStrategy: "NAMED", namedReviewerIds: [c.manager.id, c.manager.id], recurrence: "QUARTERLY", reminderDays: [1, 7, 3] }));
    const row = await db.prisma.campaign.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "DRAFT", ownerId: c.admin.id, reviewerStrategy: "NAMED", namedReviewerIds: [c.manager.id], reminderDays: [7, 3, 1], recurrence: "QUARTERLY", launchedAt: null, populationCount: null });
    const events = await eventsSince(db.prisma, before.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "campaign.created", subjectType: "Campaign", subjectId: id, actorId: c.admin.id });
    expect(events[0]!.payload).toMatchObject({ name: "Q3 payments access review", ownerId: c.admin.id, reviewerStrategy: "NAMED", scope: { systemIds: [c.systemA.id] } });
  });

  it("lets a system owner create a campaign over their own system (and its entitlements)", async () => {
    const { id } = await c.as(c.owner.id).campaigns.create(definition(c, { scope: { systemIds: [c.systemA.id], entitlementIds: [c.a2.id] } }));
    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id } })).toMatchObject({ ownerId: c.owner.id, scope: { systemIds: [c.systemA.id], entitlementIds: [c.a2.id], privilegedOnly: false, identityKinds: [] } });
  });

  it.each([
    ["another owner's system", (c: CoreCast) => ({ systemIds: [c.systemB.id] })],
    ["their system plus another's", (c: CoreCast) => ({ systemIds: [c.systemA.id, c.systemB.id] })],
    ["every system (no system given)", () => ({ systemIds: [] })],
    ["an entitlement of another system", (c: CoreCast) => ({ systemIds: [c.systemA.id], entitlementIds: [c.b1.id] })],
  ])("refuses a system owner a scope over %s (FORBIDDEN) and changes nothing", async (_n, make) => {
    await expect(c.as(c.owner.id).campaigns.create(definition(c, { scope: make(c) }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it.each(["employee", "security", "manager"] as const)("refuses %s (FORBIDDEN) and changes nothing", async (who) => {
    await expect(c.as(c[who].id).campaigns.create(definition(c))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an auditor, even one who is also an admin, and the signed-out; changes nothing", async () => {
    const auditorAdmin = await makeHuman(db.prisma, { name: "Both Roles", roles: ["AUDITOR", "ADMIN"] });
    before = await coreSnapshot(db.prisma);
    await expect(c.as(c.auditor.id).campaigns.create(definition(c))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as(auditorAdmin.id).campaigns.create(definition(c))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as(null).campaigns.create(definition(c))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  const now = Date.now();
  it.each([
    ["a due date before the start", () => ({ startsAt: new Date(now + 2 * DAY), dueAt: new Date(now + DAY) }), /dueAt: must be after the start/],
    ["a due date in the past", () => ({ startsAt: new Date(now - 10 * DAY), dueAt: new Date(now - DAY) }), /due date must be in the future/],
    ["a reminder 91 days out", () => ({ reminderDays: [91] }), /reminderDays\.0: must be between 0 and 90/],
    ["a negative reminder", () => ({ reminderDays: [-1] }), /reminderDays\.0: must be between 0 and 90/],
    ["a reminder day twice", () => ({ reminderDays: [3, 3] }), /each reminder day may appear only once/],
    ["a too-short name", () => ({ name: "Q" }), /name: must be at least 3 characters/],
    ["an unknown strategy", () => ({ reviewerStrategy: "RANDOM" as never }), /reviewerStrategy: must be one of/],
    ["an unknown default action", () => ({ defaultAction: "IGNORE" as never }), /defaultAction: must be one of/],
    ["an unknown recurrence", () => ({ recurrence: "WEEKLY" as never }), /recurrence: must be one of/],
    ["an unknown scope key", () => ({ scope: { systemIds: [], everything: true } as never }), /Unrecognized key/],
    ["a scope of 0 days not reviewed", (c: CoreCast) => ({ scope: { systemIds: [c.systemA.id], notReviewedForDays: 0 } }), /notReviewedForDays: must be between 1 and 3650/],
    ["an unknown system", () => ({ scope: { systemIds: ["00000000-0000-4000-8000-000000000000"] } }), /no system with id/],
    ["an entitlement outside the chosen systems", (c: CoreCast) => ({ scope: { systemIds: [c.systemA.id], entitlementIds: [c.b1.id] } }), /is not in one of the chosen systems/],
    ["a suspended fallback reviewer", (c: CoreCast & { suspended: string }) => ({ fallbackReviewerId: c.suspended }), /fallback reviewer must be an active person: "Sus Pended" is suspended/],
    ["a non-human fallback reviewer", (c: CoreCast) => ({ fallbackReviewerId: c.svc.id }), /fallback reviewer must be an active person: "svc-payments" is a non-human identity/],
    ["NAMED without reviewers", () => ({ reviewerStrategy: "NAMED" as const, namedReviewerIds: [] }), /needs at least one reviewer/],
    ["NAMED with a suspended reviewer", (c: CoreCast & { suspended: string }) => ({ reviewerStrategy: "NAMED" as const, namedReviewerIds: [c.manager.id, c.suspended] }), /Each named reviewer must be an active person/],
  ] as [string, (c: CoreCast & { suspended: string }) => object, RegExp][])("refuses %s (BAD_REQUEST) and changes nothing", async (_n, make, message) => {
    const suspended = (await db.prisma.identity.findFirst({ where: { displayName: "Sus Pended" } })) ?? (await makeHuman(db.prisma, { name: "Sus Pended", status: "SUSPENDED" }));
    before = await coreSnapshot(db.prisma);
    const o = make({ ...c, suspended: suspended.id });
    await expect(c.as(c.admin.id).campaigns.create(definition(c, o))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
    await expectUnchanged(db.prisma, before);
  });
});

describe("campaigns.update", () => {
  async function draft(actorId = c.admin.id) {
    const { id } = await c.as(actorId).campaigns.create(definition(c));
    const row = await db.prisma.campaign.findUniqueOrThrow({ where: { id } });
    before = await coreSnapshot(db.prisma);
    return row;
  }

  it("lets the owner edit a draft and records the changed fields, before and after", async () => {
    const d = await draft(c.owner.id);
    const res = await c.as(c.owner.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, name: "Q3 payments review", defaultAction: "REVOKE", reminderDays: [7, 1] });
    expect(res).toMatchObject({ name: "Q3 payments review", defaultAction: "REVOKE", status: "DRAFT" });
    expect(res.updatedAt.getTime()).toBeGreaterThan(d.updatedAt.getTime());
    const events = await eventsSince(db.prisma, before.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "campaign.updated", subjectId: d.id, actorId: c.owner.id });
    expect(events[0]!.payload).toEqual({
      name: "Q3 payments review",
      changes: { name: { before: "Q3 payments access review", after: "Q3 payments review" }, defaultAction: { before: "KEEP", after: "REVOKE" } },
    });
  });

  it("lets an admin edit someone's draft; writes nothing when nothing changes", async () => {
    const d = await draft(c.owner.id);
    const same = await c.as(c.admin.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, name: d.name });
    expect(same.updatedAt).toEqual(d.updatedAt);
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["otherOwner", "NOT_FOUND"],
    ["employee", "NOT_FOUND"],
    ["security", "FORBIDDEN"],
    ["auditor", "FORBIDDEN"],
  ] as const)("refuses %s (%s: those who do not see the campaign are told it does not exist) and changes nothing", async (who, code) => {
    const d = await draft(c.owner.id);
    await expect(c.as(c[who].id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, name: "Mine now" })).rejects.toMatchObject({ code });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a system owner widening the scope to another's system (FORBIDDEN), changes nothing", async () => {
    const d = await draft(c.owner.id);
    await expect(c.as(c.owner.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, scope: { systemIds: [c.systemA.id, c.systemB.id] } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a stale version and a launched campaign (CONFLICT), and bad input (BAD_REQUEST); changes nothing", async () => {
    const d = await draft();
    await expect(c.as(c.admin.id).campaigns.update({ id: d.id, expectedUpdatedAt: new Date(d.updatedAt.getTime() - 5), name: "Stale" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(c.as(c.admin.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, dueAt: new Date(d.startsAt.getTime() - DAY) })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("due date must be after the start"),
    });
    await expect(c.as(c.admin.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, status: "ACTIVE" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);

    const { campaign } = await launched(db.prisma, c, { name: "Launched one" });
    before = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.update({ id: campaign.id, expectedUpdatedAt: campaign.updatedAt, name: "Too late" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "Only a draft campaign can be edited: this one is active.",
    });
    await expectUnchanged(db.prisma, before);
  });

  it("lets exactly one of two concurrent edits from the same version win", async () => {
    const d = await draft();
    const results = await Promise.allSettled(["A name", "B name"].map((name) => c.as(c.admin.id).campaigns.update({ id: d.id, expectedUpdatedAt: d.updatedAt, name })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events + 1);
  });
});

describe("campaigns.previewScope", () => {
  it("counts the grants in scope for an admin and for a system owner over their systems", async () => {
    expect(await c.as(c.admin.id).campaigns.previewScope({ scope: { systemIds: [c.systemA.id, c.systemB.id] } })).toEqual({ count: 7 });
    expect(await c.as(c.admin.id).campaigns.previewScope({ scope: {} })).toMatchObject({ count: expect.any(Number) });
    expect(await c.as(c.owner.id).campaigns.previewScope({ scope: { systemIds: [c.systemA.id], privilegedOnly: true } })).toEqual({ count: 1 });
  });

  it.each(["employee", "otherOwner", "auditor", "security"] as const)("refuses %s for system A (FORBIDDEN)", async (who) => {
    await expect(c.as(c[who].id).campaigns.previewScope({ scope: { systemIds: [c.systemA.id] } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
