/**
 * The figures behind the home page's charts. Each chart is one query, aggregated in SQL over a bounded window
 * (weeks or days), so its cost does not grow with the number of rows read into the process: only one row per
 * week, day, bucket or kind comes back. Every figure is limited to what the actor may see (scope.ts).
 */
import { Prisma } from "../../db/generated/client";
import type { ServiceCtx } from "../actor";
import { grantScope, requestScope, type HomeScope } from "./scope";

/** Weekly charts cover this many weeks, the current one included (weeks start on Monday, UTC). */
export const CHART_WEEKS = 12;
/** A campaign burndown shows at most this many days (the most recent ones). */
export const BURNDOWN_MAX_DAYS = 60;
/** Burndowns are drawn for at most this many active campaigns (the ones due first). */
export const BURNDOWN_MAX_CAMPAIGNS = 3;

const DAY_MS = 86_400_000;

/** The first instant of the window and the week starts in it, as SQL (timestamps are UTC without zone). */
function weekWindow(now: Date) {
  const nowIso = now.toISOString();
  const first = Prisma.sql`date_trunc('week', ${nowIso}::timestamp) - make_interval(weeks => ${CHART_WEEKS - 1})`;
  return { nowIso, first };
}

export type WeeklyRequests = { week: string; submitted: number; approved: number; denied: number };

/**
 * Requests submitted, approved and denied per week (by submission and decision time). Two range reads, one
 * per time column, each answered by its own index ("AccessRequest_home_created", "AccessRequest_home_decided");
 * one read with `created in the window OR decided in it` could use neither and read every request.
 */
export async function requestsOverTime(ctx: ServiceCtx, scope: HomeScope): Promise<WeeklyRequests[]> {
  const { nowIso, first } = weekWindow(ctx.now());
  const { joins, where } = requestScope(scope);
  return ctx.db.$queryRaw<WeeklyRequests[]>`
    WITH weeks AS (SELECT generate_series(${first}, date_trunc('week', ${nowIso}::timestamp), interval '1 week') AS wk),
    sub AS (
      SELECT date_trunc('week', r."createdAt") AS wk, count(*)::int AS n FROM "AccessRequest" r ${joins}
      WHERE ${where} AND r."createdAt" >= ${first} AND r."createdAt" <= ${nowIso}::timestamp GROUP BY 1
    ),
    dec AS (
      SELECT date_trunc('week', r."decidedAt") AS wk,
        count(*) FILTER (WHERE r."status" = 'APPROVED')::int AS approved, count(*) FILTER (WHERE r."status" = 'DENIED')::int AS denied
      FROM "AccessRequest" r ${joins}
      WHERE ${where} AND r."decidedAt" >= ${first} AND r."decidedAt" <= ${nowIso}::timestamp GROUP BY 1
    )
    SELECT to_char(weeks.wk, 'YYYY-MM-DD') AS "week", COALESCE(sub.n, 0) AS "submitted", COALESCE(dec.approved, 0) AS "approved", COALESCE(dec.denied, 0) AS "denied"
    FROM weeks LEFT JOIN sub ON sub.wk = weeks.wk LEFT JOIN dec ON dec.wk = weeks.wk
    ORDER BY weeks.wk`;
}

export const AGE_BUCKETS = ["Under 1 day", "1–3 days", "3–7 days", "Over 7 days"] as const;
export type AgeBucket = { bucket: (typeof AGE_BUCKETS)[number]; count: number };

/**
 * How long open approval stages have waited, in four buckets (since the stage opened). `where` says which
 * stages, as SQL over a stage `s` and its request `r`: the actor's inbox (approvals/queries.ts inboxScope) or,
 * for those who read all access, every open stage. One statement, one pass over those stages (it was four
 * counts, each reading them all again); the buckets' sum is the number of stages.
 */
export async function approvalAgeing(ctx: ServiceCtx, where: Prisma.Sql): Promise<AgeBucket[]> {
  const now = ctx.now().getTime();
  const at = (days: number) => Prisma.sql`${new Date(now - days * DAY_MS).toISOString()}::timestamp`;
  const [row] = await ctx.db.$queryRaw<{ counts: number[] }[]>`
    SELECT ARRAY[
      count(*) FILTER (WHERE s."openedAt" > ${at(1)}),
      count(*) FILTER (WHERE s."openedAt" > ${at(3)} AND s."openedAt" <= ${at(1)}),
      count(*) FILTER (WHERE s."openedAt" > ${at(7)} AND s."openedAt" <= ${at(3)}),
      -- A stage with no opening time (should not happen for an open stage) counts as the oldest.
      count(*) FILTER (WHERE s."openedAt" <= ${at(7)} OR s."openedAt" IS NULL)
    ]::int[] AS "counts"
    FROM "ApprovalStep" s JOIN "AccessRequest" r ON r."id" = s."requestId"
    WHERE ${where}`;
  return AGE_BUCKETS.map((bucket, i) => ({ bucket, count: row?.counts[i] ?? 0 }));
}

