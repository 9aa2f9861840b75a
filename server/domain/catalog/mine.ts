/**
 * "The catalog knows me": for the entitlements on a catalog page, what the viewer holds themselves (the
 * grant, its state and end date) and whether a request of theirs is pending, so the page offers Request,
 * Extend or Remove my access instead of a request that would only be refused. Only the viewer's own
 * holdings: nothing about anyone else.
 */
import type { Tx } from "../../db";
import type { GrantStatus } from "../../db/generated/client";

/** Access the viewer has, is getting, or is losing (a failed removal still leaves it in place). */
const MINE: GrantStatus[] = ["ACTIVE", "PENDING_PROVISION", "PENDING_REVOKE", "REVOKE_FAILED", "PROVISION_FAILED"];

export type MyHolding = {
  grantId: string | null;
  status: GrantStatus | null;
  expiresAt: Date | null;
  /** A pending request of mine (as beneficiary) for it. */
  pendingRequestId: string | null;
};

export async function myHoldings(db: Tx, actorId: string, entitlementIds: string[]): Promise<Map<string, MyHolding>> {
  const out = new Map<string, MyHolding>();
  if (entitlementIds.length === 0) return out;
  const [grants, pending] = await Promise.all([
    db.grant.findMany({
      where: { identityId: actorId, entitlementId: { in: entitlementIds }, status: { in: MINE } },
      // The grant that matters most first: in effect before failed, the latest end date (none = standing) first.
      orderBy: [{ startsAt: "desc" }],
      select: { id: true, entitlementId: true, status: true, expiresAt: true },
    }),
    db.accessRequest.findMany({ where: { beneficiaryId: actorId, entitlementId: { in: entitlementIds }, status: "PENDING" }, select: { id: true, entitlementId: true } }),
  ]);
  const rank = (s: GrantStatus) => ["ACTIVE", "PENDING_PROVISION", "REVOKE_FAILED", "PENDING_REVOKE", "PROVISION_FAILED"].indexOf(s);
  for (const g of grants) {
    const cur = out.get(g.entitlementId);
    if (!cur || rank(g.status) < rank(cur.status!)) out.set(g.entitlementId, { grantId: g.id, status: g.status, expiresAt: g.expiresAt, pendingRequestId: null });
  }
  for (const r of pending) {
    const cur = out.get(r.entitlementId) ?? { grantId: null, status: null, expiresAt: null, pendingRequestId: null };
    out.set(r.entitlementId, { ...cur, pendingRequestId: r.id });
  }
  return out;
}
