/**
 * The approver inbox: open stages of pending requests the actor may decide, directly (listed as eligible
 * when the stage opened) or as an active delegate of someone who is. The decision itself re-checks the
 * authority fresh; this list is what to look at.
 */
import type { z } from "zod";
import type { OnBehalfRelation } from "../requests/schema";
import { Prisma } from "../../db/generated/client";
import type { ServiceCtx } from "../actor";
import { badInput } from "../../errors";
import { afterDate, cappedTotal, countBound, likePattern, skipTake, type Page } from "../list";
import { timestampSql } from "../../db/sql-arrays";
import type { INBOX_SORTS, ZInboxInput } from "./schema";

export type InboxRow = {
  stepId: string;
  requestId: string;
  revision: number;
  kind: string;
  position: number;
  stageCount: number;
  openedAt: Date | null;
  escalateAt: Date | null;
  escalated: boolean;
  deadlineAt: Date;
  entitlement: { id: string; name: string; risk: string; privileged: boolean };
  system: { id: string; name: string };
  requester: { id: string; name: string };
  beneficiary: { id: string; name: string; kind: string };
  /** For someone else: how the requester stood to the beneficiary when asking (null: for themselves). */
  relation: OnBehalfRelation | null;
  /**
   * Set when a machine (an API client, a pipeline, an AI agent) asked, for itself or for someone else: which
   * one, of what kind, and its accountable owner — the request page's shape, for `machineChainText`.
   */
  machineRequester: { id: string; name: string; kind: string; owner: { id: string; name: string } | null } | null;
  durationHours: number;
  emergency: boolean;
  justification: string;
  /** Null when the actor is eligible themselves; otherwise the people they act for (delegation). */
  onBehalfOf: { id: string; name: string }[] | null;
};

/** The sort key of each inbox order, over the aliases of the page query (s step, r request, e, rq). */
const SORT_KEY: Record<(typeof INBOX_SORTS)[number], Prisma.Sql> = {
  openedAt: Prisma.sql`s."openedAt"`,
  deadlineAt: Prisma.sql`r."deadlineAt"`,
  entitlement: Prisma.sql`e."name"`,
  requester: Prisma.sql`rq."displayName"`,
  risk: Prisma.sql`e."risk"`,
};

type InboxSqlRow = {
  stepId: string;
  kind: string;
  openedAt: Date | null;
  escalateAt: Date | null;
  escalatedAt: Date | null;
  eligibleIds: string[];
  requestId: string;
  revision: number;
  deadlineAt: Date;
  durationHours: number;
  emergency: boolean;
  justification: string;
  entitlementId: string;
  entitlementName: string;
  risk: string;
  privileged: boolean;
  systemId: string;
  systemName: string;
  requesterId: string;
  requesterName: string;
  requesterKind: string;
  requesterOwnerId: string | null;
  requesterOwnerName: string | null;
  beneficiaryId: string;
  beneficiaryName: string;
  beneficiaryKind: string;
  relation: OnBehalfRelation | null;
  position: number;
  stageCount: number;
  /** How many rows the page query found: one more than the page when another follows. */
  found: number;
};

/** Whose approvals the actor decides today as their active delegate (id → name). */
async function activeDelegators(ctx: ServiceCtx): Promise<Map<string, string>> {
  const now = ctx.now();
  const delegations = await ctx.db.delegation.findMany({
    where: { toId: ctx.actor.id, revokedAt: null, startsAt: { lte: now }, endsAt: { gt: now }, from: { status: "ACTIVE" } },
    select: { fromId: true, from: { select: { displayName: true } } },
  });
  return new Map(delegations.map((d) => [d.fromId, d.from.displayName]));
}

/**
 * Which stages are in someone's inbox, as SQL conditions over a stage `s` joined with its request `r`: open
 * stages of pending requests they may decide directly or as an active delegate (`delegators`), never one in
 * which they are a party (a delegate may be one even if the delegator is not). The one statement of the rule:
 * the inbox page (approvalInbox) and the home page's count and ageing (inboxScope) both read it.
 */
function inboxConditions(me: string, delegators: Map<string, string>): Prisma.Sql[] {
  return [
    Prisma.sql`s."status" = 'OPEN'`,
    Prisma.sql`s."eligibleIds" && ${[me, ...delegators.keys()]}::uuid[]`,
    Prisma.sql`s."requesterId" <> ${me}::uuid`,
    Prisma.sql`s."beneficiaryId" <> ${me}::uuid`,
    Prisma.sql`s."beneficiaryOwnerId" IS DISTINCT FROM ${me}::uuid`,
    Prisma.sql`r."status" = 'PENDING'`,
  ];
}

/** The stages in the actor's inbox, unfiltered (inboxConditions, over `s` and `r`): for the home page's count and ageing. */
export async function inboxScope(ctx: ServiceCtx): Promise<{ where: Prisma.Sql; delegators: Map<string, string> }> {
  const delegators = await activeDelegators(ctx);
  return { where: Prisma.join(inboxConditions(ctx.actor.id, delegators), " AND "), delegators };
}

