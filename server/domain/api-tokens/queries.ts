/** Reads of API clients and their tokens (never a token or its hash). */
import { forbidden } from "../../errors";
import type { ServiceCtx } from "../actor";
import { hasRole } from "../actor";
import type { ApiTokenScope, ApiTokenState } from "./schema";

export type ApiTokenView = {
  id: string;
  prefix: string;
  state: ApiTokenState;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  overlapUntil: Date | null;
  replacedById: string | null;
};

export type ApiClientView = {
  id: string;
  displayName: string;
  status: string;
  purpose: string | null;
  owner: { id: string; displayName: string } | null;
  credentialExpiresAt: Date | null;
  tokens: ApiTokenView[];
};

export function tokenState(t: { revokedAt: Date | null; expiresAt: Date; replacedById: string | null; overlapUntil: Date | null }, now: Date): ApiTokenState {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt.getTime() <= now.getTime()) return "expired";
  if (t.replacedById) return t.overlapUntil && t.overlapUntil.getTime() > now.getTime() ? "overlap" : "replaced";
  return "active";
}

/** Every client holding tokens of `scope`, newest first, with its tokens. ADMIN, SECURITY and AUDITOR read it. */
export async function listApiClients(ctx: ServiceCtx, scope: ApiTokenScope): Promise<ApiClientView[]> {
  if (!hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR")) throw forbidden("API clients are shown to admins, security and auditors.");
  const now = ctx.now();
  const rows = await ctx.db.identity.findMany({
    where: { apiTokens: { some: { scope } } },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      displayName: true,
      status: true,
      purpose: true,
      credentialExpiresAt: true,
      owner: { select: { id: true, displayName: true } },
      apiTokens: {
        where: { scope },
        orderBy: { createdAt: "desc" },
        select: { id: true, prefix: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true, overlapUntil: true, replacedById: true },
      },
    },
  });
  return rows.map((r) => ({
    id: r.id,
    displayName: r.displayName,
    status: r.status,
    purpose: r.purpose,
    owner: r.owner,
    credentialExpiresAt: r.credentialExpiresAt,
    tokens: r.apiTokens.map((t) => ({ ...t, state: tokenState(t, now) })),
  }));
}
