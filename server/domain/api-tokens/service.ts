/**
 * Governed API clients and their bearer tokens. A client is a non-human identity with an accountable owner, a
 * purpose and a credential expiry (server/domain/identities); its tokens live in `ApiToken`, stored as SHA-256
 * only and shown once. Two kinds of token (`scope`): "scim" (/scim/v2) and "api" (/api/v1). Rules:
 *   - SCIM clients: only an ADMIN creates them and rotates and revokes their tokens;
 *   - API clients: their owner or an ADMIN issues, rotates and revokes their tokens; a token is issued or
 *     rotated only while the client holds at least one API scope (an ACTIVE grant on the Warrant API system),
 *     and a client has at most one current token (not revoked, not replaced, not expired): a second one is a
 *     rotation. Issuing is serialised per client (an advisory lock), so two parallel issues give one token;
 *   - every change is a ledger event in the same transaction (the token itself is never in the ledger: its
 *     prefix is);
 *   - a token never outlives its client's credential expiry, nor MAX_TOKEN_DAYS;
 *   - rotation issues a successor and keeps the old token working until `overlapUntil` (at most 7 days);
 *     a token is rotated once (a conditional write on `replacedById IS NULL`);
 *   - revocation is immediate, and final;
 *   - a token authenticates only while it, its client (ACTIVE) and the client's credential are all in date;
 *     its last use is recorded at most once a minute (a conditional write, no ledger event: it is not a change).
 */
import type { PrismaClient, Tx } from "../../db";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type Actor, type ServiceCtx } from "../actor";
import { heldScopes } from "../api-clients/held-scopes";
import { canManageNhis } from "../identities/policy";
import { insertNhi } from "../identities/service";
import { lockIdentities } from "../locks";
import { MAX_TOKEN_DAYS, ZRotateApiToken, type ApiTokenScope, type TCreateScimClient, type TIssueApiClientToken, type TRevokeApiToken, type TRotateApiToken } from "./schema";
import { hashToken, newToken } from "./token";

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** Last use is written at most this often per token. */
export const LAST_USED_GRANULARITY_MS = 60 * 1000;

function assertMayManage(ctx: ServiceCtx): void {
  if (!canManageNhis(ctx.actor)) throw forbidden("Managing API clients and their tokens needs the Admin role.");
}

/** SCIM tokens: ADMIN. API-client tokens: the client's owner or an ADMIN. */
function assertMayManageToken(ctx: ServiceCtx, scope: string, client: { ownerId: string | null; displayName: string }): void {
  if (scope === "api") {
    if (canManageNhis(ctx.actor) || (client.ownerId !== null && client.ownerId === ctx.actor.id)) return;
    throw forbidden(`Only the owner of ${client.displayName} (or an admin) manages its tokens.`);
  }
  assertMayManage(ctx);
}

const NO_SCOPE = (name: string) =>
  `${name} holds no API scope right now: request a scope for it and, once it is granted, issue the token.`;

/**
 * Issues an /api/v1 token for an API client, shown in the result once. Its owner or an ADMIN. Refused when the
 * client is not an active non-human identity with an unexpired credential, holds no API scope, or already has
 * a current token (rotate that one instead). Serialised per client: parallel issues give exactly one token.
 */
export async function issueApiClientToken(ctx: ServiceCtx, input: TIssueApiClientToken): Promise<IssuedToken> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const client = await tx.identity.findUnique({ where: { id: input.identityId }, select: { id: true, kind: true, status: true, displayName: true, ownerId: true, credentialExpiresAt: true } });
    if (!client || client.kind === "HUMAN") throw notFound("The API client");
    assertMayManageToken(ctx, "api", client);
    // Reads (scopes, current tokens) then a write: serialised per client.
    await lockIdentities(tx, [client.id]);
    if (client.status !== "ACTIVE") throw badInput(`${client.displayName} is ${client.status.toLowerCase()}: it cannot get a token.`);
    if (!client.credentialExpiresAt) throw badInput(`${client.displayName} has no credential expiry: set one on the identity first (a token never outlives it).`);
    if (client.credentialExpiresAt.getTime() <= now.getTime()) throw badInput(`The credential of ${client.displayName} has expired: extend its expiry first.`);
    if ((await heldScopes(tx, client.id, now)).size === 0) throw badInput(NO_SCOPE(client.displayName));
    const current = await tx.apiToken.findFirst({ where: { identityId: client.id, scope: "api", revokedAt: null, replacedById: null, expiresAt: { gt: now } }, select: { prefix: true } });
    if (current) throw conflict(`${client.displayName} already has a current token (${current.prefix}…): rotate it instead, or revoke it first.`);
    const expiresAt = new Date(Math.min(client.credentialExpiresAt.getTime(), now.getTime() + MAX_TOKEN_DAYS * DAY_MS));
    return issueToken(tx, ctx, { identityId: client.id, scope: "api", expiresAt, now });
  });
}

