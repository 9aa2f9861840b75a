import type { Tx } from "../../db";
import { hasRole, type Actor } from "../actor";

/** What the home page shows the signed-in person: their access, what expires soon, and their responsibilities. */
export async function homeSummary(db: Tx, actor: Actor, now: Date) {
  const soon = new Date(now.getTime() + 14 * 86_400_000);
  const [myGrants, expiringSoon, reports, ownedNhis, ownedSystems, catalog] = await Promise.all([
    db.grant.count({ where: { identityId: actor.id, status: "ACTIVE" } }),
    db.grant.findMany({
      where: { identityId: actor.id, status: "ACTIVE", expiresAt: { gte: now, lte: soon } },
      orderBy: { expiresAt: "asc" },
      take: 10,
      select: { id: true, expiresAt: true, entitlement: { select: { id: true, name: true, risk: true, system: { select: { name: true } } } } },
    }),
    db.identity.count({ where: { managerId: actor.id, status: { not: "DEPROVISIONED" } } }),
    db.identity.findMany({
      where: { ownerId: actor.id },
      orderBy: { displayName: "asc" },
      take: 10,
      select: { id: true, displayName: true, kind: true, credentialExpiresAt: true, status: true },
    }),
    db.system.findMany({ where: { ownerId: actor.id }, orderBy: { name: "asc" }, select: { id: true, name: true, _count: { select: { entitlements: true } } } }),
    hasRole(actor, "ADMIN", "SECURITY", "AUDITOR")
      ? Promise.all([
          db.system.count(),
          db.entitlement.count(),
          db.grant.count({ where: { status: "ACTIVE" } }),
          db.grant.count({ where: { status: "ACTIVE", requestId: null } }),
          db.grant.count({ where: { status: "ACTIVE", expiresAt: { lt: now } } }),
        ]).then(([systems, entitlements, activeGrants, unverifiedGrants, overdueGrants]) => ({ systems, entitlements, activeGrants, unverifiedGrants, overdueGrants }))
      : Promise.resolve(null),
  ]);
  return {
    myGrants,
    expiringSoon: expiringSoon.map((g) => ({ id: g.id, expiresAt: g.expiresAt!, entitlementId: g.entitlement.id, entitlement: g.entitlement.name, risk: g.entitlement.risk, system: g.entitlement.system.name })),
    reports,
    ownedNhis,
    ownedSystems: ownedSystems.map((s) => ({ id: s.id, name: s.name, entitlements: s._count.entitlements })),
    catalog,
  };
}
