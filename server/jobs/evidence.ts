/**
 * Evidence jobs: build queued evidence packs (server/domain/evidence-exports/job.ts), and sign a checkpoint
 * of the ledger head on a schedule — when the ledger has moved since the last checkpoint (events other than
 * "checkpoint.signed" itself) and that checkpoint is older than CHECKPOINT_EVERY_MS (or there is none yet).
 */
import type { PrismaClient, Tx } from "../db";
import { signCheckpoint } from "../evidence/checkpoints";

export { runQueuedExports } from "../domain/evidence-exports/job";

export const CHECKPOINT_EVERY_MS = 60 * 60_000;

/** Ledger events that do not by themselves call for a new checkpoint. */
const HOUSEKEEPING = ["checkpoint.signed", "evidence.key_registered", "checkpoint.witness_failed"];

/** Whether a scheduled checkpoint is due now: none signed for `everyMs`, and the ledger has moved past the latest one. */
export async function checkpointDue(db: Tx, now: Date, everyMs = CHECKPOINT_EVERY_MS): Promise<boolean> {
  const head = await db.ledgerHead.findUnique({ where: { id: 1 } });
  if (!head || BigInt(head.seq) === 0n) return false;
  // An export stores its checkpoint after its snapshot, so the newest signature need not cover the highest seq.
  const last = await db.checkpoint.aggregate({ _max: { seq: true, signedAt: true } });
  if (last._max.seq === null || last._max.signedAt === null) return true;
  if (now.getTime() - last._max.signedAt.getTime() < everyMs) return false;
  const moved = await db.ledgerEvent.count({ where: { seq: { gt: last._max.seq }, action: { notIn: HOUSEKEEPING } } });
  return moved > 0;
}

/**
 * Signs a "schedule" checkpoint when one is due. The check is repeated once the ledger head is locked, so
 * two workers racing here sign one checkpoint, not two.
 */
export async function signScheduledCheckpoint(db: PrismaClient, now: Date, everyMs = CHECKPOINT_EVERY_MS): Promise<{ processed: number }> {
  if (!(await checkpointDue(db, now, everyMs))) return { processed: 0 };
  const cp = await signCheckpoint(db, "schedule", now, { onlyIf: (tx) => checkpointDue(tx, now, everyMs) });
  return { processed: cp ? 1 : 0 };
}
