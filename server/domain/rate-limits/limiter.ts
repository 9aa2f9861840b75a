/**
 * Rate limits whose counters live in the database, so every portal instance counts against the same numbers.
 *
 * Why not `rate-limiter-flexible`: its PostgreSQL store wants a `pg` pool, and the embedded database (PGlite,
 * the default of `npm start`) is not one; we would need two code paths, or a second connection next to
 * Prisma's. What it does for us fits in one statement that PGlite and PostgreSQL both run atomically:
 *
 *   INSERT … VALUES (key, window, n) ON CONFLICT (key, window) DO UPDATE SET count = count + n RETURNING count
 *
 * Fixed windows: the counter of (key, the current window) grows by the weight of each attempt, and an attempt
 * is admitted when the count it brought the counter to is within the limit. The row lock of the upsert
 * serialises concurrent instances, so exactly `limit` unit attempts are admitted per window, whatever the
 * number of instances (proved on PostgreSQL with two Prisma clients in limiter.int.test.ts). Refused attempts
 * count too, so a client that keeps hammering stays refused until the window ends. A fixed window lets a
 * burst of up to twice the limit through across a window boundary; for abuse protection that is fine and it
 * keeps each check to one round trip.
 *
 * Keys are a scope plus a hash of the subject (address, identity id, address + email): no address or email is
 * written to the database. Rows are swept once their window is over (sweepRateLimitCounters).
 */
import { createHash } from "node:crypto";
import type { PrismaClient } from "../../db";

export type Bucket = {
  /** What is being limited, e.g. "signin-address"; part of the key and of the refusal. */
  scope: string;
  /** Who: an address, an identity id, "address|email". Hashed before it is stored. */
  subject: string;
  /** Attempts allowed per window; 0 (or less) turns this bucket off. */
  limit: number;
  /** How many attempts this request is (each call of a tRPC batch counts). Default 1. */
  weight?: number;
};

export type LimitOutcome = { ok: true } | { ok: false; scope: string; limit: number; retryAfterSeconds: number };

/** The stored key of a bucket: scope + SHA-256 of the subject (128 bits is plenty to keep subjects apart). */
export function counterKey(scope: string, subject: string): string {
  return `${scope}:${createHash("sha256").update(subject).digest("hex").slice(0, 32)}`;
}

/**
 * Counts one attempt against every bucket (one statement, one round trip) and says whether it is admitted:
 * refused when any bucket's count is now over its limit, with the seconds until that window ends.
 */
export async function consume(db: PrismaClient, buckets: Bucket[], now: Date, windowSeconds: number): Promise<LimitOutcome> {
  const active = buckets.filter((b) => b.limit > 0 && (b.weight ?? 1) > 0);
  if (active.length === 0) return { ok: true };
  const windowMs = windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const windowEnd = new Date(windowStart.getTime() + windowMs);
  // Keys in a fixed order: two requests upserting the same rows then lock them in the same order (no deadlock).
  const rows = active
    .map((b) => ({ key: counterKey(b.scope, b.subject), b }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .filter((r, i, all) => i === 0 || all[i - 1].key !== r.key);
  const keys = rows.map((r) => r.key);
  const weights = rows.map((r) => r.b.weight ?? 1);
  const counts = await db.$queryRaw<{ key: string; count: number }[]>`
    INSERT INTO "RateLimitCounter" ("key", "windowStart", "count", "expiresAt")
    SELECT k, ${windowStart}::timestamptz, w, ${windowEnd}::timestamptz
    FROM unnest(${keys}::text[], ${weights}::int[]) WITH ORDINALITY AS t(k, w, o)
    ORDER BY o
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitCounter"."count" + EXCLUDED."count"
    RETURNING "key", "count"`;
  const byKey = new Map(counts.map((c) => [c.key, Number(c.count)]));
  const over = rows.find((r) => (byKey.get(r.key) ?? 0) > r.b.limit);
  if (!over) return { ok: true };
  return { ok: false, scope: over.b.scope, limit: over.b.limit, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd.getTime() - now.getTime()) / 1000)) };
}

/** Removes counters whose window is over, a bounded batch at a time (cheap: an index range on expiresAt). */
export async function sweepRateLimitCounters(db: PrismaClient, now: Date, batch = 10_000): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "RateLimitCounter" WHERE ("key", "windowStart") IN (
      SELECT "key", "windowStart" FROM "RateLimitCounter" WHERE "expiresAt" <= ${now} LIMIT ${batch}
    )`;
}
