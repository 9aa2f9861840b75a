/**
 * A dishonest operator's rewrite of history, for tests of witnessed checkpoints: change a past ledger event's
 * payload, recompute every hash after it, re-sign every checkpoint at or after it with the REAL key (the
 * Checkpoint rows and the payloads of their "checkpoint.signed" events), and move the head. The result is a
 * self-consistent ledger that the ordinary verifier accepts; only a witness that saw a checkpoint before the
 * rewrite can tell.
 */
import { CHECKPOINT_SIGNED, signHead } from "../evidence/checkpoints";
import type { SigningKey } from "../evidence/keys";
import { eventHash, GENESIS_HASH, type LedgerBody } from "../ledger/hash";
import { bodyOf } from "../ledger/ledger";
import type { TestDb } from "./db";

const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;

export async function rewriteHistory(t: TestDb, seq: bigint, payload: Record<string, unknown>, key: Pick<SigningKey, "keyId" | "privateKey">): Promise<{ rewritten: number; resigned: number }> {
  const events = await t.prisma.ledgerEvent.findMany({ where: { seq: { gte: seq - 1n } }, orderBy: { seq: "asc" } });
  const before = events[0]?.seq === seq - 1n ? events.shift()! : null;
  let prevHash = before ? before.hash : GENESIS_HASH;
  const newHash = new Map<string, string>();
  const sql: string[] = [];
  let resigned = 0;
  for (const e of events) {
    let body: LedgerBody = { ...bodyOf(e), payload: e.seq === seq ? payload : e.payload };
    if (e.action === CHECKPOINT_SIGNED) {
      const p = e.payload as { seq: string; signedAt: string; reason: "schedule" | "export" };
      const hash = newHash.get(p.seq);
      if (hash) {
        // Re-signed with the real key over the rewritten head, same time and reason: a perfect forgery.
        const cp = signHead(key, { seq: BigInt(p.seq), hash }, new Date(p.signedAt), p.reason);
        body = { ...body, payload: { ...(e.payload as object), headHash: cp.headHash, signature: cp.signature } };
        sql.push(`UPDATE "Checkpoint" SET "headHash" = ${lit(cp.headHash)}, "signature" = ${lit(cp.signature)} WHERE "id" = ${lit(e.subjectId)}::uuid;`);
        resigned++;
      }
    }
    const hash = eventHash(prevHash, body);
    newHash.set(body.seq, hash);
    sql.push(`UPDATE "LedgerEvent" SET "payload" = ${lit(JSON.stringify(body.payload))}::jsonb, "prevHash" = ${lit(prevHash)}, "hash" = ${lit(hash)} WHERE "seq" = ${body.seq};`);
    prevHash = hash;
  }
  const last = events[events.length - 1];
  if (last) sql.push(`UPDATE "LedgerHead" SET "hash" = ${lit(prevHash)} WHERE "id" = 1;`);
  await t.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
${sql.join("\n")}
ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
  return { rewritten: events.length, resigned };
}
