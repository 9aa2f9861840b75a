/**
 * The home page, "my work": what waits for the signed-in person (approvals, review items, tasks, findings,
 * their open requests), what of theirs expires soon (with what a one-click extension would ask for), what they
 * own, and the charts of their role. Everything is read in one round of parallel queries; each figure is
 * computed once and reused (the inbox count is the sum of its ageing buckets). The organisation-wide figures of
 * those who read all access are one computation shared by the views running at once (org-figures.ts).
 */
import type { Prisma } from "../../db/generated/client";
import type { ServiceCtx } from "../actor";
import { myRequestsWhere } from "../requests/queries";
import { hasRole } from "../actor";
import { inboxScope } from "../approvals/queries";
import { maySeeFindings } from "../findings/queries";
import { GRANT_IN_EFFECT } from "../grants/status";
import { enumArray } from "../../db/sql-arrays";
import { VIEW_WHERE, visibleTasks } from "../provisioning/queries";
import { DURATION_MAX_HOURS } from "../requests/schema";
import { myProgress } from "../campaigns/queries";
import { accessByRisk, approvalAgeing, campaignBurndown, findingsByKind, requestsOverTime, unverifiedOverTime } from "./charts";
import { homeScope, ownsEntitlementSql } from "./scope";
import { readsAllAccess } from "../identities/policy";
import { orgFigures } from "./org-figures";

const DAY_MS = 86_400_000;
/** "Expires soon": within this many days. */
export const EXPIRING_WITHIN_DAYS = 14;
const LIST_MAX = 10;

