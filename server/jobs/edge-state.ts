/**
 * Housekeeping of the HTTP edge's rows: rate-limit counters whose window is over, and sessions that ended
 * (expired or revoked) more than a day ago. Plain deletes of rows nobody reads any more, in bounded batches,
 * so several workers running it at once only share the work. Runs on the wall clock: rate limits and
 * sessions never follow the business clock a demo or a test moves.
 */
import type { PrismaClient } from "../db";
import { sweepRateLimitCounters } from "../domain/rate-limits/limiter";
import { sweepEndedSessions } from "../domain/sessions/service";

export async function sweepEdgeState(db: PrismaClient, now: Date): Promise<{ processed: number }> {
  const counters = await sweepRateLimitCounters(db, now);
  const sessions = await sweepEndedSessions(db, now);
  return { processed: counters + sessions };
}