export type IssuedToken = { tokenId: string; identityId: string; token: string; prefix: string; expiresAt: Date };

async function issueToken(tx: Tx, ctx: ServiceCtx, args: { identityId: string; scope: ApiTokenScope; expiresAt: Date; now: Date; rotatedFromId?: string }): Promise<IssuedToken> {
  const { token, prefix, hash } = newToken();
  const row = await tx.apiToken.create({
    data: { identityId: args.identityId, scope: args.scope, prefix, hash, createdAt: args.now, createdById: ctx.actor.id, expiresAt: args.expiresAt },
    select: { id: true },
  });
  // The client's credential metadata names its newest token.
  await tx.identity.update({
    where: { id: args.identityId },
    data: args.rotatedFromId ? { credentialKeyId: prefix, credentialRotatedAt: args.now } : { credentialKeyId: prefix, credentialCreatedAt: args.now },
  });
  await recordEvent(tx, {
    ...ledgerActor(ctx.actor),
    action: "api_token.issued",
    subjectType: "Identity",
    subjectId: args.identityId,
    occurredAt: args.now,
    payload: { tokenId: row.id, scope: args.scope, prefix, expiresAt: args.expiresAt, rotatedFromId: args.rotatedFromId ?? null },
  });
  return { tokenId: row.id, identityId: args.identityId, token, prefix, expiresAt: args.expiresAt };
}

/**
 * Registers a SCIM client (an API_KEY identity with owner, purpose and credential expiry) and issues its first
 * token, shown in the result once. ADMIN only. One transaction: the identity, its token and both ledger events.
 */
export async function createScimClient(ctx: ServiceCtx, input: TCreateScimClient): Promise<IssuedToken> {
  assertMayManage(ctx);
  const now = ctx.now();
  if (input.expiresAt.getTime() > now.getTime() + MAX_TOKEN_DAYS * DAY_MS) {
    throw badInput(`A SCIM client's credential may live at most ${MAX_TOKEN_DAYS} days: choose an earlier expiry.`, "expiresAt");
  }
  return ctx.db.$transaction(async (tx) => {
    const client = await insertNhi(
      tx,
      ctx,
      { kind: "API_KEY", displayName: input.displayName, ownerId: input.ownerId, purpose: input.purpose, credentialExpiresAt: input.expiresAt },
      now,
    );
    return issueToken(tx, ctx, { identityId: client.id, scope: "scim", expiresAt: input.expiresAt, now });
  });
}

/**
 * Rotates a token: issues a successor (shown once) and keeps the old one valid for `overlapHours` (default 24,
 * at most 168), never past its own expiry. ADMIN only. Refused for a revoked, expired or already rotated
 * token, and for a client that is not active or whose credential has expired (extend it on the identity first).
 */
