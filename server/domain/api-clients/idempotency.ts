/**
 * `Idempotency-Key` for REST API mutations (docs/api.md): a client retrying a call it is unsure about never
 * acts twice. The rules:
 *   - the first call with a key claims (clientId, key) in its own committed transaction, BEFORE acting; the
 *     unique index makes that claim the one serialisation point, so of two parallel calls with one key
 *     exactly one claims it and acts (the other waits for the claim's commit, then sees it running: 409);
 *   - when the call ends, its status and answer are stored on the key; the same key with the same operation
 *     and body then replays that answer, without acting again;
 *   - the same key with another operation or body: 422, nothing done;
 *   - a key whose first call is still running: 409, nothing done. If that call never finished (a crash), the
 *     key keeps answering 409 until it expires: the caller checks the state (GET) and uses a new key;
 *   - answers that say "try again" (429 busy, 5xx) release the key, so a retry with it may act;
 *   - keys expire IDEMPOTENCY_TTL_HOURS after their first call; an expired key is a new key. A client's
 *     expired keys are forgotten when it claims its next key, and every client's by the worker's
 *     purge-idempotency-keys job (purgeExpiredIdempotencyKeys), so a client that stops calling leaves nothing.
 * Not evidence: what the call did is in the ledger; this only remembers what was answered.
 */
import { createHash } from "node:crypto";
import type { PrismaClient } from "../../db";

export const IDEMPOTENCY_TTL_HOURS = 24;
/** A key is 1–200 visible ASCII characters (a UUID is typical). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export type IdempotencyClaim =
  | { kind: "claimed"; id: string }
  | { kind: "replay"; status: number; body: string }
  | { kind: "mismatch" }
  | { kind: "running" };

export function bodyHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Claims `key` for one call of `operation` with a body of hash `hash`, or says why the call must not act. */
export async function claimIdempotencyKey(
  db: PrismaClient,
  c: { clientId: string; key: string; operation: string; bodyHash: string; now: Date },
): Promise<IdempotencyClaim> {
  const expiresAt = new Date(c.now.getTime() + IDEMPOTENCY_TTL_HOURS * 3600_000);
  return db.$transaction(async (tx) => {
    // An expired key of this client is forgotten first (and so may be used again as a new key).
    await tx.apiIdempotencyKey.deleteMany({ where: { clientId: c.clientId, expiresAt: { lte: c.now } } });
    // ON CONFLICT DO NOTHING: a parallel claim of the same key waits for ours to commit, then inserts nothing.
    const inserted = await tx.apiIdempotencyKey.createMany({
      data: [{ clientId: c.clientId, key: c.key, operation: c.operation, bodyHash: c.bodyHash, createdAt: c.now, expiresAt }],
      skipDuplicates: true,
    });
    const row = await tx.apiIdempotencyKey.findUnique({ where: { clientId_key: { clientId: c.clientId, key: c.key } } });
    if (!row) return { kind: "running" } as const; // released between our insert attempt and the read: try again later
    if (inserted.count === 1) return { kind: "claimed", id: row.id } as const;
    if (row.operation !== c.operation || row.bodyHash !== c.bodyHash) return { kind: "mismatch" } as const;
    if (row.status === null || row.responseBody === null) return { kind: "running" } as const;
    return { kind: "replay", status: row.status, body: row.responseBody } as const;
  });
}

/** Stores the answer of the call that claimed the key (or releases the key when the answer says "try again"). */
export async function finishIdempotencyKey(db: PrismaClient, id: string, status: number, body: string, now: Date): Promise<void> {
  if (status === 429 || status >= 500) {
    await db.apiIdempotencyKey.deleteMany({ where: { id, status: null } });
    return;
  }
  await db.apiIdempotencyKey.updateMany({ where: { id, status: null }, data: { status, responseBody: body, completedAt: now } });
}

/** The worker's sweep: every client's keys past their expiry, in bounded batches (job purge-idempotency-keys). */
export async function purgeExpiredIdempotencyKeys(db: PrismaClient, now: Date, batch = 10_000): Promise<{ processed: number }> {
  const processed = await db.$executeRaw`
    DELETE FROM "ApiIdempotencyKey" WHERE "id" IN (SELECT "id" FROM "ApiIdempotencyKey" WHERE "expiresAt" <= ${now} LIMIT ${batch})`;
  return { processed };
}
