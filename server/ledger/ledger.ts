/**
 * The evidence ledger: one append-only, hash-chained sequence of events. Every service records its change
 * with `recordEvent(tx, ...)` inside the same interactive transaction as the change itself.
 *
 * Linearity: the writer locks the single `LedgerHead` row FOR UPDATE, so concurrent transactions queue on
 * it; seq is head.seq + 1 and the chain cannot fork or skip. This row is the serial point of the system
 * (measured in bench/ledger-append.ts).
 */
import type { Tx } from "../db";
import { eventHash, GENESIS_HASH, toPlainJson, type LedgerBody } from "./hash";

export type LedgerActor = {
  /** The identity that acted; null for the system itself (seed, background jobs). */
  actorId: string | null;
  /** For a non-human actor: the accountable human behind it. */
  onBehalfOfId?: string | null;
};

export type LedgerEventInput = LedgerActor & {
  action: string;
  subjectType: string;
  subjectId: string;
  payload?: Record<string, unknown>;
  occurredAt?: Date;
};

export type RecordedEvent = { seq: bigint; hash: string; prevHash: string; occurredAt: Date };

export class LedgerOutsideTransactionError extends Error {
  constructor() {
    super("recordEvent must be called with an interactive transaction client, not the root client");
  }
}

/** Appends one event to the chain. Must run inside `prisma.$transaction(async (tx) => ...)`. */
export async function recordEvent(tx: Tx, input: LedgerEventInput): Promise<RecordedEvent> {
  // The root client has $connect; an interactive-transaction client does not. Without a transaction the
  // head lock would be released at once and concurrent writers could fork the chain.
  if (typeof (tx as { $connect?: unknown }).$connect === "function") throw new LedgerOutsideTransactionError();

  const rows = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT "seq", "hash" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
  const head = rows[0];
  if (!head) throw new Error("ledger head row is missing: were the migrations applied?");
  const seq = BigInt(head.seq) + 1n;
  // Millisecond precision: what the timestamptz(3) column stores is exactly what was hashed.
  const occurredAt = new Date(Math.floor((input.occurredAt ?? new Date()).getTime()));
  const payload = toPlainJson(input.payload ?? {}) as Record<string, unknown>;
  const body: LedgerBody = {
    seq: seq.toString(),
    occurredAt: occurredAt.toISOString(),
    actorId: input.actorId,
    onBehalfOfId: input.onBehalfOfId ?? null,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    payload,
  };
  const hash = eventHash(head.hash, body);
  await tx.ledgerEvent.create({
    data: {
      seq,
      occurredAt,
      actorId: body.actorId,
      onBehalfOfId: body.onBehalfOfId,
      action: body.action,
      subjectType: body.subjectType,
      subjectId: body.subjectId,
      payload: payload as object,
      prevHash: head.hash,
      hash,
    },
  });
  await tx.$executeRaw`UPDATE "LedgerHead" SET "seq" = ${seq}, "hash" = ${hash} WHERE "id" = 1`;
  return { seq, hash, prevHash: head.hash, occurredAt };
}

export type StoredEvent = {
  seq: bigint;
  occurredAt: Date;
  actorId: string | null;
  onBehalfOfId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payload: unknown;
  prevHash: string;
  hash: string;
};

export function bodyOf(e: StoredEvent): LedgerBody {
  return {
    seq: e.seq.toString(),
    occurredAt: e.occurredAt.toISOString(),
    actorId: e.actorId,
    onBehalfOfId: e.onBehalfOfId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    payload: e.payload,
  };
}

export type LinkCheck = { ok: true } | { ok: false; reason: string };

/** Checks one event against the hash of the event before it. */
export function checkLink(e: StoredEvent, expectedPrevHash: string, expectedSeq: bigint): LinkCheck {
  if (e.seq !== expectedSeq) return { ok: false, reason: `sequence gap: expected seq ${expectedSeq}, found ${e.seq}` };
  if (e.prevHash !== expectedPrevHash) return { ok: false, reason: `prevHash does not match the hash of event ${expectedSeq - 1n}` };
  const recomputed = eventHash(e.prevHash, bodyOf(e));
  if (recomputed !== e.hash) return { ok: false, reason: `hash mismatch: stored ${e.hash.slice(0, 12)}…, recomputed ${recomputed.slice(0, 12)}…` };
  return { ok: true };
}

export type VerifyResult = {
  checked: number;
  headSeq: bigint;
  firstBroken: { seq: bigint; reason: string } | null;
};

/** Walks the whole chain in seq order, in batches, and reports the first broken link (if any). */
export async function verifyChain(db: Tx, batchSize = 5000): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expected = 1n;
  let checked = 0;
  for (;;) {
    const batch = (await db.ledgerEvent.findMany({ where: { seq: { gte: expected } }, orderBy: { seq: "asc" }, take: batchSize })) as StoredEvent[];
    for (const e of batch) {
      const res = checkLink(e, prevHash, expected);
      checked++;
      if (!res.ok) {
        const head = await db.ledgerHead.findUnique({ where: { id: 1 } });
        return { checked, headSeq: head?.seq ?? 0n, firstBroken: { seq: e.seq, reason: res.reason } };
      }
      prevHash = e.hash;
      expected = e.seq + 1n;
    }
    if (batch.length < batchSize) break;
  }
  const head = await db.ledgerHead.findUnique({ where: { id: 1 } });
  const headSeq = head?.seq ?? 0n;
  if (head && (head.seq !== expected - 1n || head.hash !== prevHash)) {
    return { checked, headSeq, firstBroken: { seq: head.seq, reason: `ledger head (seq ${head.seq}) does not match the last event (seq ${expected - 1n})` } };
  }
  return { checked, headSeq, firstBroken: null };
}
