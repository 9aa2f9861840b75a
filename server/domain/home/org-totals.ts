/**
 * The organisation's totals on the home page of admins, security officers and auditors.
 *
 * The grant counts are bounded counts: each stops at ORG_COUNT_CAP rows (the page shows "10,000+" past it).
 * Why not an exact count: counting every active grant and every grant without a request on each view of the
 * home page costs time in proportion to the whole grant table, on every visit. Why not a cache: a short-TTL
 * cache in one process would show different figures on different instances of the portal (nothing may
 * depend on in-process state being shared, DESIGN.md), and a cache in the database would need a writer and
 * an expiry of its own. A bounded count is always fresh, the same on every instance, and costs at most
 * ORG_COUNT_CAP index entries however large the organisation; past the cap, the exact figure is on the
 * audit pages, where it is asked for on purpose. (Views at once share one computation of these and the
 * organisation-wide charts at the same ledger head, org-figures.ts: that is not a cache, nothing outlives it.)
 */
import { Prisma } from "../../db/generated/client";
import type { ServiceCtx } from "../actor";

export const ORG_COUNT_CAP = 10_000;

export type BoundedCount = { value: number; capped: boolean };

/** `SELECT count(*) FROM (SELECT 1 ... LIMIT cap + 1)`: exact up to the cap, "more than cap" past it. */
async function boundedCount(ctx: ServiceCtx, from: Prisma.Sql): Promise<BoundedCount> {
  const rows = await ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (SELECT 1 ${from} LIMIT ${ORG_COUNT_CAP + 1}) x`;
  const n = rows[0]?.n ?? 0;
  return n > ORG_COUNT_CAP ? { value: ORG_COUNT_CAP, capped: true } : { value: n, capped: false };
}

export async function boundedGrantCounts(ctx: ServiceCtx) {
  const nowIso = ctx.now().toISOString();
  const [systems, entitlements, activeGrants, unverifiedGrants, overdueGrants] = await Promise.all([
    ctx.db.system.count(),
    ctx.db.entitlement.count(),
    boundedCount(ctx, Prisma.sql`FROM "Grant" WHERE "status" = 'ACTIVE'`),
    boundedCount(ctx, Prisma.sql`FROM "Grant" WHERE "status" = 'ACTIVE' AND "requestId" IS NULL`),
    boundedCount(ctx, Prisma.sql`FROM "Grant" WHERE "status" = 'ACTIVE' AND "expiresAt" < ${nowIso}::timestamp`),
  ]);
  return { systems, entitlements, activeGrants, unverifiedGrants, overdueGrants };
}
