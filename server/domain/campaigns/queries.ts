/**
 * Campaign reads: the list, one campaign with its progress, the reviewer's workspace (my items with what
 * helps decide) and my progress.
 *
 * Visibility: a campaign's owner, ADMIN, SECURITY and AUDITOR see the whole campaign; a reviewer sees the
 * campaign with the counts of their own items, and only their own items; anyone else gets NOT_FOUND (the
 * list simply does not show it).
 *
 * Decision context of an item (myItems.context):
 * - approvedBy: for a grant that came from a request, who approved each stage and with what authority
 *   (ApprovalStep of grant.requestId; an auto-approved request gives []); null when there was no request.
 * - originUnverified: imported standing access, or no request behind the grant.
 * - previousDecisions: decisions on the same grant in other campaigns, newest first (at most 5).
 * - peersInDepartmentHolding / departmentSize: among the other active people of the holder's department
 *   (a non-human identity's department is its owner's), how many hold the same entitlement now, and how
 *   many there are. 0 / 0 when the holder has no department.
 * - suggestion: for an undecided item of an active campaign, the suggested decision and its reasons
 *   (./suggestions.ts), or null.
 */
import type { z } from "zod";
import { Prisma, type Campaign, type ReviewDecision } from "../../db/generated/client";
import { badInput, notFound } from "../../errors";
import { hasRole, type ServiceCtx } from "../actor";
import type { Authority } from "../approvals/eligibility";
import { afterDate, skipTake, type Page, type TAfter } from "../list";
import { timestampSql } from "../../db/sql-arrays";
import { canManageCampaign, canSeeWholeCampaign } from "./policy";
import { suggestionsFor } from "./suggestions";
import { ZCampaignScope, type CampaignScope, type ZCampaignById, type ZListCampaignsInput, type ZMyItemsInput, type ZMyProgressInput } from "./schema";

const DAY_MS = 86_400_000;
const where = (parts: Prisma.Sql[]) => (parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, " AND ")}` : Prisma.empty);

/** `%term%` for ILIKE, with the user's own %, _ and \ taken literally. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// ---------------------------------------------------------------------------------------------------
// List

export type CampaignListRow = {
  id: string;
  name: string;
  status: Campaign["status"];
  ownerName: string;
  dueAt: Date;
  populationCount: number | null;
  /** Items decided / total: the whole campaign for those who see it whole, else the viewer's own items. */
  decided: number;
  total: number;
};

const CAMPAIGN_ORDER: Record<NonNullable<z.infer<typeof ZListCampaignsInput>["sort"]>, Prisma.Sql> = {
  name: Prisma.sql`lower(c."name")`,
  status: Prisma.sql`c."status"`,
  dueAt: Prisma.sql`c."dueAt"`,
  population: Prisma.sql`c."populationCount"`,
  createdAt: Prisma.sql`c."createdAt"`,
};

export async function listCampaigns(ctx: ServiceCtx, input: z.output<typeof ZListCampaignsInput>): Promise<Page<CampaignListRow>> {
  const me = ctx.actor.id;
  const seesAll = hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR");
  const conds: Prisma.Sql[] = [];
  if (!seesAll) {
    conds.push(Prisma.sql`(c."ownerId" = ${me}::uuid OR EXISTS (SELECT 1 FROM "ReviewItem" x WHERE x."campaignId" = c."id" AND x."reviewerId" = ${me}::uuid))`);
  }
  if (input.status) conds.push(Prisma.sql`c."status" = ${input.status}::"CampaignStatus"`);
  if (input.q) conds.push(Prisma.sql`c."name" ILIKE ${likePattern(input.q)}`);
  const dir = Prisma.raw(input.dir === "desc" ? "DESC" : "ASC");
  const order = input.sort ? Prisma.sql`${CAMPAIGN_ORDER[input.sort]} ${dir} NULLS LAST, c."id"` : Prisma.sql`c."createdAt" DESC, c."id"`;
  const { skip, take } = skipTake(input);
  const whole = Prisma.sql`(${Prisma.raw(seesAll ? "true" : "false")} OR c."ownerId" = ${me}::uuid)`;
  const [rows, count] = await Promise.all([
    ctx.db.$queryRaw<CampaignListRow[]>`
      SELECT c."id", c."name", c."status"::text AS "status", o."displayName" AS "ownerName", c."dueAt", c."populationCount",
        st."decided", st."total"
      FROM "Campaign" c
      JOIN "Identity" o ON o."id" = c."ownerId"
      LEFT JOIN LATERAL (
        SELECT count(*)::int AS "total", count(r."decision")::int AS "decided" FROM "ReviewItem" r
        WHERE r."campaignId" = c."id" AND (${whole} OR r."reviewerId" = ${me}::uuid)
      ) st ON true
      ${where(conds)}
      ORDER BY ${order}
      LIMIT ${take} OFFSET ${skip}`,
    ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Campaign" c ${where(conds)}`,
  ]);
  return { rows, total: count[0]?.n ?? 0, page: input.page, size: input.size };
}

