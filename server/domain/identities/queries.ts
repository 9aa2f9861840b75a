/**
 * Reads of the identities area: the directory (people and non-human identities), its filter options, and
 * one identity's page. The directory is open to every signed-in employee; credential metadata of a
 * non-human identity is not (see policy.ts).
 */
import { Prisma } from "../../db/generated/client";
import { badInput, notFound } from "../../errors";
import type { ServiceCtx } from "../actor";
import { afterText, cappedTotal, countBound, keyText, keyTextCut, likePattern, skipTake, type Page, type TAfter } from "../list";
import { accessView, canManageNhis, canSeeCredentials, ownedByActor, readsAllAccess, seesDirectoryDetails, type AccessView } from "./policy";
import type { IdentityKindName, IdentityStatusName, TIdentityId, TListIdentities } from "./schema";
import { GRANT_IN_EFFECT } from "../grants/status";

/**
 * Grants whose access is in effect: active, or being revoked but not yet confirmed gone. This is what the
 * directory counts as an identity's "active grants".
 */

export type IdentityRow = {
  id: string;
  kind: IdentityKindName;
  displayName: string;
  email: string | null;
  department: string | null;
  title: string | null;
  status: IdentityStatusName;
  /** Non-human identities: what it is for, and the system it runs in. */
  purpose: string | null;
  systemName: string | null;
  /** Humans: their manager. */
  managerId: string | null;
  managerName: string | null;
  /** Non-human identities: their accountable owner. */
  ownerId: string | null;
  ownerName: string | null;
  /** Null when the viewer may not see this identity's access (see accessView); email likewise. */
  activeGrantCount: number | null;
};

/** The directory filter as SQL over `"Identity" i`: one definition, used for the count and the page (with the keyset condition, if any). */
function filterSql(input: TListIdentities, searchEmail: boolean, seek: Prisma.Sql | null = null): Prisma.Sql {
  const conds: Prisma.Sql[] = seek ? [seek] : [];
  if (input.kind === "NON_HUMAN") conds.push(Prisma.sql`i."kind" <> 'HUMAN'`);
  else if (input.kind) conds.push(Prisma.sql`i."kind" = ${input.kind}::"IdentityKind"`);
  if (input.department) conds.push(Prisma.sql`i."department" = ${input.department}`);
  if (input.status) conds.push(Prisma.sql`i."status" = ${input.status}::"IdentityStatus"`);
  if (input.manager) conds.push(Prisma.sql`i."managerId" = ${input.manager}::uuid`);
  if (input.owner) conds.push(Prisma.sql`i."ownerId" = ${input.owner}::uuid`);
  if (input.q) {
    const p = likePattern(input.q);
    // Email is matched only for those who may see emails, so a search cannot confirm an address either.
    const email = searchEmail ? Prisma.sql` OR i."email" ILIKE ${p}` : Prisma.empty;
    conds.push(Prisma.sql`(i."displayName" ILIKE ${p}${email} OR i."department" ILIKE ${p} OR i."purpose" ILIKE ${p})`);
  }
  return conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
}

function orderSql(input: { sort?: string; dir: "asc" | "desc" }): Prisma.Sql {
  const dir = Prisma.raw(input.dir === "desc" ? "DESC" : "ASC");
  // Names sort case-insensitively (in the database's collation); ties break on name then id so paging is stable.
  const tail = Prisma.sql`lower(i."displayName") ASC, i."displayName" ASC, i."id" ASC`;
  switch (input.sort) {
    case "department":
      return Prisma.sql`ORDER BY lower(i."department") ${dir} NULLS LAST, ${tail}`;
    case "kind":
      return Prisma.sql`ORDER BY i."kind" ${dir}, ${tail}`;
    case "status":
      return Prisma.sql`ORDER BY i."status" ${dir}, ${tail}`;
    case "grants":
      return Prisma.sql`ORDER BY COALESCE(g."n", 0) ${dir}, ${tail}`;
    default:
      return Prisma.sql`ORDER BY lower(i."displayName") ${dir}, i."displayName" ${dir}, i."id" ${dir}`;
  }
}

/**
 * The keyset condition for the name order: rows strictly after (lower(name), name, id) in the direction read,
 * one row comparison the Identity_name_order index answers. A key keyText may have cut is completed from the
 * row it names while that row's name still begins with it; if it was renamed meanwhile, the cut key is the
 * position (rows whose names begin with it may be read again, none is skipped).
 */
