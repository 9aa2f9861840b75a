import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ReviewItem } from "../../db/generated/client";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant, makeHuman, makeNhi } from "../../testing/factories";
import { coreCast, coreSnapshot, eventsSince, expectUnchanged, launched, makeRequestedGrant, type CoreCast } from "./core-test-kit";
import { suggest, type SuggestionFacts } from "./suggestions";

/** Verified, active, not privileged, no department to compare with: nothing to say. */
const base: SuggestionFacts = { privileged: false, originUnverified: false, holderStatus: "ACTIVE", ownerStatus: null, peersHolding: 0, departmentSize: 0 };

describe("suggest (the rule, one reason at a time)", () => {
  it("origin unverified: revoke", () => {
    expect(suggest({ ...base, originUnverified: true })).toEqual({ decision: "REVOKE", reasons: ["origin-unverified"], text: "revoke — origin unverified" });
  });
  it("peers do not hold it (under 20 %): revoke, with the count", () => {
    expect(suggest({ ...base, peersHolding: 1, departmentSize: 10 })).toEqual({ decision: "REVOKE", reasons: ["peers-rare"], text: "revoke — 1 of 10 peers hold it" });
  });
  it("origin unverified and peers do not hold it: both reasons", () => {
    expect(suggest({ ...base, originUnverified: true, peersHolding: 2, departmentSize: 14 })?.text).toBe("revoke — origin unverified; 2 of 14 peers hold it");
  });
  it("holder suspended or deprovisioned (a leaver): revoke, even when peers mostly hold it", () => {
    expect(suggest({ ...base, holderStatus: "SUSPENDED", peersHolding: 9, departmentSize: 10 })).toEqual({ decision: "REVOKE", reasons: ["holder-inactive"], text: "revoke — holder is suspended; 9 of 10 peers hold it" });
    expect(suggest({ ...base, holderStatus: "DEPROVISIONED" })?.decision).toBe("REVOKE");
  });
  it("holder moved department since asking for it: revoke (the same department in other letters is no move)", () => {
    expect(suggest({ ...base, departmentAtGrant: "Finance", departmentNow: "Legal" })).toEqual({ decision: "REVOKE", reasons: ["holder-moved"], text: "revoke — holder moved from Finance to Legal" });
    expect(suggest({ ...base, departmentAtGrant: "Finance", departmentNow: null })?.text).toBe("revoke — holder moved from Finance to no department");
    expect(suggest({ ...base, departmentAtGrant: " finance ", departmentNow: "Finance" })).toBeNull();
    expect(suggest({ ...base, departmentAtGrant: null, departmentNow: "Legal" })).toBeNull();
    // Moved, but the new department's peers mostly hold it: mixed signals, no suggestion.
    expect(suggest({ ...base, departmentAtGrant: "Finance", departmentNow: "Legal", peersHolding: 6, departmentSize: 10 })).toBeNull();
  });
  it("a non-human identity whose owner is no longer active: revoke", () => {
    expect(suggest({ ...base, ownerStatus: "DEPROVISIONED" })).toEqual({ decision: "REVOKE", reasons: ["owner-inactive"], text: "revoke — owner is deprovisioned" });
  });
  it("nothing against it and peers mostly hold it: keep", () => {
    expect(suggest({ ...base, peersHolding: 5, departmentSize: 10 })).toEqual({ decision: "KEEP", reasons: ["peers-common"], text: "keep — 5 of 10 peers hold it" });
  });
  it.each([
    ["verified, peers neither rare nor mostly (3 of 10)", { peersHolding: 3, departmentSize: 10 }],
    ["exactly 20 % of peers (not under)", { peersHolding: 2, departmentSize: 10 }],
    ["privileged access peers mostly hold (a person's reason stays needed)", { privileged: true, peersHolding: 9, departmentSize: 10 }],
    ["origin unverified but peers mostly hold it (mixed)", { originUnverified: true, peersHolding: 8, departmentSize: 10 }],
    ["too few peers to compare (0 of 2)", { peersHolding: 0, departmentSize: 2 }],
    ["no department", {}],
  ] as const)("no suggestion: %s", (_n, f) => {
    expect(suggest({ ...base, ...f })).toBeNull();
  });
});