export async function rotateApiToken(ctx: ServiceCtx, rawInput: TRotateApiToken, only?: ApiTokenScope): Promise<IssuedToken> {
  if (only !== "api") assertMayManage(ctx);
  const input = ZRotateApiToken.parse(rawInput);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const old = await tx.apiToken.findUnique({
      where: { id: input.tokenId },
      include: { identity: { select: { id: true, status: true, displayName: true, credentialExpiresAt: true, ownerId: true } } },
    });
    if (!old || (only && old.scope !== only)) throw notFound(`Token ${input.tokenId}`);
    assertMayManageToken(ctx, old.scope, old.identity);
    if (old.scope === "api") {
      await lockIdentities(tx, [old.identityId]);
      if ((await heldScopes(tx, old.identityId, now)).size === 0) throw badInput(NO_SCOPE(old.identity.displayName));
    }
    if (old.revokedAt) throw badInput("This token was revoked; revocation is final. Issue a new client instead.");
    if (old.replacedById) throw conflict("This token was already rotated: rotate its successor instead.");
    if (old.expiresAt.getTime() <= now.getTime()) throw badInput("This token has expired; it cannot be rotated.");
    if (old.identity.status !== "ACTIVE") throw badInput(`${old.identity.displayName} is ${old.identity.status.toLowerCase()}: its tokens cannot be rotated.`);
    const credentialEnd = old.identity.credentialExpiresAt?.getTime() ?? Infinity;
    if (credentialEnd <= now.getTime()) {
      throw badInput(`The credential of ${old.identity.displayName} has expired: extend its expiry on the identity's page before rotating.`);
    }
    const expiresAt = new Date(Math.min(credentialEnd, now.getTime() + MAX_TOKEN_DAYS * DAY_MS));
    const overlapUntil = new Date(Math.min(old.expiresAt.getTime(), now.getTime() + input.overlapHours * HOUR_MS));

    const next = await issueToken(tx, ctx, { identityId: old.identityId, scope: old.scope as ApiTokenScope, expiresAt, now, rotatedFromId: old.id });
    const res = await tx.apiToken.updateMany({
      where: { id: old.id, replacedById: null, revokedAt: null },
      data: { replacedById: next.tokenId, overlapUntil },
    });
    if (res.count === 0) throw conflict("This token was rotated or revoked by someone else just now; reload and try again.");
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "api_token.rotated",
      subjectType: "Identity",
      subjectId: old.identityId,
      occurredAt: now,
      payload: { tokenId: old.id, prefix: old.prefix, replacedById: next.tokenId, overlapHours: input.overlapHours, overlapUntil },
    });
    return next;
  });
}

/** Revokes a token at once (final). ADMIN only. A token already revoked is refused with CONFLICT. */
export async function revokeApiToken(ctx: ServiceCtx, input: TRevokeApiToken, only?: ApiTokenScope): Promise<{ tokenId: string; revokedAt: Date }> {
  if (only !== "api") assertMayManage(ctx);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: input.tokenId }, select: { id: true, identityId: true, prefix: true, revokedAt: true, scope: true, identity: { select: { ownerId: true, displayName: true } } } });
    if (!token || (only && token.scope !== only)) throw notFound(`Token ${input.tokenId}`);
    assertMayManageToken(ctx, token.scope, token.identity);
    const res = await tx.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now, revokedById: ctx.actor.id } });
    if (res.count === 0) throw conflict("This token is already revoked.");
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "api_token.revoked",
      subjectType: "Identity",
      subjectId: token.identityId,
      occurredAt: now,
      payload: { tokenId: token.id, prefix: token.prefix, reason: input.reason },
    });
    return { tokenId: token.id, revokedAt: now };
  });
}

/** The client a valid token authenticates, as an actor (the ledger names it), with its accountable owner. */
export type ApiClient = Actor & { tokenId: string; ownerId: string | null };

/**
 * The client behind a bearer token for `scope`, or null when the token is unknown, of another scope, revoked,
 * expired, rotated out (past its overlap), or its client is not active or its credential has expired. Never
 * says which: the caller answers 401 alike. Records the last use at most once a minute.
 */
export async function authenticateApiToken(db: PrismaClient, token: string, scope: ApiTokenScope, now: Date): Promise<ApiClient | null> {
  const row = await db.apiToken.findUnique({
    where: { hash: hashToken(token) },
    select: {
      id: true,
      scope: true,
      expiresAt: true,
      revokedAt: true,
      overlapUntil: true,
      lastUsedAt: true,
      identity: { select: { id: true, kind: true, status: true, displayName: true, email: true, ownerId: true, credentialExpiresAt: true } },
    },
  });
  if (!row || row.scope !== scope || row.revokedAt) return null;
  const t = now.getTime();
  if (row.expiresAt.getTime() <= t) return null;
  if (row.overlapUntil && row.overlapUntil.getTime() <= t) return null;
  const id = row.identity;
  if (id.status !== "ACTIVE" || id.kind === "HUMAN") return null;
  if (id.credentialExpiresAt && id.credentialExpiresAt.getTime() <= t) return null;
  if (!row.lastUsedAt || t - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await db.apiToken.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(t - LAST_USED_GRANULARITY_MS) } }] },
      data: { lastUsedAt: now },
    });
  }
  return { id: id.id, kind: id.kind, displayName: id.displayName, email: id.email, roles: [], tokenId: row.id, ownerId: id.ownerId };
}
