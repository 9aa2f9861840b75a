/**
 * Campaign pages tell the truth: items the default action decided at close are counted apart from reviewer
 * decisions in the campaign's counts, each reviewer's figures, the campaign list and my progress.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { campaignCast, grantAndItem, makeCampaign, type Cast } from "./campaign-test-kit";

let db: TestDb;
let cast: Cast;

beforeAll(async () => {
  db = await createTestDb();
  cast = await campaignCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

describe("progress after close", () => {
  it("counts what the default action kept or revoked apart from what reviewers decided, everywhere", async () => {
    const c = await makeCampaign(db.prisma, { ownerId: cast.owner.id, fallbackReviewerId: cast.fallback.id, systemIds: [cast.system.id], defaultAction: "REVOKE", name: "Truthful progress review" });
    // Rita decides two of her three items; Rob decides none of his one.
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP", comment: "needed" });
    await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "REVOKE", comment: "moved teams" });
    await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer.id);
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.privileged.id, cast.reviewer2.id);

    const owner = cast.as(cast.owner.id);
    const open = await owner.campaigns.byId({ id: c.id });
    expect(open.counts).toMatchObject({ total: 4, decided: 2, kept: 1, revoked: 1, undecided: 2, defaultKept: 0, defaultRevoked: 0 });

    await owner.campaignOps.close({ campaignId: c.id });

    const closed = await owner.campaigns.byId({ id: c.id });
    expect(closed.counts).toMatchObject({ total: 4, decided: 2, kept: 1, revoked: 1, undecided: 0, defaultKept: 0, defaultRevoked: 2 });
    expect(closed.perReviewer.map((p) => [p.name, p.decided, p.defaulted, p.total])).toEqual([
      ["Rita Reviewer", 2, 1, 3],
      ["Rob Reviewer", 0, 1, 1],
    ]);
    const row = (await owner.campaigns.list({ q: "Truthful progress" })).rows[0]!;
    expect(row).toMatchObject({ decided: 2, defaulted: 2, total: 4 });

    // Each reviewer sees their own figures: what they decided, and what the default action did.
    const rita = cast.as(cast.reviewer.id);
    expect(await rita.campaigns.myProgress({ campaignId: c.id })).toEqual({ total: 3, decided: 2, defaulted: 1 });
    expect((await rita.campaigns.byId({ id: c.id })).perReviewer).toEqual([expect.objectContaining({ name: "Rita Reviewer", decided: 2, defaulted: 1, total: 3 })]);
    expect((await rita.campaigns.list({ q: "Truthful progress" })).rows[0]).toMatchObject({ decided: 2, defaulted: 1, total: 3 });
    expect(await cast.as(cast.reviewer2.id).campaigns.myProgress({ campaignId: c.id })).toEqual({ total: 1, decided: 0, defaulted: 1 });

    const report = await owner.campaignOps.report({ campaignId: c.id });
    expect(report.totals).toMatchObject({ decided: 2, kept: 1, revoked: 1, defaulted: 2, defaultKept: 0, defaultRevoked: 2 });
  });
});
