/**
 * Who may see and do what in the identities area. Pure functions over the actor (read fresh on every call)
 * and the identity at hand; the services and queries call them, the router does not decide.
 */
import type { Prisma } from "../../db/generated/client";
import { hasRole, type Actor } from "../actor";

/** Managing non-human identities (create, edit, suspend, deprovision) is an ADMIN power. */
export function canManageNhis(actor: Actor): boolean {
  return hasRole(actor, "ADMIN");
}

/**
 * Credential metadata of a non-human identity (key id, created, rotated, expires) is shown to admins,
 * security, auditors and the identity's accountable owner; the rest of the directory is open to every
 * signed-in employee.
 */
export function canSeeCredentials(actor: Actor, identity: { ownerId: string | null }): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR") || (identity.ownerId !== null && identity.ownerId === actor.id);
}

/** Global roles whose work is reading everyone's access (and who therefore see all of it). */
export const READS_ALL_ACCESS = ["ADMIN", "SECURITY", "AUDITOR"] as const;

export function readsAllAccess(actor: Actor): boolean {
  return hasRole(actor, ...READS_ALL_ACCESS);
}

/**
 * How much of another identity's access (current grants and history) the actor may see:
 * - "all": the identity itself, its manager, the accountable owner of a non-human identity, and admins,
 *   security officers and auditors;
 * - "owned": an owner of systems or entitlements sees the grants of what they own (their part only);
 * - "none": everyone else sees the profile (who they are, their role in the organisation), not the access.
 */
export type AccessView = "all" | "owned" | "none";

export function accessView(actor: Actor, identity: { id: string; managerId: string | null; ownerId: string | null }, ownsCatalogEntries: boolean): AccessView {
  if (readsAllAccess(actor)) return "all";
  if (identity.id === actor.id || identity.managerId === actor.id || identity.ownerId === actor.id) return "all";
  return ownsCatalogEntries ? "owned" : "none";
}

/** Grants of entitlements the actor owns (directly, or as the owner of a system whose entitlement has no owner of its own). */
export function ownedByActor(actorId: string): Prisma.GrantWhereInput {
  return { entitlement: { OR: [{ ownerId: actorId }, { ownerId: null, system: { ownerId: actorId } }] } };
}

/** A directory row's contact details and access counts: for those who see all of that identity's access. */
export function seesDirectoryDetails(actor: Actor, row: { id: string; managerId: string | null; ownerId: string | null }): boolean {
  return accessView(actor, row, false) === "all";
}
