import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ReviewItem } from "../../db/generated/client";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { coreCast, coreGrants, coreSnapshot, eventsSince, expectUnchanged, launched, makeRequestedGrant, type CoreCast } from "./core-test-kit";

let db: TestDb;
let c: CoreCast;
let g: Awaited<ReturnType<typeof coreGrants>> & { employeeA1Requested: { id: string } };
let campaignId: string;
/** Items by grant: owner reviews priyaA1 (imported), peerA1, svcA1, employeeA1Requested (verified); entOwner priyaA2 (privileged). */
let item: Record<string, ReviewItem>;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  c = await coreCast(db.prisma);
  const base = await coreGrants(db.prisma, c);
  const employeeA1Requested = await makeRequestedGrant(db.prisma, {
    beneficiaryId: c.employee.id,
    entitlementId: c.a1.id,
    approvers: [{ id: c.owner.id, name: c.owner.displayName, authority: { kind: "OWNER_OF", subject: { id: c.a1.id, name: "payments-read" } } }],
  });
  g = { ...base, employeeA1Requested };
  const l = await launched(db.prisma, c);
  campaignId = l.campaign.id;
  item = Object.fromEntries(Object.entries(g).map(([k, grant]) => [k, l.items.find((i) => i.grantId === grant.id)!]));
});

const reload = (id: string) => db.prisma.reviewItem.findUniqueOrThrow({ where: { id } });

describe("campaigns.decide", () => {
  it("lets the reviewer keep verified, non-privileged access without a comment; records review.decided", async () => {
    const before = await coreSnapshot(db.prisma);
    const it0 = item.employeeA1Requested!;
    const res = await c.as(c.owner.id).campaigns.decide({ itemId: it0.id, expectedVersion: 1, decision: "KEEP" });
    expect(res).toMatchObject({ decision: "KEEP", comment: null, decidedById: c.owner.id, version: 2, defaulted: false });
    const events = await eventsSince(db.prisma, before.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "review.decided", subjectType: "ReviewItem", subjectId: it0.id, actorId: c.owner.id });
    expect(events[0]!.payload).toMatchObject({ campaignId, grantId: g.employeeA1Requested.id, decision: "KEEP", comment: null, version: 2 });
  });

  it("lets the reviewer revoke imported access without a comment", async () => {
    expect(await c.as(c.owner.id).campaigns.decide({ itemId: item.priyaA1!.id, expectedVersion: 1, decision: "REVOKE" })).toMatchObject({ decision: "REVOKE", comment: null });
  });

  it.each([
    ["imported access without a comment", "priyaA1", "owner", undefined, /required to keep access of unverified origin/],
    ["imported access with a 4-character comment", "priyaA1", "owner", "fine", /at least 5 characters is required/],
    ["privileged access without a comment", "priyaA2", "entOwner", undefined, /required to keep privileged access of unverified origin/],
    ["privileged access with a blank comment", "priyaA2", "entOwner", "     ", /required to keep privileged access/],
  ] as const)("refuses to KEEP %s (BAD_REQUEST) and changes nothing", async (_n, key, who, comment, message) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.decide({ itemId: item[key]!.id, expectedVersion: 1, decision: "KEEP", comment })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(message),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("keeps privileged access with a comment", async () => {
    const res = await c.as(c.entOwner.id).campaigns.decide({ itemId: item.priyaA2!.id, expectedVersion: 1, decision: "KEEP", comment: "  On-call lead for payments  " });
    expect(res).toMatchObject({ decision: "KEEP", comment: "On-call lead for payments" });
  });

  it("refuses an already decided item and a stale version (CONFLICT), changes nothing", async () => {
    await c.as(c.owner.id).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 1, decision: "REVOKE" });
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.owner.id).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 2, decision: "KEEP", comment: "changed my mind" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(c.as(c.owner.id).campaigns.decide({ itemId: item.svcA1!.id, expectedVersion: 7, decision: "REVOKE" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["another reviewer of the campaign", "entOwner", "NOT_FOUND"],
    ["a stranger", "employee", "NOT_FOUND"],
    ["the campaign's owner (an admin) who is not the reviewer", "admin", "FORBIDDEN"],
    ["security", "security", "FORBIDDEN"],
    ["an auditor", "auditor", "FORBIDDEN"],
  ] as const)("refuses %s and changes nothing", async (_n, who, code) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 1, decision: "REVOKE" })).rejects.toMatchObject({ code });
    await expect(c.as(null).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 1, decision: "REVOKE" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["an unknown decision", { decision: "MAYBE" }],
    ["version 0", { expectedVersion: 0 }],
    ["a 2001-character comment", { comment: "x".repeat(2001) }],
    ["an unknown key", { reviewerId: "x" }],
    ["an item id that is not a UUID", { itemId: "42" }],
  ])("refuses %s (BAD_REQUEST) and changes nothing", async (_n, patch) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.owner.id).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 1, decision: "REVOKE", ...patch } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });

  it.each(["CLOSED", "REMEDIATING"] as const)("refuses decisions, bulk decisions and reassignments once the campaign is %s, changes nothing", async (status) => {
    await db.prisma.campaign.update({ where: { id: campaignId }, data: { status } });
    const before = await coreSnapshot(db.prisma);
    const closed = { code: "CONFLICT", message: expect.stringContaining("The campaign is closed") };
    await expect(c.as(c.owner.id).campaigns.decide({ itemId: item.peerA1!.id, expectedVersion: 1, decision: "REVOKE" })).rejects.toMatchObject(closed);
    await expect(c.as(c.owner.id).campaigns.bulkDecide({ campaignId, items: [{ itemId: item.peerA1!.id, expectedVersion: 1 }], decision: "REVOKE" })).rejects.toMatchObject(closed);
    await expect(c.as(c.owner.id).campaigns.reassign({ itemId: item.peerA1!.id, expectedVersion: 1, toId: c.manager.id, reason: "Marcus knows this team" })).rejects.toMatchObject(closed);
    await expectUnchanged(db.prisma, before);
  });
});

