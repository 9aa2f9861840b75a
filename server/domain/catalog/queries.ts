/**
 * Catalog reads: systems and entitlements. Every signed-in person may browse the catalog (that is how
 * they find what to request); what is sensitive is narrowed per viewer:
 * - connector settings: ADMIN, SECURITY, AUDITOR and the system's owner only;
 * - who holds an entitlement (names): ADMIN, SECURITY, AUDITOR, the system owner and the entitlement's
 *   owner. Everyone else sees the count only.
 *
 * Lists are one SQL statement each (filters, search, sort and counts together) because two of the sort
 * keys are aggregates over grants that Prisma's orderBy cannot express with a status filter.
 */
import { myHoldings, type MyHolding } from "./mine";
import type { Tx } from "../../db";
import { uuidArray } from "../../db/sql-arrays";
import { Prisma, type ConnectorKind, type GrantOrigin, type GrantStatus, type IdentityKind, type RiskLevel } from "../../db/generated/client";
import { notFound } from "../../errors";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import type { z } from "zod";
import type { ConnectorConfig, ZEntitlementByIdInput, ZListEntitlementsInput, ZListSystemsInput, ZOwnerOptionsInput } from "./schema";
import { GRANT_IN_EFFECT } from "../grants/status";

/**
 * Grant statuses that mean the identity has (or may still have) the access in the target system: active,
 * and revocations not yet confirmed. These are what "holders" and "active grants" count.
 */
const HOLDING_SQL = Prisma.raw(GRANT_IN_EFFECT.map((s) => `'${s}'`).join(", "));

/** `%term%` for ILIKE, with the user's own %, _ and \ taken literally. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const where = (parts: Prisma.Sql[]) => (parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, " AND ")}` : Prisma.empty);

// ---------------------------------------------------------------------------------------------------
// Systems

export type SystemRow = {
  id: string;
  name: string;
  description: string;
  ownerId: string;
  ownerName: string;
  criticality: RiskLevel;
  connector: ConnectorKind;
  entitlementCount: number;
  activeGrantCount: number;
};

const SYSTEM_ORDER: Record<z.infer<typeof ZListSystemsInput>["sort"] & string, Prisma.Sql> = {
  name: Prisma.sql`lower(s."name")`,
  owner: Prisma.sql`lower(o."displayName")`,
  criticality: Prisma.sql`s."criticality"`,
  connector: Prisma.sql`s."connector"`,
  entitlements: Prisma.sql`"entitlementCount"`,
  activeGrants: Prisma.sql`"activeGrantCount"`,
};

/** A page of systems with owner, counts of entitlements and of active grants. Any signed-in person. */
export async function listSystems(ctx: ServiceCtx, input: z.output<typeof ZListSystemsInput>): Promise<Page<SystemRow>> {
  const conds: Prisma.Sql[] = [];
  if (input.q) {
    const p = likePattern(input.q);
    conds.push(Prisma.sql`(s."name" ILIKE ${p} OR s."description" ILIKE ${p} OR o."displayName" ILIKE ${p})`);
  }
  if (input.criticality) conds.push(Prisma.sql`s."criticality" = ${input.criticality}::"RiskLevel"`);
  if (input.connector) conds.push(Prisma.sql`s."connector" = ${input.connector}::"ConnectorKind"`);
  const w = where(conds);
  const dir = Prisma.raw(input.dir === "desc" ? "DESC" : "ASC");
  const order = SYSTEM_ORDER[input.sort ?? "name"];
  const { skip, take } = skipTake(input);

  const [rows, count] = await Promise.all([
    ctx.db.$queryRaw<SystemRow[]>`
      SELECT s."id", s."name", s."description", s."ownerId", o."displayName" AS "ownerName",
             s."criticality"::text AS "criticality", s."connector"::text AS "connector",
             (SELECT COUNT(*)::int FROM "Entitlement" e WHERE e."systemId" = s."id") AS "entitlementCount",
             (SELECT COUNT(*)::int FROM "Grant" g JOIN "Entitlement" e ON e."id" = g."entitlementId"
               WHERE e."systemId" = s."id" AND g."status" IN (${HOLDING_SQL})) AS "activeGrantCount"
      FROM "System" s JOIN "Identity" o ON o."id" = s."ownerId"
      ${w}
      ORDER BY ${order} ${dir}, lower(s."name") ASC, s."id" ASC
      LIMIT ${take} OFFSET ${skip}`,
    ctx.db.$queryRaw<{ n: number }[]>`SELECT COUNT(*)::int AS n FROM "System" s JOIN "Identity" o ON o."id" = s."ownerId" ${w}`,
  ]);
  return { rows, total: count[0]?.n ?? 0, page: input.page, size: input.size };
}