async function nameSeek(ctx: ServiceCtx, after: TAfter, dir: "asc" | "desc"): Promise<Prisma.Sql> {
  let name = afterText(after);
  if (name === null) throw badInput(`after.key must be a name of at most 100 characters, without NUL.`, "after");
  if (keyTextCut(name)) {
    const [row] = await ctx.db.$queryRaw<{ displayName: string }[]>`SELECT "displayName" FROM "Identity" WHERE "id" = ${after.id}::uuid`;
    if (row && keyText(row.displayName) === name) name = row.displayName;
  }
  return dir === "desc"
    ? Prisma.sql`(lower(i."displayName"), i."displayName", i."id") < (lower(${name}::text), ${name}::text, ${after.id}::uuid)`
    : Prisma.sql`(lower(i."displayName"), i."displayName", i."id") > (lower(${name}::text), ${name}::text, ${after.id}::uuid)`;
}

/**
 * The directory: one page of people and non-human identities, filtered (kind, department, status, manager,
 * owner), searched (name, email, department, purpose; case-insensitive) and sorted on the server. Open to every signed-in employee.
 *
 * The page of ids is chosen in SQL because sorting by the number of grants in effect is an ordering Prisma
 * cannot express (its relation-count orderBy takes no filter); the rows are then loaded with Prisma, and the
 * grant counts for just those ids. Four queries per page whatever its size: count, ids, rows, grant counts.
 *
 * At scale (docs/performance-queries.md): the search's ILIKE conditions are answered by trigram indexes,
 * the name order by an index on lower("displayName"), the count stops at countBound (the view shows
 * "1,000+"), and grants are counted for the listed ids only, never grouped over the whole Grant table
 * (except to sort by that count, which only admins, security and auditors can ask for).
 *
 * In the name order (the default) the list can seek: `after` (a name as keyText gives it and an id, the API's
 * cursors) starts the page after that identity instead of skipping rows, and the answer carries `nextAfter`,
 * so a walk neither repeats nor skips an identity created meanwhile and every page costs the same. `after`
 * in another order is refused (BAD_INPUT naming `after`). The portal's table pages by number, as before.
 */
export async function listIdentities(ctx: ServiceCtx, rawInput: TListIdentities): Promise<Page<IdentityRow>> {
  const everyone = readsAllAccess(ctx.actor);
  // Others' access counts are not theirs to see, so neither is an order by them: sort by name instead.
  const input = rawInput.sort === "grants" && !everyone ? { ...rawInput, sort: undefined } : rawInput;
  const seeks = (input.sort ?? "displayName") === "displayName";
  if (input.after && !seeks) throw badInput("after pages the name order only; page by number in this order.", "after");
  const seek = input.after ? await nameSeek(ctx, input.after, input.dir) : null;
  const where = filterSql(input, everyone);
  const seekWhere = filterSql(input, everyone, seek);
  // With `after` the page starts there; page numbers (the portal's table) skip rows. One more row than the
  // page says whether another follows (nextAfter).
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);
  const grantJoin =
    input.sort === "grants"
      ? Prisma.sql`LEFT JOIN (SELECT "identityId", count(*)::int AS "n" FROM "Grant" WHERE "status"::text IN (${Prisma.join(GRANT_IN_EFFECT)}) GROUP BY "identityId") g ON g."identityId" = i."id"`
      : Prisma.empty;

  const [countRows, idRows] = await Promise.all([
    ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Identity" i ${where} LIMIT ${countBound(input)}) c`,
    ctx.db.$queryRaw<{ id: string; displayName: string }[]>`SELECT i."id", i."displayName" FROM "Identity" i ${grantJoin} ${seekWhere} ${orderSql(input)} LIMIT ${take + 1} OFFSET ${skip}`,
  ]);
  const pageRows = idRows.slice(0, take);
  const ids = pageRows.map((r) => r.id);
  const last = pageRows[pageRows.length - 1];
  const nextAfter = seeks ? (idRows.length > take && last ? { key: keyText(last.displayName), id: last.id } : null) : undefined;
  const [found, grantCounts] = ids.length
    ? await Promise.all([
        ctx.db.identity.findMany({
          where: { id: { in: ids } },
          select: {
            id: true,
            kind: true,
            displayName: true,
            email: true,
            department: true,
            title: true,
            status: true,
            purpose: true,
            system: { select: { name: true } },
            manager: { select: { id: true, displayName: true } },
            owner: { select: { id: true, displayName: true } },
          },
        }),
        ctx.db.$queryRaw<{ identityId: string; n: number }[]>`
          SELECT "identityId", count(*)::int AS "n" FROM "Grant"
          WHERE "identityId" = ANY(${ids}::uuid[]) AND "status"::text IN (${Prisma.join(GRANT_IN_EFFECT)})
          GROUP BY "identityId"`,
      ])
    : [[], []];
  const grantsOf = new Map(grantCounts.map((g) => [g.identityId, g.n]));
  const byId = new Map(found.map((r) => [r.id, r]));
  const rows: IdentityRow[] = ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const details = seesDirectoryDetails(ctx.actor, { id: r.id, managerId: r.manager?.id ?? null, ownerId: r.owner?.id ?? null });
    return [
      {
        id: r.id,
        kind: r.kind,
        displayName: r.displayName,
        email: details ? r.email : null,
        department: r.department,
        title: r.title,
        status: r.status,
        purpose: r.purpose,
        systemName: r.system?.name ?? null,
        managerId: r.manager?.id ?? null,
        managerName: r.manager?.displayName ?? null,
        ownerId: r.owner?.id ?? null,
        ownerName: r.owner?.displayName ?? null,
        activeGrantCount: details ? (grantsOf.get(r.id) ?? 0) : null,
      },
    ];
  });
  return { rows, ...cappedTotal(countRows[0]?.n ?? 0, input), page: input.page, size: input.size, ...(nextAfter !== undefined ? { nextAfter } : {}) };
}