describe("campaigns.bulkDecide", () => {
  it("decides each item under the same rules in one call and returns the conflicts with their reasons", async () => {
    await c.as(c.owner.id).campaigns.decide({ itemId: item.svcA1!.id, expectedVersion: 1, decision: "REVOKE" });
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.bulkDecide({
      campaignId,
      decision: "KEEP",
      items: [
        { itemId: item.employeeA1Requested!.id, expectedVersion: 1 }, // decided
        { itemId: item.priyaA1!.id, expectedVersion: 1 }, // imported: comment required
        { itemId: item.peerA1!.id, expectedVersion: 2 }, // stale
        { itemId: item.svcA1!.id, expectedVersion: 1 }, // already decided
        { itemId: item.priyaA2!.id, expectedVersion: 1 }, // someone else's
        { itemId: "00000000-0000-4000-8000-000000000001", expectedVersion: 1 }, // not in the campaign
      ],
    });
    expect(res.decided).toBe(1);
    expect(Object.fromEntries(res.conflicts.map((x) => [x.itemId, x.reason]))).toEqual({
      [item.priyaA1!.id]: expect.stringContaining("required to keep access of unverified origin"),
      [item.peerA1!.id]: expect.stringContaining("changed after you loaded it"),
      [item.svcA1!.id]: expect.stringContaining("already decided"),
      [item.priyaA2!.id]: "Only the item's current reviewer can decide it.",
      "00000000-0000-4000-8000-000000000001": "This item is not part of this campaign.",
    });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => [e.action, e.subjectId])).toEqual([["review.decided", item.employeeA1Requested!.id]]);
    expect((await reload(item.priyaA1!.id)).decision).toBeNull();
    expect((await reload(item.priyaA2!.id)).decision).toBeNull();
  });

  it("records one review.decided event per item, with the shared comment", async () => {
    const before = await coreSnapshot(db.prisma);
    const mine = [item.priyaA1!, item.peerA1!, item.svcA1!, item.employeeA1Requested!];
    const res = await c.as(c.owner.id).campaigns.bulkDecide({ campaignId, decision: "KEEP", comment: "Confirmed with the team lead", items: mine.map((i) => ({ itemId: i.id, expectedVersion: 1 })) });
    expect(res).toEqual({ decided: 4, conflicts: [] });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(Array(4).fill("review.decided"));
    expect(new Set(events.map((e) => e.subjectId))).toEqual(new Set(mine.map((i) => i.id)));
    for (const i of mine) expect(await reload(i.id)).toMatchObject({ decision: "KEEP", comment: "Confirmed with the team lead", decidedById: c.owner.id, version: 2 });
  });

  it.each([
    ["a stranger", "employee", "NOT_FOUND"],
    ["an admin (no items of theirs)", "admin", "FORBIDDEN"],
    ["an auditor", "auditor", "FORBIDDEN"],
  ] as const)("refuses %s and changes nothing", async (_n, who, code) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.bulkDecide({ campaignId, decision: "REVOKE", items: [{ itemId: item.peerA1!.id, expectedVersion: 1 }] })).rejects.toMatchObject({ code });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses bad input: no items, over 500 items, the same item twice", async () => {
    const before = await coreSnapshot(db.prisma);
    const one = { itemId: item.peerA1!.id, expectedVersion: 1 };
    for (const items of [[], Array.from({ length: 501 }, () => one), [one, one]]) {
      await expect(c.as(c.owner.id).campaigns.bulkDecide({ campaignId, decision: "REVOKE", items })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expectUnchanged(db.prisma, before);
  });
});