/** May this person see a system's connector settings (endpoints, database names)? */
function canSeeConnectorConfig(actor: Actor, systemOwnerId: string): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR") || actor.id === systemOwnerId;
}

/** May this person see who holds an entitlement (not only how many)? */
function canSeeHolders(actor: Actor, systemOwnerId: string, entitlementOwnerId: string | null): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR") || actor.id === systemOwnerId || actor.id === entitlementOwnerId;
}

async function holderCounts(db: Tx, entitlementIds: string[]): Promise<Map<string, number>> {
  if (!entitlementIds.length) return new Map();
  // The column as it is (not cast to text), so the index on the grant's entitlement finds the rows: cast, every
  // grant was read for any one entitlement (0.1–0.17 s per page at 1,000,000 grants).
  const rows = await db.$queryRaw<{ id: string; n: number }[]>`
    SELECT g."entitlementId" AS "id", COUNT(DISTINCT g."identityId")::int AS "n" FROM "Grant" g
    WHERE g."entitlementId" = ANY(${uuidArray(entitlementIds)}) AND g."status" IN (${HOLDING_SQL})
    GROUP BY g."entitlementId"`;
  return new Map(rows.map((r) => [r.id, r.n]));
}

const personSelect = { id: true, displayName: true, email: true, status: true } as const;

/** Entitlements listed on a system's page (the first 500 by name; the entitlements table pages further). */
const SYSTEM_ENTITLEMENTS_CAP = 500;

/**
 * One system: owner, connector (settings only for ADMIN, SECURITY, AUDITOR and the owner), and its
 * entitlements with effective owner and holder counts. Any signed-in person. NOT_FOUND if it does not exist.
 */
export async function systemById(ctx: ServiceCtx, id: string) {
  const s = await ctx.db.system.findUnique({
    where: { id },
    include: {
      owner: { select: personSelect },
      entitlements: { orderBy: { name: "asc" }, take: SYSTEM_ENTITLEMENTS_CAP, include: { owner: { select: personSelect } } },
      _count: { select: { entitlements: true } },
    },
  });
  if (!s) throw notFound("System");
  const [counts, activeGrantCount, mine] = await Promise.all([
    holderCounts(ctx.db, s.entitlements.map((e) => e.id)),
    // Same definition as listSystems: grants in effect (an identity holding twice counts twice).
    ctx.db.grant.count({ where: { entitlement: { systemId: s.id }, status: { in: GRANT_IN_EFFECT } } }),
    myHoldings(ctx.db, ctx.actor.id, s.entitlements.map((e) => e.id)),
  ]);
  const showConfig = canSeeConnectorConfig(ctx.actor, s.ownerId);
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    owner: { id: s.owner.id, name: s.owner.displayName, email: s.owner.email, status: s.owner.status },
    criticality: s.criticality,
    connector: s.connector,
    /** How often the reconciliation job runs over this system (0: on demand only). */
    reconcileEveryHours: s.reconcileEveryHours,
    /** Null when the viewer may not see connector settings. */
    connectorConfig: showConfig ? (s.connectorConfig as ConnectorConfig) : null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    entitlementCount: s._count.entitlements,
    activeGrantCount,
    entitlements: s.entitlements.map((e) => ({
      id: e.id,
      name: e.name,
      description: e.description,
      risk: e.risk,
      privileged: e.privileged,
      owner: e.owner ? { id: e.owner.id, name: e.owner.displayName } : { id: s.owner.id, name: s.owner.displayName },
      ownerIsSystemOwner: !e.owner,
      maxDurationDays: e.maxDurationDays,
      requestable: e.requestable,
      holderCount: counts.get(e.id) ?? 0,
      /** What the viewer holds of it themselves (null: nothing, no pending request). */
      mine: mine.get(e.id) ?? null,
    })),
    /** UI hint only: the server checks again on every write. */
    viewer: { canEdit: hasRole(ctx.actor, "ADMIN") && !hasRole(ctx.actor, "AUDITOR"), canSeeConnectorConfig: showConfig, actsOnAccess: !hasRole(ctx.actor, "AUDITOR") },
  };
}
export type SystemDetail = Awaited<ReturnType<typeof systemById>>;

