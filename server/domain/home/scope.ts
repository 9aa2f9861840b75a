/**
 * Whose access the home page's figures cover. The same rule as a profile page (identities/policy.ts
 * accessView): admins, security officers and auditors read all access; anyone else sees their own, their
 * reports', their non-human identities' and the access to what they own (systems and entitlements), never
 * organisation-wide figures.
 *
 * A person's part is resolved on the small tables first: the people (me, my reports, the identities I own)
 * and the entitlements (mine, and those without an owner of their own on a system I own), as lists of ids.
 * The charts then find grants and requests by `"identityId" = ANY(...)` / `"entitlementId" = ANY(...)`, which
 * the indexes on those columns answer. Asked as one OR over the joined holder, entitlement and system, the
 * database could use no index and read every active grant or every request in the window (0.3–0.7 s per chart
 * at 1,000,000 grants, for every manager's and owner's home). Past SCOPE_IDS_MAX people or entitlements the
 * part stays a join (such a part covers much of the organisation anyway), as grant search does.
 */
import { Prisma } from "../../db/generated/client";
import { uuidArray } from "../../db/sql-arrays";
import type { ServiceCtx } from "../actor";
import { readsAllAccess } from "../identities/policy";

export const SCOPE_IDS_MAX = 2_000;

export type HomeScope =
  | { all: true }
  /** `people` / `entitlements`: the ids, or null when there were more than SCOPE_IDS_MAX (then a join decides). */
  | { all: false; me: string; people: string[] | null; entitlements: string[] | null };

/**
 * Entitlements (alias `e`, on system alias `s`) the person owns: their own, or without an owner of their own on
 * a system they own. The one SQL statement of the rule (its Prisma form: home/queries.ts ownedEntitlementsWhere).
 */
export function ownsEntitlementSql(me: string, e = "e", s = "s"): Prisma.Sql {
  const [ent, sys] = [Prisma.raw(e), Prisma.raw(s)];
  return Prisma.sql`(${ent}."ownerId" = ${me}::uuid OR (${ent}."ownerId" IS NULL AND ${sys}."ownerId" = ${me}::uuid))`;
}

export async function homeScope(ctx: ServiceCtx): Promise<HomeScope> {
  if (readsAllAccess(ctx.actor)) return { all: true };
  const me = ctx.actor.id;
  const [people, entitlements] = await Promise.all([
    ctx.db.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Identity" WHERE "managerId" = ${me}::uuid OR "ownerId" = ${me}::uuid LIMIT ${SCOPE_IDS_MAX + 1}`,
    ctx.db.$queryRaw<{ id: string }[]>`
      SELECT e."id" FROM "Entitlement" e JOIN "System" s ON s."id" = e."systemId"
       WHERE ${ownsEntitlementSql(me)} LIMIT ${SCOPE_IDS_MAX + 1}`,
  ]);
  return {
    all: false,
    me,
    people: people.length > SCOPE_IDS_MAX ? null : [me, ...people.map((p) => p.id)],
    entitlements: entitlements.length > SCOPE_IDS_MAX ? null : entitlements.map((e) => e.id),
  };
}

/** SQL conditions, and the joins they need (aliases of their own: `sc_*`), for rows of the scope. */
export type ScopeSql = { joins: Prisma.Sql; where: Prisma.Sql };

const ALL: ScopeSql = { joins: Prisma.empty, where: Prisma.sql`TRUE` };

/**
 * The people and entitlements parts of a scope over a row whose person is `personCol` and entitlement
 * `entitlementCol`: lists of ids, or joins to the person, the entitlement and its system when too many.
 */
function parts(scope: Extract<HomeScope, { all: false }>, personCol: Prisma.Sql, entitlementCol: Prisma.Sql) {
  const me = scope.me;
  const joins: Prisma.Sql[] = [];
  let people: Prisma.Sql;
  if (scope.people) people = Prisma.sql`${personCol} = ANY(${uuidArray(scope.people)})`;
  else {
    joins.push(Prisma.sql`JOIN "Identity" sc_i ON sc_i."id" = ${personCol}`);
    people = Prisma.sql`(${personCol} = ${me}::uuid OR sc_i."managerId" = ${me}::uuid OR sc_i."ownerId" = ${me}::uuid)`;
  }
  let entitlements: Prisma.Sql;
  if (scope.entitlements) entitlements = Prisma.sql`${entitlementCol} = ANY(${uuidArray(scope.entitlements)})`;
  else {
    joins.push(Prisma.sql`JOIN "Entitlement" sc_e ON sc_e."id" = ${entitlementCol} JOIN "System" sc_s ON sc_s."id" = sc_e."systemId"`);
    entitlements = ownsEntitlementSql(me, "sc_e", "sc_s");
  }
  return { joins: joins.length ? Prisma.join(joins, " ") : Prisma.empty, people, entitlements };
}

/** Grants `g` of the scope: held by one of its people, or of one of its entitlements. */
export function grantScope(scope: HomeScope): ScopeSql {
  if (scope.all) return ALL;
  const p = parts(scope, Prisma.sql`g."identityId"`, Prisma.sql`g."entitlementId"`);
  return { joins: p.joins, where: Prisma.sql`(${p.people} OR ${p.entitlements})` };
}

/** Requests `r` of the scope: the same for the beneficiary, and also the requests I made. */
export function requestScope(scope: HomeScope): ScopeSql {
  if (scope.all) return ALL;
  const p = parts(scope, Prisma.sql`r."beneficiaryId"`, Prisma.sql`r."entitlementId"`);
  return { joins: p.joins, where: Prisma.sql`(r."requesterId" = ${scope.me}::uuid OR ${p.people} OR ${p.entitlements})` };
}
