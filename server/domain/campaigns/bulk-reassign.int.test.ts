import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle, PrismaClient } from "../../db";
import type { ReviewItem } from "../../db/generated/client";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeGrant, makeHuman } from "../../testing/factories";
import { expectCleanRace, expectRefusedOnlyWith, moreInstances, race } from "../../testing/race-kit";
import { coreCast, coreGrants, coreSnapshot, eventsSince, expectUnchanged, launched, type CoreCast } from "./core-test-kit";

let db: TestDb;
let c: CoreCast;
let campaignId: string;
/** Owner reviews priyaA1, peerA1, svcA1 (system A, payments-read); entOwner reviews priyaA2. */
let item: Record<string, ReviewItem>;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  c = await coreCast(db.prisma);
  const g = await coreGrants(db.prisma, c);
  const l = await launched(db.prisma, c);
  campaignId = l.campaign.id;
  item = Object.fromEntries(Object.entries(g).map(([k, grant]) => [k, l.items.find((i) => i.grantId === grant.id)!]).filter(([, i]) => i));
});

const v1 = (...keys: string[]) => keys.map((k) => ({ itemId: item[k]!.id, expectedVersion: 1 }));
const reload = (id: string) => db.prisma.reviewItem.findUniqueOrThrow({ where: { id } });

