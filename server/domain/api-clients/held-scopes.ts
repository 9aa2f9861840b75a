/**
 * The API scopes a client holds right now: its ACTIVE grants on the Warrant API system's entitlements that have
 * started and not yet expired. Read on every call (the REST edge, the requests service, token issuance), so a
 * grant's expiry or revocation removes the scope at once, even before the expiry job has revoked the grant.
 */
import type { Tx } from "../../db";
import { isApiScope, WARRANT_API_SYSTEM_ID, type ApiScope } from "./scopes";

export type HeldScope = { scope: ApiScope; grantId: string; expiresAt: Date | null };

export async function heldScopeGrants(db: Tx, identityId: string, now: Date): Promise<HeldScope[]> {
  const rows = await db.grant.findMany({
    where: {
      identityId,
      status: "ACTIVE",
      startsAt: { lte: now },
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      entitlement: { systemId: WARRANT_API_SYSTEM_ID },
    },
    orderBy: { startsAt: "asc" },
    select: { id: true, expiresAt: true, entitlement: { select: { externalRef: true } } },
  });
  const out: HeldScope[] = [];
  for (const r of rows) {
    const ref = r.entitlement.externalRef;
    if (ref && isApiScope(ref)) out.push({ scope: ref, grantId: r.id, expiresAt: r.expiresAt });
  }
  return out;
}

export async function heldScopes(db: Tx, identityId: string, now: Date): Promise<Set<ApiScope>> {
  return new Set((await heldScopeGrants(db, identityId, now)).map((h) => h.scope));
}