export type IdentityFacets = {
  departments: { value: string; count: number }[];
  kinds: { value: IdentityKindName; count: number }[];
  statuses: { value: IdentityStatusName; count: number }[];
};

/** Filter options for the directory: the departments in use, and how many identities of each kind and status. */
export async function identityFacets(ctx: ServiceCtx): Promise<IdentityFacets> {
  const [departments, kinds, statuses] = await Promise.all([
    ctx.db.identity.groupBy({ by: ["department"], where: { department: { not: null } }, _count: { _all: true } }),
    ctx.db.identity.groupBy({ by: ["kind"], _count: { _all: true }, orderBy: { kind: "asc" } }),
    ctx.db.identity.groupBy({ by: ["status"], _count: { _all: true }, orderBy: { status: "asc" } }),
  ]);
  return {
    departments: departments
      .flatMap((d) => (d.department ? [{ value: d.department, count: d._count._all }] : []))
      .sort((a, b) => a.value.localeCompare(b.value, "en", { sensitivity: "base" }) || (a.value < b.value ? -1 : 1)),
    kinds: kinds.map((k) => ({ value: k.kind, count: k._count._all })),
    statuses: statuses.map((s) => ({ value: s.status, count: s._count._all })),
  };
}

/** How many revoked grants the identity page lists (most recent first); the total is returned too. */
export const GRANT_HISTORY_LIMIT = 50;
/** How many direct reports / owned non-human identities the identity page lists; the total is returned too. */
export const RELATED_LIMIT = 10;

const GRANT_SELECT = {
  id: true,
  status: true,
  origin: true,
  startsAt: true,
  expiresAt: true,
  revokedAt: true,
  revocationCause: true,
  entitlement: { select: { id: true, name: true, risk: true, privileged: true, system: { select: { id: true, name: true } } } },
} satisfies Prisma.GrantSelect;

export type IdentityGrant = Prisma.GrantGetPayload<{ select: typeof GRANT_SELECT }>;

export type CredentialInfo =
  /** Shown to admins, security, auditors and the owner. */
  | { visible: true; keyId: string | null; createdAt: Date | null; rotatedAt: Date | null; expiresAt: Date | null }
  | { visible: false };

/**
 * One identity's page: who they are, who is accountable for them, what they hold and what they held.
 * The profile is open to every signed-in employee; the access held (current grants and history) and the
 * email follow accessView: all of it for the identity, its manager or owner, admins, security and
 * auditors; the owned part for owners of what it holds; none for anyone else. `credential` is null for
 * people and `{ visible: false }` for a non-human identity the actor may not inspect (canSeeCredentials).
 */
