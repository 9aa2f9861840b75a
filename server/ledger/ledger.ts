/**
 * The evidence ledger: one append-only, hash-chained sequence of events. Every service records its change
 * with `recordEvent(tx, ...)` inside the same interactive transaction as the change itself.
 *
 * Linearity: the writer locks the single `LedgerHead` row FOR UPDATE, so concurrent transactions queue on
 * it; seq is head.seq + 1 and the chain cannot fork or skip. This row is the serial point of the system
 * (measured in bench/ledger-append.ts): the lock is held from the append until commit, so a transaction
 * with several events can append them together at its end (`withDeferredLedger`, `recordEvents`).
 */
import type { Tx } from "../db";
import { currentApiCall } from "../domain/api-clients/call-context";
import { Prisma } from "../db/generated/client";
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

function assertInTransaction(tx: Tx) {
  // The root client has $connect; an interactive-transaction client does not. Without a transaction the
  // head lock would be released at once and concurrent writers could fork the chain.
  if (typeof (tx as { $connect?: unknown }).$connect === "function") throw new LedgerOutsideTransactionError();
}

type Prepared = { input: LedgerEventInput; occurredAt: Date; payload: Record<string, unknown> };

/**
 * Fixes what does not depend on the chain at the moment the event is recorded: its time and a plain-JSON
 * copy of its payload (so a deferred event is what the caller recorded, even if it changes the object later,
 * and a bad payload is refused where it was recorded).
 */
function prepare(input: LedgerEventInput): Prepared {
  // Millisecond precision: what the timestamptz(3) column stores is exactly what was hashed.
  const occurredAt = new Date(Math.floor((input.occurredAt ?? new Date()).getTime()));
  const payload = toPlainJson(input.payload ?? {}) as Record<string, unknown>;
  // Recorded during an /api/v1 call: which API client and token acted (the client itself, or its owner whose
  // authority the call used), so the chain "client X, owned by Y" is in the hashed event whoever is the actor.
  const call = currentApiCall();
  if (call && payload.viaApiClient === undefined) {
    payload.viaApiClient = { clientId: call.clientId, clientKind: call.clientKind, ownerId: call.ownerId, tokenId: call.tokenId, tokenPrefix: call.tokenPrefix };
  }
  return { input, occurredAt, payload };
}

/** Events per INSERT statement: 10 parameters each, well under PostgreSQL's 65,535 per statement. */
const APPEND_CHUNK = 1000;

const COLUMNS = Prisma.sql`("seq", "occurredAt", "actorId", "onBehalfOfId", "action", "subjectType", "subjectId", "payload", "prevHash", "hash")`;

/**
 * The append itself: lock the head (FOR UPDATE: concurrent writers queue here), chain the events after it,
 * and write them and the new head in ONE statement. Two round trips under the lock whatever the number of
 * events; the lock is held from the first until commit.
 */
async function append(tx: Tx, events: Prepared[]): Promise<RecordedEvent[]> {
  if (events.length === 0) return [];
  const rows = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT "seq", "hash" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
  const head = rows[0];
  if (!head) throw new Error("ledger head row is missing: were the migrations applied?");
  let prevHash = head.hash;
  let seq = BigInt(head.seq);
  const out: RecordedEvent[] = [];
  const values: Prisma.Sql[] = [];
  for (const { input, occurredAt, payload } of events) {
    seq += 1n;
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
    const hash = eventHash(prevHash, body);
    values.push(
      Prisma.sql`(${body.seq}::bigint, ${body.occurredAt}::timestamptz, ${body.actorId}::uuid, ${body.onBehalfOfId}::uuid, ${body.action}, ${body.subjectType}, ${body.subjectId}, ${JSON.stringify(payload)}::jsonb, ${prevHash}, ${hash})`,
    );
    out.push({ seq, hash, prevHash, occurredAt });
    prevHash = hash;
  }
  // All but the last chunk on their own; the last one with the head move (a data-modifying CTE always runs).
  for (let i = 0; i + APPEND_CHUNK < values.length; i += APPEND_CHUNK) {
    await tx.$executeRaw`INSERT INTO "LedgerEvent" ${COLUMNS} VALUES ${Prisma.join(values.slice(i, i + APPEND_CHUNK))}`;
  }
  const last = values.slice(Math.floor((values.length - 1) / APPEND_CHUNK) * APPEND_CHUNK);
  await tx.$executeRaw`WITH appended AS (INSERT INTO "LedgerEvent" ${COLUMNS} VALUES ${Prisma.join(last)})
    UPDATE "LedgerHead" SET "seq" = ${seq}, "hash" = ${prevHash} WHERE "id" = 1`;
  return out;
}

/** Appends one event to the chain. Must run inside `prisma.$transaction(async (tx) => ...)`. */
export async function recordEvent(tx: Tx, input: LedgerEventInput): Promise<RecordedEvent> {
  assertInTransaction(tx);
  const buffer = deferred.get(tx);
  if (buffer) {
    // Deferred (see withDeferredLedger): appended with the transaction's other events at the end.
    const event = prepare(input);
    buffer.push(event);
    return pendingEvent(event.occurredAt);
  }
  return (await append(tx, [prepare(input)]))[0]!;
}

/** Appends several events, in order, under one head lock and in one statement (deferred like recordEvent inside withDeferredLedger). */
export async function recordEvents(tx: Tx, inputs: LedgerEventInput[]): Promise<RecordedEvent[]> {
  assertInTransaction(tx);
  const buffer = deferred.get(tx);
  if (buffer) {
    const events = inputs.map(prepare);
    buffer.push(...events);
    return events.map((e) => pendingEvent(e.occurredAt));
  }
  return append(tx, inputs.map(prepare));
}

// ---------------------------------------------------------------------------------------------------
// Deferred appends: the head lock taken at the end of the transaction instead of at its first event.

const deferred = new WeakMap<Tx, Prepared[]>();

function pendingEvent(occurredAt: Date): RecordedEvent {
  const notYet = () => {
    throw new Error("this ledger event is appended at the end of the transaction (withDeferredLedger): its seq and hash are not known yet");
  };
  return { occurredAt, get seq() { return notYet(); }, get hash() { return notYet(); }, get prevHash() { return notYet(); } };
}

/**
 * Runs `fn` with every `recordEvent(tx, …)` inside it (its own and its callees') buffered, then appends
 * them all, in the order they were recorded, as the transaction's last statements: one head lock, one
 * INSERT. The head lock is then held only from that append to commit, not from the first event through
 * all of the transaction's other work, which is what serialised concurrent writers (docs/ledger.md).
 * The chain is the same: the events still commit or roll back with the change, seq stays gapless and the
 * chain linear. Within `fn` a recorded event's seq/hash cannot be read (they throw); `occurredAt` can.
 * The caller must take every other lock (advisory, row) before or inside `fn`, never after it, so the
 * head stays the last lock taken. Returns what `fn` returned.
 */
export async function withDeferredLedger<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  assertInTransaction(tx);
  if (deferred.has(tx)) return fn(); // nested: the outer call appends
  const buffer: Prepared[] = [];
  deferred.set(tx, buffer);
  try {
    const result = await fn();
    deferred.delete(tx);
    await append(tx, buffer);
    return result;
  } finally {
    deferred.delete(tx);
  }
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
