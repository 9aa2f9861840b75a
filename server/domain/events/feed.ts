/**
 * The ledger as a feed (docs/events.md): every event after a seq, in seq order, with its hash and the hash
 * before it, so a consumer can verify the chain it received, plus the signed checkpoints that cover the page
 * (a SIEM that keeps them is a witness: a later rewrite of the history cannot match a checkpoint it holds).
 *
 * Keyset paging on seq: `after` is the last seq the consumer has, `next` is what to pass for the next page.
 * With a types filter `next` also moves past the events the filter skipped (up to the head read with the
 * page), so a filtered consumer never rescans them; chain verification then needs the unfiltered feed.
 * Only events with seq ≤ the committed head are read, so a page never shows a seq whose predecessors could
 * still be in flight (seq is given out under the head lock and committed with it: the feed is gapless).
 *
 * Who may read it: ADMIN, SECURITY and AUDITOR, the same as the ledger explorer (server/trpc/routers/ledger.ts).
 */
import type { Tx } from "../../db";
import { forbidden, badInput } from "../../errors";
import { hasRole, type Actor } from "../actor";
import type { StoredEvent } from "../../ledger/ledger";
import { toOcsf } from "./ocsf";
import { ZFeedQuery, type FeedCheckpoint, type FeedEvent, type FeedPage, type TFeedQuery } from "./schema";

/** The roles that may read the feed (and export it): those that read the ledger. */
export const FEED_READER_ROLES = ["ADMIN", "SECURITY", "AUDITOR"] as const;

export function mayReadFeed(actor: Actor): boolean {
  return hasRole(actor, ...FEED_READER_ROLES);
}

export function assertFeedReader(actor: Actor): void {
  if (!mayReadFeed(actor)) throw forbidden("Only admins, security and auditors may read the ledger's event feed.");
}

/** Prisma `where` for a types filter: exact actions, or families ("grant.*" = every action starting "grant."). */
export function typesWhere(types: readonly string[]) {
  if (types.length === 0) return {};
  return {
    OR: types.map((t) => (t.endsWith(".*") ? { action: { startsWith: t.slice(0, -1) } } : { action: t })),
  };
}

/** Whether an action passes a types filter (same rule as typesWhere). */
export function matchesTypes(types: readonly string[], action: string): boolean {
  return types.length === 0 || types.some((t) => (t.endsWith(".*") ? action.startsWith(t.slice(0, -1)) : action === t));
}

/** The committed ledger head (0 for an empty ledger). */
export async function headSeq(db: Tx): Promise<bigint> {
  const head = await db.ledgerHead.findUnique({ where: { id: 1 }, select: { seq: true } });
  return head ? BigInt(head.seq) : 0n;
}


/** Stored rows as feed events (display names looked up in one query). */
export async function toFeedEvents(db: Tx, rows: StoredEvent[]): Promise<FeedEvent[]> {
  const ids = [...new Set(rows.flatMap((r) => [r.actorId, r.onBehalfOfId]).filter((x): x is string => Boolean(x)))];
  const people = ids.length ? await db.identity.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } }) : [];
  const names = new Map(people.map((p) => [p.id, p.displayName]));
  const person = (id: string | null) => (id ? { id, displayName: names.get(id) ?? null } : null);
  return rows.map((r) => ({
    seq: r.seq.toString(),
    occurredAt: r.occurredAt.toISOString(),
    actor: person(r.actorId),
    onBehalfOf: person(r.onBehalfOfId),
    action: r.action,
    subject: { type: r.subjectType, id: r.subjectId },
    payload: r.payload,
    prevHash: r.prevHash,
    hash: r.hash,
  }));
}

export function feedCheckpoint(c: { seq: bigint; headHash: string; signedAt: Date; keyId: string; signature: string; reason: string }): FeedCheckpoint {
  return { seq: c.seq.toString(), headHash: c.headHash, signedAt: c.signedAt.toISOString(), keyId: c.keyId, signature: c.signature, reason: c.reason };
}

/** Checkpoints signed in (after, upTo] and the first at or after upTo (it covers every event up to upTo). */
export async function checkpointsCovering(db: Tx, after: bigint, upTo: bigint, cap = 100): Promise<FeedCheckpoint[]> {
  if (upTo <= after) return [];
  const inside = await db.checkpoint.findMany({ where: { seq: { gt: after, lte: upTo } }, orderBy: [{ seq: "asc" }, { signedAt: "asc" }], take: cap });
  const covering = inside.some((c) => c.seq === upTo) ? null : await db.checkpoint.findFirst({ where: { seq: { gt: upTo } }, orderBy: [{ seq: "asc" }, { signedAt: "asc" }] });
  return [...inside, ...(covering ? [covering] : [])].map(feedCheckpoint);
}

