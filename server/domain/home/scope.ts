/**
 * Whose access the home page's figures cover. The same rule as a profile page (identities/policy.ts
 * accessView): admins, security officers and auditors read all access; anyone else sees their own, their
 * reports', their non-human identities' and the access to what they own (systems and entitlements), never
 * organisation-wide figures.
 */
import { Prisma } from "../../db/generated/client";
import type { Actor } from "../actor";
import { readsAllAccess } from "../identities/policy";

export type HomeScope = { all: true } | { all: false; me: string };

export function homeScope(actor: Actor): HomeScope {
  return readsAllAccess(actor) ? { all: true } : { all: false, me: actor.id };
}

/**
 * A condition on a grant `g`, joined with its holder `i`, entitlement `e` and system `s`: TRUE for "all",
 * otherwise the holder is me, my report or my NHI, or I own the entitlement (or its system, when the
 * entitlement has no owner of its own: identities/policy.ts ownedByActor).
 */
export function grantInScope(scope: HomeScope): Prisma.Sql {
  if (scope.all) return Prisma.sql`TRUE`;
  const me = scope.me;
  return Prisma.sql`(g."identityId" = ${me}::uuid OR i."managerId" = ${me}::uuid OR i."ownerId" = ${me}::uuid
    OR e."ownerId" = ${me}::uuid OR (e."ownerId" IS NULL AND s."ownerId" = ${me}::uuid))`;
}

/** The same for a request `r` with its beneficiary `b`, entitlement `e` and system `s`; also requests I made. */
export function requestInScope(scope: HomeScope): Prisma.Sql {
  if (scope.all) return Prisma.sql`TRUE`;
  const me = scope.me;
  return Prisma.sql`(r."requesterId" = ${me}::uuid OR r."beneficiaryId" = ${me}::uuid OR b."managerId" = ${me}::uuid OR b."ownerId" = ${me}::uuid
    OR e."ownerId" = ${me}::uuid OR (e."ownerId" IS NULL AND s."ownerId" = ${me}::uuid))`;
}
