/**
 * Campaign progress that tells the truth: an item kept or revoked by the campaign's default action at close
 * was decided by nobody, so it is counted apart from reviewer decisions everywhere (the campaign's counts,
 * each reviewer's figures, the list, my progress). Wraps the reads of queries.ts (left as they are) with one
 * grouped count of the defaulted items, under the same visibility as the read it corrects.
 */
import type { z } from "zod";
import { Prisma } from "../../db/generated/client";
import { hasRole, type ServiceCtx } from "../actor";
import type { Page } from "../list";
import { campaignById, listCampaigns, myProgress, type CampaignDetail, type CampaignListRow } from "./queries";
import type { ZCampaignById, ZListCampaignsInput, ZMyProgressInput } from "./schema";

/** `decided` counts reviewers' decisions only; `defaulted` the items the default action decided at close. */
export type Progress = { total: number; decided: number; defaulted: number };

export type TruthfulCampaignDetail = Omit<CampaignDetail, "counts" | "perReviewer"> & {
  /** kept / revoked: by reviewers; defaultKept / defaultRevoked: by the default action at close. */
  counts: CampaignDetail["counts"] & { defaultKept: number; defaultRevoked: number };
  perReviewer: (CampaignDetail["perReviewer"][number] & { defaulted: number })[];
};

type DefaultedRow = { reviewerId: string; kept: number; revoked: number };

/** One campaign (queries.campaignById) with reviewer decisions and default-action outcomes apart. */
export async function campaignDetail(ctx: ServiceCtx, input: z.output<typeof ZCampaignById>): Promise<TruthfulCampaignDetail> {
  const c = await campaignById(ctx, input);
  const mine = c.viewer.seesWhole ? Prisma.sql`true` : Prisma.sql`r."reviewerId" = ${ctx.actor.id}::uuid`;
  const rows = await ctx.db.$queryRaw<DefaultedRow[]>`
    SELECT r."reviewerId"::text AS "reviewerId",
      count(*) FILTER (WHERE r."decision" = 'KEEP')::int AS "kept",
      count(*) FILTER (WHERE r."decision" = 'REVOKE')::int AS "revoked"
    FROM "ReviewItem" r WHERE r."campaignId" = ${c.id}::uuid AND r."defaulted" AND ${mine}
    GROUP BY r."reviewerId"`;
  const defaultKept = rows.reduce((n, r) => n + r.kept, 0);
  const defaultRevoked = rows.reduce((n, r) => n + r.revoked, 0);
  const per = new Map(rows.map((r) => [r.reviewerId, r.kept + r.revoked]));
  return {
    ...c,
    counts: {
      ...c.counts,
      decided: c.counts.decided - defaultKept - defaultRevoked,
      kept: c.counts.kept - defaultKept,
      revoked: c.counts.revoked - defaultRevoked,
      defaultKept,
      defaultRevoked,
    },
    perReviewer: c.perReviewer.map((p) => {
      const defaulted = per.get(p.reviewerId) ?? 0;
      return { ...p, decided: p.decided - defaulted, defaulted };
    }),
  };
}

/** The campaign list (queries.listCampaigns), each row's `decided` by reviewers and `defaulted` apart. */
export async function campaignList(ctx: ServiceCtx, input: z.output<typeof ZListCampaignsInput>): Promise<Page<CampaignListRow & { defaulted: number }>> {
  const page = await listCampaigns(ctx, input);
  if (page.rows.length === 0) return { ...page, rows: [] };
  const me = ctx.actor.id;
  const seesAll = hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR");
  // The same items the list counts: the whole campaign for those who see it whole (the three roles, its
  // owner), else the viewer's own items.
  const rows = await ctx.db.$queryRaw<{ campaignId: string; defaulted: number }[]>`
    SELECT r."campaignId"::text AS "campaignId", count(*)::int AS "defaulted"
    FROM "ReviewItem" r JOIN "Campaign" c ON c."id" = r."campaignId"
    WHERE r."campaignId" IN (${Prisma.join(page.rows.map((x) => Prisma.sql`${x.id}::uuid`))}) AND r."defaulted"
      AND (${Prisma.raw(seesAll ? "true" : "false")} OR c."ownerId" = ${me}::uuid OR r."reviewerId" = ${me}::uuid)
    GROUP BY r."campaignId"`;
  const by = new Map(rows.map((r) => [r.campaignId, r.defaulted]));
  return { ...page, rows: page.rows.map((r) => ({ ...r, decided: r.decided - (by.get(r.id) ?? 0), defaulted: by.get(r.id) ?? 0 })) };
}

/** My items (queries.myProgress): decided by me, and decided by the default action at close, apart. */
export async function myCampaignProgress(ctx: ServiceCtx, input: z.output<typeof ZMyProgressInput>): Promise<Progress> {
  const p = await myProgress(ctx, input);
  const scope = input.campaignId ? Prisma.sql`r."campaignId" = ${input.campaignId}::uuid` : Prisma.sql`c."status" = 'ACTIVE'`;
  const rows = await ctx.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS "n" FROM "ReviewItem" r JOIN "Campaign" c ON c."id" = r."campaignId"
    WHERE r."reviewerId" = ${ctx.actor.id}::uuid AND r."defaulted" AND ${scope}`;
  const defaulted = rows[0]?.n ?? 0;
  return { total: p.total, decided: p.decided - defaulted, defaulted };
}
