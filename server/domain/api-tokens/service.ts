/**
 * Governed API clients and their bearer tokens. A client is a non-human identity (kind API_KEY) with an
 * accountable owner, a purpose and a credential expiry (server/domain/identities); its tokens live in
 * `ApiToken`, stored as SHA-256 only and shown once. Rules:
 *   - only an ADMIN creates clients, rotates and revokes tokens; every change is a ledger event in the same
 *     transaction (the token itself is never in the ledger: its prefix is);
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
import { canManageNhis } from "../identities/policy";
import { insertNhi } from "../identities/service";
import { MAX_TOKEN_DAYS, ZRotateApiToken, type ApiTokenScope, type TCreateScimClient, type TRevokeApiToken, type TRotateApiToken } from "./schema";
import { hashToken, newToken } from "./token";

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** Last use is written at most this often per token. */
export const LAST_USED_GRANULARITY_MS = 60 * 1000;

function assertMayManage(ctx: ServiceCtx): void {
  if (!canManageNhis(ctx.actor)) throw forbidden("Managing API clients and their tokens needs the Admin role.");
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
export async function rotateApiToken(ctx: ServiceCtx, rawInput: TRotateApiToken): Promise<IssuedToken> {
  assertMayManage(ctx);
  const input = ZRotateApiToken.parse(rawInput);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const old = await tx.apiToken.findUnique({
      where: { id: input.tokenId },
      include: { identity: { select: { id: true, status: true, displayName: true, credentialExpiresAt: true } } },
    });
    if (!old) throw notFound(`Token ${input.tokenId}`);
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
export async function revokeApiToken(ctx: ServiceCtx, input: TRevokeApiToken): Promise<{ tokenId: string; revokedAt: Date }> {
  assertMayManage(ctx);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: input.tokenId }, select: { id: true, identityId: true, prefix: true, revokedAt: true } });
    if (!token) throw notFound(`Token ${input.tokenId}`);
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
