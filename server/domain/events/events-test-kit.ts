/** Test helpers for the feed, the export and the webhooks: append plain events to the real ledger. */
import type { PrismaClient } from "../../db";
import { recordEvents } from "../../ledger/ledger";

/** Appends `n` events (action `action`, subjects "<tag>-<i>") in one transaction; returns their seqs. */
export async function appendEvents(db: PrismaClient, n: number, action = "test.event", tag = "e"): Promise<bigint[]> {
  const rows = await db.$transaction((tx) =>
    recordEvents(
      tx,
      Array.from({ length: n }, (_, i) => ({ actorId: null, action, subjectType: "Test", subjectId: `${tag}-${i}`, payload: { i, tag } })),
    ),
  );
  return rows.map((r) => r.seq);
}
