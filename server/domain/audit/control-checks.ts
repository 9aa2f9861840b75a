/**
 * The control checks themselves: for each, what its population is and what makes a member an exception or
 * flagged, said twice on purpose (controls.ts runs them; control-verdicts.int.test.ts holds the two equal):
 * - `count` / `page`: the population as a Prisma filter, and each member's verdict and reason in JavaScript;
 * - `sql`: the same population as FROM/WHERE over the member table `m`, the verdicts as boolean expressions.
 * A change to a rule changes both, here. The grant checks' pages are the exception to the first line: their
 * populations run to hundreds of thousands of grants, so a page is read in one statement over the check's SQL
 * population with the names joined (grantPage); their `count` stays a Prisma filter, so the population is still
 * stated twice, and each member's verdict is still decided in JavaScript from its columns.
 */
import type { Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { timestampSql, uuidArray } from "../../db/sql-arrays";
import type { ControlId } from "./schema";

/** One member of a check's population, with why it is an exception (or flagged) when it is. */
export type ControlRow = {
  id: string;
  subject: string;
  detail: string;
  /** A page in the portal showing this member. */
  href: string | null;
  reason: string | null;
};

/** A scope as the checks read it (controls.ts toScope): an inclusive period, systems by name, and now. */
export type Scope = { from: Date | null; to: Date | null; systemNames: string[] | null; now: Date };
/** A member with its verdicts. */
export type PopRow = ControlRow & { exception: boolean; flag: boolean };

const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);
function periodText(s: Scope, what: string): string {
  if (!s.from && !s.to) return "";
  return ` ${what} ${s.from ? `from ${iso(s.from)}` : ""}${s.from && s.to ? " " : ""}${s.to ? `to ${iso(s.to)}` : ""} (UTC, inclusive)`;
}
const systemsText = (s: Scope) => (s.systemNames ? `, in ${s.systemNames.length === 1 ? "system" : "systems"} ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : "");
const grantSystemWhere = (s: Scope): Prisma.GrantWhereInput => (s.systemNames ? { entitlement: { system: { name: { in: s.systemNames } } } } : {});
const range = (s: Scope, field: string) => (s.from || s.to ? { [field]: { ...(s.from ? { gte: s.from } : {}), ...(s.to ? { lte: s.to } : {}) } } : {});
/** Keyset pagination: the members after `after` (all when null). Combined with the check's filter by AND. */
const afterId = (after: string | null) => (after ? { id: { gt: after } } : {});

/** What the grant checks read of a grant: these columns, flat (a page of the evidence pack's controls file is thousands of rows). */
type GrantRow = {
  id: string;
  origin: string;
  status: string;
  expiresAt: Date | null;
  identityName: string;
  entitlementName: string;
  systemName: string;
  /** The request behind the grant, when asked for (`withRequest`) and there is one. */
  requestId: string | null;
  requestStatus: string | null;
};
const grantLabel = (g: GrantRow) => `${g.identityName} — ${g.entitlementName} (${g.systemName})`;

export type CheckDef = {
  id: ControlId;
  title: string;
  description: string;
  definition(s: Scope): string;
  /** How many members the population has (the same filter as `page`). */
  count(db: Tx, s: Scope): Promise<number>;
  /**
   * One page of the population: members with id > `after` (from the start when null), or only the members
   * in `ids`, in id order, at most `take`, one row per member, each with its verdicts.
   */
  page(db: Tx, s: Scope, at: At, take: number): Promise<PopRow[]>;
  /** The same population and verdicts in SQL, over the member table aliased `m`. */
  sql: CheckSql;
};

/** Where a page starts: after a member (keyset), or exactly these members. */
export type At = { after: string | null } | { ids: string[] };
const atWhere = (at: At) => ("ids" in at ? { id: { in: at.ids } } : afterId(at.after));
const atSql = (at: At): Prisma.Sql[] => ("ids" in at ? [Prisma.sql`m."id" = ANY(${uuidArray(at.ids)})`] : at.after ? [Prisma.sql`m."id" > ${at.after}::uuid`] : []);

/**
 * One page of a grant check's population (its SQL source over "Grant" m) as flat rows, in id order, in one statement:
 * the page's grants first, then their holders, entitlements and requests each looked up once by the page's sorted
 * ids. Prisma's nested select read a page as a statement per relation and built nested objects (22,000 grants a second
 * at 1M grants, most of it in the portal); joining each grant's holder row by row reads the holders in the grants'
 * random order, three to four times slower than looking them up as one sorted set (docs/performance-queries.md).
 */
async function grantPage(db: Tx, source: { from: Prisma.Sql; where: Prisma.Sql[] }, at: At, take: number, withRequest: boolean): Promise<GrantRow[]> {
  if ("ids" in at && at.ids.length === 0) return [];
  const where = [...source.where, ...atSql(at)];
  return db.$queryRaw<GrantRow[]>`
    WITH p AS MATERIALIZED (
      SELECT m."id", m."origin", m."status", m."expiresAt", m."identityId", m."entitlementId", m."requestId"
      FROM ${source.from} ${where.length ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty}
      ORDER BY m."id" LIMIT ${take}
    ),
    holder AS MATERIALIZED (SELECT gi."id", gi."displayName" FROM "Identity" gi WHERE gi."id" = ANY(ARRAY(SELECT DISTINCT "identityId" FROM p))),
    ent AS MATERIALIZED (
      SELECT ge."id", ge."name", gs."name" AS "systemName" FROM "Entitlement" ge JOIN "System" gs ON gs."id" = ge."systemId"
      WHERE ge."id" = ANY(ARRAY(SELECT DISTINCT "entitlementId" FROM p))
    ),
    req AS MATERIALIZED (
      SELECT gr."id", gr."status" FROM "AccessRequest" gr
      WHERE ${withRequest ? Prisma.sql`gr."id" = ANY(ARRAY(SELECT DISTINCT "requestId" FROM p WHERE "requestId" IS NOT NULL))` : Prisma.sql`FALSE`}
    )
    SELECT p."id"::text AS "id", p."origin"::text AS "origin", p."status"::text AS "status", p."expiresAt",
      holder."displayName" AS "identityName", ent."name" AS "entitlementName", ent."systemName",
      req."id"::text AS "requestId", req."status"::text AS "requestStatus"
    FROM p
      JOIN holder ON holder."id" = p."identityId"
      JOIN ent ON ent."id" = p."entitlementId"
      LEFT JOIN req ON req."id" = p."requestId"
    ORDER BY p."id"`;
}

export type CheckSql = {
  /** The population: the member table as `m` with its joins, and the conditions (AND). */
  source(s: Scope): { from: Prisma.Sql; where: Prisma.Sql[] };
  /** Boolean expressions over the source's row: is the member an exception, is it flagged. */
  exception: Prisma.Sql;
  flag: Prisma.Sql;
};

// SQL pieces of the populations' filters (the Prisma filters above them say the same).
const inNames = (names: string[]) => Prisma.sql`IN (${Prisma.join(names)})`;
const entitlementsOfSystems = (names: string[]) =>
  Prisma.sql`SELECT e."id" FROM "Entitlement" e JOIN "System" sy ON sy."id" = e."systemId" WHERE sy."name" ${inNames(names)}`;
const grantSystemSql = (s: Scope) => (s.systemNames ? [Prisma.sql`m."entitlementId" IN (${entitlementsOfSystems(s.systemNames)})`] : []);
const rangeSql = (s: Scope, column: Prisma.Sql) => [
  ...(s.from ? [Prisma.sql`${column} >= ${timestampSql(s.from)}`] : []),
  ...(s.to ? [Prisma.sql`${column} <= ${timestampSql(s.to)}`] : []),
];

// Each check's population filter, shared by its count and its pages.
const approvedAccessWhere = (s: Scope): Prisma.GrantWhereInput =>
  s.from || s.to
    ? {
        status: { notIn: ["PENDING_PROVISION", "PROVISION_FAILED"] },
        ...(s.to ? { startsAt: { lte: s.to } } : {}),
        ...(s.from ? { OR: [{ revokedAt: null }, { revokedAt: { gte: s.from } }] } : {}),
        ...grantSystemWhere(s),
      }
    : { status: { in: ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"] }, ...grantSystemWhere(s) };
// The grant checks' populations in SQL (their `sql.source`, and what their pages read: see grantPage).
const approvedAccessSource = (s: Scope) => ({
  from: Prisma.sql`"Grant" m`,
  where:
    s.from || s.to
      ? [
          Prisma.sql`m."status" NOT IN ('PENDING_PROVISION', 'PROVISION_FAILED')`,
          ...(s.to ? [Prisma.sql`m."startsAt" <= ${timestampSql(s.to)}`] : []),
          ...(s.from ? [Prisma.sql`(m."revokedAt" IS NULL OR m."revokedAt" >= ${timestampSql(s.from)})`] : []),
          ...grantSystemSql(s),
        ]
      : [Prisma.sql`m."status" IN ('ACTIVE', 'PENDING_REVOKE', 'REVOKE_FAILED')`, ...grantSystemSql(s)],
});
const expiredSource = (s: Scope) => ({
  from: Prisma.sql`"Grant" m`,
  where: [Prisma.sql`m."expiresAt" < ${timestampSql(expiredUntil(s))}`, ...(s.from ? [Prisma.sql`m."expiresAt" >= ${timestampSql(s.from)}`] : []), ...grantSystemSql(s)],
});
const revocationsWhere = (s: Scope): Prisma.ReviewItemWhereInput => ({
  decision: "REVOKE",
  campaign: { status: { in: ["CLOSED", "REMEDIATING"] }, ...range(s, "closedAt") },
  ...(s.systemNames ? { systemName: { in: s.systemNames } } : {}),
});
const selfApprovalWhere = (s: Scope): Prisma.ApprovalStepWhereInput => ({
  status: "APPROVED",
  ...range(s, "decidedAt"),
  ...(s.systemNames ? { request: { entitlement: { system: { name: { in: s.systemNames } } } } } : {}),
});
const nhiWhere = (s: Scope): Prisma.IdentityWhereInput => ({
  kind: { not: "HUMAN" },
  status: { not: "DEPROVISIONED" },
  ...(s.systemNames ? { OR: [{ system: { name: { in: s.systemNames } } }, { grants: { some: { entitlement: { system: { name: { in: s.systemNames } } } } } }] } : {}),
});
const expiredUntil = (s: Scope) => (s.to && s.to < s.now ? s.to : s.now);
const expiredWhere = (s: Scope): Prisma.GrantWhereInput => ({ expiresAt: { lt: expiredUntil(s), ...(s.from ? { gte: s.from } : {}) }, ...grantSystemWhere(s) });

export const CHECKS: CheckDef[] = [
  {
    id: "approved-access",
    title: "Every active grant has an approval or is flagged as unverified origin",
    description:
      "Access from a request (or break-glass) must come from an approved request. Imported standing access has no request: it is not an exception, but it is flagged as origin unverified.",
    definition: (s) =>
      s.from || s.to
        ? `Grants in effect at some time${periodText(s, "in the period")} (startsAt ≤ end, not revoked before the start), excluding access never provisioned${systemsText(s)}.`
        : `Grants in effect now (status ACTIVE, PENDING_REVOKE or REVOKE_FAILED)${systemsText(s)}.`,
    count: (db, s) => db.grant.count({ where: approvedAccessWhere(s) }),
    async page(db, s, at, take) {
      const rows = await grantPage(db, approvedAccessSource(s), at, take, true);
      return rows.map((g) => {
        const imported = g.origin === "IMPORTED";
        const approved = g.requestStatus === "APPROVED";
        const reason = imported
          ? "Imported standing access: origin unverified (no request, no approval)."
          : !g.requestId
            ? `${g.origin === "BREAK_GLASS" ? "Break-glass" : "Request"} grant without a request.`
            : approved
              ? null
              : `The request behind it is ${g.requestStatus}, not APPROVED.`;
        return {
          id: g.id,
          subject: grantLabel(g),
          detail: `${g.origin} · ${g.status}${g.requestId ? ` · request ${g.requestId}` : ""}`,
          href: `/audit/grants/${g.id}`,
          reason,
          exception: !imported && !approved,
          flag: imported,
        };
      });
    },
    sql: {
      source: approvedAccessSource,
      // Not a join to every grant's request: most grants in effect are imported (no request), and the rest are
      // looked up by primary key (0.19 s for 640,000 grants in effect against 0.35 s for the hash join).
      exception: Prisma.sql`(m."origin" <> 'IMPORTED' AND NOT EXISTS (SELECT 1 FROM "AccessRequest" r WHERE r."id" = m."requestId" AND r."status" = 'APPROVED'))`,
      flag: Prisma.sql`(m."origin" = 'IMPORTED')`,
    },
  },
  {
    id: "revocations-executed",
    title: "Every revoke decision was executed and confirmed",
    description: "Each access-review decision to revoke, in a closed or remediating campaign, must end with the revocation confirmed and the grant revoked.",
    definition: (s) =>
      `Review items decided REVOKE in campaigns that are CLOSED or REMEDIATING${periodText(s, "closed")}${s.systemNames ? `, for grants in ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""}.`,
    count: (db, s) => db.reviewItem.count({ where: revocationsWhere(s) }),
    async page(db, s, at, take) {
      const rows = await db.reviewItem.findMany({
        where: { AND: [revocationsWhere(s), atWhere(at)] },
        orderBy: { id: "asc" },
        take,
        select: { id: true, grantId: true, identityName: true, entitlementName: true, systemName: true, remediation: true, defaulted: true, campaign: { select: { name: true, status: true } }, grant: { select: { status: true } } },
      });
      return rows.map((i) => {
        const ok = i.remediation === "CONFIRMED" && i.grant.status === "REVOKED";
        const reason = ok
          ? null
          : i.remediation !== "CONFIRMED"
            ? `Remediation is ${i.remediation}${i.remediation === "PENDING" ? " (not confirmed yet)" : ""}; the grant is ${i.grant.status}.`
            : `Remediation was marked confirmed but the grant is ${i.grant.status}.`;
        return {
          id: i.id,
          subject: `${i.identityName} — ${i.entitlementName} (${i.systemName})`,
          detail: `Campaign "${i.campaign.name}" (${i.campaign.status})${i.defaulted ? " · revoked by default action" : ""} · remediation ${i.remediation} · grant ${i.grant.status}`,
          href: `/audit/grants/${i.grantId}`,
          reason,
          exception: !ok,
          flag: false,
        };
      });
    },
    sql: {
      source: (s) => ({
        from: Prisma.sql`"ReviewItem" m JOIN "Campaign" c ON c."id" = m."campaignId" JOIN "Grant" g ON g."id" = m."grantId"`,
        where: [
          Prisma.sql`m."decision" = 'REVOKE'`,
          Prisma.sql`c."status" IN ('CLOSED', 'REMEDIATING')`,
          ...rangeSql(s, Prisma.sql`c."closedAt"`),
          ...(s.systemNames ? [Prisma.sql`m."systemName" ${inNames(s.systemNames)}`] : []),
        ],
      }),
      exception: Prisma.sql`NOT (m."remediation" = 'CONFIRMED' AND g."status" = 'REVOKED')`,
      flag: Prisma.sql`FALSE`,
    },
  },
  {
    id: "no-self-approval",
    title: "Nobody approved their own access",
    description:
      "No approval step was approved by the requester, the beneficiary or the beneficiary's owner. The database refuses such a decision (a CHECK constraint); this checks the stored steps independently.",
    definition: (s) => `Approval steps with status APPROVED${periodText(s, "decided")}${s.systemNames ? `, for entitlements in ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""}.`,
    count: (db, s) => db.approvalStep.count({ where: selfApprovalWhere(s) }),
    async page(db, s, at, take) {
      const rows = await db.approvalStep.findMany({
        where: { AND: [selfApprovalWhere(s), atWhere(at)] },
        orderBy: { id: "asc" },
        take,
        select: {
          id: true,
          kind: true,
          decidedById: true,
          requesterId: true,
          beneficiaryId: true,
          beneficiaryOwnerId: true,
          requestId: true,
          request: { select: { beneficiary: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } } },
        },
      });
      const deciders = [...new Set(rows.map((r) => r.decidedById).filter((x): x is string => Boolean(x)))];
      const names = new Map((deciders.length ? await db.identity.findMany({ where: { id: { in: deciders } }, select: { id: true, displayName: true } }) : []).map((p) => [p.id, p.displayName]));
      return rows.map((st) => {
        const role =
          st.decidedById === st.requesterId ? "the requester" : st.decidedById === st.beneficiaryId ? "the beneficiary" : st.decidedById && st.decidedById === st.beneficiaryOwnerId ? "the beneficiary's owner" : null;
        return {
          id: st.id,
          subject: `${st.request.beneficiary.displayName} — ${st.request.entitlement.name} (${st.request.entitlement.system.name})`,
          detail: `${st.kind} stage approved by ${st.decidedById ? (names.get(st.decidedById) ?? st.decidedById) : "nobody"} · request ${st.requestId}`,
          href: `/requests/${st.requestId}`,
          reason: role ? `Approved by ${role}.` : null,
          exception: role !== null,
          flag: false,
        };
      });
    },
    sql: {
      source: (s) => ({
        from: Prisma.sql`"ApprovalStep" m`,
        where: [
          Prisma.sql`m."status" = 'APPROVED'`,
          ...rangeSql(s, Prisma.sql`m."decidedAt"`),
          ...(s.systemNames ? [Prisma.sql`m."requestId" IN (SELECT r."id" FROM "AccessRequest" r WHERE r."entitlementId" IN (${entitlementsOfSystems(s.systemNames)}))`] : []),
        ],
      }),
      exception: Prisma.sql`COALESCE(m."decidedById" IN (m."requesterId", m."beneficiaryId", m."beneficiaryOwnerId"), FALSE)`,
      flag: Prisma.sql`FALSE`,
    },
  },
  {
    id: "nhi-owned",
    title: "Every non-human identity has an active owner",
    description: "Service accounts, API keys, OAuth apps, workloads and AI agents each need an accountable person who is still active.",
    definition: (s) =>
      `Non-human identities not deprovisioned, as of now${s.systemNames ? `, running in or holding access to ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""} (the period does not apply: ownership is a current state).`,
    count: (db, s) => db.identity.count({ where: nhiWhere(s) }),
    async page(db, s, at, take) {
      const rows = await db.identity.findMany({
        where: { AND: [nhiWhere(s), atWhere(at)] },
        orderBy: { id: "asc" },
        take,
        select: { id: true, kind: true, displayName: true, status: true, owner: { select: { id: true, displayName: true, status: true } } },
      });
      return rows.map((n) => {
        const reason = !n.owner ? "No owner." : n.owner.status !== "ACTIVE" ? `Owner ${n.owner.displayName} is ${n.owner.status.toLowerCase()}.` : null;
        return {
          id: n.id,
          subject: n.displayName,
          detail: `${n.kind} · ${n.status} · owner ${n.owner ? `${n.owner.displayName} (${n.owner.status})` : "none"}`,
          href: `/identities/${n.id}`,
          reason,
          exception: reason !== null,
          flag: false,
        };
      });
    },
    sql: {
      source: (s) => ({
        from: Prisma.sql`"Identity" m LEFT JOIN "Identity" o ON o."id" = m."ownerId"`,
        where: [
          Prisma.sql`m."kind" <> 'HUMAN'`,
          Prisma.sql`m."status" <> 'DEPROVISIONED'`,
          ...(s.systemNames
            ? [
                Prisma.sql`(m."systemId" IN (SELECT sy."id" FROM "System" sy WHERE sy."name" ${inNames(s.systemNames)})
                  OR EXISTS (SELECT 1 FROM "Grant" g WHERE g."identityId" = m."id" AND g."entitlementId" IN (${entitlementsOfSystems(s.systemNames)})))`,
              ]
            : []),
        ],
      }),
      exception: Prisma.sql`(o."id" IS NULL OR o."status" <> 'ACTIVE')`,
      flag: Prisma.sql`FALSE`,
    },
  },
  {
    id: "no-expired-active",
    title: "No grant past its expiry is still active",
    description: "Access with an end date must be removed once that date passes. A revocation still in progress is flagged, not counted as an exception.",
    definition: (s) => `Grants whose expiry date is before ${expiredUntil(s).toISOString()}${s.from ? ` and on or after ${s.from.toISOString()}` : ""}${systemsText(s)}; status as of now.`,
    count: (db, s) => db.grant.count({ where: expiredWhere(s) }),
    async page(db, s, at, take) {
      const rows = await grantPage(db, expiredSource(s), at, take, false);
      return rows.map((g) => {
        const stillActive = g.status === "ACTIVE" || g.status === "REVOKE_FAILED";
        return {
          id: g.id,
          subject: grantLabel(g),
          detail: `expired ${g.expiresAt!.toISOString()} · ${g.status}`,
          href: `/audit/grants/${g.id}`,
          reason: stillActive ? `Still ${g.status === "ACTIVE" ? "active" : "in effect (revocation failed)"} after its expiry.` : g.status === "PENDING_REVOKE" ? "Revocation in progress." : null,
          exception: stillActive,
          flag: g.status === "PENDING_REVOKE",
        };
      });
    },
    sql: {
      source: expiredSource,
      exception: Prisma.sql`(m."status" IN ('ACTIVE', 'REVOKE_FAILED'))`,
      flag: Prisma.sql`(m."status" = 'PENDING_REVOKE')`,
    },
  },
];
