import { z } from "zod";
import type { Tx } from "../db";
import { ZListBase, skipTake, type Page } from "../domain/list";
import { GENESIS_HASH } from "./hash";
import { checkLink, verifyChain, type StoredEvent } from "./ledger";

const ZDayOrInstant = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, { message: "must be a date (YYYY-MM-DD) or an ISO instant in UTC" })
  .refine((s) => !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00.000Z` : s)), { message: "is not a real date" });

export const ZListLedgerEvents = ZListBase.extend({
  action: z.string().trim().max(100).optional(),
  subjectType: z.string().trim().max(100).optional(),
  subjectId: z.string().trim().max(100).optional(),
  actorId: z.uuid({ message: "must be an identity id (UUID)" }).optional(),
  /** Inclusive; a bare date means the start of that UTC day. */
  from: ZDayOrInstant.optional(),
  /** Inclusive; a bare date means the end of that UTC day. */
  to: ZDayOrInstant.optional(),
  sort: z.literal("seq").optional(),
  dir: z.enum(["asc", "desc"]).default("desc"),
}).strict();
export type TListLedgerEvents = z.infer<typeof ZListLedgerEvents>;

export async function ledgerStatus(db: Tx) {
  const res = await verifyChain(db);
  return {
    eventsChecked: res.checked,
    headSeq: res.headSeq.toString(),
    intact: res.firstBroken === null,
    firstBroken: res.firstBroken && { seq: res.firstBroken.seq.toString(), reason: res.firstBroken.reason },
  };
}

export type LedgerRow = {
  seq: string;
  occurredAt: Date;
  actorId: string | null;
  actorName: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payload: unknown;
  hash: string;
  prevHash: string;
  /** Whether this event's hash recomputes and its prevHash is the hash of the event before it in the chain. */
  link: { ok: boolean; reason: string | null };
};

const dayStart = (s: string) => new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s);
const dayEnd = (s: string) => (s.length === 10 ? new Date(`${s}T23:59:59.999Z`) : new Date(s));

/**
 * Checks the chain link of each given event: its stored hash recomputes from its body and prevHash, and
 * prevHash equals the hash of the event with seq − 1 (fetched here; seq 1 links to the genesis hash).
 * Works for any subset of events (a filtered page), not only consecutive ones.
 */
export async function checkEventLinks(db: Tx, events: StoredEvent[]): Promise<Map<string, { ok: boolean; reason: string | null }>> {
  const prevSeqs = [...new Set(events.map((e) => e.seq - 1n).filter((s) => s > 0n))];
  const prev = prevSeqs.length ? await db.ledgerEvent.findMany({ where: { seq: { in: prevSeqs } }, select: { seq: true, hash: true } }) : [];
  const prevHash = new Map(prev.map((p) => [p.seq.toString(), p.hash]));
  const out = new Map<string, { ok: boolean; reason: string | null }>();
  for (const e of events) {
    const expected = e.seq === 1n ? GENESIS_HASH : prevHash.get((e.seq - 1n).toString());
    if (expected === undefined) {
      out.set(e.seq.toString(), { ok: false, reason: `the event before it (seq ${e.seq - 1n}) is missing` });
      continue;
    }
    const res = checkLink(e, expected, e.seq);
    out.set(e.seq.toString(), res.ok ? { ok: true, reason: null } : { ok: false, reason: res.reason });
  }
  return out;
}

/**
 * Ledger events, newest first by default, filtered by time range, actor, action, subject (type and id) and
 * free text (subject id or action). Each row carries the result of its own chain-link check.
 */
export async function listLedgerEvents(db: Tx, input: TListLedgerEvents): Promise<Page<LedgerRow>> {
  const occurredAt = input.from || input.to ? { ...(input.from ? { gte: dayStart(input.from) } : {}), ...(input.to ? { lte: dayEnd(input.to) } : {}) } : undefined;
  const where = {
    ...(input.action ? { action: input.action } : {}),
    ...(input.subjectType ? { subjectType: input.subjectType } : {}),
    ...(input.subjectId ? { subjectId: input.subjectId } : {}),
    ...(input.actorId ? { actorId: input.actorId } : {}),
    ...(occurredAt ? { occurredAt } : {}),
    ...(input.q ? { OR: [{ subjectId: { contains: input.q } }, { action: { contains: input.q } }] } : {}),
  };
  const [total, rows] = await Promise.all([
    db.ledgerEvent.count({ where }),
    db.ledgerEvent.findMany({ where, orderBy: { seq: input.dir }, ...skipTake(input) }),
  ]);
  const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => Boolean(x)))];
  const actors = actorIds.length ? await db.identity.findMany({ where: { id: { in: actorIds } }, select: { id: true, displayName: true } }) : [];
  const names = new Map(actors.map((a) => [a.id, a.displayName]));
  const links = await checkEventLinks(db, rows as StoredEvent[]);
  return {
    total,
    page: input.page,
    size: input.size,
    rows: rows.map((r) => ({
      seq: r.seq.toString(),
      occurredAt: r.occurredAt,
      actorId: r.actorId,
      actorName: r.actorId ? (names.get(r.actorId) ?? null) : null,
      action: r.action,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      payload: r.payload,
      hash: r.hash,
      prevHash: r.prevHash,
      link: links.get(r.seq.toString()) ?? { ok: false, reason: "not checked" },
    })),
  };
}

/** Distinct actions and subject types, for filters. */
export async function ledgerFacets(db: Tx) {
  const [actions, subjects] = await Promise.all([
    db.ledgerEvent.groupBy({ by: ["action"], orderBy: { action: "asc" } }),
    db.ledgerEvent.groupBy({ by: ["subjectType"], orderBy: { subjectType: "asc" } }),
  ]);
  return { actions: actions.map((a) => a.action), subjectTypes: subjects.map((s) => s.subjectType) };
}
