/**
 * Who is acting. Loaded fresh from the database on every call, so a demotion or a deprovisioning takes
 * effect at once. Global roles (ADMIN, SECURITY, AUDITOR) come from RoleAssignment; relationship powers
 * (manager of, owner of) are checked by each service against the data it touches.
 */
import type { Tx } from "../db";
import { currentApiCall } from "./api-clients/call-context";
import type { IdentityKind, Role } from "../db/generated/client";

export type Actor = {
  id: string;
  kind: IdentityKind;
  displayName: string;
  email: string | null;
  roles: Role[];
  /** A non-human actor's accountable owner (a person); null or absent for a person. */
  ownerId?: string | null;
};

export type ServiceCtx = {
  db: import("../db").PrismaClient;
  actor: Actor;
  /** The clock. Tests and the demo can control it; services never call `new Date()` for business time. */
  now: () => Date;
};

/** The active identity behind a session, with its roles, or null (unknown, suspended or deprovisioned). */
export async function loadActor(db: Tx, identityId: string): Promise<Actor | null> {
  if (!UUID.test(identityId)) return null;
  // One statement with the roles (it runs on every call of every signed-in procedure).
  const rows = await db.$queryRaw<(Omit<Actor, "roles"> & { status: string; roles: Role[] })[]>`
    SELECT i."id", i."kind"::text AS "kind", i."displayName", i."email", i."status"::text AS "status", i."ownerId",
           coalesce(array_agg(r."role"::text ORDER BY r."role") FILTER (WHERE r."role" IS NOT NULL), '{}') AS "roles"
      FROM "Identity" i LEFT JOIN "RoleAssignment" r ON r."identityId" = i."id"
     WHERE i."id" = ${identityId}::uuid
     GROUP BY i."id"`;
  const row = rows[0];
  if (!row || row.status !== "ACTIVE") return null;
  return { id: row.id, kind: row.kind, displayName: row.displayName, email: row.email, roles: row.roles, ownerId: row.ownerId };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

/**
 * The ledger's view of an actor: the identity, and for a non-human actor (an API client acting as itself, an
 * agent) the human accountable for it, its owner. A client acting with its owner's authority (an "owner"
 * scope of /api/v1) is recorded as the owner, the person whose authority was used (the approval and review
 * rows name them too); which client and token acted is added to the event's payload by the ledger
 * (`viaApiClient`, see server/ledger/ledger.ts).
 */
export function ledgerActor(actor: Actor): { actorId: string; onBehalfOfId: string | null } {
  if (actor.kind !== "HUMAN") {
    const call = currentApiCall();
    return { actorId: actor.id, onBehalfOfId: actor.ownerId ?? (call?.clientId === actor.id ? call.ownerId : null) };
  }
  return { actorId: actor.id, onBehalfOfId: null };
}
