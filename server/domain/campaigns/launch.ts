/**
 * Launching a campaign: DRAFT → ACTIVE and the snapshot of its population, in one transaction.
 *
 * The snapshot is ONE set-based statement in the database (`INSERT INTO "ReviewItem" ... SELECT ... FROM
 * "Grant" ...`), never a loop over rows: it has to scale to a million items. It copies what the reviewer
 * sees (names, risk, origin, dates) so later grant changes never alter what the campaign certified, and it
 * computes each item's reviewer in SQL:
 *
 * - ENTITLEMENT_OWNER: the entitlement's owner, else the system's owner.
 * - MANAGER: the holder's manager; for a non-human identity, its owner's manager.
 * - NHI_OWNER: the non-human identity's owner (a human holder has none: fallback, "no reviewer").
 * - NAMED: holders are dealt round-robin to the named reviewers in the order they were given (holders in
 *   id order, `dense_rank`), so all of one holder's grants go to the same reviewer.
 *
 * Routing: when the strategy's reviewer is missing ("no reviewer"), is the holder ("self-review") or is not
 * an active person ("reviewer inactive"), the item goes to the fallback reviewer, with routedFromId = the
 * strategy's reviewer and the reason. When the fallback reviewer is themselves the holder ("fallback
 * self-review"), the item goes to the campaign's owner when that is someone else and an active person, else
 * to an active ADMIN other than the fallback (first by name); with nobody left, launch is refused (the
 * database CHECK forbids self-review, so no such item can exist anyway).
 *
 * Completeness evidence recorded on the campaign: populationCount (rows inserted), scopeQuery (the exact
 * SQL text with its parameters as a JSON array beside it), scopeHash = sha256(JCS({scope, sql, params})),
 * launchedAt. Ledger "campaign.launched" {populationCount, scopeHash}. Each reviewer is notified once,
 * set-based too ("You have N access reviews in <campaign>", dedupe key per campaign and reviewer).
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { enumArray, uuidArray } from "../../db/sql-arrays";
import { env } from "../../env";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { canonicalJson } from "../../ledger/hash";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type ServiceCtx } from "../actor";
import { GRANT_IN_EFFECT } from "../grants/status";
import { checkScope, nextVersion } from "./define";
import { canManageCampaign } from "./policy";
import { assertCanSeeCampaign } from "./visibility";
import { ZCampaignScope, type CampaignScope, type ZLaunchCampaignInput } from "./schema";
import type { Campaign, ReviewerStrategy } from "../../db/generated/client";
import type { LedgerActor } from "../../ledger/ledger";

const DAY_MS = 86_400_000;
const IN_EFFECT_SQL = Prisma.raw(GRANT_IN_EFFECT.map((s) => `'${s}'`).join(", "));

/** One bound parameter holding a whole uuid list (ids are validated UUIDs). */
/** A timestamp parameter in UTC, as Prisma stores DateTime (timestamp(3) without time zone). */
export const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamp(3)`;

/**
 * The scope as a WHERE clause over `"Grant" g JOIN "Identity" i JOIN "Entitlement" e JOIN "System" s`:
 * grants in effect matching every filter given. "Not reviewed for N days" = no decided review item of
 * that grant decided within N days of `now`.
 */
export function scopeWhere(scope: CampaignScope, now: Date): Prisma.Sql {
  const conds: Prisma.Sql[] = [Prisma.sql`g."status" IN (${IN_EFFECT_SQL})`];
  if (scope.systemIds.length) conds.push(Prisma.sql`e."systemId" = ANY(${uuidArray(scope.systemIds)})`);
  if (scope.entitlementIds.length) conds.push(Prisma.sql`g."entitlementId" = ANY(${uuidArray(scope.entitlementIds)})`);
  if (scope.minRisk) conds.push(Prisma.sql`e."risk" >= ${scope.minRisk}::"RiskLevel"`);
  if (scope.privilegedOnly) conds.push(Prisma.sql`e."privileged"`);
  if (scope.identityIds.length) conds.push(Prisma.sql`g."identityId" = ANY(${uuidArray(scope.identityIds)})`);
  if (scope.identityKinds.length) conds.push(Prisma.sql`i."kind" = ANY(${enumArray(scope.identityKinds, "IdentityKind")})`);
  if (scope.notReviewedForDays) {
    const cutoff = new Date(now.getTime() - scope.notReviewedForDays * DAY_MS);
    conds.push(
      Prisma.sql`NOT EXISTS (SELECT 1 FROM "ReviewItem" pr WHERE pr."grantId" = g."id" AND pr."decision" IS NOT NULL AND pr."decidedAt" >= ${ts(cutoff)})`,
    );
  }
  return Prisma.join(conds, " AND ");
}

const SCOPE_FROM = Prisma.sql`"Grant" g
    JOIN "Identity" i ON i."id" = g."identityId"
    JOIN "Entitlement" e ON e."id" = g."entitlementId"
    JOIN "System" s ON s."id" = e."systemId"`;

/** How many grants are in this scope right now (the preview; the launch counts the rows it inserts). */
export async function countInScope(tx: Tx, scope: CampaignScope, now: Date): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM ${SCOPE_FROM} WHERE ${scopeWhere(scope, now)}`;
  return rows[0]?.n ?? 0;
}