/** Every open stage of a pending request (for those who read all access), over a stage `s` and its request `r`. */
export const ALL_OPEN_STAGES = Prisma.sql`s."status" = 'OPEN' AND r."status" = 'PENDING'`;

export type Burndown = { campaignId: string; name: string; dueAt: Date; total: number; points: { day: string; remaining: number }[] };

/**
 * Items still undecided at the end of each day of the active campaigns due first (all active campaigns for
 * those who read all access, otherwise the ones the actor runs), from launch (or the last 60 days) to today.
 * One query: per-day decision counts, accumulated against each campaign's total.
 */
export async function campaignBurndown(ctx: ServiceCtx, scope: HomeScope): Promise<Burndown[]> {
  const nowIso = ctx.now().toISOString();
  const mine = scope.all ? Prisma.empty : Prisma.sql`AND c."ownerId" = ${scope.me}::uuid`;
  const rows = await ctx.db.$queryRaw<{ campaignId: string; name: string; dueAt: Date; total: number; day: string; remaining: number }[]>`
    WITH c AS (
      SELECT c."id", c."name", c."dueAt", c."launchedAt" FROM "Campaign" c
      WHERE c."status" = 'ACTIVE' AND c."launchedAt" IS NOT NULL ${mine}
      ORDER BY c."dueAt", c."id" LIMIT ${BURNDOWN_MAX_CAMPAIGNS}
    ),
    tot AS (SELECT r."campaignId", count(*)::int AS n FROM "ReviewItem" r WHERE r."campaignId" IN (SELECT "id" FROM c) GROUP BY 1),
    per AS (
      SELECT r."campaignId", r."decidedAt"::date AS day, count(*)::int AS n FROM "ReviewItem" r
      WHERE r."campaignId" IN (SELECT "id" FROM c) AND r."decidedAt" IS NOT NULL GROUP BY 1, 2
    ),
    days AS (
      SELECT c."id", d::date AS day FROM c,
        generate_series(GREATEST(c."launchedAt"::date, (${nowIso}::timestamp - make_interval(days => ${BURNDOWN_MAX_DAYS - 1}))::date), LEAST(c."dueAt", ${nowIso}::timestamp)::date, interval '1 day') AS d
    )
    SELECT c."id" AS "campaignId", c."name", c."dueAt", COALESCE(tot.n, 0) AS "total", to_char(days.day, 'YYYY-MM-DD') AS "day",
      (COALESCE(tot.n, 0) - COALESCE(sum(per.n), 0))::int AS "remaining"
    FROM days JOIN c ON c."id" = days."id" LEFT JOIN tot ON tot."campaignId" = c."id"
      LEFT JOIN per ON per."campaignId" = c."id" AND per.day <= days.day
    GROUP BY c."id", c."name", c."dueAt", tot.n, days.day
    ORDER BY c."dueAt", c."id", days.day`;
  const out = new Map<string, Burndown>();
  for (const r of rows) {
    const b = out.get(r.campaignId) ?? { campaignId: r.campaignId, name: r.name, dueAt: r.dueAt, total: r.total, points: [] };
    b.points.push({ day: r.day, remaining: r.remaining });
    out.set(r.campaignId, b);
  }
  return [...out.values()];
}

export const RISKS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type RiskRow = { risk: (typeof RISKS)[number]; verified: number; unverified: number };

/** Active grants by the entitlement's risk, split by origin: approved through a request, or unverified (none). */
export async function accessByRisk(ctx: ServiceCtx, scope: HomeScope): Promise<RiskRow[]> {
  // Over the whole organisation the holder and system play no part: the grants are counted per entitlement
  // first (no join per grant), then the entitlements' risks are summed.
  const rows = scope.all
    ? await ctx.db.$queryRaw<{ risk: string; verified: number; unverified: number }[]>`
      SELECT e."risk"::text AS "risk", sum(x."verified")::int AS "verified", sum(x."unverified")::int AS "unverified"
      FROM (SELECT g."entitlementId", count(*) FILTER (WHERE g."requestId" IS NOT NULL) AS "verified", count(*) FILTER (WHERE g."requestId" IS NULL) AS "unverified"
              FROM "Grant" g WHERE g."status" = 'ACTIVE' GROUP BY g."entitlementId") x
      JOIN "Entitlement" e ON e."id" = x."entitlementId"
      GROUP BY e."risk"`
    : await ctx.db.$queryRaw<{ risk: string; verified: number; unverified: number }[]>`
      SELECT e."risk"::text AS "risk", count(*) FILTER (WHERE g."requestId" IS NOT NULL)::int AS "verified", count(*) FILTER (WHERE g."requestId" IS NULL)::int AS "unverified"
      FROM "Grant" g JOIN "Entitlement" e ON e."id" = g."entitlementId" ${grantScope(scope).joins}
      WHERE g."status" = 'ACTIVE' AND ${grantScope(scope).where}
      GROUP BY e."risk"`;
  const by = new Map(rows.map((r) => [r.risk, r]));
  return RISKS.map((risk) => ({ risk, verified: by.get(risk)?.verified ?? 0, unverified: by.get(risk)?.unverified ?? 0 }));
}

