import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant, makeHuman } from "../../testing/factories";
import { campaignCast, campaignSnapshot, codeOf, DAY, eventsSince, expectUnchanged, grantAndItem, makeCampaign, makeItem, type Cast } from "./campaign-test-kit";

let db: TestDb;
let cast: Cast;

beforeAll(async () => {
  db = await createTestDb();
  cast = await campaignCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const campaign = (o: Partial<Parameters<typeof makeCampaign>[1]> = {}) => makeCampaign(db.prisma, { ownerId: cast.owner.id, fallbackReviewerId: cast.fallback.id, systemIds: [cast.system.id], ...o });

describe("closing a campaign applies the decisions", () => {
  it("default KEEP: undecided items are kept (defaulted); a REVOKE decision starts the normal revocation; the campaign is REMEDIATING", async () => {
    const c = await campaign({ defaultAction: "KEEP" });
    const kept = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP", comment: "needed" });
    const revoked = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "REVOKE", comment: "left the team" });
    const open = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.privileged.id, cast.reviewer2.id);
    const now = new Date();
    const before = await db.prisma.ledgerEvent.count();

    const res = await cast.as(cast.owner.id, () => now).campaignOps.close({ campaignId: c.id });
    expect(res).toMatchObject({ status: "REMEDIATING", revocationsRequested: 1, defaulted: 1, escalated: 0 });

    const items = await db.prisma.reviewItem.findMany({ where: { campaignId: c.id } });
    const byId = (id: string) => items.find((i) => i.id === id)!;
    expect(byId(open.item.id)).toMatchObject({ decision: "KEEP", defaulted: true, decidedById: null, remediation: "NONE", version: 2 });
    expect(byId(open.item.id).decidedAt?.getTime()).toBe(now.getTime());
    expect(byId(kept.item.id)).toMatchObject({ decision: "KEEP", defaulted: false, remediation: "NONE" });
    expect(byId(revoked.item.id)).toMatchObject({ decision: "REVOKE", defaulted: false, remediation: "PENDING" });

    // The normal revocation: PENDING_REVOKE (cause REVIEW) with a REVOKE task in the outbox; kept grants untouched.
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: revoked.grant.id } })).toMatchObject({
      status: "PENDING_REVOKE",
      revocationCause: "REVIEW",
      revokedById: cast.owner.id,
      revocationNote: `Access review ${c.name}: left the team`,
    });
    expect(await db.prisma.provisioningTask.findMany({ where: { grantId: revoked.grant.id } })).toMatchObject([{ action: "REVOKE", status: "PENDING", connector: "MANUAL" }]);
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: kept.grant.id } })).status).toBe("ACTIVE");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: open.grant.id } })).status).toBe("ACTIVE");

    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: "REMEDIATING", closedById: cast.owner.id, closedAt: now });
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["grant.revocation_requested", "campaign.closed"]);
    expect(events[1]).toMatchObject({ subjectType: "Campaign", subjectId: c.id, actorId: cast.owner.id });
    expect(events[1]!.payload).toMatchObject({ status: "REMEDIATING", decided: 2, defaulted: 1, revocationsRequested: 1, defaultAction: "KEEP" });
  });

  it("default KEEP with nothing to revoke closes at once (CLOSED)", async () => {
    const c = await campaign({ defaultAction: "KEEP" });
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    expect(await cast.as(cast.admin.id).campaignOps.close({ campaignId: c.id })).toMatchObject({ status: "CLOSED", revocationsRequested: 0, defaulted: 1 });
    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: "CLOSED", closedById: cast.admin.id });
  });

  it("default REVOKE: undecided items are revoked (defaulted) through the outbox; access already gone is confirmed at once", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    const open1 = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const open2 = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer2.id);
    const keep = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP" });
    // Removed meanwhile (e.g. expired) after the snapshot.
    const gone = await grantAndItem(db.prisma, c.id, cast.reviewer2.id, cast.entitlement.id, cast.reviewer.id);
    const revokedAt = new Date(Date.now() - 3_600_000);
    await db.prisma.grant.update({ where: { id: gone.grant.id }, data: { status: "REVOKED", revokedAt, revocationCause: "EXPIRY" } });
    const before = await db.prisma.ledgerEvent.count();

    const res = await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id });
    expect(res).toMatchObject({ status: "REMEDIATING", revocationsRequested: 2, defaulted: 3 });
    for (const x of [open1, open2]) {
      expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } })).toMatchObject({ decision: "REVOKE", defaulted: true, remediation: "PENDING" });
      expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: x.grant.id } })).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "REVIEW" });
    }
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: keep.item.id } })).toMatchObject({ decision: "KEEP", defaulted: false, remediation: "NONE" });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: gone.item.id } })).toMatchObject({ decision: "REVOKE", defaulted: true, remediation: "CONFIRMED", remediatedAt: revokedAt });
    expect(await db.prisma.provisioningTask.count({ where: { grantId: gone.grant.id } })).toBe(0);
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action).sort()).toEqual(["campaign.closed", "grant.revocation_requested", "grant.revocation_requested", "review.remediation_confirmed"]);
    expect(events.find((e) => e.action === "review.remediation_confirmed")!.payload).toMatchObject({ alreadyRemoved: true, grantId: gone.grant.id });
    expect(events.find((e) => e.action === "campaign.closed")!.payload).toMatchObject({ decided: 1, defaulted: 3, revocationsRequested: 2, alreadyRemoved: 1 });
  });

  it("default ESCALATE: the first close reassigns undecided items to the fallback reviewer and extends the due date by 7 days; the next close keeps what is still undecided", async () => {
    const dueAt = new Date(Date.now() - DAY);
    const c = await campaign({ defaultAction: "ESCALATE", dueAt });
    const open = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const open2 = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer2.id);
    // The fallback reviewer's own access cannot go to them: it goes to the campaign owner.
    const fbOwn = await grantAndItem(db.prisma, c.id, cast.fallback.id, cast.entitlement.id, cast.reviewer.id);
    const decided = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer.id, { decision: "REVOKE", comment: "not needed" });
    const now = new Date();
    const before = await db.prisma.ledgerEvent.count();
    const notesBefore = await db.prisma.notification.count({ where: { kind: "campaign.escalated" } });

    const res = await cast.as(cast.owner.id, () => now).campaignOps.close({ campaignId: c.id });
    expect(res).toMatchObject({ status: "ACTIVE", escalated: 3, defaulted: 0, revocationsRequested: 0 });
    expect(res.dueAt.getTime()).toBe(now.getTime() + 7 * DAY);
    const item = (id: string) => db.prisma.reviewItem.findUniqueOrThrow({ where: { id } });
    expect(await item(open.item.id)).toMatchObject({ reviewerId: cast.fallback.id, routedFromId: cast.reviewer.id, escalatedAt: now, decision: null, version: 2 });
    expect(await item(open2.item.id)).toMatchObject({ reviewerId: cast.fallback.id, routedFromId: cast.reviewer2.id, escalatedAt: now });
    expect(await item(fbOwn.item.id)).toMatchObject({ reviewerId: cast.owner.id, routedFromId: cast.reviewer.id, escalatedAt: now });
    expect(await item(decided.item.id)).toMatchObject({ reviewerId: cast.reviewer.id, escalatedAt: null, remediation: "NONE" });
    expect((await item(open.item.id)).routingReason).toMatch(/Escalated/);
    // Nothing revoked yet, the campaign is still running with a later due date.
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: decided.grant.id } })).status).toBe("ACTIVE");
    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: "ACTIVE", closedAt: null, dueAt: res.dueAt });
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.escalated"]);
    expect(events[0]!.payload).toMatchObject({ items: 3, fallbackReviewerId: cast.fallback.id, toFallback: 2, toOwner: 1 });
    const notes = await db.prisma.notification.findMany({ where: { kind: "campaign.escalated" }, orderBy: { createdAt: "asc" } });
    expect(notes.length - notesBefore).toBe(2);
    expect(notes.find((n) => n.recipientId === cast.fallback.id)?.body).toMatch(/^2 access review items were not decided/);

    // The fallback decides one; the second close keeps the rest (defaulted) and applies the REVOKE decisions.
    await db.prisma.reviewItem.update({ where: { id: open.item.id }, data: { decision: "REVOKE", decidedAt: now, decidedById: cast.fallback.id, comment: "unknown", version: { increment: 1 } } });
    const later = new Date(now.getTime() + 8 * DAY);
    const res2 = await cast.as(cast.owner.id, () => later).campaignOps.close({ campaignId: c.id });
    expect(res2).toMatchObject({ status: "REMEDIATING", defaulted: 2, revocationsRequested: 2, escalated: 0 });
    expect(await item(open2.item.id)).toMatchObject({ decision: "KEEP", defaulted: true });
    expect((await item(open2.item.id)).comment).toMatch(/Escalated, and still not decided/);
    expect(await item(open.item.id)).toMatchObject({ decision: "REVOKE", remediation: "PENDING" });
  });

  it("a campaign closes once: closing again is a CONFLICT and changes nothing", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id });
    const before = await campaignSnapshot(db.prisma);
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id }))).toBe("CONFLICT");
    expect(await codeOf(cast.as(cast.admin.id).campaignOps.close({ campaignId: c.id }))).toBe("CONFLICT");
    await expectUnchanged(db.prisma, before);
  });

  it("decisions after close are refused (campaigns.decide → CONFLICT) and change nothing", async () => {
    const c = await campaign({ defaultAction: "ESCALATE" });
    const x = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    // ESCALATE: the first close reassigns to the fallback; the second closes (KEEP, defaulted).
    await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id });
    await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id });
    const item = await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } });
    expect(item).toMatchObject({ decision: "KEEP", defaulted: true, reviewerId: cast.fallback.id });
    const before = await campaignSnapshot(db.prisma);
    const err = await cast
      .as(cast.fallback.id)
      .campaigns.decide({ itemId: item.id, expectedVersion: item.version, decision: "REVOKE", comment: "too late" })
      .catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, before);
  });

  it("two closes at the same time: one wins, the other gets CONFLICT, one revocation", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    const x = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const results = await Promise.allSettled([cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id }), cast.as(cast.admin.id).campaignOps.close({ campaignId: c.id })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(["CONFLICT"]);
    expect(await db.prisma.provisioningTask.count({ where: { grantId: x.grant.id } })).toBe(1);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "campaign.closed", subjectId: c.id } })).toBe(1);
  });

  it("a draft campaign cannot be closed (CONFLICT); an unknown one is NOT_FOUND; bad input is BAD_REQUEST", async () => {
    const c = await campaign({ status: "DRAFT", launchedAt: null });
    const before = await campaignSnapshot(db.prisma);
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id }))).toBe("CONFLICT");
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.close({ campaignId: "00000000-0000-4000-8000-000000000000" }))).toBe("NOT_FOUND");
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.close({ campaignId: "nope" }))).toBe("BAD_REQUEST");
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id, force: true } as never))).toBe("BAD_REQUEST");
    await expectUnchanged(db.prisma, before);
  });

  it("only the campaign's owner or an admin closes it: reviewer, auditor, security are refused, the employee and another system owner do not see it, and nothing changes", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const before = await campaignSnapshot(db.prisma);
    for (const who of [cast.reviewer, cast.auditor, cast.security]) {
      expect(await codeOf(cast.as(who.id).campaignOps.close({ campaignId: c.id }))).toBe("FORBIDDEN");
    }
    // The holder of an item is not its reviewer: to them, as to any other outsider, the campaign does not exist.
    for (const who of [cast.employee, cast.otherOwner]) {
      expect(await codeOf(cast.as(who.id).campaignOps.close({ campaignId: c.id }))).toBe("NOT_FOUND");
    }
    expect(await codeOf(cast.as(null).campaignOps.close({ campaignId: c.id }))).toBe("UNAUTHORIZED");
    // An owner who became an auditor reads only.
    const audOwner = await makeHuman(db.prisma, { roles: ["AUDITOR"] });
    const c2 = await campaign({ ownerId: audOwner.id });
    const before2 = await campaignSnapshot(db.prisma);
    expect(await codeOf(cast.as(audOwner.id).campaignOps.close({ campaignId: c2.id }))).toBe("FORBIDDEN");
    await expectUnchanged(db.prisma, before2);
    expect(before2.events).toBe(before.events);
  });

  it("a REVOKE of access already being revoked for another reason waits for that revocation (PENDING, no second task)", async () => {
    const c = await campaign({ defaultAction: "KEEP" });
    const grant = await makeGrant(db.prisma, cast.employee.id, cast.entitlement.id);
    const item = await makeItem(db.prisma, c.id, grant.id, cast.reviewer.id, { decision: "REVOKE" });
    await db.prisma.grant.update({ where: { id: grant.id }, data: { status: "PENDING_REVOKE", revocationCause: "EXPIRY" } });
    await db.prisma.provisioningTask.create({ data: { grantId: grant.id, action: "REVOKE", connector: "MANUAL" } });
    expect(await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id })).toMatchObject({ status: "REMEDIATING", revocationsRequested: 1 });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({ remediation: "PENDING" });
    expect(await db.prisma.provisioningTask.count({ where: { grantId: grant.id } })).toBe(1);
  });
});
