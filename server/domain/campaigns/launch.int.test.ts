import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson } from "../../ledger/hash";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant } from "../../testing/factories";
import { coreCast, coreGrants, coreSnapshot, DAY, definition, eventsSince, expectUnchanged, launched, type CoreCast } from "./core-test-kit";
import type { CampaignScope } from "./schema";

let db: TestDb;
let c: CoreCast;
let g: Awaited<ReturnType<typeof coreGrants>>;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  c = await coreCast(db.prisma);
  g = await coreGrants(db.prisma, c);
});

const scope = (o: Partial<CampaignScope>): CampaignScope => ({ systemIds: [c.systemA.id], entitlementIds: [], privilegedOnly: false, identityKinds: [], identityIds: [], ...o });

describe("launching takes a snapshot of the population", () => {
  it("creates one item per grant in effect in scope, with the reviewer per strategy, the evidence, the ledger event and one notification per reviewer", async () => {
    const before = await db.prisma.ledgerEvent.count();
    const notesBefore = await db.prisma.notification.count();
    const { campaign, items, res } = await launched(db.prisma, c);

    expect(res.populationCount).toBe(5);
    expect(campaign).toMatchObject({ status: "ACTIVE", populationCount: 5, scopeHash: res.scopeHash });
    expect(campaign.launchedAt).toBeInstanceOf(Date);
    // Completeness evidence: the exact statement and its parameters, and their hash with the scope.
    expect(campaign.scopeQuery).toContain(`INSERT INTO "ReviewItem"`);
    expect(campaign.scopeQuery).toContain(`FROM "Grant" g`);
    const [sql, paramsText] = campaign.scopeQuery!.split("\n-- parameters: ");
    const params = JSON.parse(paramsText!) as unknown[];
    expect(params).toContain(campaign.id);
    expect(params).toContain(`{${c.systemA.id}}`);
    const storedScope = { ...(campaign.scope as object) };
    expect(res.scopeHash).toBe(createHash("sha256").update(canonicalJson({ scope: storedScope, sql, params })).digest("hex"));

    const view = items.map((i) => ({ who: i.identityName, ent: i.entitlementName, reviewer: i.reviewerId, from: i.routedFromId, why: i.routingReason }));
    expect(view).toEqual(
      [
        { who: "Pete Peer", ent: "payments-read", reviewer: c.owner.id, from: null, why: null },
        { who: "Priya Engineer", ent: "payments-admin", reviewer: c.entOwner.id, from: null, why: null },
        { who: "Priya Engineer", ent: "payments-read", reviewer: c.owner.id, from: null, why: null },
        // The system owner holds payments-read and would review it: routed to the fallback, recorded.
        { who: "Sofia Owner", ent: "payments-read", reviewer: c.fallback.id, from: c.owner.id, why: "self-review" },
        { who: "svc-payments", ent: "payments-read", reviewer: c.owner.id, from: null, why: null },
      ].sort((a, b) => a.who.localeCompare(b.who) || a.ent.localeCompare(b.ent)),
    );
    const priyaAdmin = items.find((i) => i.grantId === g.priyaA2.id)!;
    expect(priyaAdmin).toMatchObject({
      identityId: c.priya.id,
      identityKind: "HUMAN",
      systemId: c.systemA.id,
      systemName: c.systemA.name,
      risk: "HIGH",
      privileged: true,
      origin: "IMPORTED",
      grantStartsAt: g.priyaA2.startsAt,
      decision: null,
      version: 1,
    });
    expect(items.find((i) => i.grantId === g.svcA1.id)).toMatchObject({ identityKind: "SERVICE_ACCOUNT" });

    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.created", "campaign.launched"]);
    expect(events[1]).toMatchObject({ subjectType: "Campaign", subjectId: campaign.id, actorId: c.admin.id });
    expect(events[1]!.payload).toMatchObject({ populationCount: 5, scopeHash: res.scopeHash, reviewers: 3, routedToFallback: 1 });

    const notes = await db.prisma.notification.findMany({ where: { kind: "campaign.launched", link: `/campaigns/${campaign.id}` }, orderBy: { recipientId: "asc" } });
    expect(await db.prisma.notification.count()).toBe(notesBefore + 3);
    const body = (id: string) => notes.find((n) => n.recipientId === id)?.body;
    expect(body(c.owner.id)).toMatch(/^You have 3 access reviews in Q3 payments access review, due \d{4}-\d\d-\d\d\.$/);
    expect(body(c.entOwner.id)).toMatch(/^You have 1 access review in /);
    expect(body(c.fallback.id)).toMatch(/^You have 1 access review in /);
    expect(notes.every((n) => n.dedupeKey === `campaign.launched:${campaign.id}:${n.recipientId}`)).toBe(true);
  });

  it("is immutable: grants revoked, created or renamed after launch do not change the items", async () => {
    const { campaign, items } = await launched(db.prisma, c);
    await db.prisma.grant.update({ where: { id: g.priyaA1.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
    await makeGrant(db.prisma, c.employee.id, c.a1.id);
    await db.prisma.identity.update({ where: { id: c.priya.id }, data: { displayName: "Priya Renamed", managerId: null } });
    await db.prisma.entitlement.update({ where: { id: c.a1.id }, data: { name: "payments-read-v2", risk: "CRITICAL", privileged: true } });
    await db.prisma.system.update({ where: { id: c.systemA.id }, data: { name: `Renamed ${c.systemA.name}` } });

    const after = await db.prisma.reviewItem.findMany({ where: { campaignId: campaign.id }, orderBy: [{ identityName: "asc" }, { entitlementName: "asc" }] });
    expect(after).toEqual(items);
    expect(after.find((i) => i.grantId === g.priyaA1.id)).toMatchObject({ identityName: "Priya Engineer", entitlementName: "payments-read", risk: "LOW", privileged: false, systemName: c.systemA.name });
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).populationCount).toBe(5);
  });

  describe("the population equals the grants in scope for each filter", () => {
    const cases: [string, (c: CoreCast) => Partial<CampaignScope>, number][] = [
      ["one system", () => ({}), 5],
      ["two systems", (c) => ({ systemIds: [c.systemA.id, c.systemB.id] }), 7],
      ["one entitlement", (c) => ({ entitlementIds: [c.a2.id] }), 1],
      ["minimum risk MEDIUM", (c) => ({ systemIds: [c.systemA.id, c.systemB.id], minRisk: "MEDIUM" }), 3],
      ["minimum risk CRITICAL", (c) => ({ systemIds: [c.systemA.id, c.systemB.id], minRisk: "CRITICAL" }), 0],
      ["privileged only", (c) => ({ systemIds: [c.systemA.id, c.systemB.id], privilegedOnly: true }), 1],
      ["non-human identities only", (c) => ({ systemIds: [c.systemA.id, c.systemB.id], identityKinds: ["SERVICE_ACCOUNT", "API_KEY", "OAUTH_APP", "WORKLOAD", "AI_AGENT"] }), 2],
      ["people only", (c) => ({ systemIds: [c.systemA.id, c.systemB.id], identityKinds: ["HUMAN"] }), 5],
    ];
    it.each(cases)("%s", async (_name, make, expected) => {
      const s = scope(make(c));
      const preview = await c.as(c.admin.id).campaigns.previewScope({ scope: s });
      expect(preview.count).toBe(expected);
      if (expected === 0) return;
      const { campaign, items } = await launched(db.prisma, c, { scope: s });
      expect(campaign.populationCount).toBe(expected);
      expect(items).toHaveLength(expected);
      // Independently: the grants in effect matching the filters, counted by Prisma.
      const direct = await db.prisma.grant.count({
        where: {
          status: { in: ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"] },
          entitlement: {
            systemId: { in: s.systemIds },
            ...(s.entitlementIds.length ? { id: { in: s.entitlementIds } } : {}),
            ...(s.privilegedOnly ? { privileged: true } : {}),
            ...(s.minRisk ? { risk: { in: ["LOW", "MEDIUM", "HIGH", "CRITICAL"].slice(["LOW", "MEDIUM", "HIGH", "CRITICAL"].indexOf(s.minRisk)) as never } } : {}),
          },
          ...(s.identityKinds.length ? { identity: { kind: { in: s.identityKinds } } } : {}),
        },
      });
      expect(direct).toBe(expected);
      expect(new Set(items.map((i) => i.grantId)).size).toBe(expected);
      expect(items.some((i) => i.grantId === g.priyaB1Revoked.id)).toBe(false);
    });

    it("not reviewed for N days: grants with a decision within N days are left out", async () => {
      const first = await launched(db.prisma, c);
      const item = (grantId: string) => first.items.find((i) => i.grantId === grantId)!;
      // Decided 10 days ago (recent) and 100 days ago (old); the rest never decided.
      await db.prisma.reviewItem.update({ where: { id: item(g.priyaA1.id).id }, data: { decision: "KEEP", decidedAt: new Date(Date.now() - 10 * DAY), decidedById: c.owner.id } });
      await db.prisma.reviewItem.update({ where: { id: item(g.peerA1.id).id }, data: { decision: "KEEP", decidedAt: new Date(Date.now() - 100 * DAY), decidedById: c.owner.id } });
      const s = scope({ notReviewedForDays: 30 });
      expect((await c.as(c.admin.id).campaigns.previewScope({ scope: s })).count).toBe(4);
      const second = await launched(db.prisma, c, { scope: s, name: "Not reviewed for 30 days" });
      expect(second.campaign.populationCount).toBe(4);
      expect(second.items.map((i) => i.grantId)).not.toContain(g.priyaA1.id);
      expect(second.items.map((i) => i.grantId)).toContain(g.peerA1.id);
    });
  });
});

describe("reviewer strategies and routing", () => {
  const bothSystems = () => scope({ systemIds: [c.systemA.id, c.systemB.id] });

  it("MANAGER: the holder's manager, an NHI's owner's manager; nobody → fallback (no reviewer)", async () => {
    const { items } = await launched(db.prisma, c, { scope: bothSystems(), reviewerStrategy: "MANAGER" });
    const by = (grantId: string) => items.find((i) => i.grantId === grantId)!;
    expect(by(g.priyaA1.id)).toMatchObject({ reviewerId: c.manager.id, routingReason: null });
    expect(by(g.svcA1.id)).toMatchObject({ reviewerId: c.manager.id, routingReason: null });
    expect(by(g.ownerA1.id)).toMatchObject({ reviewerId: c.manager.id });
    expect(by(g.employeeB1.id)).toMatchObject({ reviewerId: c.fallback.id, routedFromId: null, routingReason: "no reviewer" });
  });

  it("NHI_OWNER: the non-human identity's owner; people's grants go to the fallback; an NHI-only campaign", async () => {
    const all = await launched(db.prisma, c, { scope: bothSystems(), reviewerStrategy: "NHI_OWNER" });
    for (const i of all.items) {
      if (i.identityKind === "HUMAN") expect(i).toMatchObject({ reviewerId: c.fallback.id, routingReason: "no reviewer" });
      else expect(i).toMatchObject({ reviewerId: c.priya.id, routingReason: null });
    }
    const nhiOnly = await launched(db.prisma, c, { scope: scope({ systemIds: [c.systemA.id, c.systemB.id], identityKinds: ["SERVICE_ACCOUNT"] }), reviewerStrategy: "NHI_OWNER", name: "NHI review" });
    expect(nhiOnly.items.map((i) => [i.identityName, i.reviewerId])).toEqual([
      ["svc-payments", c.priya.id],
      ["svc-payments", c.priya.id],
    ]);
  });

  it("NAMED: holders dealt round-robin to the named reviewers (one reviewer per holder); a named reviewer's own access goes to the fallback", async () => {
    const { items } = await launched(db.prisma, c, { scope: bothSystems(), reviewerStrategy: "NAMED", namedReviewerIds: [c.manager.id, c.peer.id] });
    const perHolder = new Map<string, Set<string>>();
    for (const i of items) {
      expect([c.manager.id, c.peer.id, c.fallback.id]).toContain(i.reviewerId);
      expect(i.reviewerId).not.toBe(i.identityId);
      perHolder.set(i.identityId, (perHolder.get(i.identityId) ?? new Set()).add(i.reviewerId));
    }
    for (const set of perHolder.values()) expect(set.size).toBe(1);
    const reviewers = items.filter((i) => !i.routingReason).map((i) => i.reviewerId);
    expect(new Set(reviewers)).toEqual(new Set([c.manager.id, c.peer.id]));
    const peerItem = items.find((i) => i.grantId === g.peerA1.id)!;
    if (peerItem.routingReason) expect(peerItem).toMatchObject({ reviewerId: c.fallback.id, routedFromId: c.peer.id, routingReason: "self-review" });
  });

  it("a reviewer who is no longer active is skipped for the fallback (reviewer inactive)", async () => {
    await db.prisma.identity.update({ where: { id: c.entOwner.id }, data: { status: "SUSPENDED" } });
    const { items } = await launched(db.prisma, c);
    expect(items.find((i) => i.grantId === g.priyaA2.id)).toMatchObject({ reviewerId: c.fallback.id, routedFromId: c.entOwner.id, routingReason: "reviewer inactive" });
  });

  it("when the fallback reviewer holds the access, the item goes to the campaign owner", async () => {
    // The system owner is also the fallback: their own payments-read grant cannot go to them at all.
    const { items, campaign } = await launched(db.prisma, c, { fallbackReviewerId: c.owner.id });
    expect(campaign.ownerId).toBe(c.admin.id);
    expect(items.find((i) => i.grantId === g.ownerA1.id)).toMatchObject({ reviewerId: c.admin.id, routedFromId: c.owner.id, routingReason: "fallback self-review" });
    expect(items.every((i) => i.reviewerId !== i.identityId)).toBe(true);
  });

  it("a system owner's own campaign with themselves as fallback: their own access goes to an admin, never to them", async () => {
    // The system owner defines and launches it (campaign owner = fallback = a holder in scope).
    const { items, campaign } = await launched(db.prisma, c, { fallbackReviewerId: c.owner.id }, c.owner.id);
    expect(campaign.ownerId).toBe(c.owner.id);
    const own = items.find((i) => i.grantId === g.ownerA1.id)!;
    expect(own).toMatchObject({ routedFromId: c.owner.id, routingReason: "fallback self-review" });
    // An active admin other than them (first by name).
    expect(own.reviewerId).not.toBe(c.owner.id);
    expect(await db.prisma.roleAssignment.count({ where: { identityId: own.reviewerId, role: "ADMIN" } })).toBe(1);
    expect(items.filter((i) => i.identityId === c.owner.id).every((i) => i.reviewerId !== c.owner.id)).toBe(true);
    expect(items.every((i) => i.reviewerId !== i.identityId)).toBe(true);
  });

  it("the database itself refuses a self-review (CHECK), whatever the code does", async () => {
    const { items } = await launched(db.prisma, c);
    const item = items.find((i) => i.grantId === g.priyaA1.id)!;
    await expect(db.prisma.reviewItem.update({ where: { id: item.id }, data: { reviewerId: item.identityId } })).rejects.toThrow(/ReviewItem_no_self_review|check constraint/i);
    expect((await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.id } })).reviewerId).toBe(c.owner.id);
  });
});

