/**
 * JSON Lines export of a seq range of the ledger (GET /api/events/export?from=&to=): one JSON object per line,
 * streamed page by page (never the whole range in memory):
 *
 *   {"type":"range","format":"warrant-events/1","from":"101","to":"200","head":"350","prevHash":"<hash of seq 100>"}
 *   {"type":"event", ...the feed event: seq, occurredAt, actor, onBehalfOf, action, subject, payload, prevHash, hash}
 *   ...
 *   {"type":"checkpoint","seq":..,"headHash":..,"signedAt":..,"keyId":..,"signature":..,"reason":..}   (those in range, and the first covering `to`)
 *
 * A verifier starts from the range line's prevHash (64 zeros when from = 1), checks every event line with the
 * hash rule (server/domain/events/verify.ts) and each checkpoint against the hash it received at that seq.
 * ADMIN, SECURITY or AUDITOR: anyone else gets 404 (as every download under /api), signed out 401.
 * The REST API (GET /api/v1/events/export) serves the same stream with a bounded range (`maxRange`) and says 403
 * to a reader who may not read the ledger, as its other ledger operations do.
 */
import type { PrismaClient } from "../../db";
import { GENESIS_HASH } from "../../ledger/hash";
import { loadActor } from "../actor";
import { checkpointsCovering, headSeq, mayReadFeed, readEvents } from "./feed";
import { ZSeq } from "./schema";

export const EXPORT_PAGE = 1000;

/** A refusal names the parameter at fault (`field`) when it is one. */
export type EventsExportOutcome = { ok: true; filename: string; body: ReadableStream<Uint8Array> } | { ok: false; status: number; message: string; field?: "from" | "to" };

export type EventsExportOptions = {
  /** The most events one export may cover; without `to`, the range ends there (or at the head). Default: no bound. */
  maxRange?: bigint;
  /** What a signed-in reader who may not read the ledger is told: 404 (downloads under /api) or 403 (the REST API). */
  refusedStatus?: 403 | 404;
};

/** Checks who asks and what, then returns the stream (nothing is read before the first pull). */
export async function openEventsExport(db: PrismaClient, identityId: string | null, params: URLSearchParams, opts: EventsExportOptions = {}): Promise<EventsExportOutcome> {
  if (!identityId) return { ok: false, status: 401, message: "Please sign in." };
  const actor = await loadActor(db, identityId);
  if (!actor) return { ok: false, status: 401, message: "Your account is not active in Warrant." };
  if (!mayReadFeed(actor)) return opts.refusedStatus === 403 ? { ok: false, status: 403, message: "Reading the ledger needs the Admin, Security or Auditor role." } : { ok: false, status: 404, message: "Not found." };
  const head = await headSeq(db);
  const f = ZSeq.safeParse(params.get("from") ?? "1");
  if (!f.success) return { ok: false, status: 400, message: "from must be a ledger seq (a whole number).", field: "from" };
  const from = BigInt(f.data);
  if (from < 1n) return { ok: false, status: 400, message: "from must be at least 1.", field: "from" };
  if (from > head) return { ok: false, status: 400, message: `The ledger ends at seq ${head}: from must be at most ${head}.`, field: "from" };
  const toRaw = params.get("to");
  const t = ZSeq.safeParse(toRaw ?? "0");
  if (!t.success) return { ok: false, status: 400, message: "to must be a ledger seq (a whole number).", field: "to" };
  const max = opts.maxRange;
  const to = toRaw !== null ? BigInt(t.data) : max !== undefined && from + max - 1n < head ? from + max - 1n : head;
  if (to < from) return { ok: false, status: 400, message: "to must not be before from.", field: "to" };
  if (to > head) return { ok: false, status: 400, message: `The ledger ends at seq ${head}: to must be at most ${head}.`, field: "to" };
  if (max !== undefined && to - from + 1n > max) return { ok: false, status: 400, message: `One export covers at most ${max} events: ask for the range in parts.`, field: "to" };
  return { ok: true, filename: `warrant-events-${from}-${to}.jsonl`, body: eventsJsonl(db, from, to, head) };
}

/** The lines, as a pull stream: one page of events per pull. */
export function eventsJsonl(db: PrismaClient, from: bigint, to: bigint, head: bigint): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const line = (o: unknown) => enc.encode(`${JSON.stringify(o)}\n`);
  let after: bigint | null = null;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (done) return controller.close();
        if (after === null) {
          const prev = from === 1n ? GENESIS_HASH : (await db.ledgerEvent.findUnique({ where: { seq: from - 1n }, select: { hash: true } }))?.hash ?? null;
          controller.enqueue(line({ type: "range", format: "warrant-events/1", from: from.toString(), to: to.toString(), head: head.toString(), prevHash: prev }));
          after = from - 1n;
          return;
        }
        const limit = Number(to - after < BigInt(EXPORT_PAGE) ? to - after : BigInt(EXPORT_PAGE));
        if (limit > 0) {
          const page = await readEvents(db, { after, limit });
          const events = page.events.filter((e) => BigInt(e.seq) <= to);
          controller.enqueue(enc.encode(events.map((e) => `${JSON.stringify({ type: "event", ...e })}\n`).join("")));
          if (events.length) after = BigInt(events[events.length - 1]!.seq);
          if (events.length === limit && after < to) return;
        }
        const cps = await checkpointsCovering(db, from - 1n, to, 10_000);
        if (cps.length) controller.enqueue(enc.encode(cps.map((c) => `${JSON.stringify({ type: "checkpoint", ...c })}\n`).join("")));
        done = true;
        controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
  });
}
