import type { Tx } from "../../db";
import type { Actor } from "../actor";
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

/**
 * The signed-in person's profile and powers, read fresh, for the actor the call already read (server/trpc/init.ts
 * actorOf); null when there is none (signed out, or the identity is not active). Every portal page's shell asks
 * for it, so the relationship powers are one statement of EXISTS tests (navigation needs whether, not how many: a
 * heavy manager's reports were counted, all 2,100 of them, on every page), beside the unread count.
 */
export async function whoAmI(db: Tx, actor: Actor | null): Promise<Me | null> {
  if (!actor) return null;
  const [powers, unread] = await Promise.all([
    db.$queryRaw<{ isManager: boolean; ownsSystems: boolean; ownsNhis: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM "Identity" WHERE "managerId" = ${actor.id}::uuid AND "status" <> 'DEPROVISIONED') AS "isManager",
             (EXISTS (SELECT 1 FROM "System" WHERE "ownerId" = ${actor.id}::uuid)
               OR EXISTS (SELECT 1 FROM "Entitlement" WHERE "ownerId" = ${actor.id}::uuid)) AS "ownsSystems",
             EXISTS (SELECT 1 FROM "Identity" WHERE "ownerId" = ${actor.id}::uuid) AS "ownsNhis"`,
    db.notification.count({ where: unreadOpenWhere(actor.id) }),
  ]);
  const { isManager, ownsSystems, ownsNhis } = powers[0]!;
  return {
    id: actor.id,
    displayName: actor.displayName,
    email: actor.email,
    roles: actor.roles,
    isManager,
    ownsSystems,
    ownsNhis,
    readsAllAccess: readsAllAccess(actor),
    unreadNotifications: unread,
  };
}