let db: TestDb;
let c: CoreCast;
let campaignId: string;
/** Finance: fa, fb, fc hold payments-read from approved requests, fd imported; Legal: la alone, imported; sus: a Finance leaver. */
let item: Record<string, ReviewItem>;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  c = await coreCast(db.prisma);
  const p = db.prisma;
  // Departments of this test only (the database is shared by the file's tests).
  const tag = Math.random().toString(36).slice(2, 8);
  const person = (name: string, department: string) => makeHuman(p, { name, department: `${department} ${tag}` });
  const f = { fa: await person("Fay A", "Finance"), fb: await person("Fred B", "Finance"), fc: await person("Flo C", "Finance"), fd: await person("Finn D", "Finance"), sus: await person("Sue Suspended", "Finance") };
  const l = { la: await person("Lea A", "Legal"), lb: await person("Leo B", "Legal"), lc: await person("Lou C", "Legal"), ld: await person("Lia D", "Legal") };
  const requested = (id: string) => makeRequestedGrant(p, { beneficiaryId: id, entitlementId: c.a1.id, approvers: [] });
  const grants = {
    fa: await requested(f.fa.id),
    fb: await requested(f.fb.id),
    fc: await requested(f.fc.id),
    fd: await makeGrant(p, f.fd.id, c.a1.id),
    sus: await requested(f.sus.id),
    la: await makeGrant(p, l.la.id, c.a1.id),
  };
  const launch = await launched(p, c);
  campaignId = launch.campaign.id;
  item = Object.fromEntries(Object.entries(grants).map(([k, g]) => [k, launch.items.find((i) => i.grantId === g.id)!]));
  // Sue left after the campaign started: suspended by the directory, her grant not yet revoked.
  await p.identity.update({ where: { id: f.sus.id }, data: { status: "SUSPENDED" } });
});

const suggestionOf = async (key: string) => {
  const rows = (await c.as(c.owner.id).campaigns.myItems({ campaignId, size: 100 })).rows;
  return rows.find((r) => r.id === item[key]!.id)!.context.suggestion;
};

describe("campaigns.myItems: the suggestion of each undecided item, from the data", () => {
  it("suggests keeping verified access most of the department holds (3 of the 3 other active people in Finance)", async () => {
    expect(await suggestionOf("fa")).toEqual({ decision: "KEEP", text: "keep — 3 of 3 peers hold it" });
  });
  it("suggests revoking imported access nobody else in the department holds", async () => {
    expect(await suggestionOf("la")).toEqual({ decision: "REVOKE", text: "revoke — origin unverified; 0 of 3 peers hold it" });
  });
  it("suggests revoking a suspended holder's access", async () => {
    expect(await suggestionOf("sus")).toEqual({ decision: "REVOKE", text: "revoke — holder is suspended; 4 of 4 peers hold it" });
  });
  it("suggests nothing for imported access most peers hold (mixed signals)", async () => {
    expect(await suggestionOf("fd")).toBeNull();
  });
  it("suggests revoking a non-human identity's access once its owner is deprovisioned", async () => {
    const owner = await makeHuman(db.prisma, { name: "Otis Owner", department: `Ops ${Math.random()}` });
    const bot = await makeNhi(db.prisma, owner.id, { name: "svc-ops-bot" });
    const g = await makeGrant(db.prisma, bot.id, c.a1.id, { origin: "REQUEST" });
    const l = await launched(db.prisma, c, { name: "NHI review" });
    const it0 = l.items.find((i) => i.grantId === g.id)!;
    await db.prisma.identity.update({ where: { id: owner.id }, data: { status: "DEPROVISIONED" } });
    const rows = (await c.as(c.owner.id).campaigns.myItems({ campaignId: l.campaign.id, size: 100 })).rows;
    expect(rows.find((r) => r.id === it0.id)!.context.suggestion?.text).toMatch(/^revoke — owner is deprovisioned/);
  });
  it("suggests revoking access the holder asked for in a department they have since left", async () => {
    const t = Math.random().toString(36).slice(2, 8);
    const mover = await makeHuman(db.prisma, { name: "Mo Mover", department: `Sales ${t}` });
    for (const n of ["Sam", "Sid", "Sol"]) await makeHuman(db.prisma, { name: `${n} Support`, department: `Support ${t}` });
    const g = await makeRequestedGrant(db.prisma, { beneficiaryId: mover.id, entitlementId: c.a1.id, approvers: [] });
    // What the policy saw when Mo asked: Mo, in Sales.
    await db.prisma.accessRequest.update({ where: { id: g.requestId! }, data: { policyDecision: { input: { requester: { id: mover.id, department: `Sales ${t}` } } } } });
    const l = await launched(db.prisma, c, { name: "Mover review" });
    const it0 = l.items.find((i) => i.grantId === g.id)!;
    const rows = async () => (await c.as(c.owner.id).campaigns.myItems({ campaignId: l.campaign.id, size: 100 })).rows.find((r) => r.id === it0.id)!.context.suggestion;
    expect(await rows()).toBeNull(); // still in Sales, nobody else there to compare with
    await db.prisma.identity.update({ where: { id: mover.id }, data: { department: `Support ${t}` } });
    expect(await rows()).toEqual({ decision: "REVOKE", text: `revoke — holder moved from Sales ${t} to Support ${t}; 0 of 3 peers hold it` });
  });
  it("shows no suggestion once the item is decided", async () => {
    await c.as(c.owner.id).campaigns.decide({ itemId: item.la!.id, expectedVersion: 1, decision: "REVOKE" });
    const rows = (await c.as(c.owner.id).campaigns.myItems({ campaignId, state: "all", size: 100 })).rows;
    expect(rows.find((r) => r.id === item.la!.id)!.context.suggestion).toBeNull();
  });
});