export async function identityById(ctx: ServiceCtx, { id }: TIdentityId) {
  const identity = await ctx.db.identity.findUnique({
    where: { id },
    select: {
      id: true,
      kind: true,
      status: true,
      displayName: true,
      email: true,
      department: true,
      title: true,
      purpose: true,
      ownerId: true,
      manager: { select: { id: true, displayName: true, status: true } },
      owner: { select: { id: true, displayName: true, status: true } },
      system: { select: { id: true, name: true } },
      credentialKeyId: true,
      credentialCreatedAt: true,
      credentialRotatedAt: true,
      credentialExpiresAt: true,
      createdAt: true,
      updatedAt: true,
    },
  });
  if (!identity) throw notFound(`Identity ${id}`);

  const isHuman = identity.kind === "HUMAN";
  // What of this identity's access the viewer may see (see accessView): all of it, the part they own, or none.
  const ownsCatalogEntries =
    !readsAllAccess(ctx.actor) &&
    ((await ctx.db.system.count({ where: { ownerId: ctx.actor.id } })) > 0 || (await ctx.db.entitlement.count({ where: { ownerId: ctx.actor.id } })) > 0);
  const view: AccessView = accessView(ctx.actor, { id: identity.id, managerId: identity.manager?.id ?? null, ownerId: identity.ownerId }, ownsCatalogEntries);
  const grantScope: Prisma.GrantWhereInput = view === "owned" ? ownedByActor(ctx.actor.id) : {};
  const noGrants = view === "none";
  const [reportCount, reports, ownedNhiCount, ownedNhis, current, historyCount, history] = await Promise.all([
    ctx.db.identity.count({ where: { managerId: id, status: { not: "DEPROVISIONED" } } }),
    ctx.db.identity.findMany({
      where: { managerId: id, status: { not: "DEPROVISIONED" } },
      select: { id: true, displayName: true, title: true, status: true },
      orderBy: [{ displayName: "asc" }, { id: "asc" }],
      take: RELATED_LIMIT,
    }),
    ctx.db.identity.count({ where: { ownerId: id } }),
    ctx.db.identity.findMany({
      where: { ownerId: id },
      select: { id: true, displayName: true, kind: true, status: true },
      orderBy: [{ displayName: "asc" }, { id: "asc" }],
      take: RELATED_LIMIT,
    }),
    noGrants
      ? Promise.resolve([])
      : ctx.db.grant.findMany({
          where: { identityId: id, status: { not: "REVOKED" }, ...grantScope },
          select: GRANT_SELECT,
          orderBy: [{ expiresAt: { sort: "asc", nulls: "last" } }, { startsAt: "desc" }, { id: "asc" }],
        }),
    noGrants ? Promise.resolve(0) : ctx.db.grant.count({ where: { identityId: id, status: "REVOKED", ...grantScope } }),
    noGrants
      ? Promise.resolve([])
      : ctx.db.grant.findMany({
          where: { identityId: id, status: "REVOKED", ...grantScope },
          select: GRANT_SELECT,
          orderBy: [{ revokedAt: { sort: "desc", nulls: "last" } }, { id: "asc" }],
          take: GRANT_HISTORY_LIMIT,
        }),
  ]);

  const { credentialKeyId, credentialCreatedAt, credentialRotatedAt, credentialExpiresAt, ownerId, email, ...rest } = identity;
  const credential: CredentialInfo | null = isHuman
    ? null
    : canSeeCredentials(ctx.actor, { ownerId })
      ? { visible: true, keyId: credentialKeyId, createdAt: credentialCreatedAt, rotatedAt: credentialRotatedAt, expiresAt: credentialExpiresAt }
      : { visible: false };

  return {
    ...rest,
    /** Contact details and access: for those with a reason to see them (accessView), not for everyone. */
    email: view === "none" ? null : email,
    accessView: view,
    credential,
    reports: { count: reportCount, items: reports },
    ownedNhis: { count: ownedNhiCount, items: ownedNhis },
    grants: { current, history, historyCount },
    /** For the page's edit form; the service checks again on submit. */
    canEdit: !isHuman && canManageNhis(ctx.actor),
  };
}

export type IdentityDetail = Awaited<ReturnType<typeof identityById>>;

/** Systems a non-human identity can run in, for the create/edit form (names only). */
export async function nhiSystemOptions(ctx: ServiceCtx): Promise<{ id: string; name: string }[]> {
  return ctx.db.system.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
}
