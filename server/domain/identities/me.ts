import type { Tx } from "../../db";
import { loadActor } from "../actor";
import { readsAllAccess } from "./policy";
import { unreadOpenWhere } from "../notifications/queries";

export type Me = {
  id: string;
  displayName: string;
  email: string | null;
  roles: ("ADMIN" | "SECURITY" | "AUDITOR")[];
  /** Relationship powers, for navigation. The services check them again on every call. */
  isManager: boolean;
  ownsSystems: boolean;
  ownsNhis: boolean;
  /** Sees everyone's access (admin, security, auditor): see readsAllAccess in ./policy.ts. */
  readsAllAccess: boolean;
  unreadNotifications: number;
};

/** The signed-in person's profile and powers, read fresh; null if the identity is not active. */
export async function whoAmI(db: Tx, identityId: string): Promise<Me | null> {
  const actor = await loadActor(db, identityId);
  if (!actor) return null;
  const [reports, systems, entitlements, nhis, unread] = await Promise.all([
    db.identity.count({ where: { managerId: actor.id, status: { not: "DEPROVISIONED" } } }),
    db.system.count({ where: { ownerId: actor.id } }),
    db.entitlement.count({ where: { ownerId: actor.id } }),
    db.identity.count({ where: { ownerId: actor.id } }),
    db.notification.count({ where: unreadOpenWhere(actor.id) }),
  ]);
  return {
    id: actor.id,
    displayName: actor.displayName,
    email: actor.email,
    roles: actor.roles,
    isManager: reports > 0,
    ownsSystems: systems + entitlements > 0,
    ownsNhis: nhis > 0,
    readsAllAccess: readsAllAccess(actor),
    unreadNotifications: unread,
  };
}
