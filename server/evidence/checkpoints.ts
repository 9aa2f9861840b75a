/**
 * Signed checkpoints of the ledger head: "event <seq> has hash <headHash>", signed with the evidence key.
 * Because every event's hash covers the one before it, a signed head fixes the whole chain up to it.
 *
 * Two ways to make one:
 *  - signCheckpoint: locks the live head (FOR UPDATE), signs it, stores the Checkpoint row and appends
 *    "checkpoint.signed" in the same transaction (the schedule uses this).
 *  - signHead + storeCheckpoint: an export signs the head it sees in its read-only snapshot (no database
 *    write inside the snapshot), and stores the checkpoint afterwards; storeCheckpoint checks that the
 *    ledger really has that hash at that seq before recording it.
 * Either way the "checkpoint.signed" event comes after the head it signs: a checkpoint covers the events
 * up to and including its `seq`, never its own event; and one delivery per configured witness is queued in
 * the same transaction (server/evidence/witnesses.ts).
 */
import { sign } from "node:crypto";
import type { PrismaClient, Tx } from "../db";
import type { Checkpoint } from "../db/generated/client";
import { GENESIS_HASH } from "../ledger/hash";
import { recordEvent } from "../ledger/ledger";
import { checkpointMessage, type PackCheckpoint } from "./format";
import { ensureSigningKey, type SigningKey } from "./keys";
import { enqueueWitnessDeliveries } from "./witnesses";

export type CheckpointReason = "schedule" | "export";

export const CHECKPOINT_SIGNED = "checkpoint.signed";

/** A checkpoint refused because the ledger does not have that hash at that seq. */
export class CheckpointMismatchError extends Error {}

/** Signs "event `head.seq` has hash `head.hash`" (no database). */
export function signHead(key: Pick<SigningKey, "keyId" | "privateKey">, head: { seq: bigint; hash: string }, signedAt: Date, reason: CheckpointReason): PackCheckpoint {
  const at = new Date(Math.floor(signedAt.getTime()));
  const body = { seq: head.seq.toString(), headHash: head.hash, signedAt: at.toISOString(), keyId: key.keyId };
  return { ...body, signature: sign(null, checkpointMessage(body), key.privateKey).toString("base64"), reason };
}

async function insertCheckpoint(tx: Tx, cp: PackCheckpoint): Promise<Checkpoint> {
  const row = await tx.checkpoint.create({
    data: { seq: BigInt(cp.seq), headHash: cp.headHash, signedAt: new Date(cp.signedAt), keyId: cp.keyId, signature: cp.signature, reason: cp.reason },
  });
  const { signature, reason, ...body } = cp;
  await recordEvent(tx, { actorId: null, action: CHECKPOINT_SIGNED, subjectType: "Checkpoint", subjectId: row.id, occurredAt: new Date(cp.signedAt), payload: { ...body, signature, reason } });
  // Same transaction: a checkpoint exists only with its witness deliveries queued (server/evidence/witnesses.ts).
  await enqueueWitnessDeliveries(tx, row.id, new Date(cp.signedAt));
  return row;
}

/** Stores a checkpoint signed by signHead, after checking the ledger has `headHash` at `seq`. */
export async function storeCheckpoint(db: PrismaClient, cp: PackCheckpoint): Promise<Checkpoint> {
  return db.$transaction(async (tx) => {
    const seq = BigInt(cp.seq);
    const actual =
      seq === 0n ? GENESIS_HASH : (await tx.$queryRaw<{ hash: string }[]>`SELECT "hash" FROM "LedgerEvent" WHERE "seq" = ${cp.seq}::bigint`)[0]?.hash;
    if (actual !== cp.headHash) throw new CheckpointMismatchError(`The ledger has ${actual ? `hash ${actual.slice(0, 12)}…` : "no event"} at seq ${cp.seq}, not the signed ${cp.headHash.slice(0, 12)}…`);
    return insertCheckpoint(tx, cp);
  });
}

export type SignOptions = {
  /** Sign with this key instead of the configured one (tests of key rotation). */
  key?: SigningKey;
  /** Checked once the head is locked: when it says no, nothing is signed and null is returned. */
  onlyIf?: (tx: Tx) => Promise<boolean>;
};

/** Locks the live head, signs it and stores the checkpoint with its event, all in one transaction. */
export async function signCheckpoint(db: PrismaClient, reason: CheckpointReason, now: Date, opts: SignOptions = {}): Promise<Checkpoint | null> {
  const key = await ensureSigningKey(db, now, opts.key);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT "seq", "hash" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
    const head = rows[0];
    if (!head) throw new Error("ledger head row is missing: were the migrations applied?");
    if (opts.onlyIf && !(await opts.onlyIf(tx))) return null;
    return insertCheckpoint(tx, signHead(key, { seq: BigInt(head.seq), hash: head.hash }, now, reason));
  });
}

/** A Checkpoint row as it is written into a pack. */
export function packCheckpoint(c: Checkpoint): PackCheckpoint {
  return { seq: c.seq.toString(), headHash: c.headHash, signedAt: c.signedAt.toISOString(), keyId: c.keyId, signature: c.signature, reason: c.reason };
}