describe("who may launch, and when", () => {
  async function draft(actorId = c.admin.id, o = {}) {
    const { id } = await c.as(actorId).campaigns.create(definition(c, o));
    return db.prisma.campaign.findUniqueOrThrow({ where: { id } });
  }

  it("a system owner launches a campaign over their own system", async () => {
    const d = await draft(c.owner.id);
    const res = await c.as(c.owner.id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt });
    expect(res.populationCount).toBe(5);
  });

  it.each([
    ["employee", "NOT_FOUND"],
    ["security", "FORBIDDEN"],
    ["auditor", "FORBIDDEN"],
    ["otherOwner", "NOT_FOUND"],
    ["manager", "NOT_FOUND"],
  ] as const)("refuses %s (%s: those who do not see the campaign are told it does not exist) and changes nothing", async (who, code) => {
    const d = await draft();
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c[who].id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the signed-out and changes nothing", async () => {
    const d = await draft();
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(null).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a system owner whose scope is no longer theirs (ownership moved) and changes nothing", async () => {
    const d = await draft(c.owner.id);
    await db.prisma.system.update({ where: { id: c.systemA.id }, data: { ownerId: c.otherOwner.id } });
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.owner.id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("launches once: a second launch, a stale version and a concurrent launch get CONFLICT and change nothing", async () => {
    const d = await draft();
    const results = await Promise.allSettled([0, 1].map(() => c.as(c.admin.id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    expect(await db.prisma.reviewItem.count({ where: { campaignId: d.id } })).toBe(5);
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code: "CONFLICT" });
    const other = await draft();
    const before2 = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.launch({ id: other.id, expectedUpdatedAt: new Date(other.updatedAt.getTime() - 1) })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("changed by someone else"),
    });
    await expectUnchanged(db.prisma, before2);
    expect(before.items.length).toBe(before2.items.length);
  });

  it.each([
    ["the fallback reviewer left", async () => void (await db.prisma.identity.update({ where: { id: c.fallback.id }, data: { status: "DEPROVISIONED" } })), /fallback reviewer is no longer an active person/],
    ["nothing is in scope", async () => void (await db.prisma.grant.updateMany({ where: { entitlement: { systemId: c.systemA.id } }, data: { status: "REVOKED" } })), /No access is in this campaign's scope/],
  ])("refuses when %s (BAD_REQUEST) and changes nothing", async (_n, arrange, message) => {
    const d = await draft();
    await arrange();
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a campaign whose due date has passed and changes nothing", async () => {
    const d = await draft();
    const before = await coreSnapshot(db.prisma);
    const later = () => new Date(Date.now() + 30 * DAY);
    await expect(c.as(c.admin.id, later).campaigns.launch({ id: d.id, expectedUpdatedAt: d.updatedAt })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("due date has passed") });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses bad input (not an id, unknown key)", async () => {
    const before = await coreSnapshot(db.prisma);
    await expect(c.as(c.admin.id).campaigns.launch({ id: "nope", expectedUpdatedAt: new Date() })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(c.admin.id).campaigns.launch({ id: c.a1.id, expectedUpdatedAt: new Date(), force: true } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(c.admin.id).campaigns.launch({ id: c.a1.id, expectedUpdatedAt: new Date() })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });
});
