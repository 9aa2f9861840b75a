import { z } from "zod";
import type { Tx } from "../db";
import { ZListBase, skipTake, type Page } from "../domain/list";
import { verifyChain } from "./ledger";

export const ZListLedgerEvents = ZListBase.extend({
  action: z.string().trim().max(100).optional(),
  subjectType: z.string().trim().max(100).optional(),
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
};

/** Ledger events, newest first by default, filtered by action / subject type / free text (subject id). */
export async function listLedgerEvents(db: Tx, input: TListLedgerEvents): Promise<Page<LedgerRow>> {
  const where = {
    ...(input.action ? { action: input.action } : {}),
    ...(input.subjectType ? { subjectType: input.subjectType } : {}),
    ...(input.q ? { OR: [{ subjectId: { contains: input.q } }, { action: { contains: input.q } }] } : {}),
  };
  const [total, rows] = await Promise.all([
    db.ledgerEvent.count({ where }),
    db.ledgerEvent.findMany({ where, orderBy: { seq: input.dir }, ...skipTake(input) }),
  ]);
  const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => Boolean(x)))];
  const actors = actorIds.length ? await db.identity.findMany({ where: { id: { in: actorIds } }, select: { id: true, displayName: true } }) : [];
  const names = new Map(actors.map((a) => [a.id, a.displayName]));
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
