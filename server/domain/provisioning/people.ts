/** Who is told about, and who may act on, a grant's provisioning. */
import type { Tx } from "../../db";
import type { Role } from "../../db/generated/client";
import { hasRole, type Actor } from "../actor";

/** Active holders of a global role (notification recipients). */
export async function activeWithRole(tx: Tx, ...roles: Role[]): Promise<string[]> {
  const rows = await tx.roleAssignment.findMany({ where: { role: { in: roles }, identity: { status: "ACTIVE", kind: "HUMAN" } }, select: { identityId: true } });
  return [...new Set(rows.map((r) => r.identityId))];
}

/** The people a grant holder's news goes to: the person, or for a non-human identity its accountable owner. */
export function holderRecipients(identity: { id: string; kind: string; ownerId: string | null }): string[] {
  if (identity.kind === "HUMAN") return [identity.id];
  return identity.ownerId ? [identity.ownerId] : [];
}

export type GrantOwners = { systemOwnerId: string; entitlementOwnerId: string | null };

/** The system owner, the entitlement owner, or an admin: the people who answer for a grant's provisioning. */
export function isGrantOwnerOrAdmin(actor: Actor, o: GrantOwners): boolean {
  return hasRole(actor, "ADMIN") || actor.id === o.systemOwnerId || (o.entitlementOwnerId !== null && actor.id === o.entitlementOwnerId);
}

export function ownerIds(o: GrantOwners): string[] {
  return [...new Set([o.systemOwnerId, o.entitlementOwnerId].filter((x): x is string => Boolean(x)))];
}
