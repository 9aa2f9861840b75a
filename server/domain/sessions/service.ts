/**
 * Sessions that end on the server. next-auth keeps a signed JWT in a cookie; on its own that cookie stays
 * valid until it expires, however often the person signs out or is deprovisioned, and a copy of it keeps
 * working. So the JWT carries only the id of a `Session` row (`sid`), and every request resolves that row:
 * revoked, expired, or belonging to someone no longer active means signed out.
 *
 * Times here are wall-clock times (`new Date()` at the edge), never the business clock: a demo or a test
 * moving the business clock by days must not end (or prolong) anybody's session.
 */
import type { PrismaClient, Tx } from "../../db";
import { recordEvent } from "../../ledger/ledger";

/** Why a session ended before its time; the cause is in the `session.revoked` ledger event. */
export type RevokeCause = "sign-out" | "deprovisioned";

/** How often `lastSeenAt` is refreshed: a write per session every few minutes, not one per request. */
export const LAST_SEEN_EVERY_MS = 5 * 60_000;

/** Ended sessions are kept this long after they ended (then swept): long enough to look into an incident. */
export const ENDED_SESSION_KEEP_MS = 24 * 60 * 60_000;

/**
 * Starts a session for an identity that has just signed in (the caller has matched it to an active person).
 * One transaction: the row and its `session.started` ledger event. Returns the id the JWT carries.
 */
export async function startSession(db: PrismaClient, input: { identityId: string; method: string; now: Date; maxAgeMs: number }): Promise<string> {
  return db.$transaction(async (tx) => {
    const row = await tx.session.create({
      data: { identityId: input.identityId, method: input.method, createdAt: input.now, lastSeenAt: input.now, expiresAt: new Date(input.now.getTime() + input.maxAgeMs) },
      select: { id: true, expiresAt: true },
    });
    await recordEvent(tx, {
      actorId: input.identityId,
      action: "session.started",
      subjectType: "Session",
      subjectId: row.id,
      occurredAt: input.now,
      payload: { identityId: input.identityId, method: input.method, expiresAt: row.expiresAt.toISOString() },
    });
    return row.id;
  });
}

/**
 * The identity a session id stands for right now, or null: no such session, revoked, expired, or its
 * identity is not an active person any more. Refreshes `lastSeenAt` when it is older than LAST_SEEN_EVERY_MS.
 */
export async function resolveSession(db: PrismaClient, sessionId: string, now: Date): Promise<string | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sessionId)) return null;
  const row = await db.session.findFirst({
    where: { id: sessionId, revokedAt: null, expiresAt: { gt: now }, identity: { status: "ACTIVE", kind: "HUMAN" } },
    select: { identityId: true, lastSeenAt: true },
  });
  if (!row) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS) {
    // Conditional, so concurrent requests of one session write it once.
    await db.session.updateMany({ where: { id: sessionId, lastSeenAt: row.lastSeenAt }, data: { lastSeenAt: now } });
  }
  return row.identityId;
}

/**
 * Who a session token's claims stand for now, or null: the rule of every read of a session after sign-in,
 * applied both by next-auth's jwt callback (server/auth/options.ts) and by getSessionIdentityId
 * (server/auth/session.ts). The claims carry the id of a Session row (`sid`) and that row decides; a token
 * without a session id predates server-side sessions and is not honoured.
 */
export async function identityForSessionClaims(db: PrismaClient, claims: Record<string, unknown> | null, now: Date): Promise<string | null> {
  const sid = typeof claims?.sid === "string" ? claims.sid : null;
  return sid ? resolveSession(db, sid, now) : null;
}

/**
 * Ends one session at once (sign-out). Idempotent: a session already ended is left as it is and no event is
 * written. Returns whether this call ended it.
 */
export async function revokeSession(db: PrismaClient, input: { sessionId: string; cause: RevokeCause; actorId: string | null; now: Date }): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.sessionId)) return false;
  return db.$transaction(async (tx) => {
    const row = await tx.session.findUnique({ where: { id: input.sessionId }, select: { id: true, identityId: true } });
    if (!row) return false;
    const ended = await tx.session.updateMany({ where: { id: row.id, revokedAt: null }, data: { revokedAt: input.now, revokedCause: input.cause } });
    if (ended.count === 0) return false;
    await recordEvent(tx, {
      actorId: input.actorId,
      action: "session.revoked",
      subjectType: "Session",
      subjectId: row.id,
      occurredAt: input.now,
      payload: { identityId: row.identityId, cause: input.cause },
    });
    return true;
  });
}

/**
 * Ends every open session of an identity, inside the caller's transaction (the leaver flow calls it in the
 * same transaction as the DEPROVISIONED change, so there is no moment where the person is gone but a
 * session of theirs still works). One `session.revoked` event per session ended. Returns the ids ended.
 */
export async function revokeSessionsOf(tx: Tx, input: { identityId: string; cause: RevokeCause; actorId: string | null; now: Date }): Promise<string[]> {
  // Every open session, expired ones included (they are harmless, but "all of them ended" is the simpler fact).
  const open = await tx.session.findMany({ where: { identityId: input.identityId, revokedAt: null }, select: { id: true }, orderBy: { createdAt: "asc" } });
  const ended: string[] = [];
  for (const s of open) {
    const res = await tx.session.updateMany({ where: { id: s.id, revokedAt: null }, data: { revokedAt: input.now, revokedCause: input.cause } });
    if (res.count === 0) continue;
    await recordEvent(tx, {
      actorId: input.actorId,
      action: "session.revoked",
      subjectType: "Session",
      subjectId: s.id,
      occurredAt: input.now,
      payload: { identityId: input.identityId, cause: input.cause },
    });
    ended.push(s.id);
  }
  return ended;
}

/** Removes sessions that ended (expired or revoked) more than ENDED_SESSION_KEEP_MS ago, a bounded batch at a time. */
export async function sweepEndedSessions(db: PrismaClient, now: Date, batch = 5000): Promise<number> {
  const before = new Date(now.getTime() - ENDED_SESSION_KEEP_MS);
  return db.$executeRaw`
    DELETE FROM "Session" WHERE "id" IN (
      SELECT "id" FROM "Session" WHERE "expiresAt" < ${before} OR "revokedAt" < ${before} LIMIT ${batch}
    )`;
}
