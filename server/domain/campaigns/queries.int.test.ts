import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Campaign, ReviewItem } from "../../db/generated/client";
import { createTestDb, type TestDb } from "../../testing/db";
import { coreCast, coreGrants, DAY, definition, launched, makeRequestedGrant, type CoreCast } from "./core-test-kit";

let db: TestDb;
let c: CoreCast;
let g: Awaited<ReturnType<typeof coreGrants>>;
let first: { campaign: Campaign; items: ReviewItem[] };
let second: { campaign: Campaign; items: ReviewItem[] };
let draftId: string;

beforeAll(async () => {
  db = await createTestDb();
  c = await coreCast(db.prisma);
  g = await coreGrants(db.prisma, c);
  await db.prisma.grant.update({ where: { id: g.priyaA2.id }, data: { startsAt: new Date(Date.now() - 10 * DAY - 3_600_000) } });
  await makeRequestedGrant(db.prisma, {
    beneficiaryId: c.employee.id,
    entitlementId: c.a1.id,
    approvers: [
      { id: c.manager.id, name: c.manager.displayName, authority: { kind: "MANAGER_OF", subject: { id: c.employee.id, name: "Eve Employee" } } },
      { id: c.owner.id, name: c.owner.displayName, authority: { kind: "OWNER_OF", subject: { id: c.a1.id, name: "payments-read" } } },
    ],
  });
  first = await launched(db.prisma, c, { name: "Q2 payments review" });
  const priyaA1 = first.items.find((i) => i.grantId === g.priyaA1.id)!;
  await c.as(c.owner.id).campaigns.decide({ itemId: priyaA1.id, expectedVersion: 1, decision: "KEEP", comment: "Priya runs the payments on-call" });
  second = await launched(db.prisma, c, { name: "Q3 payments review" });
  draftId = (await c.as(c.owner.id).campaigns.create(definition(c, { name: "Owner's draft" }))).id;
});
afterAll(async () => {
  await db.close();
});