// ---------------------------------------------------------------------------------------------------
// One campaign

export type CampaignDetail = Omit<Campaign, "scope"> & {
  scope: CampaignScope;
  owner: { id: string; name: string };
  fallbackReviewer: { id: string; name: string };
  namedReviewers: { id: string; name: string }[];
  counts: { total: number; decided: number; kept: number; revoked: number; undecided: number; overdue: number };
  perReviewer: { reviewerId: string; name: string; total: number; decided: number }[];
  remediation: { requested: number; confirmed: number; failed: number; pending: number };
  viewer: { canManage: boolean; isReviewer: boolean; seesWhole: boolean };
};

export async function campaignById(ctx: ServiceCtx, input: z.output<typeof ZCampaignById>): Promise<CampaignDetail> {
  const me = ctx.actor.id;
  const c = await ctx.db.campaign.findUnique({ where: { id: input.id } });
  if (!c) throw notFound("The campaign");
  const seesWhole = canSeeWholeCampaign(ctx.actor, c);
  const isReviewer = Boolean(await ctx.db.reviewItem.findFirst({ where: { campaignId: c.id, reviewerId: me }, select: { id: true } }));
  if (!seesWhole && !isReviewer) throw notFound("The campaign");
  const mine = seesWhole ? Prisma.sql`true` : Prisma.sql`r."reviewerId" = ${me}::uuid`;
  const now = ctx.now();
  const [people, countRows, perReviewer] = await Promise.all([
    ctx.db.identity.findMany({ where: { id: { in: [c.ownerId, c.fallbackReviewerId, ...c.namedReviewerIds] } }, select: { id: true, displayName: true } }),
    ctx.db.$queryRaw<(CampaignDetail["counts"] & { requested: number; confirmed: number; failed: number; pending: number })[]>`
      SELECT count(*)::int AS "total",
        count(r."decision")::int AS "decided",
        count(*) FILTER (WHERE r."decision" = 'KEEP')::int AS "kept",
        count(*) FILTER (WHERE r."decision" = 'REVOKE')::int AS "revoked",
        count(*) FILTER (WHERE r."decision" IS NULL)::int AS "undecided",
        count(*) FILTER (WHERE r."decision" IS NULL AND ${c.dueAt.toISOString()}::timestamp(3) < ${now.toISOString()}::timestamp(3))::int AS "overdue",
        count(*) FILTER (WHERE r."remediation" <> 'NONE')::int AS "requested",
        count(*) FILTER (WHERE r."remediation" = 'CONFIRMED')::int AS "confirmed",
        count(*) FILTER (WHERE r."remediation" = 'FAILED')::int AS "failed",
        count(*) FILTER (WHERE r."remediation" = 'PENDING')::int AS "pending"
      FROM "ReviewItem" r WHERE r."campaignId" = ${c.id}::uuid AND ${mine}`,
    ctx.db.$queryRaw<CampaignDetail["perReviewer"]>`
      SELECT r."reviewerId", p."displayName" AS "name", count(*)::int AS "total", count(r."decision")::int AS "decided"
      FROM "ReviewItem" r JOIN "Identity" p ON p."id" = r."reviewerId"
      WHERE r."campaignId" = ${c.id}::uuid AND ${mine}
      GROUP BY r."reviewerId", p."displayName"
      ORDER BY p."displayName", r."reviewerId"`,
  ]);
  const name = (id: string) => people.find((p) => p.id === id)?.displayName ?? "(unknown)";
  const k = countRows[0]!;
  return {
    ...c,
    scope: ZCampaignScope.parse(c.scope),
    owner: { id: c.ownerId, name: name(c.ownerId) },
    fallbackReviewer: { id: c.fallbackReviewerId, name: name(c.fallbackReviewerId) },
    namedReviewers: c.namedReviewerIds.map((id) => ({ id, name: name(id) })),
    counts: { total: k.total, decided: k.decided, kept: k.kept, revoked: k.revoked, undecided: k.undecided, overdue: k.overdue },
    perReviewer,
    remediation: { requested: k.requested, confirmed: k.confirmed, failed: k.failed, pending: k.pending },
    viewer: { canManage: canManageCampaign(ctx.actor, c), isReviewer, seesWhole },
  };
}