describe("campaigns.bulkDecide asSuggested: accepting suggestions through the bulk decision path", () => {
  it("decides the items the server suggests that for, with a comment naming the reason; refuses the others per item", async () => {
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.bulkDecide({
      campaignId,
      decision: "REVOKE",
      asSuggested: true,
      items: ["la", "sus", "fa", "fd"].map((k) => ({ itemId: item[k]!.id, expectedVersion: 1 })),
    });
    expect(res.decided).toBe(2);
    expect(res.conflicts).toEqual([
      { itemId: item.fa!.id, reason: "The suggestion changed: it is now “keep — 3 of 3 peers hold it”. Reload to see it." },
      { itemId: item.fd!.id, reason: "No decision is suggested for this item any more (its facts changed): decide it yourself." },
    ]);
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => [e.action, e.subjectId])).toEqual([
      ["review.decided", item.la!.id],
      ["review.decided", item.sus!.id],
    ]);
    expect(events[0]!.payload).toMatchObject({ decision: "REVOKE", comment: "Accepted suggestion: revoke — origin unverified; 0 of 3 peers hold it" });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.fa!.id } })).toEqual(before.items.find((i) => i.id === item.fa!.id));
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.sus!.id } })).toMatchObject({ decision: "REVOKE", comment: "Accepted suggestion: revoke — holder is suspended; 4 of 4 peers hold it", decidedById: c.owner.id });
  });

  it("keeps with the suggestion's reason and the reviewer's own words appended", async () => {
    const res = await c.as(c.owner.id).campaigns.bulkDecide({ campaignId, decision: "KEEP", asSuggested: true, comment: "Month-end close", items: [{ itemId: item.fa!.id, expectedVersion: 1 }] });
    expect(res).toEqual({ decided: 1, conflicts: [] });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.fa!.id } })).toMatchObject({ decision: "KEEP", comment: "Accepted suggestion: keep — 3 of 3 peers hold it. Month-end close" });
  });

  it("refuses a suggestion the data no longer supports (peers' access revoked since the page loaded) and changes nothing", async () => {
    expect(await suggestionOf("fa")).toMatchObject({ decision: "KEEP" });
    // Since then, two of Fay's peers lost the access: 1 of 3 hold it, so the server no longer suggests keeping.
    for (const k of ["fb", "fc"]) await db.prisma.grant.update({ where: { id: item[k]!.grantId }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
    const before = await coreSnapshot(db.prisma);
    const res = await c.as(c.owner.id).campaigns.bulkDecide({ campaignId, decision: "KEEP", asSuggested: true, items: [{ itemId: item.fa!.id, expectedVersion: 1 }] });
    expect(res).toEqual({ decided: 0, conflicts: [{ itemId: item.fa!.id, reason: "No decision is suggested for this item any more (its facts changed): decide it yourself." }] });
    await expectUnchanged(db.prisma, before);
  });

  it("still refuses someone else's items and stale versions under the suggestion path, changing nothing", async () => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.bulkDecide({ campaignId, decision: "REVOKE", asSuggested: true, items: [{ itemId: item.la!.id, expectedVersion: 1 }] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const res = await c.as(c.owner.id).campaigns.bulkDecide({ campaignId, decision: "REVOKE", asSuggested: true, items: [{ itemId: item.la!.id, expectedVersion: 5 }] });
    expect(res.decided).toBe(0);
    await expectUnchanged(db.prisma, before);
  });
});
