/**
 * The provisioning outbox worker. Each call claims due tasks (`FOR UPDATE SKIP LOCKED`, then a lease in
 * claimedBy / claimedUntil so a claim survives the claiming transaction), runs each connector OUTSIDE any
 * database transaction, then applies the result in a transaction whose writes are conditional on the
 * claim still being ours. Any number of workers can run this at once: a task is processed by one.
 */
import type { PrismaClient } from "../db";
import { connectorFor } from "../connectors";
import { ConnectorError, isAwaiting, type ConnectorCtx, type ConnectorResult } from "../connectors/types";
import { awaitConfirmation, completeTask, failAttempt, loadTaskContext, MAX_ATTEMPTS, type TaskContext } from "../domain/provisioning/outcome";

/** A claim lasts this long: a worker that dies mid-task leaves it to another after the lease. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/**
 * Claims up to `limit` due tasks for `workerId`: PENDING tasks whose next attempt is due, and webhook tasks
 * whose callback did not come in time. Returns their ids.
 */
export async function claimProvisioningTasks(db: PrismaClient, now: Date, workerId: string, limit: number): Promise<string[]> {
  const until = new Date(now.getTime() + CLAIM_LEASE_MS);
  // Timestamps are bound as ISO text and cast to `timestamp` (UTC, like Prisma stores them), so the
  // session time zone of the database never shifts the comparison.
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "ProvisioningTask" SET "claimedBy" = ${workerId}, "claimedUntil" = ${until.toISOString()}::timestamp
       WHERE "id" IN (
         SELECT "id" FROM "ProvisioningTask"
          WHERE ("status" = 'PENDING' OR ("status" = 'AWAITING_CONFIRMATION' AND "connector" = 'WEBHOOK'))
            AND "nextAttemptAt" <= ${now.toISOString()}::timestamp
            AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now.toISOString()}::timestamp)
          ORDER BY "nextAttemptAt", "id"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
      RETURNING "id"`;
    return rows.map((r) => r.id);
  });
}

function connectorCtx(t: TaskContext): ConnectorCtx {
  const g = t.grant;
  return {
    system: { id: g.entitlement.system.id, name: g.entitlement.system.name, connectorConfig: g.entitlement.system.connectorConfig },
    entitlement: { name: g.entitlement.name, externalRef: g.entitlement.externalRef },
    identity: { id: g.identity.id, displayName: g.identity.displayName, email: g.identity.email, kind: g.identity.kind },
    taskId: t.id,
  };
}

/** Runs one claimed task. Never throws for a connector failure: that becomes a retry or a FAILED task. */
async function runTask(db: PrismaClient, taskId: string, now: Date, workerId: string): Promise<boolean> {
  const t = await loadTaskContext(db, taskId);
  if (!t || t.claimedBy !== workerId) return false;
  const guard = { status: t.status, claimedBy: workerId };
  let result: ConnectorResult | null = null;
  let error: string | null = null;
  let permanent = false;
  try {
    const connector = connectorFor(t.connector);
    result = t.action === "GRANT" ? await connector.grant(connectorCtx(t)) : await connector.revoke(connectorCtx(t));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    // A failure retrying cannot fix (a secret reference outside the namespace) fails the task now.
    permanent = e instanceof ConnectorError && e.permanent;
  }
  return db.$transaction(async (tx) => {
    if (error !== null || !result) return (await failAttempt(tx, t, guard, { error: error ?? "The connector returned nothing.", now, actorId: null, final: permanent })) !== "lost";
    if (isAwaiting(result)) {
      if (t.connector === "WEBHOOK" && t.attempts + 1 >= MAX_ATTEMPTS) {
        return (await failAttempt(tx, t, guard, { error: "The webhook accepted the task but never called back.", now, actorId: null, final: true })) !== "lost";
      }
      return awaitConfirmation(tx, t, guard, { now, detail: result.detail });
    }
    if (!result.confirmed) {
      return (await failAttempt(tx, t, guard, { error: `The target system did not confirm the ${t.action === "GRANT" ? "grant" : "revocation"} on read-back.`, now, actorId: null, receipt: result })) !== "lost";
    }
    return completeTask(tx, t, guard, { receipt: result, now, actorId: null });
  });
}

/**
 * Claims and runs due provisioning tasks. Returns how many were processed (done, waiting, retried or failed).
 */
export async function processProvisioningTasks(db: PrismaClient, now: Date, workerId: string, limit = 20): Promise<{ processed: number }> {
  const ids = await claimProvisioningTasks(db, now, workerId, limit);
  let processed = 0;
  for (const id of ids) {
    if (await runTask(db, id, now, workerId)) processed++;
  }
  return { processed };
}