// ---------------------------------------------------------------------------------------------------
// The reviewer's workspace

export type DecisionContext = {
  approvedBy: { name: string; authority: string }[] | null;
  originUnverified: boolean;
  previousDecisions: { campaignName: string; decision: ReviewDecision; decidedAt: Date }[];
  peersInDepartmentHolding: number;
  departmentSize: number;
  /** For an undecided item of an active campaign: what the server suggests and why (./suggestions.ts). */
  suggestion: { decision: ReviewDecision; text: string } | null;
};

export type MyItemRow = {
  id: string;
  version: number;
  campaignId: string;
  campaignName: string;
  campaignStatus: Campaign["status"];
  dueAt: Date;
  grantId: string;
  identityId: string;
  identityName: string;
  identityKind: string;
  entitlementId: string;
  entitlementName: string;
  systemId: string;
  systemName: string;
  risk: string;
  privileged: boolean;
  origin: string;
  grantStartsAt: Date;
  grantExpiresAt: Date | null;
  heldDays: number;
  decision: ReviewDecision | null;
  comment: string | null;
  decidedAt: Date | null;
  routedFromId: string | null;
  routingReason: string | null;
  context: DecisionContext;
};

const ITEM_ORDER: Record<NonNullable<z.infer<typeof ZMyItemsInput>["sort"]>, Prisma.Sql> = {
  identity: Prisma.sql`lower(r."identityName")`,
  entitlement: Prisma.sql`lower(r."entitlementName")`,
  system: Prisma.sql`lower(r."systemName")`,
  risk: Prisma.sql`r."risk"`,
  // Held longer = started earlier: ascending heldDays is descending start (the direction is flipped below).
  heldDays: Prisma.sql`r."grantStartsAt"`,
  decision: Prisma.sql`r."decision"`,
  campaign: Prisma.sql`lower(c."name")`,
};

/** How an approver could approve, in words (the same wording as the request pages). */
export function describeAuthority(a: Authority | null): string {
  if (!a) return "";
  const base =
    a.kind === "MANAGER_OF" ? `Manager of ${a.subject.name}` : a.kind === "OWNER_OF" ? `Owner of ${a.subject.name}` : a.kind === "SECURITY_ROLE" ? "Security role" : `Fallback approver: ${a.subject.name}`;
  return a.via ? `${base}, delegated by ${a.via.delegatedBy.name}` : base;
}

type RawItem = Omit<MyItemRow, "heldDays" | "context"> & { requestId: string | null };

/**
 * The keyset condition for the default order (the campaign's due date, the holder's and the entitlement's
 * names, the item's id; ascending): rows strictly after the item `after` names. The key is the due date the
 * walk saw (a campaign's due date can move); the names are read from that item, a snapshot taken at launch
 * that never changes, so the position is exact without carrying names of any length in the cursor. An item
 * that does not exist is no position (BAD_INPUT naming `after`).
 */
