/**
 * Reads of API clients (/api/v1): what a client may call now (its scopes: grants with expiry), what is being
 * asked for it, and its tokens (prefix, state, last use; never a token or its hash). Shown to the client's
 * owner, and to admins, security and auditors; nobody else.
 */
import { forbidden, notFound } from "../../errors";
import { hasRole, type ServiceCtx } from "../actor";
import { tokenState, type ApiTokenView } from "../api-tokens/queries";
import { API_CLIENT_KINDS, type ApiClientKind } from "../identities/schema";
import { heldScopeGrants } from "./held-scopes";
import { API_SCOPES, API_SCOPE_NAMES, isApiScope, WARRANT_API_SYSTEM_ID, type ApiScope } from "./scopes";

export type ScopeGrantView = { grantId: string; scope: ApiScope; status: string; startsAt: Date; expiresAt: Date | null; inEffect: boolean };
export type ScopeRequestView = { requestId: string; scope: ApiScope; status: string; createdAt: Date; durationHours: number };
export type ScopeOption = { scope: ApiScope; entitlementId: string; description: string; privileged: boolean; maxDurationDays: number };

export type ApiClientDetail = {
  id: string;
  displayName: string;
  kind: string;
  status: string;
  owner: { id: string; displayName: string } | null;
  credentialExpiresAt: Date | null;
  /** The scopes a call would have now. */
  scopes: ApiScope[];
  grants: ScopeGrantView[];
  pending: ScopeRequestView[];
  tokens: ApiTokenView[];
  /** Scopes neither held nor pending: what can still be requested. */
  requestable: ScopeOption[];
  viewer: { canManage: boolean; isOwner: boolean };
};

function maySee(ctx: ServiceCtx, ownerId: string | null): boolean {
  return hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR") || (ownerId !== null && ownerId === ctx.actor.id);
}

/** One API client's scopes, pending scope requests and tokens. Its owner, admins, security and auditors. */
export async function apiClientDetail(ctx: ServiceCtx, input: { id: string }): Promise<ApiClientDetail> {
  const now = ctx.now();
  const c = await ctx.db.identity.findUnique({
    where: { id: input.id },
    select: { id: true, displayName: true, kind: true, status: true, credentialExpiresAt: true, ownerId: true, owner: { select: { id: true, displayName: true } } },
  });
  if (!c || c.kind === "HUMAN") throw notFound("The API client");
  if (!maySee(ctx, c.ownerId)) throw forbidden("An API client's scopes and tokens are shown to its owner, admins, security and auditors.");
  const [held, grants, pending, tokens, ents] = await Promise.all([
    heldScopeGrants(ctx.db, c.id, now),
    ctx.db.grant.findMany({
      where: { identityId: c.id, entitlement: { systemId: WARRANT_API_SYSTEM_ID } },
      orderBy: { startsAt: "desc" },
      take: 100,
      select: { id: true, status: true, startsAt: true, expiresAt: true, entitlement: { select: { externalRef: true } } },
    }),
    ctx.db.accessRequest.findMany({
      where: { beneficiaryId: c.id, status: "PENDING", entitlement: { systemId: WARRANT_API_SYSTEM_ID } },
      orderBy: { createdAt: "desc" },
      select: { id: true, status: true, createdAt: true, durationHours: true, entitlement: { select: { externalRef: true } } },
    }),
    ctx.db.apiToken.findMany({
      where: { identityId: c.id, scope: "api" },
      orderBy: { createdAt: "desc" },
      take: 50,
      select: { id: true, prefix: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true, overlapUntil: true, replacedById: true },
    }),
    ctx.db.entitlement.findMany({ where: { systemId: WARRANT_API_SYSTEM_ID, requestable: true }, select: { id: true, externalRef: true, maxDurationDays: true } }),
  ]);
  const scopes = [...new Set(held.map((h) => h.scope))];
  const heldIds = new Set(held.map((h) => h.grantId));
  const pendingViews: ScopeRequestView[] = pending.flatMap((r) => (r.entitlement.externalRef && isApiScope(r.entitlement.externalRef) ? [{ requestId: r.id, scope: r.entitlement.externalRef, status: r.status, createdAt: r.createdAt, durationHours: r.durationHours }] : []));
  const taken = new Set<string>([...scopes, ...pendingViews.map((p) => p.scope)]);
  const byScope = new Map(ents.flatMap((e) => (e.externalRef && isApiScope(e.externalRef) ? [[e.externalRef, e] as const] : [])));
  const isOwner = c.ownerId === ctx.actor.id;
  return {
    id: c.id,
    displayName: c.displayName,
    kind: c.kind,
    status: c.status,
    owner: c.owner,
    credentialExpiresAt: c.credentialExpiresAt,
    scopes,
    grants: grants.flatMap((g) =>
      g.entitlement.externalRef && isApiScope(g.entitlement.externalRef)
        ? [{ grantId: g.id, scope: g.entitlement.externalRef, status: g.status, startsAt: g.startsAt, expiresAt: g.expiresAt, inEffect: heldIds.has(g.id) }]
        : [],
    ),
    pending: pendingViews,
    tokens: tokens.map((t) => ({ ...t, state: tokenState(t, now) })),
    requestable: API_SCOPE_NAMES.filter((s) => !taken.has(s) && byScope.has(s)).map((s) => ({
      scope: s,
      entitlementId: byScope.get(s)!.id,
      description: API_SCOPES[s].description,
      privileged: API_SCOPES[s].privileged,
      maxDurationDays: byScope.get(s)!.maxDurationDays,
    })),
    viewer: { isOwner, canManage: isOwner || hasRole(ctx.actor, "ADMIN") },
  };
}

export type MyApiClientRow = { id: string; displayName: string; kind: ApiClientKind; status: string; credentialExpiresAt: Date | null; scopes: number; currentTokens: number };

/** The API clients the actor owns (the API-client kinds), newest first, with counts. Any person. */
export async function myApiClients(ctx: ServiceCtx): Promise<MyApiClientRow[]> {
  const now = ctx.now();
  const rows = await ctx.db.identity.findMany({
    where: { ownerId: ctx.actor.id, kind: { in: [...API_CLIENT_KINDS] } },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      displayName: true,
      kind: true,
      status: true,
      credentialExpiresAt: true,
      grants: { where: { status: "ACTIVE", startsAt: { lte: now }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }], entitlement: { systemId: WARRANT_API_SYSTEM_ID } }, select: { id: true } },
      apiTokens: { where: { scope: "api", revokedAt: null, expiresAt: { gt: now }, OR: [{ replacedById: null }, { overlapUntil: { gt: now } }] }, select: { id: true } },
    },
  });
  return rows.map((r) => ({ id: r.id, displayName: r.displayName, kind: r.kind as ApiClientKind, status: r.status, credentialExpiresAt: r.credentialExpiresAt, scopes: r.grants.length, currentTokens: r.apiTokens.length }));
}
