/**
 * The built-in "Warrant API" system: present in every database that has an administrator. A migration
 * (20261203071402_warrant_api_system) inserts it where an admin already exists; the demo seed and, lazily,
 * the first API-client flow call `ensureWarrantApiSystem` for a fresh database. Its entitlements are the API
 * scopes (API_SCOPES), one per scope, with `externalRef` = the scope; privileged scopes are privileged (so the
 * policy asks the owner and security) and granted for at most 30 days, the others for at most 90.
 * Its connector is WARRANT_API: a grant needs no external target and is confirmed at once.
 */
import type { Tx } from "../../db";
import { recordEvents, type LedgerEventInput } from "../../ledger/ledger";
import { API_SCOPES, API_SCOPE_NAMES, WARRANT_API_SYSTEM_ID, WARRANT_API_SYSTEM_NAME, type ApiScope } from "./scopes";

export const WARRANT_API_SYSTEM_DESCRIPTION =
  "Warrant's own REST API (/api/v1). Each entitlement is an API scope an API client may hold; a grant takes effect at once and ends at its expiry or revocation.";

/** How a scope appears in the catalog (the migration inserts the same values). */
export function scopeEntitlement(scope: ApiScope) {
  const info = API_SCOPES[scope];
  return {
    name: scope,
    externalRef: scope,
    description: info.description,
    risk: info.privileged ? ("HIGH" as const) : ("LOW" as const),
    privileged: info.privileged,
    requestable: true,
    maxDurationDays: info.privileged ? 30 : 90,
  };
}

/** The first active admin (by creation), the Warrant API system's owner when nobody is named. */
async function firstAdmin(tx: Tx): Promise<string | null> {
  const row = await tx.identity.findFirst({
    where: { kind: "HUMAN", status: "ACTIVE", roles: { some: { role: "ADMIN" } } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true },
  });
  return row?.id ?? null;
}

/**
 * Makes sure the Warrant API system and one entitlement per scope exist; creates what is missing (with its
 * ledger events, in the caller's transaction) and changes nothing that exists. The owner of a new system is
 * `ownerId`, else the first active admin; with neither, nothing is created and null is returned.
 */
export async function ensureWarrantApiSystem(
  tx: Tx,
  o: { ownerId?: string | null; actorId: string | null; now: Date; source?: string; /** Fixed entitlement ids (the demo seed is the same in every database). */ idFor?: (scope: ApiScope) => string },
): Promise<{ systemId: string } | null> {
  const extra = o.source ? { source: o.source } : {};
  const events: LedgerEventInput[] = [];
  let system = await tx.system.findUnique({ where: { id: WARRANT_API_SYSTEM_ID }, select: { id: true } });
  if (!system) {
    const ownerId = o.ownerId ?? (await firstAdmin(tx));
    if (!ownerId) return null;
    // Concurrent first uses: the insert is idempotent, the later one finds the row.
    const inserted = await tx.$executeRaw`INSERT INTO "System" ("id", "name", "description", "ownerId", "criticality", "connector", "connectorConfig", "reconcileEveryHours", "createdAt", "updatedAt")
      VALUES (${WARRANT_API_SYSTEM_ID}::uuid, ${WARRANT_API_SYSTEM_NAME}, ${WARRANT_API_SYSTEM_DESCRIPTION}, ${ownerId}::uuid, 'HIGH', 'WARRANT_API', '{}'::jsonb, 0, ${o.now}, ${o.now})
      ON CONFLICT DO NOTHING`;
    system = { id: WARRANT_API_SYSTEM_ID };
    if (inserted > 0) {
      events.push({ actorId: o.actorId, action: "system.created", subjectType: "System", subjectId: WARRANT_API_SYSTEM_ID, occurredAt: o.now, payload: { name: WARRANT_API_SYSTEM_NAME, ownerId, criticality: "HIGH", connector: "WARRANT_API", builtIn: true, ...extra } });
    } else if (!(await tx.system.findUnique({ where: { id: WARRANT_API_SYSTEM_ID }, select: { id: true } }))) {
      return null; // another system already has the name: an operator must rename it first
    }
  }
  const existing = await tx.entitlement.findMany({ where: { systemId: system.id }, select: { externalRef: true, name: true } });
  const have = new Set(existing.flatMap((e) => [e.externalRef, e.name]));
  for (const scope of API_SCOPE_NAMES) {
    if (have.has(scope)) continue;
    const e = scopeEntitlement(scope);
    const row = await tx.entitlement.create({ data: { ...(o.idFor ? { id: o.idFor(scope) } : {}), systemId: system.id, ...e, createdAt: o.now }, select: { id: true } });
    events.push({ actorId: o.actorId, action: "entitlement.created", subjectType: "Entitlement", subjectId: row.id, occurredAt: o.now, payload: { systemId: system.id, name: e.name, risk: e.risk, privileged: e.privileged, ownerId: null, requestable: e.requestable, maxDurationDays: e.maxDurationDays, externalRef: e.externalRef, ...extra } });
  }
  if (events.length) await recordEvents(tx, events);
  return { systemId: system.id };
}

/** The entitlement ids of the scopes, by scope (only those that exist). */
export async function scopeEntitlementIds(tx: Tx): Promise<Map<ApiScope, string>> {
  const rows = await tx.entitlement.findMany({ where: { systemId: WARRANT_API_SYSTEM_ID }, select: { id: true, externalRef: true } });
  const out = new Map<ApiScope, string>();
  for (const r of rows) if (r.externalRef && Object.prototype.hasOwnProperty.call(API_SCOPES, r.externalRef)) out.set(r.externalRef as ApiScope, r.id);
  return out;
}