// ---------------------------------------------------------------------------------------------------
// Entitlements

export type EntitlementRow = {
  id: string;
  name: string;
  description: string;
  systemId: string;
  systemName: string;
  risk: RiskLevel;
  privileged: boolean;
  owner: { id: string; name: string };
  maxDurationDays: number;
  requestable: boolean;
  activeHolderCount: number;
  /** What the viewer holds of it themselves (null: nothing, no pending request). */
  mine: MyHolding | null;
};

const ENTITLEMENT_ORDER: Record<z.infer<typeof ZListEntitlementsInput>["sort"] & string, Prisma.Sql> = {
  name: Prisma.sql`lower(e."name")`,
  system: Prisma.sql`lower(s."name")`,
  // Postgres orders an enum by declaration order: LOW < MEDIUM < HIGH < CRITICAL.
  risk: Prisma.sql`e."risk"`,
  maxDurationDays: Prisma.sql`e."maxDurationDays"`,
  holders: Prisma.sql`"activeHolderCount"`,
};

/**
 * A page of entitlements across systems, filtered by system, risk, privileged and requestable, searched
 * by name, description, system name and external reference. Any signed-in person.
 */
export async function listEntitlements(ctx: ServiceCtx, input: z.output<typeof ZListEntitlementsInput>): Promise<Page<EntitlementRow>> {
  const conds: Prisma.Sql[] = [];
  if (input.q) {
    const p = likePattern(input.q);
    conds.push(Prisma.sql`(e."name" ILIKE ${p} OR e."description" ILIKE ${p} OR s."name" ILIKE ${p} OR e."externalRef" ILIKE ${p})`);
  }
  if (input.systemId) conds.push(Prisma.sql`e."systemId" = ${input.systemId}::uuid`);
  if (input.risk) conds.push(Prisma.sql`e."risk" = ${input.risk}::"RiskLevel"`);
  if (input.privileged !== undefined) conds.push(Prisma.sql`e."privileged" = ${input.privileged}`);
  if (input.requestable !== undefined) conds.push(Prisma.sql`e."requestable" = ${input.requestable}`);
  const w = where(conds);
  const dir = Prisma.raw(input.dir === "desc" ? "DESC" : "ASC");
  const order = ENTITLEMENT_ORDER[input.sort ?? "name"];
  const { skip, take } = skipTake(input);

  type Raw = Omit<EntitlementRow, "owner" | "mine"> & { ownerId: string; ownerName: string };
  const [rows, count] = await Promise.all([
    ctx.db.$queryRaw<Raw[]>`
      SELECT e."id", e."name", e."description", e."systemId", s."name" AS "systemName",
             e."risk"::text AS "risk", e."privileged", o."id" AS "ownerId", o."displayName" AS "ownerName",
             e."maxDurationDays", e."requestable",
             (SELECT COUNT(DISTINCT g."identityId")::int FROM "Grant" g
               WHERE g."entitlementId" = e."id" AND g."status" IN (${HOLDING_SQL})) AS "activeHolderCount"
      FROM "Entitlement" e
      JOIN "System" s ON s."id" = e."systemId"
      JOIN "Identity" o ON o."id" = COALESCE(e."ownerId", s."ownerId")
      ${w}
      ORDER BY ${order} ${dir}, lower(e."name") ASC, lower(s."name") ASC, e."id" ASC
      LIMIT ${take} OFFSET ${skip}`,
    ctx.db.$queryRaw<{ n: number }[]>`
      SELECT COUNT(*)::int AS n FROM "Entitlement" e JOIN "System" s ON s."id" = e."systemId" ${w}`,
  ]);
  const mine = await myHoldings(ctx.db, ctx.actor.id, rows.map((r) => r.id));
  return {
    rows: rows.map(({ ownerId, ownerName, ...r }) => ({ ...r, owner: { id: ownerId, name: ownerName }, mine: mine.get(r.id) ?? null })),
    total: count[0]?.n ?? 0,
    page: input.page,
    size: input.size,
  };
}

export type HolderRow = {
  grantId: string;
  identity: { id: string; name: string; kind: IdentityKind };
  status: GrantStatus;
  origin: GrantOrigin;
  since: Date;
  expires: Date | null;
};

/**
 * One entitlement with its system, effective owner (its own, or the system's) and who holds it (a page of
 * grants that are active or not yet confirmed revoked). Holder names only for ADMIN, SECURITY, AUDITOR and
 * the owners; others get `holders: null` and the count. Any signed-in person. NOT_FOUND if it does not exist.
 */