describe("campaigns.list", () => {
  it("shows every campaign to admins, security and auditors", async () => {
    for (const who of ["admin", "security", "auditor"] as const) {
      const page = await c.as(c[who].id).campaigns.list({ sort: "name" });
      expect(page.rows.map((r) => r.name)).toEqual(["Owner's draft", "Q2 payments review", "Q3 payments review"]);
      expect(page.total).toBe(3);
    }
    const q2 = (await c.as(c.admin.id).campaigns.list({ q: "q2" })).rows;
    expect(q2).toEqual([
      { id: first.campaign.id, name: "Q2 payments review", status: "ACTIVE", ownerName: "Ada Admin", dueAt: first.campaign.dueAt, populationCount: 6, decided: 1, defaulted: 0, total: 6 },
    ]);
  });

  it("shows a reviewer the campaigns they review (their own counts) and their own drafts; others nothing", async () => {
    const owner = await c.as(c.owner.id).campaigns.list({ sort: "name" });
    expect(owner.rows.map((r) => [r.name, r.decided, r.total])).toEqual([
      ["Owner's draft", 0, 0],
      ["Q2 payments review", 1, 4],
      ["Q3 payments review", 0, 4],
    ]);
    expect((await c.as(c.entOwner.id).campaigns.list({ status: "ACTIVE" })).total).toBe(2);
    expect((await c.as(c.employee.id).campaigns.list({})).rows).toEqual([]);
    expect((await c.as(c.admin.id).campaigns.list({ status: "DRAFT" })).rows.map((r) => r.id)).toEqual([draftId]);
  });

  it("refuses bad input and the signed-out", async () => {
    await expect(c.as(c.admin.id).campaigns.list({ status: "OPEN" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(c.admin.id).campaigns.list({ sort: "owner" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(null).campaigns.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("campaigns.byId", () => {
  it("gives the campaign's manager the whole campaign: counts, per reviewer, remediation", async () => {
    const revokeMe = second.items.find((i) => i.grantId === g.peerA1.id)!;
    await db.prisma.reviewItem.update({ where: { id: revokeMe.id }, data: { remediation: "PENDING" } });
    const d = await c.as(c.admin.id).campaigns.byId({ id: second.campaign.id });
    expect(d).toMatchObject({
      name: "Q3 payments review",
      status: "ACTIVE",
      owner: { id: c.admin.id, name: "Ada Admin" },
      fallbackReviewer: { id: c.fallback.id, name: "Fay Fallback" },
      scope: { systemIds: [c.systemA.id], entitlementIds: [], privilegedOnly: false, identityKinds: [] },
      counts: { total: 6, decided: 0, kept: 0, revoked: 0, undecided: 6, overdue: 0 },
      remediation: { requested: 1, confirmed: 0, failed: 0, pending: 1 },
      viewer: { canManage: true, isReviewer: false, seesWhole: true },
    });
    expect(d.perReviewer).toEqual([
      { reviewerId: c.entOwner.id, name: "Enzo EntitlementOwner", total: 1, decided: 0, defaulted: 0 },
      { reviewerId: c.fallback.id, name: "Fay Fallback", total: 1, decided: 0, defaulted: 0 },
      { reviewerId: c.owner.id, name: "Sofia Owner", total: 4, decided: 0, defaulted: 0 },
    ]);
    await db.prisma.reviewItem.update({ where: { id: revokeMe.id }, data: { remediation: "NONE" } });
  });

  it("counts overdue items once the due date has passed", async () => {
    const later = () => new Date(first.campaign.dueAt.getTime() + DAY);
    expect((await c.as(c.auditor.id, later).campaigns.byId({ id: first.campaign.id })).counts).toEqual({ total: 6, decided: 1, kept: 1, revoked: 0, undecided: 5, overdue: 5, defaultKept: 0, defaultRevoked: 0 });
  });

  it("shows auditors and security the whole campaign without management rights", async () => {
    for (const who of ["auditor", "security"] as const) {
      expect((await c.as(c[who].id).campaigns.byId({ id: first.campaign.id })).viewer).toEqual({ canManage: false, isReviewer: false, seesWhole: true });
    }
  });

  it("shows a reviewer only their own part; others get NOT_FOUND", async () => {
    const d = await c.as(c.owner.id).campaigns.byId({ id: first.campaign.id });
    expect(d.viewer).toEqual({ canManage: false, isReviewer: true, seesWhole: false });
    expect(d.counts).toMatchObject({ total: 4, decided: 1, kept: 1 });
    expect(d.perReviewer).toEqual([{ reviewerId: c.owner.id, name: "Sofia Owner", total: 4, decided: 1, defaulted: 0 }]);
    for (const who of ["employee", "otherOwner", "priya"] as const) {
      await expect(c.as(c[who].id).campaigns.byId({ id: first.campaign.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    await expect(c.as(c.employee.id).campaigns.byId({ id: draftId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await c.as(c.owner.id).campaigns.byId({ id: draftId })).viewer).toMatchObject({ canManage: true, seesWhole: true });
  });
});

describe("campaigns.myItems: the reviewer's workspace", () => {
  it("lists my open items with the decision context", async () => {
    const page = await c.as(c.owner.id).campaigns.myItems({ campaignId: second.campaign.id, sort: "identity" });
    expect(page.total).toBe(4);
    expect(page.rows.map((r) => `${r.identityName} / ${r.entitlementName}`)).toEqual([
      "Eve Employee / payments-read",
      "Pete Peer / payments-read",
      "Priya Engineer / payments-read",
      "svc-payments / payments-read",
    ]);
    const eve = page.rows[0]!;
    expect(eve).toMatchObject({ campaignName: "Q3 payments review", origin: "REQUEST", version: 1, decision: null, systemName: c.systemA.name });
    expect(eve.context).toEqual({
      approvedBy: [
        { name: "Marcus Manager", authority: "Manager of Eve Employee" },
        { name: "Sofia Owner", authority: "Owner of payments-read" },
      ],
      originUnverified: false,
      previousDecisions: [],
      peersInDepartmentHolding: 0,
      departmentSize: 0,
      // Verified, and nobody else in Sales to compare with: nothing to suggest.
      suggestion: null,
    });
    const priya = page.rows[2]!;
    // Engineering (makeHuman's default department): admin, security, auditor, manager, peer besides Priya; Pete holds it.
    expect(priya.context).toMatchObject({ approvedBy: null, originUnverified: true, peersInDepartmentHolding: 1, departmentSize: 5 });
    expect(priya.context.suggestion).toEqual({ decision: "REVOKE", text: "revoke — origin unverified; 1 of 5 peers hold it" });
    expect(priya.context.previousDecisions).toEqual([{ campaignName: "Q2 payments review", decision: "KEEP", decidedAt: expect.any(Date) }]);
  });

  it("says how long the access has been held", async () => {
    const page = await c.as(c.entOwner.id).campaigns.myItems({ campaignId: second.campaign.id });
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ entitlementName: "payments-admin", privileged: true, risk: "HIGH", heldDays: 10 });
  });

  it("filters by system, risk, origin, identity and state, and pages", async () => {
    const api = c.as(c.owner.id).campaigns;
    expect((await api.myItems({ systemId: c.systemB.id })).total).toBe(0);
    expect((await api.myItems({ systemId: c.systemA.id })).total).toBe(7);
    expect((await api.myItems({ origin: "REQUEST" })).rows.map((r) => r.identityName)).toEqual(["Eve Employee", "Eve Employee"]);
    expect((await api.myItems({ q: "priya", state: "all" })).total).toBe(2);
    expect((await api.myItems({ state: "decided" })).rows.map((r) => [r.campaignName, r.identityName, r.decision])).toEqual([["Q2 payments review", "Priya Engineer", "KEEP"]]);
    expect((await api.myItems({ state: "all" })).total).toBe(8);
    expect((await c.as(c.entOwner.id).campaigns.myItems({ risk: "HIGH" })).total).toBe(2);
    expect((await c.as(c.entOwner.id).campaigns.myItems({ risk: "LOW" })).total).toBe(0);
    const p1 = await api.myItems({ state: "all", size: 5, page: 1, sort: "heldDays", dir: "desc" });
    const p2 = await api.myItems({ state: "all", size: 5, page: 2, sort: "heldDays", dir: "desc" });
    expect(p1.rows).toHaveLength(5);
    expect(p2.rows).toHaveLength(3);
    expect(new Set([...p1.rows, ...p2.rows].map((r) => r.id)).size).toBe(8);
  });

  it("shows nobody else's items and refuses bad input", async () => {
    expect((await c.as(c.employee.id).campaigns.myItems({})).rows).toEqual([]);
    expect((await c.as(c.admin.id).campaigns.myItems({ campaignId: first.campaign.id })).rows).toEqual([]);
    await expect(c.as(c.owner.id).campaigns.myItems({ state: "pending" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as(c.owner.id).campaigns.myItems({ reviewerId: c.admin.id } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("campaigns.myProgress", () => {
  it("counts my items decided / total, per campaign or across active campaigns", async () => {
    expect(await c.as(c.owner.id).campaigns.myProgress({})).toEqual({ total: 8, decided: 1, defaulted: 0 });
    expect(await c.as(c.owner.id).campaigns.myProgress({ campaignId: first.campaign.id })).toEqual({ total: 4, decided: 1, defaulted: 0 });
    expect(await c.as(c.employee.id).campaigns.myProgress({})).toEqual({ total: 0, decided: 0, defaulted: 0 });
  });
});