async function itemSeek(ctx: ServiceCtx, after: TAfter): Promise<Prisma.Sql> {
  const due = afterDate(after);
  if (!due) throw badInput("after.key must be the due date of the item's campaign as ISO 8601 UTC with milliseconds.", "after");
  const [item] = await ctx.db.$queryRaw<{ identityName: string; entitlementName: string }[]>`
    SELECT "identityName", "entitlementName" FROM "ReviewItem" WHERE "id" = ${after.id}::uuid`;
  if (!item) throw badInput("after must name a review item.", "after");
  return Prisma.sql`(c."dueAt", lower(r."identityName"), lower(r."entitlementName"), r."id")
    > (${timestampSql(due)}, lower(${item.identityName}::text), lower(${item.entitlementName}::text), ${after.id}::uuid)`;
}

/**
 * The reviewer's items (open by default), filtered and sorted. In the default order (due date, holder,
 * entitlement, id) the list can seek: `after` (the item's campaign due date and its id, the API's cursors)
 * starts the page after that item instead of skipping rows, and the answer carries `nextAfter`, so a walk
 * neither repeats nor skips an item added meanwhile (a launch, an item routed to the reviewer). `after` in
 * another order is refused (BAD_INPUT naming `after`).
 */
export async function myItems(ctx: ServiceCtx, input: z.output<typeof ZMyItemsInput>): Promise<Page<MyItemRow>> {
  const me = ctx.actor.id;
  const seeks = input.sort === undefined;
  if (input.after && !seeks) throw badInput("after pages the default order (by due date) only; page by number in this order.", "after");
  const seek = input.after ? await itemSeek(ctx, input.after) : null;
  const conds: Prisma.Sql[] = [Prisma.sql`r."reviewerId" = ${me}::uuid`];
  if (input.campaignId) conds.push(Prisma.sql`r."campaignId" = ${input.campaignId}::uuid`);
  if (input.systemId) conds.push(Prisma.sql`r."systemId" = ${input.systemId}::uuid`);
  if (input.risk) conds.push(Prisma.sql`r."risk" = ${input.risk}::"RiskLevel"`);
  if (input.origin) conds.push(Prisma.sql`r."origin" = ${input.origin}::"GrantOrigin"`);
  if (input.state === "open") conds.push(Prisma.sql`r."decision" IS NULL AND c."status" = 'ACTIVE'`);
  if (input.state === "decided") conds.push(Prisma.sql`r."decision" IS NOT NULL`);
  if (input.q) conds.push(Prisma.sql`(r."identityName" ILIKE ${likePattern(input.q)} OR r."entitlementName" ILIKE ${likePattern(input.q)})`);
  const desc = (input.dir === "desc") !== (input.sort === "heldDays");
  const dir = Prisma.raw(desc ? "DESC" : "ASC");
  const order = input.sort
    ? Prisma.sql`${ITEM_ORDER[input.sort]} ${dir} NULLS LAST, r."id"`
    : Prisma.sql`c."dueAt", lower(r."identityName"), lower(r."entitlementName"), r."id"`;
  // With `after` the page starts there; page numbers (the portal's table) skip rows. One more row than the
  // page says whether another page follows (nextAfter).
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);
  const [found, count] = await Promise.all([
    ctx.db.$queryRaw<RawItem[]>`
      SELECT r."id", r."version", r."campaignId", c."name" AS "campaignName", c."status"::text AS "campaignStatus", c."dueAt", r."grantId",
        r."identityId", r."identityName", r."identityKind"::text AS "identityKind", r."entitlementId", r."entitlementName",
        r."systemId", r."systemName", r."risk"::text AS "risk", r."privileged", r."origin"::text AS "origin",
        r."grantStartsAt", r."grantExpiresAt", r."decision"::text AS "decision", r."comment", r."decidedAt",
        r."routedFromId", r."routingReason", g."requestId"
      FROM "ReviewItem" r
      JOIN "Campaign" c ON c."id" = r."campaignId"
      JOIN "Grant" g ON g."id" = r."grantId"
      ${where(seek ? [...conds, seek] : conds)}
      ORDER BY ${order}
      LIMIT ${seeks ? take + 1 : take} OFFSET ${skip}`,
    ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "ReviewItem" r JOIN "Campaign" c ON c."id" = r."campaignId" ${where(conds)}`,
  ]);
  const raw = found.slice(0, take);
  const last = raw[raw.length - 1];
  const nextAfter = seeks ? (found.length > take && last ? { key: last.dueAt.toISOString(), id: last.id } : null) : undefined;
  const contexts = await decisionContexts(ctx, raw);
  const now = ctx.now().getTime();
  const rows = raw.map(({ requestId: _r, ...r }) => ({
    ...r,
    heldDays: Math.max(0, Math.floor((now - r.grantStartsAt.getTime()) / DAY_MS)),
    context: contexts.get(r.id)!,
  }));
  return { rows, total: count[0]?.n ?? 0, page: input.page, size: input.size, ...(nextAfter !== undefined ? { nextAfter } : {}) };
}

/** The decision context of a page of items: three batched queries, whatever the page size. */
async function decisionContexts(ctx: ServiceCtx, items: RawItem[]): Promise<Map<string, DecisionContext>> {
  const out = new Map<string, DecisionContext>();
  if (items.length === 0) return out;
  const requestIds = [...new Set(items.map((i) => i.requestId).filter((x): x is string => x !== null))];
  const grantIds = [...new Set(items.map((i) => i.grantId))];
  const itemIds = items.map((i) => i.id);
  const [steps, previous, peers] = await Promise.all([
    requestIds.length
      ? ctx.db.approvalStep.findMany({
          where: { requestId: { in: requestIds }, status: "APPROVED", decidedById: { not: null } },
          select: { requestId: true, stageOrder: true, decidedById: true, authority: true },
          orderBy: { stageOrder: "asc" },
        })
      : [],
    ctx.db.reviewItem.findMany({
      where: { grantId: { in: grantIds }, decision: { not: null } },
      select: { grantId: true, campaignId: true, decision: true, decidedAt: true, campaign: { select: { name: true } } },
      orderBy: { decidedAt: "desc" },
    }),
    // Peers and the suggestion: each department's active people are counted once per page (not once per item).
    suggestionsFor(ctx.db, itemIds),
  ]);
  const deciderIds = [...new Set(steps.map((s) => s.decidedById!))];
  const deciders = deciderIds.length ? await ctx.db.identity.findMany({ where: { id: { in: deciderIds } }, select: { id: true, displayName: true } }) : [];
  const deciderName = new Map(deciders.map((d) => [d.id, d.displayName]));
  for (const i of items) {
    const peer = peers.get(i.id);
    out.set(i.id, {
      approvedBy: i.requestId
        ? steps.filter((s) => s.requestId === i.requestId).map((s) => ({ name: deciderName.get(s.decidedById!) ?? "(unknown)", authority: describeAuthority(s.authority as Authority | null) }))
        : null,
      originUnverified: i.origin === "IMPORTED" || i.requestId === null,
      previousDecisions: previous
        .filter((p) => p.grantId === i.grantId && p.campaignId !== i.campaignId)
        .slice(0, 5)
        .map((p) => ({ campaignName: p.campaign.name, decision: p.decision!, decidedAt: p.decidedAt! })),
      peersInDepartmentHolding: peer?.facts.peersHolding ?? 0,
      departmentSize: peer?.facts.departmentSize ?? 0,
      suggestion: !i.decision && i.campaignStatus === "ACTIVE" && peer?.suggestion ? { decision: peer.suggestion.decision, text: peer.suggestion.text } : null,
    });
  }
  return out;
}

/** My items decided / total: in one campaign, or across every ACTIVE campaign. */
export async function myProgress(ctx: ServiceCtx, input: z.output<typeof ZMyProgressInput>): Promise<{ total: number; decided: number }> {
  const scope = input.campaignId ? Prisma.sql`r."campaignId" = ${input.campaignId}::uuid` : Prisma.sql`c."status" = 'ACTIVE'`;
  const rows = await ctx.db.$queryRaw<{ total: number; decided: number }[]>`
    SELECT count(*)::int AS "total", count(r."decision")::int AS "decided"
    FROM "ReviewItem" r JOIN "Campaign" c ON c."id" = r."campaignId"
    WHERE r."reviewerId" = ${ctx.actor.id}::uuid AND ${scope}`;
  return rows[0] ?? { total: 0, decided: 0 };
}
