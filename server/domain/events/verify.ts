/**
 * What a feed consumer does to verify the chain it received (docs/events.md), as code: each event's hash
 * recomputes from its own fields and its prevHash, each prevHash is the hash before it, seqs are consecutive,
 * and each checkpoint's headHash is the hash the consumer holds at that seq (its Ed25519 signature is
 * checked with the published key: verifyCheckpointSignature). Pure: depends on the hash rule only.
 */
import { verify, type KeyObject } from "node:crypto";
import { canonicalJson, eventHash, GENESIS_HASH, type LedgerBody } from "../../ledger/hash";
import type { FeedCheckpoint, FeedEvent } from "./schema";

/** The hashed body of a feed event (display names are not part of it). */
export function feedEventBody(e: FeedEvent): LedgerBody {
  return {
    seq: e.seq,
    occurredAt: e.occurredAt,
    actorId: e.actor?.id ?? null,
    onBehalfOfId: e.onBehalfOf?.id ?? null,
    action: e.action,
    subjectType: e.subject.type,
    subjectId: e.subject.id,
    payload: e.payload,
  };
}

export type FeedVerification = { checked: number; lastSeq: string | null; lastHash: string; problems: string[] };

/**
 * Verifies consecutive feed events. `prevHash` is the hash the consumer holds for the event before the first
 * (GENESIS_HASH, 64 zeros, before seq 1); pass the result's lastHash on with the next page.
 */
export function verifyFeedEvents(events: FeedEvent[], prevHash: string = GENESIS_HASH, checkpoints: FeedCheckpoint[] = []): FeedVerification {
  const problems: string[] = [];
  const hashes = new Map<string, string>();
  let expectedPrev = prevHash;
  let expectedSeq: bigint | null = null;
  for (const e of events) {
    const seq = BigInt(e.seq);
    if (expectedSeq !== null && seq !== expectedSeq) problems.push(`seq ${e.seq}: expected seq ${expectedSeq} (a gap or a filtered feed)`);
    if (e.prevHash !== expectedPrev) problems.push(`seq ${e.seq}: prevHash is not the hash of the event before it`);
    const recomputed = eventHash(e.prevHash, feedEventBody(e));
    if (recomputed !== e.hash) problems.push(`seq ${e.seq}: hash does not recompute`);
    hashes.set(e.seq, e.hash);
    expectedPrev = e.hash;
    expectedSeq = seq + 1n;
  }
  for (const c of checkpoints) {
    const held = hashes.get(c.seq);
    if (held !== undefined && held !== c.headHash) problems.push(`checkpoint at seq ${c.seq}: signed head ${c.headHash.slice(0, 12)}… is not the received hash ${held.slice(0, 12)}…`);
  }
  return { checked: events.length, lastSeq: events.length ? events[events.length - 1]!.seq : null, lastHash: expectedPrev, problems };
}

/** Checks a checkpoint's Ed25519 signature over JCS({ seq, headHash, signedAt, keyId }) with the published key. */
export function verifyCheckpointSignature(c: FeedCheckpoint, publicKey: KeyObject | string): boolean {
  const message = Buffer.from(canonicalJson({ seq: c.seq, headHash: c.headHash, signedAt: c.signedAt, keyId: c.keyId }), "utf8");
  return verify(null, message, publicKey, Buffer.from(c.signature, "base64"));
}
