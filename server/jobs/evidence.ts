/**
 * Evidence jobs: build queued evidence packs (server/domain/evidence-exports/job.ts), and sign a checkpoint
 * of the ledger head on a schedule — when the ledger has moved since the last checkpoint (events other than
 * "checkpoint.signed" itself) and that checkpoint is older than CHECKPOINT_EVERY_MS (or there is none yet).
 */
import type { PrismaClient } from "../db";
import { signCheckpoint } from "../evidence/checkpoints";

export { runQueuedExports } from "../domain/evidence-exports/job";

export const CHECKPOINT_EVERY_MS = 60 * 60_000;

/** Whether a scheduled checkpoint is due now. */
export async function checkpointDue(db: PrismaClient, now: Date, everyMs = CHECKPOINT_EVERY_MS): Promise<boolean> {
  const head = await db.ledgerHead.findUnique({ where: { id: 1 } });
  if (!head || BigInt(head.seq) === 0n) return false;
  const last = await db.checkpoint.findFirst({ orderBy: [{ seq: "desc" }, { signedAt: "desc" }] });
  if (!last) return true;
  if (now.getTime() - last.signedAt.getTime() < everyMs) return false;
  const moved = await db.ledgerEvent.count({ where: { seq: { gt: last.seq }, action: { not: "checkpoint.signed" } } });
  return moved > 0;
}

/**
 * Signs a "schedule" checkpoint when one is due. Two workers racing here may both sign: that only adds a
 * second valid signature of (nearly) the same head, so no lock is taken.
 */
export async function signScheduledCheckpoint(db: PrismaClient, now: Date, everyMs = CHECKPOINT_EVERY_MS): Promise<{ processed: number }> {
  if (!(await checkpointDue(db, now, everyMs))) return { processed: 0 };
  await signCheckpoint(db, "schedule", now);
  return { processed: 1 };
}