export async function entitlementById(ctx: ServiceCtx, input: z.output<typeof ZEntitlementByIdInput>) {
  const e = await ctx.db.entitlement.findUnique({
    where: { id: input.id },
    include: { system: { include: { owner: { select: personSelect } } }, owner: { select: personSelect } },
  });
  if (!e) throw notFound("Entitlement");
  const effectiveOwner = e.owner ?? e.system.owner;
  const holding = { entitlementId: e.id, status: { in: GRANT_IN_EFFECT } };
  const [holderCount, grantCount, mine] = await Promise.all([
    holderCounts(ctx.db, [e.id]).then((m) => m.get(e.id) ?? 0),
    ctx.db.grant.count({ where: holding }),
    myHoldings(ctx.db, ctx.actor.id, [e.id]),
  ]);
  let holders: Page<HolderRow> | null = null;
  if (canSeeHolders(ctx.actor, e.system.ownerId, effectiveOwner.id)) {
    const grants = await ctx.db.grant.findMany({
      where: holding,
      orderBy: [{ startsAt: "desc" }, { id: "asc" }],
      ...skipTake({ page: input.holdersPage, size: input.holdersSize }),
      include: { identity: { select: { id: true, displayName: true, kind: true } } },
    });
    holders = {
      rows: grants.map((g) => ({
        grantId: g.id,
        identity: { id: g.identity.id, name: g.identity.displayName, kind: g.identity.kind },
        status: g.status,
        origin: g.origin,
        since: g.startsAt,
        expires: g.expiresAt,
      })),
      total: grantCount,
      page: input.holdersPage,
      size: input.holdersSize,
    };
  }
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    system: { id: e.system.id, name: e.system.name, criticality: e.system.criticality, connector: e.system.connector, owner: { id: e.system.owner.id, name: e.system.owner.displayName } },
    risk: e.risk,
    /** A grant issues a login of its own to a non-human identity (docs/credentials.md). */
    issuesCredential: e.issuesCredential,
    credentialRotateHours: e.credentialRotateHours,
    privileged: e.privileged,
    /** The effective owner: the entitlement's own, or the system owner's when it has none. */
    owner: { id: effectiveOwner.id, name: effectiveOwner.displayName, email: effectiveOwner.email },
    ownerIsSystemOwner: !e.owner,
    /** The owner set on the entitlement itself (null = the system owner), for the edit form. */
    ownOwnerId: e.ownerId,
    requestable: e.requestable,
    maxDurationDays: e.maxDurationDays,
    externalRef: e.externalRef,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    /** Distinct identities holding it. */
    holderCount,
    /** Null when the viewer may see only the count. */
    holders,
    viewer: { canEdit: hasRole(ctx.actor, "ADMIN") && !hasRole(ctx.actor, "AUDITOR"), actsOnAccess: !hasRole(ctx.actor, "AUDITOR") },
    /** What the viewer holds of it themselves (null: nothing, no pending request). */
    mine: mine.get(e.id) ?? null,
  };
}
export type EntitlementDetail = Awaited<ReturnType<typeof entitlementById>>;

/** Values for the catalog's filters: every system by name. Any signed-in person. */
export async function catalogFacets(ctx: ServiceCtx) {
  const systems = await ctx.db.system.findMany({ select: { id: true, name: true, connector: true }, orderBy: { name: "asc" } });
  return { systems };
}

/**
 * Active people who may own a system or entitlement, for the admin forms: up to 50 matching `q` by name or
 * email, plus `includeId` (the current owner) when given.
 */
export async function ownerOptions(ctx: ServiceCtx, input: z.output<typeof ZOwnerOptionsInput>) {
  const base = { kind: "HUMAN", status: "ACTIVE" } as const;
  const people = await ctx.db.identity.findMany({
    where: input.q
      ? { ...base, OR: [{ displayName: { contains: input.q, mode: "insensitive" } }, { email: { contains: input.q, mode: "insensitive" } }] }
      : base,
    select: { id: true, displayName: true, email: true, department: true },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    take: 50,
  });
  if (input.includeId && !people.some((p) => p.id === input.includeId)) {
    const extra = await ctx.db.identity.findFirst({ where: { ...base, id: input.includeId }, select: { id: true, displayName: true, email: true, department: true } });
    if (extra) people.unshift(extra);
  }
  return people.map((p) => ({ id: p.id, name: p.displayName, email: p.email, department: p.department }));
}
