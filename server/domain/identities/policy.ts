/**
 * Who may see and do what in the identities area. Pure functions over the actor (read fresh on every call)
 * and the identity at hand; the services and queries call them, the router does not decide.
 */
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