function strategyReviewer(strategy: ReviewerStrategy, named: string[]): { expr: Prisma.Sql; join: Prisma.Sql } {
  switch (strategy) {
    case "ENTITLEMENT_OWNER":
      return { expr: Prisma.sql`COALESCE(e."ownerId", s."ownerId")`, join: Prisma.empty };
    case "MANAGER":
      return {
        expr: Prisma.sql`CASE WHEN i."kind" = 'HUMAN' THEN i."managerId" ELSE o."managerId" END`,
        join: Prisma.sql`LEFT JOIN "Identity" o ON o."id" = i."ownerId"`,
      };
    case "NHI_OWNER":
      return { expr: Prisma.sql`i."ownerId"`, join: Prisma.empty };
    case "NAMED":
      return {
        expr: Prisma.sql`(${uuidArray(named)})[((dense_rank() OVER (ORDER BY g."identityId") - 1) % ${named.length}::int + 1)::int]`,
        join: Prisma.empty,
      };
  }
}

export type SnapshotParams = {
  campaignId: string;
  scope: CampaignScope;
  strategy: ReviewerStrategy;
  namedReviewerIds: string[];
  fallbackReviewerId: string;
  /** Who gets an item whose holder is the fallback reviewer (campaign owner or an admin); null = nobody. */
  secondFallbackId: string | null;
  now: Date;
};

/**
 * A review item's id: derived from (campaign, grant), which is unique per item, as a name-based UUID (version
 * nibble 5, RFC 4122 variant), so launching the same campaign over the same grants gives the same ids (the
 * demo seed's ledger is the same in every fresh database) and item ids stay valid UUIDs for the inputs.
 */
function itemId(campaignId: string): Prisma.Sql {
  const h = Prisma.sql`md5(${campaignId}::text || ':' || p."grantId"::text)`;
  return Prisma.sql`(substr(${h}, 1, 12) || '5' || substr(${h}, 14, 3) || '8' || substr(${h}, 18, 15))::uuid`;
}

/** The one statement that creates the snapshot. Exported so the benchmark runs exactly what launch runs. */
export function snapshotSql(p: SnapshotParams): Prisma.Sql {
  const { expr, join } = strategyReviewer(p.strategy, p.namedReviewerIds);
  const fallback = Prisma.sql`${p.fallbackReviewerId}::uuid`;
  return Prisma.sql`INSERT INTO "ReviewItem" ("id", "campaignId", "grantId", "identityId", "entitlementId", "identityName", "identityKind",
  "entitlementName", "systemId", "systemName", "risk", "privileged", "origin", "grantStartsAt", "grantExpiresAt",
  "reviewerId", "routedFromId", "routingReason", "createdAt")
SELECT ${itemId(p.campaignId)}, ${p.campaignId}::uuid, p."grantId", p."identityId", p."entitlementId", p."identityName", p."identityKind",
  p."entitlementName", p."systemId", p."systemName", p."risk", p."privileged", p."origin", p."grantStartsAt", p."grantExpiresAt",
  CASE WHEN p.reason IS NULL THEN p.sr WHEN p."identityId" <> ${fallback} THEN ${fallback} ELSE ${p.secondFallbackId}::uuid END,
  CASE WHEN p.reason IS NULL THEN NULL ELSE p.sr END,
  CASE WHEN p.reason IS NULL THEN NULL WHEN p."identityId" <> ${fallback} THEN p.reason ELSE 'fallback self-review' END,
  ${ts(p.now)}
FROM (
  SELECT b.*,
    CASE WHEN b.sr IS NULL THEN 'no reviewer' WHEN b.sr = b."identityId" THEN 'self-review' WHEN r."id" IS NULL THEN 'reviewer inactive' END AS reason
  FROM (
    SELECT g."id" AS "grantId", g."identityId", g."entitlementId", i."displayName" AS "identityName", i."kind" AS "identityKind",
      e."name" AS "entitlementName", s."id" AS "systemId", s."name" AS "systemName", e."risk", e."privileged", g."origin",
      g."startsAt" AS "grantStartsAt", g."expiresAt" AS "grantExpiresAt", ${expr} AS sr
    FROM ${SCOPE_FROM}
    ${join}
    WHERE ${scopeWhere(p.scope, p.now)}
  ) b
  LEFT JOIN "Identity" r ON r."id" = b.sr AND r."kind" = 'HUMAN' AND r."status" = 'ACTIVE'
) p`;
}