export async function homeSummary(ctx: ServiceCtx) {
  const { db, actor } = ctx;
  const me = actor.id;
  const now = ctx.now();
  const soon = new Date(now.getTime() + EXPIRING_WITHIN_DAYS * DAY_MS);
  const readsAll = readsAllAccess(actor);
  // Auditors see the tasks but act on none: they are not their work.
  const seesTasks = hasRole(actor, "ADMIN", "SECURITY");
  const ownedEntitlementsWhere: Prisma.EntitlementWhereInput = { OR: [{ ownerId: me }, { ownerId: null, system: { ownerId: me } }] };

  // Relationship facts first-class in the page (and deciding which charts an owner or a manager gets).
  const relP = relationships(ctx);
  const reportsP = relP.then((r) => r.reports);
  const ownedSystemCountP = relP.then((r) => r.systems);
  const ownedEntitlementCountP = relP.then((r) => r.entitlements);
  const ownedSystemsP = ownedSystemCountP.then((n) =>
    n > 0 ? db.system.findMany({ where: { ownerId: me }, orderBy: { name: "asc" }, take: LIST_MAX, select: { id: true, name: true, _count: { select: { entitlements: true } } } }) : [],
  );
  const inboxP = inboxScope(ctx);
  const orgP = readsAll ? orgFigures(ctx) : null;

  const [reports, ownedSystems, ownedSystemCount, ownedEntitlementCount, , myGrants, expiring, ownedEntitlements, ownedNhis, ownedNhiCount, openRequests, reviews, tasks, findings, org, charts] =
    await Promise.all([
      reportsP,
      ownedSystemsP,
      ownedSystemCountP,
      ownedEntitlementCountP,
      inboxP,
      relP.then((r) => r.grants),
      // Mine and my non-human identities': both are mine to extend (requests/service.ts loadBeneficiary).
      // By holder id (the index on identityId), not through a join to the holder: the OR over a join read
      // every active grant (0.2 s at 1,000,000 grants) for every person's home.
      relP.then((r) =>
        db.grant.findMany({
          where: { status: "ACTIVE", expiresAt: { gte: now, lte: soon }, identityId: { in: [me, ...r.nhis] } },
          orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
          take: LIST_MAX,
          select: {
            id: true,
            startsAt: true,
            expiresAt: true,
            identity: { select: { id: true, displayName: true, kind: true } },
            entitlement: { select: { id: true, name: true, risk: true, maxDurationDays: true, system: { select: { name: true } } } },
          },
        }),
      ),
      ownedEntitlementCountP.then((n) => (n > 0 ? ownedEntitlementsWithHolders(ctx, ownedEntitlementsWhere) : [])),
      relP.then((r) =>
        r.identities > 0
          ? db.identity.findMany({
              where: { ownerId: me },
              orderBy: [{ displayName: "asc" }, { id: "asc" }],
              take: LIST_MAX,
              select: { id: true, displayName: true, kind: true, credentialExpiresAt: true, status: true },
            })
          : [],
      ),
      relP.then((r) => r.identities),
      myRequestsWhere(ctx).then((mine) => db.accessRequest.count({ where: { AND: [mine, { status: "PENDING" }] } })),
      myProgress(ctx, {}),
      // Tasks someone can act on: manual tasks awaiting confirmation, and failed ones (the Tasks page's views).
      Promise.all([ownedSystemCountP, ownedEntitlementCountP]).then(([sys, ents]) =>
        seesTasks || sys > 0 || ents > 0
          ? Promise.all([
              db.provisioningTask.count({ where: { AND: [visibleTasks(ctx), VIEW_WHERE.awaiting] } }),
              db.provisioningTask.count({ where: { AND: [visibleTasks(ctx), VIEW_WHERE.failed] } }),
            ]).then(([awaiting, failed]) => ({ awaiting, failed }))
          : null,
      ),
      maySeeFindings(actor) ? (orgP?.then((o) => o.openFindings) ?? db.finding.count({ where: { status: "OPEN" } })) : Promise.resolve(null),
      orgP?.then((o) => o.totals) ?? Promise.resolve(null),
      Promise.all([reportsP, ownedEntitlementCountP, inboxP]).then(async ([reportCount, ownedEnts, box]) => {
        if (orgP) {
          const [myAgeing, org] = await Promise.all([approvalAgeing(ctx, box.where), orgP]);
          const { requests, ageing, burndown, risk, unverified, findingKinds } = org.charts;
          return { myAgeing, requests, orgAgeing: ageing, burndown, risk, unverified, findingKinds: maySeeFindings(actor) ? findingKinds : null };
        }
        // Someone who does not read all access: their part of it (scope.ts), for the charts their role gets.
        const owns = ownedEnts > 0;
        const scopeP = owns || reportCount > 0 ? homeScope(ctx) : null;
        const [myAgeing, requests, burndown, risk, unverified, findingKinds] = await Promise.all([
          approvalAgeing(ctx, box.where),
          scopeP?.then((scope) => requestsOverTime(ctx, scope)) ?? null,
          owns ? scopeP!.then((scope) => campaignBurndown(ctx, scope)) : null,
          scopeP?.then((scope) => accessByRisk(ctx, scope)) ?? null,
          owns ? scopeP!.then((scope) => unverifiedOverTime(ctx, scope)) : null,
          maySeeFindings(actor) ? findingsByKind(ctx) : null,
        ]);
        return { myAgeing, requests, orgAgeing: null, burndown, risk, unverified, findingKinds };
      }),
    ]);

  const pendingExtensions = expiring.length
    ? await db.accessRequest.findMany({
        where: { status: "PENDING", extendsGrantId: { in: expiring.map((g) => g.id) } },
        select: { id: true, extendsGrantId: true },
      })
    : [];
  const pendingFor = new Map(pendingExtensions.map((r) => [r.extendsGrantId, r.id]));

  const approvals = charts.myAgeing.reduce((n, b) => n + b.count, 0);
  return {
    me: { id: actor.id, displayName: actor.displayName, roles: actor.roles },
    work: {
      approvals,
      reviewItems: reviews.total - reviews.decided,
      tasks,
      openFindings: findings,
      openRequests,
    },
    myGrants,
    expiringSoon: expiring.map((g) => ({
      id: g.id,
      expiresAt: g.expiresAt!,
      holder: { id: g.identity.id, name: g.identity.displayName, kind: g.identity.kind, isMe: g.identity.id === me },
      entitlementId: g.entitlement.id,
      entitlement: g.entitlement.name,
      risk: g.entitlement.risk,
      system: g.entitlement.system.name,
      /** A one-click extension asks for as long again as the grant ran, within the entitlement's maximum. */
      extendHours: extensionHours(g.startsAt, g.expiresAt!, g.entitlement.maxDurationDays),
      pendingRequestId: pendingFor.get(g.id) ?? null,
    })),
    reports,
    owned: {
      systems: ownedSystems.map((s) => ({ id: s.id, name: s.name, entitlements: s._count.entitlements })),
      systemCount: ownedSystemCount,
      entitlements: ownedEntitlements,
      entitlementCount: ownedEntitlementCount,
      nhis: ownedNhis,
      nhiCount: ownedNhiCount,
    },
    org,
    charts: {
      requests: charts.requests,
      ageing: charts.orgAgeing ?? (approvals > 0 || reports > 0 || ownedEntitlementCount > 0 ? charts.myAgeing : null),
      ageingScope: charts.orgAgeing ? ("all" as const) : ("mine" as const),
      burndown: charts.burndown,
      risk: charts.risk,
      unverified: charts.unverified,
      findings: charts.findingKinds,
    },
  };
}