export type ReadEventsInput = { after: bigint | string; limit: number; types?: readonly string[] };
export type EventsPage = { events: FeedEvent[]; next: string; head: string; hasMore: boolean; checkpoints: FeedCheckpoint[] };

/**
 * Events with seq > after (and ≤ the committed head), in seq order, at most `limit`, optionally only the given
 * types, with the checkpoints covering them. No authorization: callers are readEventFeed, the export and the
 * webhook job (which deliver what an admin subscribed to).
 */
export async function readEvents(db: Tx, input: ReadEventsInput): Promise<EventsPage> {
  const after = BigInt(input.after);
  const types = input.types ?? [];
  const head = await headSeq(db);
  if (after >= head) return { events: [], next: after.toString(), head: head.toString(), hasMore: false, checkpoints: [] };
  const rows = (await db.ledgerEvent.findMany({
    where: { seq: { gt: after, lte: head }, ...typesWhere(types) },
    orderBy: { seq: "asc" },
    take: input.limit,
  })) as StoredEvent[];
  const full = rows.length === input.limit;
  const next = full ? rows[rows.length - 1]!.seq : head;
  return {
    events: await toFeedEvents(db, rows),
    next: next.toString(),
    head: head.toString(),
    hasMore: next < head,
    checkpoints: await checkpointsCovering(db, after, next),
  };
}

export type WaitOptions = { waitMs: number; signal?: AbortSignal; minIntervalMs?: number; maxIntervalMs?: number };

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Long-poll: waits until the committed head is past `after`, at most `waitMs`, polling the head row (one
 * primary-key read) at an interval that starts at minIntervalMs (100) and doubles up to maxIntervalMs (1000),
 * so an idle consumer costs about one tiny query a second. Stops at once when `signal` aborts (the HTTP
 * request went away). Returns the head it last saw. Nothing in-process is shared: any instance can answer.
 */
export async function waitForEventsAfter(db: Tx, after: bigint, opts: WaitOptions): Promise<bigint> {
  const until = Date.now() + Math.max(0, opts.waitMs);
  let interval = opts.minIntervalMs ?? 100;
  const maxInterval = opts.maxIntervalMs ?? 1000;
  for (;;) {
    const head = await headSeq(db);
    if (head > after || opts.signal?.aborted) return head;
    const left = until - Date.now();
    if (left <= 0) return head;
    await pause(Math.min(interval, left), opts.signal);
    interval = Math.min(interval * 2, maxInterval);
  }
}

/**
 * The feed as the REST edge serves it (`GET /api/v1/events`): checks the reader's role, parses the query
 * (ZFeedQuery), long-polls when asked and nothing is there yet, and returns the page in the chosen format.
 * ADMIN, SECURITY or AUDITOR; anyone else FORBIDDEN. Reads only.
 */
export async function readEventFeed(db: Tx, actor: Actor, query: TFeedQuery, signal?: AbortSignal): Promise<FeedPage> {
  assertFeedReader(actor);
  const parsed = ZFeedQuery.safeParse(query);
  if (!parsed.success) throw badInput(parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; "));
  const q = parsed.data;
  let page = await readEvents(db, { after: q.after, limit: q.limit, types: q.types });
  // With a types filter the page may be empty while the head moved: wait on from where the page ended.
  if (q.wait > 0 && page.events.length === 0 && !signal?.aborted) {
    const until = Date.now() + q.wait * 1000;
    let after = BigInt(page.next);
    while (page.events.length === 0 && Date.now() < until && !signal?.aborted) {
      const head = await waitForEventsAfter(db, after, { waitMs: until - Date.now(), signal });
      if (head <= after) break;
      const more = await readEvents(db, { after, limit: q.limit, types: q.types });
      page = { ...more, checkpoints: more.checkpoints };
      after = BigInt(more.next);
    }
    // `next` must cover what was skipped while waiting too.
    page = { ...page, next: page.events.length ? page.next : after.toString() };
  }
  if (q.format === "ocsf") return { format: "ocsf", ...page, events: page.events.map((e) => toOcsf(e)) };
  return { format: "warrant", ...page };
}
