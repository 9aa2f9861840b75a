/**
 * The checkpoint witness outbox worker (server/evidence/witnesses.ts). Like the provisioning outbox: each call
 * claims due deliveries (`FOR UPDATE SKIP LOCKED`, then a lease in claimedBy / claimedUntil so the claim
 * survives its transaction), delivers each OUTSIDE any transaction, then records the outcome with a write
 * conditional on the claim still being ours. A worker that dies mid-delivery leaves the delivery to another
 * once the lease has run out: nothing is lost, and a delivery may arrive twice (witnesses tolerate that).
 *
 * A failed attempt is retried with backoff; after MAX_WITNESS_ATTEMPTS the delivery is FAILED, and in the
 * same transaction "checkpoint.witness_failed" is recorded in the ledger and, unless that witness already
 * has an open finding, a finding is raised and security and admins are notified. A later checkpoint that reaches the witness still fixes everything before it.
 */
import type { PrismaClient } from "../db";
import { env } from "../env";
import { raiseFinding } from "../domain/findings/service";
import { lockKeys } from "../domain/locks";
import { notify } from "../domain/notifications/notify";
import { workKey } from "../domain/notifications/resolve";
import { activeWithRole } from "../domain/provisioning/people";
import { packCheckpoint } from "../evidence/checkpoints";
import { configuredWitnesses, witnessKind } from "../evidence/witnesses";
import { recordEvent } from "../ledger/ledger";

/** A claim lasts this long (every kind gives up on one attempt well within it). */
export const WITNESS_LEASE_MS = 2 * 60_000;
export const MAX_WITNESS_ATTEMPTS = 8;
export const WITNESS_FAILED = "checkpoint.witness_failed";

/** The wait after `attempts` failed attempts: 30 s, 1, 2, 4 … min, at most an hour (8 attempts span about 1 h). */
export function witnessBackoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 60 * 60_000);
}

/** Claims up to `limit` due deliveries for `workerId`; returns their ids. */
export async function claimWitnessDeliveries(db: PrismaClient, now: Date, workerId: string, limit: number): Promise<string[]> {
  const until = new Date(now.getTime() + WITNESS_LEASE_MS);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; nextAttemptAt: Date; createdAt: Date }[]>`
      UPDATE "WitnessDelivery" SET "claimedBy" = ${workerId}, "claimedUntil" = ${until.toISOString()}::timestamp
       WHERE "id" IN (
         SELECT "id" FROM "WitnessDelivery"
          WHERE "status" = 'PENDING'
            AND "nextAttemptAt" <= ${now.toISOString()}::timestamp
            AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now.toISOString()}::timestamp)
          ORDER BY "nextAttemptAt", "createdAt", "id"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
      RETURNING "id", "nextAttemptAt", "createdAt"`;
    // RETURNING keeps no order (PostgreSQL returns rows as it updated them): deliver oldest first, so a
    // witness file receives checkpoints in the order they were signed.
    const key = (r: (typeof rows)[number]) => [new Date(r.nextAttemptAt).getTime(), new Date(r.createdAt).getTime()] as const;
    rows.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((r) => r.id);
  });
}

type Outcome = "delivered" | "retry" | "failed" | "lost";

/** Delivers one claimed delivery and records the outcome. Never throws for a witness's failure. */
async function deliverOne(db: PrismaClient, id: string, now: Date, workerId: string): Promise<Outcome> {
  const d = await db.witnessDelivery.findUnique({ where: { id }, include: { checkpoint: true } });
  if (!d || d.claimedBy !== workerId || d.status !== "PENDING") return "lost";
  const e = env();
  const kind = witnessKind(d.kind);
  let error: string | null = null;
  // Only to a witness the configuration still names: a row cannot send a checkpoint anywhere else.
  if (!kind) error = `unknown witness kind ${JSON.stringify(d.kind)}`;
  else if (!configuredWitnesses(e).some((w) => w.kind === d.kind && w.target === d.target)) error = `this ${d.kind} witness is no longer configured`;
  else {
    try {
      await kind.deliver(d.target, packCheckpoint(d.checkpoint), e);
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).slice(0, 2000) || "delivery failed";
    }
  }
  const attempts = d.attempts + 1;
  const guard = { id, status: "PENDING" as const, claimedBy: workerId, attempts: d.attempts };
  return db.$transaction(async (tx) => {
    if (error === null) {
      const moved = await tx.witnessDelivery.updateMany({ where: guard, data: { status: "DELIVERED", attempts, deliveredAt: now, lastError: null, claimedBy: null, claimedUntil: null } });
      return moved.count ? "delivered" : "lost";
    }
    if (attempts < MAX_WITNESS_ATTEMPTS) {
      const moved = await tx.witnessDelivery.updateMany({ where: guard, data: { attempts, lastError: error, nextAttemptAt: new Date(now.getTime() + witnessBackoffMs(attempts)), claimedBy: null, claimedUntil: null } });
      return moved.count ? "retry" : "lost";
    }
    const moved = await tx.witnessDelivery.updateMany({ where: guard, data: { status: "FAILED", attempts, lastError: error, claimedBy: null, claimedUntil: null } });
    if (!moved.count) return "lost";
    const cp = d.checkpoint;
    const details = { deliveryId: id, kind: d.kind, target: d.target, seq: cp.seq.toString(), headHash: cp.headHash, attempts, error };
    // One open finding per witness, however many checkpoints fail to reach it while it is down (serialised
    // per witness, so two workers failing at once raise one).
    await lockKeys(tx, [`witness:${d.kind}:${d.target}`]);
    const open = await tx.finding.findFirst({
      where: { kind: "WITNESS_DELIVERY_FAILED", status: "OPEN", AND: [{ details: { path: ["kind"], equals: d.kind } }, { details: { path: ["target"], equals: d.target } }] },
      select: { id: true },
    });
    if (!open) {
      const findingId = await raiseFinding(tx, { kind: "WITNESS_DELIVERY_FAILED", subjectType: "Checkpoint", subjectId: cp.id, assigneeId: null, details, dedupeKey: `WITNESS_DELIVERY_FAILED:${id}` });
      await notify(tx, {
        recipientIds: await activeWithRole(tx, "SECURITY", "ADMIN"),
        kind: "checkpoint.witness_failed",
        title: `Checkpoint witness unreachable: ${d.kind}`,
        body: `Checkpoint seq ${cp.seq} could not be delivered to the ${d.kind} witness ${d.target} after ${attempts} attempts: ${error.slice(0, 300)}. Until a checkpoint reaches it again, that witness cannot detect a rewrite of the history after its last delivered checkpoint.`,
        link: "/findings?kind=WITNESS_DELIVERY_FAILED&status=OPEN",
        dedupeKey: `witness-failed:${id}`,
        workKey: findingId ? workKey.finding(findingId) : undefined,
      });
    }
    await recordEvent(tx, { actorId: null, action: WITNESS_FAILED, subjectType: "Checkpoint", subjectId: cp.id, occurredAt: now, payload: details });
    return "failed";
  });
}

/** Claims and delivers due witness deliveries. Returns how many were processed (delivered, retried or failed). */
export async function deliverWitnessCheckpoints(db: PrismaClient, now: Date, workerId: string, limit = 20): Promise<{ processed: number }> {
  const ids = await claimWitnessDeliveries(db, now, workerId, limit);
  let processed = 0;
  for (const id of ids) if ((await deliverOne(db, id, now, workerId)) !== "lost") processed++;
  return { processed };
}
