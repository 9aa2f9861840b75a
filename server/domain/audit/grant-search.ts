/**
 * The audit workspace's grant search (/audit/grants, tRPC audit.grants, GET /api/v1/grants): find grants by
 * holder (name or email), entitlement or system name, or a grant or request id, with status / origin filters.
 * Read-only: callers are ADMIN, SECURITY and AUDITOR (checked by the router).
 *
 * Made for a million grants (docs/performance-queries.md, "Grant search"):
 * - the search term is resolved first on the small tables (trigram-indexed ILIKE on identities, entitlements
 *   and systems), then grants are found by `"identityId" = ANY(…)` / `"entitlementId" = ANY(…)` on their
 *   indexes, never by joining every grant to its holder and entitlement and filtering the join;
 * - the count stops at countBound (the table says "1,000+");
 * - the default order (start, newest first) is read from the ("startsAt", id) index, and can seek: `after`
 *   (the API's cursors) starts the page after a given grant instead of skipping rows with OFFSET.
 */
import type { Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { badInput } from "../../errors";
import { cappedTotal, countBound, likePattern, skipTake, type Page, type TAfter } from "../list";
import type { TSearchGrantsInput } from "./schema";

export type AuditGrantRow = {
  id: string;
  holderId: string;
  holder: string;
  holderKind: string;
  holderEmail: string | null;
  entitlementId: string;
  entitlement: string;
  system: string;
  status: string;
  origin: string;
  startsAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

export type SearchGrantsInput = TSearchGrantsInput & { page: number; size: number; dir: "asc" | "desc" };

/**
 * A term matching more holders (or entitlements) than this is not turned into a list of ids: the grants are
 * then filtered by the same condition as a subquery while the order's index is walked (such a term matches
 * a large share of all grants, so a page is found after a few rows).
 */
export const SEARCH_IDS_CAP = 2000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A keyset date: ISO 8601 UTC with milliseconds, exactly as Date.toISOString() writes it. */
const KEY_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The search term as a condition over `"Grant" g`, or null when nothing can match (no holder, entitlement or
 * system has it, and it is no id). Same fields as ever: holder name, holder email, entitlement name, system
 * name (case-insensitive substring; % and _ are plain characters), and a UUID as the grant's or its request's id.
 */
async function termCondition(db: Tx, q: string): Promise<Prisma.Sql | null> {
  const p = likePattern(q);
  const holderSql = Prisma.sql`SELECT i."id" FROM "Identity" i WHERE i."displayName" ILIKE ${p} OR i."email" ILIKE ${p}`;
  // A UNION, not an OR across the join: each side can then be answered by its own trigram index.
  const entSql = Prisma.sql`SELECT e."id" FROM "Entitlement" e WHERE e."name" ILIKE ${p} UNION SELECT e."id" FROM "Entitlement" e JOIN "System" s ON s."id" = e."systemId" WHERE s."name" ILIKE ${p}`;
  const [holders, ents] = await Promise.all([
    db.$queryRaw<{ id: string }[]>`${holderSql} LIMIT ${SEARCH_IDS_CAP + 1}`,
    db.$queryRaw<{ id: string }[]>`${entSql} LIMIT ${SEARCH_IDS_CAP + 1}`,
  ]);
  const parts: Prisma.Sql[] = [];
  if (holders.length > SEARCH_IDS_CAP) parts.push(Prisma.sql`g."identityId" IN (${holderSql})`);
  else if (holders.length) parts.push(Prisma.sql`g."identityId" = ANY(${holders.map((h) => h.id)}::uuid[])`);
  if (ents.length > SEARCH_IDS_CAP) parts.push(Prisma.sql`g."entitlementId" IN (${entSql})`);
  else if (ents.length) parts.push(Prisma.sql`g."entitlementId" = ANY(${ents.map((e) => e.id)}::uuid[])`);
  if (UUID.test(q)) parts.push(Prisma.sql`g."id" = ${q}::uuid`, Prisma.sql`g."requestId" = ${q}::uuid`);
  return parts.length ? Prisma.sql`(${Prisma.join(parts, " OR ")})` : null;
}

/** The keyset condition for the default order: rows strictly after (startsAt, id) in the direction read. */
function seekCondition(after: TAfter, dir: "asc" | "desc"): Prisma.Sql {
  if (!KEY_DATE.test(after.key) || Number.isNaN(Date.parse(after.key)) || new Date(after.key).toISOString() !== after.key) {
    throw badInput("after.key must be the start of a grant as ISO 8601 UTC with milliseconds (2026-01-31T09:30:00.000Z).", "after");
  }
  // "startsAt" is a timestamp(3) holding UTC: the literal without its Z is that exact value.
  const at = after.key.slice(0, -1);
  return dir === "desc"
    ? Prisma.sql`(g."startsAt", g."id") < (${at}::timestamp(3), ${after.id}::uuid)`
    : Prisma.sql`(g."startsAt", g."id") > (${at}::timestamp(3), ${after.id}::uuid)`;
}

function orderSql(sort: string, dir: "asc" | "desc"): { join: Prisma.Sql; order: Prisma.Sql } {
  const d = Prisma.raw(dir === "desc" ? "DESC" : "ASC");
  switch (sort) {
    case "holder":
      return { join: Prisma.sql`JOIN "Identity" oi ON oi."id" = g."identityId"`, order: Prisma.sql`ORDER BY oi."displayName" ${d}, g."id" ASC` };
    case "entitlement":
      return { join: Prisma.sql`JOIN "Entitlement" oe ON oe."id" = g."entitlementId"`, order: Prisma.sql`ORDER BY oe."name" ${d}, g."id" ASC` };
    case "status":
      return { join: Prisma.empty, order: Prisma.sql`ORDER BY g."status" ${d}, g."id" ASC` };
    default:
      // The tie-break runs in the same direction as the start, so "after (startsAt, id)" is one row comparison
      // and the ("startsAt", "id") index serves both the order and the seek.
      return { join: Prisma.empty, order: Prisma.sql`ORDER BY g."startsAt" ${d}, g."id" ${d}` };
  }
}

const EMPTY = (input: SearchGrantsInput, seeks: boolean): Page<AuditGrantRow> => ({ rows: [], total: 0, totalCapped: false, page: input.page, size: input.size, ...(seeks ? { nextAfter: null } : {}) });

/**
 * Finds grants by holder (name or email), entitlement or system name, or a grant or request id, with status /
 * origin / holder / entitlement filters, one page at a time. In the default order (start) the page can be
 * given as `after` (a grant's start and id: the page begins after it, OFFSET is not used) and the answer
 * carries `nextAfter`; `after` in any other order is refused (BAD_INPUT).
 */
export async function searchGrants(db: Tx, input: SearchGrantsInput): Promise<Page<AuditGrantRow>> {
  const q = input.q?.trim();
  const sort = input.sort ?? "startsAt";
  const seeks = sort === "startsAt";
  if (input.after && !seeks) throw badInput("after pages the default order (by start) only; page by number in this order.", "after");
  const seek = input.after ? seekCondition(input.after, input.dir) : null;

  const conds: Prisma.Sql[] = [];
  if (input.status) conds.push(Prisma.sql`g."status" = ${input.status}::"GrantStatus"`);
  if (input.origin) conds.push(Prisma.sql`g."origin" = ${input.origin}::"GrantOrigin"`);
  if (input.identityId) conds.push(Prisma.sql`g."identityId" = ${input.identityId}::uuid`);
  if (input.entitlementId) conds.push(Prisma.sql`g."entitlementId" = ${input.entitlementId}::uuid`);
  if (q) {
    const term = await termCondition(db, q);
    if (!term) return EMPTY(input, seeks);
    conds.push(term);
  }
  const where = (cs: Prisma.Sql[]) => (cs.length ? Prisma.sql`WHERE ${Prisma.join(cs, " AND ")}` : Prisma.empty);
  const { join, order } = orderSql(sort, input.dir);
  // With `after` the page starts there; page numbers (the portal's table) skip rows.
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);

  const [countRows, idRows] = await Promise.all([
    db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Grant" g ${where(conds)} LIMIT ${countBound(input)}) c`,
    // One row more than the page: whether another page follows, without counting.
    db.$queryRaw<{ id: string; startsAt: Date }[]>`SELECT g."id", g."startsAt" FROM "Grant" g ${join} ${where(seek ? [...conds, seek] : conds)} ${order} LIMIT ${take + 1} OFFSET ${skip}`,
  ]);
  const more = idRows.length > take;
  const pageIds = idRows.slice(0, take);
  const found = pageIds.length
    ? await db.grant.findMany({
        where: { id: { in: pageIds.map((r) => r.id) } },
        include: {
          identity: { select: { id: true, displayName: true, kind: true, email: true } },
          entitlement: { select: { id: true, name: true, system: { select: { name: true } } } },
        },
      })
    : [];
  const byId = new Map(found.map((g) => [g.id, g]));
  const rows: AuditGrantRow[] = pageIds.flatMap(({ id }) => {
    const g = byId.get(id);
    if (!g) return [];
    return [
      {
        id: g.id,
        holderId: g.identity.id,
        holder: g.identity.displayName,
        holderKind: g.identity.kind,
        holderEmail: g.identity.email,
        entitlementId: g.entitlement.id,
        entitlement: g.entitlement.name,
        system: g.entitlement.system.name,
        status: g.status,
        origin: g.origin,
        startsAt: g.startsAt,
        expiresAt: g.expiresAt,
        revokedAt: g.revokedAt,
      },
    ];
  });
  const last = pageIds[pageIds.length - 1];
  const nextAfter = seeks ? (more && last ? { key: new Date(last.startsAt).toISOString(), id: last.id } : null) : undefined;
  return { rows, ...cappedTotal(countRows[0]?.n ?? 0, input), page: input.page, size: input.size, ...(nextAfter !== undefined ? { nextAfter } : {}) };
}