export type WeeklyUnverified = { week: string; count: number };

/**
 * Access with no request behind it (origin unverified) held at the end of each week: started by then and not
 * yet revoked then. The current week's point is "now".
 *
 * One pass over the grants, not one per week: a grant adds 1 from the first week whose end is at or after its
 * start and takes it back from the first week whose end is at or after it stopped counting (its revocation, or
 * its start if it was revoked before it started); each point is the running sum. (Asked as a count per week, the
 * database read every unverified grant once per week: 8 s at 1,000,000 grants.)
 *
 * The week of a moment is `width_bucket` over the week ends (a binary search in C) and the grants are counted
 * per (from, until) pair before anything else, so each grant costs two comparisons and a hash lookup; with
 * interval arithmetic per grant and a row per delta this one query took 2 s at 1,000,000 grants
 * (docs/performance-queries.md). The partial index "Grant_home_unverified" holds exactly the rows and columns read.
 */
export async function unverifiedOverTime(ctx: ServiceCtx, scope: HomeScope): Promise<WeeklyUnverified[]> {
  const { nowIso, first } = weekWindow(ctx.now());
  // The week (0-based) of a moment at or before now: how many week ends come before it. A week ends at the
  // first instant of the next one, inclusive; "+ 1 microsecond" (timestamps' resolution) makes width_bucket,
  // which counts the thresholds at or below the moment, count the ends strictly before it. After now: none.
  const scoped = grantScope(scope);
  const weekOf = (t: Prisma.Sql) => Prisma.sql`CASE WHEN ${t} > ${nowIso}::timestamp THEN NULL ELSE width_bucket(${t}, ends.t) END`;
  return ctx.db.$queryRaw<WeeklyUnverified[]>`
    WITH weeks AS (
      SELECT wk, (row_number() OVER (ORDER BY wk))::int - 1 AS k
      FROM generate_series(${first}, date_trunc('week', ${nowIso}::timestamp), interval '1 week') AS wk
    ),
    ends AS (SELECT array_agg(wk + interval '1 week' + interval '1 microsecond' ORDER BY wk) AS t FROM weeks WHERE k < ${CHART_WEEKS - 1}),
    gs AS (
      SELECT ${weekOf(Prisma.sql`g."startsAt"`)} AS "from",
             CASE WHEN g."revokedAt" IS NULL THEN NULL ELSE ${weekOf(Prisma.sql`GREATEST(g."startsAt", g."revokedAt")`)} END AS "until",
             count(*)::int AS n
        FROM "Grant" g ${scoped.joins} CROSS JOIN ends
      WHERE g."requestId" IS NULL AND g."status" NOT IN ('PENDING_PROVISION', 'PROVISION_FAILED')
        AND (g."revokedAt" IS NULL OR g."revokedAt" >= ${first}) AND ${scoped.where}
      GROUP BY 1, 2
    ),
    delta AS (
      SELECT k, sum(n)::int AS n FROM (SELECT "from" AS k, n FROM gs UNION ALL SELECT "until", -n FROM gs) x
       WHERE k IS NOT NULL GROUP BY k
    )
    SELECT to_char(weeks.wk, 'YYYY-MM-DD') AS "week", (sum(COALESCE(delta.n, 0)) OVER (ORDER BY weeks.k))::int AS "count"
    FROM weeks LEFT JOIN delta ON delta.k = weeks.k
    ORDER BY weeks.wk`;
}

export type FindingKindRow = { kind: string; open: number; resolved: number };

/** Findings by kind: open now, and resolved in the last 12 weeks. Only for those who may see findings. */
export async function findingsByKind(ctx: ServiceCtx): Promise<FindingKindRow[]> {
  const { first } = weekWindow(ctx.now());
  return ctx.db.$queryRaw<FindingKindRow[]>`
    SELECT f."kind", count(*) FILTER (WHERE f."status" = 'OPEN')::int AS "open", count(*) FILTER (WHERE f."status" = 'RESOLVED')::int AS "resolved"
    FROM "Finding" f
    WHERE f."status" = 'OPEN' OR f."resolvedAt" >= ${first}
    GROUP BY f."kind" ORDER BY f."kind"`;
}
