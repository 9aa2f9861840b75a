/**
 * The ledger event feed's shapes (zod), shared by the feed service, the JSON Lines export, the webhooks and
 * the REST edge (`GET /api/v1/events?after=&limit=&types=&format=&wait=`), which exposes readEventFeed as is.
 * Pure: no server imports, so client components and the OpenAPI generator may use it.
 */
import { z } from "zod";

/** A seq as a decimal string (seqs are bigints; JSON numbers lose precision past 2^53). */
export const ZSeq = z.string().trim().regex(/^(0|[1-9]\d{0,18})$/, { message: "must be a ledger seq: a whole number (0 = from the start)" });

/** An event type filter: an exact action ("grant.revoked") or a family ("grant.*"). */
export const ZEventType = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/, { message: 'must be an event type such as "grant.revoked" or a family such as "grant.*"' });

export const FEED_MAX_LIMIT = 1000;
export const FEED_MAX_WAIT_SECONDS = 30;
export const FEED_FORMATS = ["warrant", "ocsf"] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const ZFeedQuery = z
  .object({
    /** Events with seq > after (keyset paging: pass the page's `next`). */
    after: ZSeq.default("0"),
    limit: z.coerce.number().int().min(1).max(FEED_MAX_LIMIT).default(100),
    types: z.array(ZEventType).max(50).default([]),
    format: z.enum(FEED_FORMATS).default("warrant"),
    /** Long-poll: when nothing is after `after`, wait up to this many seconds for the next event. */
    wait: z.coerce.number().int().min(0).max(FEED_MAX_WAIT_SECONDS).default(0),
  })
  .strict();
export type TFeedQuery = z.input<typeof ZFeedQuery>;

const ZPerson = z.object({ id: z.string(), displayName: z.string().nullable() });

/**
 * One ledger event. Its hash recomputes from it alone (docs/events.md):
 *   body = { seq, occurredAt, actorId: actor?.id ?? null, onBehalfOfId: onBehalfOf?.id ?? null, action,
 *            subjectType: subject.type, subjectId: subject.id, payload }
 *   hash = hex(SHA-256(utf8(prevHash) ‖ utf8(JCS(body))))
 * Display names are for people reading the feed; they are not part of the hash.
 */
export const ZFeedEvent = z.object({
  seq: ZSeq,
  occurredAt: z.string(),
  actor: ZPerson.nullable(),
  onBehalfOf: ZPerson.nullable(),
  action: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  payload: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type FeedEvent = z.infer<typeof ZFeedEvent>;

/** A signed checkpoint: "event <seq> has hash <headHash>", Ed25519 over JCS({ seq, headHash, signedAt, keyId }). */
export const ZFeedCheckpoint = z.object({
  seq: ZSeq,
  headHash: z.string(),
  signedAt: z.string(),
  keyId: z.string(),
  signature: z.string(),
  reason: z.string(),
});
export type FeedCheckpoint = z.infer<typeof ZFeedCheckpoint>;

export const ZOcsfEvent = z.record(z.string(), z.unknown());

const pageFields = {
  /** Pass as `after` for the next page: the last seq this page covers (with a types filter, events it skipped count too). */
  next: ZSeq,
  /** The ledger head when the page was read. */
  head: ZSeq,
  /** Whether more events (of the requested types) may follow right away. */
  hasMore: z.boolean(),
  /** Every checkpoint signed inside (after, next], plus the first one at or after `next` if there is one: it covers the page. */
  checkpoints: z.array(ZFeedCheckpoint),
};

export const ZFeedPage = z.discriminatedUnion("format", [
  z.object({ format: z.literal("warrant"), events: z.array(ZFeedEvent), ...pageFields }),
  z.object({ format: z.literal("ocsf"), events: z.array(ZOcsfEvent), ...pageFields }),
]);
export type FeedPage = z.infer<typeof ZFeedPage>;