describe("campaigns.reassign", () => {
  it("lets the reviewer hand an item to someone else: recorded, routed, notified", async () => {
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.reassign({ itemId: item.priyaA1!.id, expectedVersion: 1, toId: c.manager.id, reason: "Marcus manages Priya" });
    expect(res).toMatchObject({ reviewerId: c.manager.id, routedFromId: c.owner.id, routingReason: "reassigned: Marcus manages Priya", version: 2, decision: null });
    const events = await eventsSince(db.prisma, before.events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "review.reassigned", subjectId: item.priyaA1!.id, actorId: c.owner.id });
    expect(events[0]!.payload).toMatchObject({ fromId: c.owner.id, toId: c.manager.id, reason: "Marcus manages Priya" });
    const note = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: c.manager.id, kind: "review.reassigned" } });
    expect(note.body).toContain("Marcus manages Priya");
    // The new reviewer now has it in their workspace; the old one does not.
    expect((await c.as(c.manager.id).campaigns.myItems({ campaignId })).rows.map((r) => r.id)).toEqual([item.priyaA1!.id]);
    expect((await c.as(c.owner.id).campaigns.myItems({ campaignId })).rows.map((r) => r.id)).not.toContain(item.priyaA1!.id);
  });

  it("lets the campaign's owner (an admin) reassign any item", async () => {
    expect(await c.as(c.admin.id).campaigns.reassign({ itemId: item.priyaA2!.id, expectedVersion: 1, toId: c.security.id, reason: "Security reviews admin access" })).toMatchObject({ reviewerId: c.security.id });
  });

  it.each([
    ["to the holder (self-review)", (c: CoreCast) => c.priya.id, /holds this access and cannot review it/],
    ["to a non-human identity", (c: CoreCast) => c.svc.id, /must be an active person/],
    ["to the current reviewer", (c: CoreCast) => c.owner.id, /already the reviewer/],
  ])("refuses reassigning %s (BAD_REQUEST) and changes nothing", async (_n, to, message) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.owner.id).campaigns.reassign({ itemId: item.priyaA1!.id, expectedVersion: 1, toId: to(c), reason: "Please take this one" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(message),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a suspended person, a missing reason and a stale version; changes nothing", async () => {
    const gone = await makeHuman(db.prisma, { name: "Gone Person", status: "SUSPENDED" });
    const before = await coreSnapshot(db.prisma);
    const base = { itemId: item.priyaA1!.id, expectedVersion: 1, toId: c.manager.id, reason: "Please take this one" };
    await expect(c.as(c.owner.id).campaigns.reassign({ ...base, toId: gone.id })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(c.owner.id).campaigns.reassign({ ...base, reason: "   " })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("reason") });
    await expect(c.as(c.owner.id).campaigns.reassign({ ...base, expectedVersion: 2 })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["another reviewer of the campaign", "entOwner", "NOT_FOUND"],
    ["a stranger", "employee", "NOT_FOUND"],
    ["security (sees the campaign, does not run it)", "security", "FORBIDDEN"],
    ["an auditor", "auditor", "FORBIDDEN"],
  ] as const)("refuses %s and changes nothing", async (_n, who, code) => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.reassign({ itemId: item.priyaA1!.id, expectedVersion: 1, toId: c.manager.id, reason: "Please take this one" })).rejects.toMatchObject({ code });
    await expectUnchanged(db.prisma, before);
  });
});

describe("concurrency: two reviewers on one item after a reassignment give one decision", () => {
  it("the previous reviewer (stale version) and the new reviewer decide at once: the new one wins, the old one gets CONFLICT", async () => {
    const it0 = item.priyaA1!;
    await c.as(c.owner.id).campaigns.reassign({ itemId: it0.id, expectedVersion: 1, toId: c.manager.id, reason: "Marcus manages Priya" });
    const before = await coreSnapshot(db.prisma);
    const [oldReviewer, newReviewer] = await Promise.allSettled([
      c.as(c.owner.id).campaigns.decide({ itemId: it0.id, expectedVersion: 1, decision: "KEEP", comment: "Still needed for payments" }),
      c.as(c.manager.id).campaigns.decide({ itemId: it0.id, expectedVersion: 2, decision: "REVOKE", comment: "Moved to another team" }),
    ]);
    expect(oldReviewer).toMatchObject({ status: "rejected", reason: { code: "CONFLICT" } });
    expect(newReviewer).toMatchObject({ status: "fulfilled" });
    expect(await reload(it0.id)).toMatchObject({ decision: "REVOKE", decidedById: c.manager.id, version: 3 });
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["review.decided"]);
  });

  it("a decision racing a reassignment from the same version: exactly one happens", async () => {
    const it0 = item.peerA1!;
    const before = await coreSnapshot(db.prisma);
    const results = await Promise.allSettled([
      c.as(c.owner.id).campaigns.decide({ itemId: it0.id, expectedVersion: 1, decision: "REVOKE" }),
      c.as(c.admin.id).campaigns.reassign({ itemId: it0.id, expectedVersion: 1, toId: c.manager.id, reason: "Marcus manages Pete" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    const after = await reload(it0.id);
    expect(after.version).toBe(2);
    if (results[0]!.status === "fulfilled") expect(after).toMatchObject({ decision: "REVOKE", reviewerId: c.owner.id });
    else expect(after).toMatchObject({ decision: null, reviewerId: c.manager.id });
    expect(await eventsSince(db.prisma, before.events)).toHaveLength(1);
  });
});