/**
 * The actor's inbox, with filters (system, risk, stage kind, text) and server-side paging and sorting.
 *
 * Two statements whatever the page size (plus the actor's delegations): a capped count, and the page with
 * everything it shows. Open stages are found by the partial GIN index on "eligibleIds"; the page's 25 are
 * chosen over the stage and its request (and the catalog or people only when a filter or the order needs
 * them), and only those 25 are joined to their details. See docs/performance-queries.md.
 *
 * In the default order (opened, then id, both in the direction asked) the list can seek: `after` (a stage's
 * openedAt and id, the API's cursors) starts the page after that stage instead of skipping rows, and the
 * answer carries `nextAfter`, so a walk neither repeats nor skips a stage opened meanwhile. `after` in
 * another order is refused (BAD_INPUT naming `after`). An open stage always has its openedAt (openedColumns).
 */
export async function approvalInbox(ctx: ServiceCtx, input: z.output<typeof ZInboxInput>): Promise<Page<InboxRow>> {
  const me = ctx.actor.id;
  const delegators = await activeDelegators(ctx);
  const sort = input.sort ?? "openedAt";
  const q = input.q;
  const seeks = sort === "openedAt";
  if (input.after && !seeks) throw badInput("after pages the default order (by opening) only; page by number in this order.", "after");
  const at = input.after ? afterDate(input.after) : null;
  if (input.after && !at) throw badInput("after.key must be the opening time of a stage as ISO 8601 UTC with milliseconds.", "after");
  const needsCatalog = Boolean(input.systemId || input.risk || q || sort === "entitlement" || sort === "risk");
  const needsPeople = Boolean(q || sort === "requester");

  const conds: Prisma.Sql[] = inboxConditions(me, delegators);
  if (input.kind) conds.push(Prisma.sql`s."kind" = ${input.kind}::"ApprovalKind"`);
  if (input.systemId) conds.push(Prisma.sql`e."systemId" = ${input.systemId}::uuid`);
  if (input.risk) conds.push(Prisma.sql`e."risk" = ${input.risk}::"RiskLevel"`);
  if (q) {
    const p = likePattern(q);
    conds.push(
      Prisma.sql`(e."name" ILIKE ${p} OR sy."name" ILIKE ${p} OR rq."displayName" ILIKE ${p} OR b."displayName" ILIKE ${p} OR r."justification" ILIKE ${p})`,
    );
  }
  const fromWhere = (cs: Prisma.Sql[]) => Prisma.sql`FROM "ApprovalStep" s JOIN "AccessRequest" r ON r."id" = s."requestId"
    ${needsCatalog ? Prisma.sql`JOIN "Entitlement" e ON e."id" = r."entitlementId" JOIN "System" sy ON sy."id" = e."systemId"` : Prisma.empty}
    ${needsPeople ? Prisma.sql`JOIN "Identity" rq ON rq."id" = r."requesterId" JOIN "Identity" b ON b."id" = r."beneficiaryId"` : Prisma.empty}
    WHERE ${Prisma.join(cs, " AND ")}`;
  const from = fromWhere(conds);
  const dir = Prisma.raw(input.dir === "desc" ? "DESC" : "ASC");
  // The default order's tie-break runs with the opening time, so "after (openedAt, id)" is one row comparison.
  const tie = seeks ? dir : Prisma.raw("ASC");
  const seek = input.after && at ? Prisma.sql`(s."openedAt", s."id") ${Prisma.raw(input.dir === "desc" ? "<" : ">")} (${timestampSql(at)}, ${input.after.id}::uuid)` : null;
  // With `after` the page starts there; page numbers (the portal's table) skip rows. One more row than the
  // page says whether another follows (nextAfter).
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);

  const [countRows, rows] = await Promise.all([
    ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS "n" FROM (SELECT 1 ${from} LIMIT ${countBound(input)}) c`,
    // Three steps, each planned on its own (MATERIALIZED): the page's stage ids, then those stages with their
    // request and catalog entry, then the people. One join of all nine relations cost PostgreSQL more to plan
    // than to run (its join search grows with their number): 2.2 → 1.0 ms per call at 1M grants.
    ctx.db.$queryRaw<InboxSqlRow[]>`
      WITH page AS (
        SELECT s."id", ${SORT_KEY[sort]} AS "sk" ${seek ? fromWhere([...conds, seek]) : from}
        ORDER BY "sk" ${dir}, s."id" ${tie} LIMIT ${take + 1} OFFSET ${skip}
      ),
      top AS MATERIALIZED (SELECT * FROM page ORDER BY "sk" ${dir}, "id" ${tie} LIMIT ${take}),
      d AS MATERIALIZED (
        SELECT top."sk", top."id", s."kind", s."openedAt", s."escalateAt", s."escalatedAt", s."eligibleIds", s."requestId", s."stageOrder",
          r."revision", r."deadlineAt", r."durationHours", r."emergency", r."justification", r."requesterId", r."beneficiaryId",
          CASE WHEN r."requesterId" = r."beneficiaryId" THEN NULL
            WHEN r."policyDecision" #>> '{input,facts,requesterIsMachine}' = 'true' THEN 'agent'
            WHEN r."policyDecision" #>> '{input,facts,requesterOwnsBeneficiary}' = 'true' THEN 'owner'
            WHEN r."policyDecision" #>> '{input,facts,requesterIsManagerOfBeneficiary}' = 'true' THEN 'manager'
            WHEN r."policyDecision" #>> '{input,facts,requesterSharesDepartment}' = 'true' THEN 'colleague'
            ELSE 'none' END AS "relation",
          e."id" AS "entitlementId", e."name" AS "entitlementName", e."risk"::text AS "risk", e."privileged",
          sy."id" AS "systemId", sy."name" AS "systemName"
        FROM top
        JOIN "ApprovalStep" s ON s."id" = top."id"
        JOIN "AccessRequest" r ON r."id" = s."requestId"
        JOIN "Entitlement" e ON e."id" = r."entitlementId"
        JOIN "System" sy ON sy."id" = e."systemId"
      )
      SELECT d."id" AS "stepId", d."kind"::text AS "kind", d."openedAt", d."escalateAt", d."escalatedAt", d."eligibleIds"::text[] AS "eligibleIds",
        d."requestId", d."revision", d."deadlineAt", d."durationHours", d."emergency", d."justification",
        d."entitlementId", d."entitlementName", d."risk", d."privileged", d."systemId", d."systemName",
        rq."id" AS "requesterId", rq."displayName" AS "requesterName", rq."kind"::text AS "requesterKind",
        ow."id" AS "requesterOwnerId", ow."displayName" AS "requesterOwnerName",
        b."id" AS "beneficiaryId", b."displayName" AS "beneficiaryName", b."kind"::text AS "beneficiaryKind",
        d."relation", st."position", st."stageCount", (SELECT count(*)::int FROM page) AS "found"
      FROM d
      JOIN "Identity" rq ON rq."id" = d."requesterId"
      -- A machine requester's accountable owner (people have none): the page's rows only.
      LEFT JOIN "Identity" ow ON ow."id" = rq."ownerId"
      JOIN "Identity" b ON b."id" = d."beneficiaryId"
      CROSS JOIN LATERAL (
        SELECT (count(*) FILTER (WHERE x."stageOrder" <= d."stageOrder"))::int AS "position", count(*)::int AS "stageCount"
        FROM "ApprovalStep" x WHERE x."requestId" = d."requestId" AND x."status" <> 'VOID'
      ) st
      ORDER BY d."sk" ${dir}, d."id" ${tie}`,
  ]);
  // The page's details are joined for its rows only; the one row more (found) says whether another page follows.
  const last = rows[rows.length - 1];
  const nextAfter = seeks ? ((last?.found ?? 0) > take && last?.openedAt ? { key: last.openedAt.toISOString(), id: last.stepId } : null) : undefined;
  return {
    ...cappedTotal(countRows[0]?.n ?? 0, input),
    page: input.page,
    size: input.size,
    ...(nextAfter !== undefined ? { nextAfter } : {}),
    rows: rows.map((r) => {
      const direct = r.eligibleIds.includes(me);
      return {
        stepId: r.stepId,
        requestId: r.requestId,
        revision: r.revision,
        kind: r.kind,
        position: r.position,
        stageCount: r.stageCount,
        openedAt: r.openedAt,
        escalateAt: r.escalateAt,
        escalated: Boolean(r.escalatedAt),
        deadlineAt: r.deadlineAt,
        entitlement: { id: r.entitlementId, name: r.entitlementName, risk: r.risk, privileged: r.privileged },
        system: { id: r.systemId, name: r.systemName },
        requester: { id: r.requesterId, name: r.requesterName },
        beneficiary: { id: r.beneficiaryId, name: r.beneficiaryName, kind: r.beneficiaryKind },
        relation: r.relation,
        machineRequester:
          r.requesterKind === "HUMAN"
            ? null
            : {
                id: r.requesterId,
                name: r.requesterName,
                kind: r.requesterKind,
                owner: r.requesterOwnerId ? { id: r.requesterOwnerId, name: r.requesterOwnerName ?? "" } : null,
              },
        durationHours: r.durationHours,
        emergency: r.emergency,
        justification: r.justification,
        onBehalfOf: direct ? null : r.eligibleIds.filter((id) => delegators.has(id)).map((id) => ({ id, name: delegators.get(id)! })),
      };
    }),
  };
}

/** Systems that appear in the actor's inbox (for the system filter). */
export async function inboxFacets(ctx: ServiceCtx) {
  const systems = await ctx.db.system.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
  return { systems };
}
