/**
 * Signed checkpoints of the ledger head: "event <seq> has hash <headHash>", signed with the evidence key.
 * Because every event's hash covers the one before it, a signed head fixes the whole chain up to it.
 *
 * Order matters: the head is read (and locked) and signed FIRST, then the Checkpoint row is stored and the
 * event "checkpoint.signed" is appended in the same transaction. That event itself moves the head to
 * seq + 1, so a checkpoint covers the events up to and including its `seq`, never its own event.
 */
import { sign } from "node:crypto";
import type { PrismaClient } from "../db";
import type { Checkpoint } from "../db/generated/client";
import { recordEvent } from "../ledger/ledger";
import { checkpointMessage, type PackCheckpoint } from "./format";
import { loadSigningKey } from "./keys";

export type CheckpointReason = "schedule" | "export";

export const CHECKPOINT_SIGNED = "checkpoint.signed";

export async function signCheckpoint(db: PrismaClient, reason: CheckpointReason, now: Date): Promise<Checkpoint> {
  const key = await loadSigningKey();
  const signedAt = new Date(Math.floor(now.getTime()));
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT "seq", "hash" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
    const head = rows[0];
    if (!head) throw new Error("ledger head row is missing: were the migrations applied?");
    const seq = BigInt(head.seq);
    const body = { seq: seq.toString(), headHash: head.hash, signedAt: signedAt.toISOString(), keyId: key.keyId };
    const signature = sign(null, checkpointMessage(body), key.privateKey).toString("base64");
    const cp = await tx.checkpoint.create({ data: { seq, headHash: head.hash, signedAt, keyId: key.keyId, signature, reason } });
    await recordEvent(tx, {
      actorId: null,
      action: CHECKPOINT_SIGNED,
      subjectType: "Checkpoint",
      subjectId: cp.id,
      occurredAt: signedAt,
      payload: { ...body, signature, reason },
    });
    return cp;
  });
}

/** A Checkpoint row as it is written into a pack. */
export function packCheckpoint(c: Checkpoint): PackCheckpoint {
  return { seq: c.seq.toString(), headHash: c.headHash, signedAt: c.signedAt.toISOString(), keyId: c.keyId, signature: c.signature, reason: c.reason };
}