/** The evidence: the SQL text, its parameters beside it, and the hash of both with the scope. */
export function scopeEvidence(scope: CampaignScope, sql: Prisma.Sql): { scopeQuery: string; scopeHash: string } {
  const params = sql.values.map((v) => (v instanceof Date ? v.toISOString() : v));
  const text = sql.text;
  const scopeHash = createHash("sha256").update(canonicalJson({ scope, sql: text, params }), "utf8").digest("hex");
  return { scopeQuery: `${text}\n-- parameters: ${JSON.stringify(params)}`, scopeHash };
}

async function activeHuman(tx: Tx, id: string): Promise<{ id: string; displayName: string } | null> {
  return tx.identity.findFirst({ where: { id, kind: "HUMAN", status: "ACTIVE" }, select: { id: true, displayName: true } });
}

/** Who reviews items held by the fallback reviewer: the campaign owner if someone else, else an admin. */
async function secondFallback(tx: Tx, ownerId: string, fallbackId: string): Promise<string | null> {
  if (ownerId !== fallbackId && (await activeHuman(tx, ownerId))) return ownerId;
  const admin = await tx.identity.findFirst({
    where: { id: { not: fallbackId }, kind: "HUMAN", status: "ACTIVE", roles: { some: { role: "ADMIN" } } },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    select: { id: true },
  });
  return admin?.id ?? null;
}

/** Set-based: one notification per reviewer with their item count. */
async function notifyReviewers(tx: Tx, c: { id: string; name: string; dueAt: Date }, now: Date): Promise<number> {
  const emailStatus = env().SMTP_URL ? "PENDING" : "NONE";
  const due = c.dueAt.toISOString().slice(0, 10);
  return tx.$executeRaw`
    INSERT INTO "Notification" ("id", "recipientId", "kind", "title", "body", "link", "emailStatus", "dedupeKey", "createdAt")
    SELECT gen_random_uuid(), r."reviewerId", 'campaign.launched', ${`Access review: ${c.name}`},
      'You have ' || count(*) || CASE WHEN count(*) = 1 THEN ' access review in ' ELSE ' access reviews in ' END || ${c.name} || ', due ' || ${due} || '.',
      ${`/campaigns/${c.id}`}, ${emailStatus}::"EmailStatus", ${`campaign.launched:${c.id}:`} || r."reviewerId"::text, ${ts(now)}
    FROM "ReviewItem" r WHERE r."campaignId" = ${c.id}::uuid
    GROUP BY r."reviewerId"
    ON CONFLICT ("dedupeKey") DO NOTHING`;
}

function isNullViolation(e: unknown): boolean {
  const text = e instanceof Error ? `${e.message} ${JSON.stringify((e as { meta?: unknown }).meta ?? {})}` : "";
  return /null value|23502|NullConstraintViolation|violates not-null/i.test(text);
}

/**
 * Launches a DRAFT campaign: the campaign's owner or an ADMIN (a non-admin owner must still own every
 * system in the scope). Conditional on status DRAFT and the updatedAt the caller saw (CONFLICT otherwise).
 */