describe("campaigns.bulkReassign", () => {
  it("moves the reviewer's items to another person: one event per item, one notification for the call", async () => {
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.bulkReassign({ campaignId, items: v1("priyaA1", "peerA1"), toId: c.manager.id, reason: "Marcus manages the team" });
    expect(res).toEqual({ reassigned: 2, conflicts: [] });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => [e.action, e.subjectId, e.actorId])).toEqual([
      ["review.reassigned", item.priyaA1!.id, c.owner.id],
      ["review.reassigned", item.peerA1!.id, c.owner.id],
    ]);
    expect(events[0]!.payload).toMatchObject({ campaignId, fromId: c.owner.id, toId: c.manager.id, reason: "Marcus manages the team", version: 2 });
    for (const k of ["priyaA1", "peerA1"]) {
      expect(await reload(item[k]!.id)).toMatchObject({ reviewerId: c.manager.id, routedFromId: c.owner.id, routingReason: "reassigned: Marcus manages the team", version: 2, decision: null });
    }
    const notes = await db.prisma.notification.findMany({ where: { recipientId: c.manager.id, kind: "review.reassigned" } });
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain("2 items: Marcus manages the team");
    expect((await c.as(c.manager.id).campaigns.myItems({ campaignId })).rows.map((r) => r.id).sort()).toEqual([item.priyaA1!.id, item.peerA1!.id].sort());
  });

  it("lets an admin (the campaign's owner) move anyone's items", async () => {
    const res = await c.as(c.admin.id).campaigns.bulkReassign({ campaignId, items: v1("priyaA2", "svcA1"), toId: c.security.id, reason: "Security reviews these" });
    expect(res.reassigned).toBe(2);
    expect(await reload(item.priyaA2!.id)).toMatchObject({ reviewerId: c.security.id, routedFromId: c.entOwner.id });
  });

  it("refuses per item, leaving that item unchanged: to the item's holder, a stale version, already decided, someone else's item", async () => {
    await c.as(c.owner.id).campaigns.decide({ itemId: item.svcA1!.id, expectedVersion: 1, decision: "REVOKE" });
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.bulkReassign({
      campaignId,
      items: [...v1("priyaA1", "svcA1", "priyaA2"), { itemId: item.peerA1!.id, expectedVersion: 9 }],
      toId: c.priya.id,
      reason: "Priya knows the payments team",
    });
    expect(res.reassigned).toBe(0);
    expect(res.conflicts).toEqual([
      { itemId: item.priyaA1!.id, reason: "Priya Engineer holds this access and cannot review it (no self-review)." },
      { itemId: item.svcA1!.id, reason: "This item was already decided (REVOKE): it can no longer be reassigned." },
      { itemId: item.priyaA2!.id, reason: "Only the item's reviewer, the campaign's owner or an admin can reassign it." },
      { itemId: item.peerA1!.id, reason: "This item changed after you loaded it (decided or reassigned). Reload to see its current state." },
    ]);
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["a stranger to the campaign", "employee", "NOT_FOUND"],
    ["a reviewer of other items, not the campaign's manager", "entOwner", "FORBIDDEN"],
    ["security (sees the campaign, manages nothing)", "security", "FORBIDDEN"],
    ["an auditor", "auditor", "FORBIDDEN"],
  ] as const)("refuses %s as a whole and changes nothing", async (_n, who, code) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.bulkReassign({ campaignId, items: v1("priyaA1", "peerA1"), toId: c.fallback.id, reason: "Someone else should" })).rejects.toMatchObject({ code });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a closed campaign (CONFLICT) and changes nothing", async () => {
    await db.prisma.campaign.update({ where: { id: campaignId }, data: { status: "CLOSED", closedAt: new Date() } });
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.owner.id).campaigns.bulkReassign({ campaignId, items: v1("priyaA1"), toId: c.fallback.id, reason: "Too late for this" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/campaign is closed/),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a new reviewer who is not an active person, too many ids, the same id twice, a short reason; changes nothing", async () => {
    const gone = await makeHuman(db.prisma, { name: "Gone Person", status: "SUSPENDED" });
    const before = await coreSnapshot(db.prisma);
    const api = c.as(c.owner.id);
    await expect(api.campaigns.bulkReassign({ campaignId, items: v1("priyaA1"), toId: gone.id, reason: "Gone knows it" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/active person/) });
    await expect(api.campaigns.bulkReassign({ campaignId, items: v1("priyaA1"), toId: c.svc.id, reason: "A bot knows it" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const one = v1("priyaA1")[0]!;
    for (const items of [[], Array.from({ length: 501 }, () => one), [one, one]]) {
      await expect(api.campaigns.bulkReassign({ campaignId, items, toId: c.fallback.id, reason: "Fay knows it" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(api.campaigns.bulkReassign({ campaignId, items: [one], toId: c.fallback.id, reason: "Fay" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("race on PostgreSQL: bulk reassign against decisions on the same items", () => {
  let extra: DbHandle[];
  let dbs: PrismaClient[];
  beforeAll(() => {
    extra = moreInstances(db.url!, 3);
    dbs = [db.prisma, ...extra.map((h) => h.prisma)];
  });
  afterAll(async () => {
    await Promise.all(extra.map((h) => h.close()));
  });

  it("each item ends decided by the old reviewer or reassigned, never both; one event per item, matching its state", async () => {
    // 40 more items for the owner to review.
    const people = await Promise.all(Array.from({ length: 40 }, (_, i) => makeHuman(db.prisma, { name: `Racer ${i}`, department: "Racing" })));
    for (const p of people) await makeGrant(db.prisma, p.id, c.a1.id);
    const l = await launched(db.prisma, c, { name: "Race review" });
    const mine = l.items.filter((i) => i.reviewerId === c.owner.id);
    expect(mine.length).toBeGreaterThanOrEqual(40);
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const all = mine.map((i) => ({ itemId: i.id, expectedVersion: i.version }));
    // 10 bulk reassignments by the admin of all the items, 40 single decisions and 10 bulk decisions by the owner.
    const tally = await race(dbs, 60, (i, as) => {
      if (i % 6 === 0) return as(c.admin.id).campaigns.bulkReassign({ campaignId: l.campaign.id, items: all, toId: c.fallback.id, reason: "The fallback takes over" });
      if (i % 6 === 1) return as(c.owner.id).campaigns.bulkDecide({ campaignId: l.campaign.id, items: all, decision: "REVOKE" });
      const one = all[i % all.length]!;
      return as(c.owner.id).campaigns.decide({ itemId: one.itemId, expectedVersion: one.expectedVersion, decision: "REVOKE" });
    });
    await expectCleanRace(db.prisma, tally);
    expectRefusedOnlyWith(tally, ["CONFLICT", "FORBIDDEN"]);
    const after = await db.prisma.reviewItem.findMany({ where: { id: { in: mine.map((i) => i.id) } } });
    const events = await db.prisma.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) }, subjectType: "ReviewItem" } });
    for (const it0 of after) {
      const mineEvents = events.filter((e) => e.subjectId === it0.id).map((e) => e.action);
      if (it0.decision) {
        expect(it0).toMatchObject({ decision: "REVOKE", decidedById: c.owner.id, reviewerId: c.owner.id, version: 2 });
        expect(mineEvents).toEqual(["review.decided"]);
      } else {
        expect(it0).toMatchObject({ reviewerId: c.fallback.id, routedFromId: c.owner.id, version: 2 });
        expect(mineEvents).toEqual(["review.reassigned"]);
      }
    }
  });
});
