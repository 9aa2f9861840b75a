/**
 * The provisioning outbox worker. Each call claims due tasks in batches (`FOR UPDATE SKIP LOCKED`, then a
 * lease in claimedBy / claimedUntil so a claim survives the claiming transaction), runs the batch's connector
 * calls OUTSIDE any database transaction, several at once (CONNECTOR_CONCURRENCY), then applies the batch's
 * results in one transaction whose writes are conditional on each claim still being ours. Any number of
 * workers can run this at once: a task is processed by one. A batch whose transaction fails leaves its tasks
 * claimed until the lease lapses; then they are claimed again (connector actions are idempotent).
 */
import type { PrismaClient } from "../db";
import { connectorFor } from "../connectors";
import { ConnectorError, isAwaiting, type ConnectorCtx, type ConnectorResult, type IssuedSecret } from "../connectors/types";
import { credentialOf } from "../domain/credentials/service";
import { awaitConfirmation, completeTasks, failAttempt, loadTaskContexts, MAX_ATTEMPTS, type Completion, type TaskContext } from "../domain/provisioning/outcome";
import type { Tx } from "../db";
import { withDeferredLedger } from "../ledger/ledger";
import { BATCH_SIZE, BATCH_TX, CONNECTOR_CONCURRENCY, inBatches, mapBounded, RUN_CAPS } from "./batches";

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
    // RETURNING keeps no order (it follows the plan, which changes with the table's physical layout): the
    // claimed ids are returned due-first, so a batch's results, and its ledger events, come in one order.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      WITH claimed AS (
        UPDATE "ProvisioningTask" SET "claimedBy" = ${workerId}, "claimedUntil" = ${until.toISOString()}::timestamp
         WHERE "id" IN (
           SELECT "id" FROM "ProvisioningTask"
            WHERE ("status" = 'PENDING' OR ("status" = 'AWAITING_CONFIRMATION' AND "connector" = 'WEBHOOK'))
              AND "nextAttemptAt" <= ${now.toISOString()}::timestamp
              AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now.toISOString()}::timestamp)
            ORDER BY "nextAttemptAt", "id"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
        RETURNING "id", "nextAttemptAt")
      SELECT "id" FROM claimed ORDER BY "nextAttemptAt", "id"`;
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

type Outcome = { result: ConnectorResult | null; error: string | null; permanent: boolean; secret?: IssuedSecret };

/**
 * A grant's credential path (docs/credentials.md): its entitlement issues credentials, or (revoking) it has
 * one, so a flag changed since cannot strand a login. Other grants are role memberships.
 */
function issuesCredential(t: TaskContext): boolean {
  return t.action === "GRANT" ? t.grant.entitlement.issuesCredential : t.grant.entitlement.issuesCredential || t.grant.credential !== null;
}

async function callCredentialConnector(t: TaskContext): Promise<Outcome> {
  const connector = connectorFor(t.connector);
  const ctx = { ...connectorCtx(t), credential: credentialOf(t.grant) };
  if (t.action === "GRANT") {
    if (!connector.issueCredential) throw new ConnectorError(`The ${t.connector} connector cannot issue credentials.`, { permanent: true });
    const { receipt, secret } = await connector.issueCredential(ctx);
    return { result: receipt, error: null, permanent: false, secret };
  }
  if (!connector.revokeCredential) throw new ConnectorError(`The ${t.connector} connector cannot revoke credentials.`, { permanent: true });
  return { result: await connector.revokeCredential(ctx), error: null, permanent: false };
}

/** Calls the connector for one claimed task. Never throws: a failure is an outcome (retry or FAILED). */
async function callConnector(t: TaskContext): Promise<Outcome> {
  try {
    if (issuesCredential(t)) return await callCredentialConnector(t);
    const connector = connectorFor(t.connector);
    const result = t.action === "GRANT" ? await connector.grant(connectorCtx(t)) : await connector.revoke(connectorCtx(t));
    return { result, error: null, permanent: false };
  } catch (e) {
    // A failure retrying cannot fix (a secret reference outside the namespace) fails the task now.
    return { result: null, error: e instanceof Error ? e.message : String(e), permanent: e instanceof ConnectorError && e.permanent };
  }
}

/** Applies one task's outcome other than a confirmation (those go together, see applyBatch). */
async function applyOther(tx: Tx, t: TaskContext, o: Outcome, now: Date, workerId: string): Promise<boolean> {
  const guard = { status: t.status, claimedBy: workerId };
  const { result, error, permanent } = o;
  if (error !== null || !result) return (await failAttempt(tx, t, guard, { error: error ?? "The connector returned nothing.", now, actorId: null, final: permanent })) !== "lost";
  if (isAwaiting(result)) {
    if (t.connector === "WEBHOOK" && t.attempts + 1 >= MAX_ATTEMPTS) {
      return (await failAttempt(tx, t, guard, { error: "The webhook accepted the task but never called back.", now, actorId: null, final: true })) !== "lost";
    }
    return awaitConfirmation(tx, t, guard, { now, detail: result.detail });
  }
  return (await failAttempt(tx, t, guard, { error: `The target system did not confirm the ${t.action === "GRANT" ? "grant" : "revocation"} on read-back.`, now, actorId: null, receipt: result })) !== "lost";
}

/** One transaction for a batch's results: the confirmed ones together (completeTasks), the rest one by one. */
async function applyBatch(tx: Tx, tasks: TaskContext[], outcomes: Outcome[], now: Date, workerId: string): Promise<number> {
  const confirmed: Completion[] = [];
  let processed = 0;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const o = outcomes[i];
    if (o.result && !isAwaiting(o.result) && o.result.confirmed) confirmed.push({ t, guard: { status: t.status, claimedBy: workerId }, receipt: o.result, secret: o.secret });
    else if (await applyOther(tx, t, o, now, workerId)) processed++;
  }
  return processed + (await completeTasks(tx, confirmed, { now, actorId: null })).size;
}

/** Runs a batch of claimed tasks: connector calls in parallel (bounded), then one transaction. */
async function runBatch(db: PrismaClient, taskIds: string[], now: Date, workerId: string): Promise<number> {
  const tasks = (await loadTaskContexts(db, taskIds)).filter((t) => t.claimedBy === workerId);
  if (tasks.length === 0) return 0;
  const outcomes = await mapBounded(tasks, CONNECTOR_CONCURRENCY, callConnector);
  return db.$transaction((tx) => withDeferredLedger(tx, () => applyBatch(tx, tasks, outcomes, now, workerId)), BATCH_TX);
}

/**
 * Claims and runs due provisioning tasks, `batchSize` at a time, up to `limit` per run. Returns how many were
 * processed (done, waiting, retried or failed).
 */
export async function processProvisioningTasks(db: PrismaClient, now: Date, workerId: string, limit: number = RUN_CAPS.provisioning, batchSize = BATCH_SIZE): Promise<{ processed: number }> {
  const processed = await inBatches(limit, batchSize, async (size) => {
    const ids = await claimProvisioningTasks(db, now, workerId, size);
    if (ids.length === 0) return null;
    return runBatch(db, ids, now, workerId);
  });
  return { processed };
}