export async function launchCampaign(ctx: ServiceCtx, input: z.output<typeof ZLaunchCampaignInput>): Promise<{ populationCount: number; scopeHash: string }> {
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      const c = await tx.campaign.findUnique({ where: { id: input.id } });
      if (!c) throw notFound("The campaign");
      if (!canManageCampaign(ctx.actor, c)) {
        await assertCanSeeCampaign(tx, ctx.actor, c);
        throw forbidden("Only the campaign's owner or an admin can launch it.");
      }
      if (c.status !== "DRAFT") throw conflict(`This campaign was already launched (it is ${c.status.toLowerCase()}).`);
      if (c.updatedAt.getTime() !== input.expectedUpdatedAt.getTime()) {
        throw conflict("This campaign was changed by someone else after you opened it. Reload to see the current version, then launch again.");
      }
      await checkScope(tx, ctx.actor, ZCampaignScope.parse(c.scope));
      return launchDraftInTx(tx, c, ledgerActor(ctx.actor), now);
    },
    // A million-item snapshot takes longer than the default interactive-transaction timeout.
    { timeout: 600_000, maxWait: 10_000 },
  );
}

/**
 * The launch itself, inside the caller's transaction, once the caller has checked who may launch: the checks
 * of the definition (due date, reviewers), DRAFT → ACTIVE (conditional on the version read), the snapshot,
 * the evidence, the reviewers' notifications and "campaign.launched". Used by launchCampaign and by the
 * mover review (mover-review.ts), which opens its campaign inside the mover's transaction.
 */
export async function launchDraftInTx(tx: Tx, c: Campaign, actor: LedgerActor, now: Date): Promise<{ populationCount: number; scopeHash: string }> {
  const scope = ZCampaignScope.parse(c.scope);
  if (c.dueAt <= now) throw badInput("The due date has passed: set a later due date before launching.");
  const fallback = await activeHuman(tx, c.fallbackReviewerId);
  if (!fallback) throw badInput("The fallback reviewer is no longer an active person: choose another one before launching.");
  if (c.reviewerStrategy === "NAMED") {
    const named = await tx.identity.count({ where: { id: { in: c.namedReviewerIds }, kind: "HUMAN", status: "ACTIVE" } });
    if (c.namedReviewerIds.length === 0 || named !== c.namedReviewerIds.length) {
      throw badInput("Every named reviewer must be an active person: update the list before launching.");
    }
  }

  const claimed = await tx.campaign.updateMany({
    where: { id: c.id, status: "DRAFT", updatedAt: c.updatedAt },
    data: { status: "ACTIVE", launchedAt: now, updatedAt: nextVersion(c.updatedAt) },
  });
  if (claimed.count !== 1) throw conflict("This campaign was launched or changed by someone else at the same time. Reload to see it.");

  const sql = snapshotSql({
    campaignId: c.id,
    scope,
    strategy: c.reviewerStrategy,
    namedReviewerIds: c.namedReviewerIds,
    fallbackReviewerId: fallback.id,
    secondFallbackId: await secondFallback(tx, c.ownerId, fallback.id),
    now,
  });
  const populationCount = await tx.$executeRaw(sql).catch((e: unknown) => {
    throw isNullViolation(e)
      ? badInput(`${fallback.displayName}, the fallback reviewer, holds access in this scope and nobody else can review it: choose another fallback reviewer.`)
      : e;
  });
  if (populationCount === 0) throw badInput("No access is in this campaign's scope: widen the scope before launching.");

  const { scopeQuery, scopeHash } = scopeEvidence(scope, sql);
  await tx.campaign.update({ where: { id: c.id }, data: { populationCount, scopeQuery, scopeHash } });
  const [stats] = await tx.$queryRaw<{ reviewers: number; routed: number }[]>`
    SELECT count(DISTINCT "reviewerId")::int AS reviewers, count(*) FILTER (WHERE "routingReason" IS NOT NULL)::int AS routed
    FROM "ReviewItem" WHERE "campaignId" = ${c.id}::uuid`;
  await notifyReviewers(tx, c, now);
  await recordEvent(tx, {
    ...actor,
    action: "campaign.launched",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: { name: c.name, populationCount, scopeHash, reviewers: stats?.reviewers ?? 0, routedToFallback: stats?.routed ?? 0, dueAt: c.dueAt },
  });
  return { populationCount, scopeHash };
}