export type HomeSummary = Awaited<ReturnType<typeof homeSummary>>;

/**
 * What the person is to the organisation, in one statement: their reports (not deprovisioned), the systems
 * they own, the entitlements they own (scope.ts ownsEntitlementSql, the rule of `ownedEntitlementsWhere`), the
 * identities they own and the non-human ones' ids (whose grants expiring soon are theirs to extend), and the
 * grants in effect they hold. Six small reads, and as many round
 * trips, before; most people own nothing, and the lists of what they own are then not read at all.
 */
async function relationships(ctx: ServiceCtx) {
  const me = ctx.actor.id;
  const rows = await ctx.db.$queryRaw<{ reports: number; systems: number; entitlements: number; identities: number; nhis: string[]; grants: number }[]>`
    SELECT
      (SELECT count(*)::int FROM "Identity" WHERE "managerId" = ${me}::uuid AND "status" <> 'DEPROVISIONED') AS "reports",
      (SELECT count(*)::int FROM "System" WHERE "ownerId" = ${me}::uuid) AS "systems",
      (SELECT count(*)::int FROM "Entitlement" e JOIN "System" s ON s."id" = e."systemId" WHERE ${ownsEntitlementSql(me)}) AS "entitlements",
      (SELECT count(*)::int FROM "Identity" WHERE "ownerId" = ${me}::uuid) AS "identities",
      ARRAY(SELECT "id"::text FROM "Identity" WHERE "ownerId" = ${me}::uuid AND "kind" <> 'HUMAN') AS "nhis",
      (SELECT count(*)::int FROM "Grant" WHERE "identityId" = ${me}::uuid AND "status" = ANY(${enumArray(GRANT_IN_EFFECT, "GrantStatus")})) AS "grants"`;
  return rows[0]!;
}

/**
 * The first entitlements the actor owns, with how many hold each (grants in effect). The holders are counted
 * for these entitlements only, by the index on the grant's entitlement: counted as a relation of the list,
 * the database grouped every grant in effect by entitlement first (0.2 s at 1,000,000 grants).
 */
async function ownedEntitlementsWithHolders(ctx: ServiceCtx, where: Prisma.EntitlementWhereInput) {
  const ents = await ctx.db.entitlement.findMany({
    where,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: LIST_MAX,
    select: { id: true, name: true, risk: true, system: { select: { name: true } } },
  });
  const counts = ents.length
    ? await ctx.db.grant.groupBy({ by: ["entitlementId"], where: { entitlementId: { in: ents.map((e) => e.id) }, status: { in: GRANT_IN_EFFECT } }, _count: { _all: true } })
    : [];
  const holders = new Map(counts.map((c) => [c.entitlementId, c._count._all]));
  return ents.map((e) => ({ id: e.id, name: e.name, risk: e.risk, system: e.system.name, holders: holders.get(e.id) ?? 0 }));
}

/** As long again as the grant ran (at least a day), no longer than the entitlement allows nor a year. */
export function extensionHours(startsAt: Date, expiresAt: Date, maxDurationDays: number): number {
  const ran = Math.round((expiresAt.getTime() - startsAt.getTime()) / 3_600_000);
  return Math.max(1, Math.min(Math.max(24, ran), maxDurationDays * 24, DURATION_MAX_HOURS));
}
