/**
 * Applying what a connector reported to a provisioning task and its grant. Called by the worker (after
 * the connector ran, outside any transaction), by the webhook callback, and by an owner confirming a
 * manual task. Every function here runs inside the caller's transaction and guards each move with a
 * conditional write on the state it expects: a task another worker (or person) already moved is left
 * alone and the function returns false.
 */
import type { Tx } from "../../db";
import type { TaskAction, TaskStatus } from "../../db/generated/client";
import { recordEvent } from "../../ledger/ledger";
import type { IssuedSecret, Receipt } from "../../connectors/types";
import { recordIssuedCredentials, recordRevokedCredentials } from "../credentials/service";
import { raiseFinding } from "../findings/service";
import { notify, notifyAll, type NotifyInput } from "../notifications/notify";
import { resolveWork, workKey } from "../notifications/resolve";
import { startRevocations, type RevocationInput } from "./grant-lifecycle";
import { activeWithRole, holderRecipients, ownerIds } from "./people";
import { formatDateTime } from "@/components/ui/format";

/** After this many failed attempts a task stops retrying and is shown as FAILED to owners and admins. */
export const MAX_ATTEMPTS = 6;
/** How long a webhook that answered 202 has to call back before the call is sent again. */
export const CALLBACK_WAIT_MS = 60 * 60_000;
const BASE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 60 * 60_000;

/** 30 s, 1 min, 2 min, ... after the 1st, 2nd, 3rd failure; at most an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

const TASK_CONTEXT = {
  grant: {
    include: {
      identity: { select: { id: true, displayName: true, email: true, kind: true, status: true, ownerId: true } },
      entitlement: {
        select: { id: true, name: true, externalRef: true, ownerId: true, issuesCredential: true, credentialRotateHours: true, system: { select: { id: true, name: true, ownerId: true, connector: true, connectorConfig: true } } },
      },
      credential: { select: { id: true } },
    },
  },
} as const;

/** The task with everything a connector and the outcome need. */
export async function loadTaskContext(tx: Tx, taskId: string) {
  return tx.provisioningTask.findUnique({ where: { id: taskId }, include: TASK_CONTEXT });
}

/** loadTaskContext for a batch, in one query (in the order of `taskIds`; missing ones left out). */
export async function loadTaskContexts(tx: Tx, taskIds: string[]): Promise<TaskContext[]> {
  const rows = await tx.provisioningTask.findMany({ where: { id: { in: taskIds } }, include: TASK_CONTEXT });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return taskIds.map((id) => byId.get(id)).filter((r): r is TaskContext => r !== undefined);
}

export type TaskContext = NonNullable<Awaited<ReturnType<typeof loadTaskContext>>>;

/** Which state and claim the task must still be in for this outcome to apply. */
export type TaskGuard = { status: TaskStatus; claimedBy?: string | null };

const owners = (t: TaskContext) => ({ systemOwnerId: t.grant.entitlement.system.ownerId, entitlementOwnerId: t.grant.entitlement.ownerId });
const describe = (t: TaskContext) => `${t.grant.entitlement.name} (${t.grant.entitlement.system.name}) for ${t.grant.identity.displayName}`;

function guardWhere(t: TaskContext, g: TaskGuard) {
  return { id: t.id, status: g.status, ...(g.claimedBy !== undefined ? { claimedBy: g.claimedBy } : {}) };
}

/**
 * A confirmed action: the task is DONE with its receipt, the grant ACTIVE (GRANT) or REVOKED (REVOKE), and
 * the ledger has "grant.provisioned" / "grant.revoked" with the receipt. A grant confirmed for a holder who
 * left meanwhile is sent straight to revocation.
 */
export async function completeTask(
  tx: Tx,
  t: TaskContext,
  guard: TaskGuard,
  o: { receipt: Receipt | Record<string, unknown>; now: Date; actorId: string | null; confirmedById?: string; confirmNote?: string },
): Promise<boolean> {
  return (await completeTasks(tx, [{ t, guard, receipt: o.receipt }], o)).has(t.id);
}

/** `secret`: the credential a connector issued for the task (see server/domain/credentials), never in the receipt. */
export type Completion = { t: TaskContext; guard: TaskGuard; receipt: Receipt | Record<string, unknown>; secret?: IssuedSecret };

/**
 * completeTask for many tasks at once (the worker's batch), with the same guarantees per task: one
 * conditional UPDATE moves every task still in its expected state (and claim), one UPDATE per action moves
 * their grants, then each moved task's event in the order given, then the holders' notifications in one
 * statement. Returns the ids of the tasks this call completed (a task another worker moved is left alone).
 */
export async function completeTasks(
  tx: Tx,
  items: Completion[],
  o: { now: Date; actorId: string | null; confirmedById?: string; confirmNote?: string },
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = JSON.stringify(
    items.map(({ t, guard, receipt }) => ({ id: t.id, status: guard.status, checkClaim: guard.claimedBy !== undefined, claimedBy: guard.claimedBy ?? null, receipt })),
  );
  const moved = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "ProvisioningTask" p
       SET "status" = 'DONE', "receipt" = v."receipt", "doneAt" = ${o.now.toISOString()}::timestamp, "claimedBy" = NULL, "claimedUntil" = NULL,
           "confirmedById" = ${o.confirmedById ?? null}::uuid, "confirmNote" = ${o.confirmNote ?? null},
           "attempts" = p."attempts" + CASE WHEN p."status" = 'PENDING' THEN 1 ELSE 0 END, "updatedAt" = ${new Date().toISOString()}::timestamp
      FROM jsonb_to_recordset(${rows}::jsonb) AS v("id" uuid, "status" text, "checkClaim" boolean, "claimedBy" text, "receipt" jsonb)
     WHERE p."id" = v."id" AND p."status"::text = v."status" AND (NOT v."checkClaim" OR p."claimedBy" IS NOT DISTINCT FROM v."claimedBy")
    RETURNING p."id"`;
  const done = new Set(moved.map((m) => m.id));
  const completed = items.filter((i) => done.has(i.t.id));
  // Done, by a connector or by a person's confirmation: "do it by hand" / "retry it" notifications are resolved.
  await resolveWork(tx, completed.map((i) => workKey.task(i.t.id)), o.now);
  const grantIds = (action: TaskAction) => completed.filter((i) => i.t.action === action).map((i) => i.t.grant.id);
  const toActivate = grantIds("GRANT");
  const toRevoke = grantIds("REVOKE");
  const activated = new Set(
    toActivate.length === 0
      ? []
      : (await tx.grant.updateManyAndReturn({ where: { id: { in: toActivate }, status: "PENDING_PROVISION" }, data: { status: "ACTIVE" }, select: { id: true } })).map((g) => g.id),
  );
  const revoked = new Set(
    toRevoke.length === 0
      ? []
      : (await tx.grant.updateManyAndReturn({ where: { id: { in: toRevoke }, status: "PENDING_REVOKE" }, data: { status: "REVOKED", revokedAt: o.now }, select: { id: true } })).map((g) => g.id),
  );

  const notes: NotifyInput[] = [];
  const leavers: RevocationInput[] = [];
  for (const { t, receipt } of completed) {
    const g = t.grant;
    if (t.action === "GRANT") {
      const grantActivated = activated.has(g.id);
      await recordEvent(tx, {
        actorId: o.actorId,
        action: "grant.provisioned",
        subjectType: "Grant",
        subjectId: g.id,
        occurredAt: o.now,
        payload: { taskId: t.id, connector: t.connector, identityId: g.identityId, entitlementId: g.entitlementId, entitlement: g.entitlement.name, system: g.entitlement.system.name, expiresAt: g.expiresAt, receipt, grantActivated },
      });
      if (!grantActivated) continue;
      notes.push({
        recipientIds: holderRecipients(g.identity),
        kind: "grant.active",
        title: `Access granted: ${g.entitlement.name}`,
        body: `${g.identity.displayName} now has ${g.entitlement.name} in ${g.entitlement.system.name}${g.expiresAt ? ` until ${formatDateTime(g.expiresAt)}` : ""}.`,
        link: `/identities/${g.identityId}`,
        dedupeKey: `grant-active:${g.id}`,
      });
      if (g.identity.status !== "ACTIVE") {
        leavers.push({ grantId: g.id, cause: "LEAVER", actorId: null, note: `The holder is ${g.identity.status.toLowerCase()}: access confirmed after they left is removed at once.`, now: o.now });
      }
    } else {
      const grantRevoked = revoked.has(g.id);
      await recordEvent(tx, {
        actorId: o.actorId,
        action: "grant.revoked",
        subjectType: "Grant",
        subjectId: g.id,
        occurredAt: o.now,
        payload: { taskId: t.id, connector: t.connector, identityId: g.identityId, entitlementId: g.entitlementId, entitlement: g.entitlement.name, system: g.entitlement.system.name, cause: g.revocationCause, note: g.revocationNote, receipt, grantRevoked },
      });
      if (!grantRevoked) continue;
      notes.push({
        recipientIds: holderRecipients(g.identity),
        kind: "grant.revoked",
        title: `Access removed: ${g.entitlement.name}`,
        body: `${g.entitlement.name} in ${g.entitlement.system.name} was removed from ${g.identity.displayName}${g.revocationCause ? ` (${g.revocationCause.toLowerCase()})` : ""}.`,
        link: `/identities/${g.identityId}`,
        dedupeKey: `grant-revoked:${g.id}`,
      });
    }
  }
  // Credentials: an issued login is kept (sealed) for a grant this call activated; a revoked one is closed.
  await recordIssuedCredentials(
    tx,
    completed.filter((i) => i.t.action === "GRANT" && i.secret && activated.has(i.t.grant.id)).map((i) => ({ grant: i.t.grant, secret: i.secret!, receipt: i.receipt })),
    o.now,
  );
  await recordRevokedCredentials(tx, completed.filter((i) => i.t.action === "REVOKE" && i.t.grant.credential).map((i) => ({ grantId: i.t.grant.id, receipt: i.receipt })), o.now);
  await notifyAll(tx, notes);
  await startRevocations(tx, leavers);
  return done;
}

/**
 * A failed attempt (error, unconfirmed read-back, a webhook's "failed" callback): retried with backoff, or,
 * after MAX_ATTEMPTS (or `final`), the task is FAILED, the grant PROVISION_FAILED / REVOKE_FAILED, a finding is
 * opened and the owners and admins are told, with a "grant.provision_failed" / "grant.revoke_failed" event.
 */
export async function failAttempt(
  tx: Tx,
  t: TaskContext,
  guard: TaskGuard,
  o: { error: string; now: Date; actorId: string | null; final?: boolean; countAttempt?: boolean; receipt?: Receipt | Record<string, unknown> | null },
): Promise<"retry" | "failed" | "lost"> {
  const attempts = t.attempts + (o.countAttempt === false ? 0 : 1);
  const error = o.error.slice(0, 2000);
  if (!o.final && attempts < MAX_ATTEMPTS) {
    const moved = await tx.provisioningTask.updateMany({
      where: guardWhere(t, guard),
      data: { status: "PENDING", attempts, lastError: error, nextAttemptAt: new Date(o.now.getTime() + backoffMs(attempts)), claimedBy: null, claimedUntil: null, ...(o.receipt ? { receipt: o.receipt as object } : {}) },
    });
    return moved.count === 0 ? "lost" : "retry";
  }
  const moved = await tx.provisioningTask.updateMany({
    where: guardWhere(t, guard),
    data: { status: "FAILED", attempts, lastError: error, claimedBy: null, claimedUntil: null, ...(o.receipt ? { receipt: o.receipt as object } : {}) },
  });
  if (moved.count === 0) return "lost";
  // The "do it by hand" work is over (it failed): the failure notification below is the new work.
  await resolveWork(tx, [workKey.task(t.id)], o.now);
  const g = t.grant;
  const grantAction = t.action satisfies TaskAction;
  await tx.grant.updateMany({
    where: { id: g.id, status: grantAction === "GRANT" ? "PENDING_PROVISION" : "PENDING_REVOKE" },
    data: { status: grantAction === "GRANT" ? "PROVISION_FAILED" : "REVOKE_FAILED" },
  });
  const what = grantAction === "GRANT" ? "Granting" : "Removing";
  await raiseFinding(tx, {
    kind: "PROVISIONING_FAILED",
    subjectType: "Grant",
    subjectId: g.id,
    assigneeId: g.entitlement.system.ownerId,
    details: { taskId: t.id, action: t.action, connector: t.connector, attempts, error, entitlement: g.entitlement.name, system: g.entitlement.system.name, identityId: g.identityId },
  });
  const admins = await activeWithRole(tx, "ADMIN");
  await notify(tx, {
    recipientIds: [...ownerIds(owners(t)), ...admins],
    kind: grantAction === "GRANT" ? "task.provision_failed" : "task.revoke_failed",
    title: `${what} access failed: ${g.entitlement.name}`,
    body: `${what} ${describe(t)} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${error.slice(0, 300)}. Fix the cause, then retry it from Tasks.`,
    link: "/tasks",
    dedupeKey: `task-failed:${t.id}:${attempts}`,
    workKey: workKey.task(t.id),
  });
  await recordEvent(tx, {
    actorId: o.actorId,
    action: grantAction === "GRANT" ? "grant.provision_failed" : "grant.revoke_failed",
    subjectType: "Grant",
    subjectId: g.id,
    occurredAt: o.now,
    payload: { taskId: t.id, connector: t.connector, attempts, error, entitlement: g.entitlement.name, system: g.entitlement.system.name, receipt: o.receipt ?? null },
  });
  return "failed";
}

/**
 * The connector asked to wait: a manual task goes to the owners' /tasks; a webhook that answered 202 waits
 * for its callback (and is sent again after CALLBACK_WAIT_MS if none came).
 */
export async function awaitConfirmation(tx: Tx, t: TaskContext, guard: TaskGuard, o: { now: Date; detail?: Record<string, unknown> }): Promise<boolean> {
  const webhook = t.connector === "WEBHOOK";
  const moved = await tx.provisioningTask.updateMany({
    where: guardWhere(t, guard),
    data: {
      status: "AWAITING_CONFIRMATION",
      claimedBy: null,
      claimedUntil: null,
      ...(webhook ? { attempts: t.attempts + 1, nextAttemptAt: new Date(o.now.getTime() + CALLBACK_WAIT_MS) } : {}),
    },
  });
  if (moved.count === 0) return false;
  const g = t.grant;
  await recordEvent(tx, {
    actorId: null,
    action: "provisioning.awaiting_confirmation",
    subjectType: "Grant",
    subjectId: g.id,
    occurredAt: o.now,
    payload: { taskId: t.id, action: t.action, connector: t.connector, entitlement: g.entitlement.name, system: g.entitlement.system.name, ...(o.detail ? { detail: o.detail } : {}) },
  });
  if (!webhook) {
    await notify(tx, {
      recipientIds: ownerIds(owners(t)),
      kind: "task.assigned",
      title: `${t.action === "GRANT" ? "Grant" : "Remove"} access by hand: ${g.entitlement.name}`,
      body: `${t.action === "GRANT" ? "Grant" : "Remove"} ${describe(t)}, then confirm it in Tasks with a note of what you did.`,
      link: "/tasks",
      dedupeKey: `task-assigned:${t.id}`,
      workKey: workKey.task(t.id),
    });
  }
  return true;
}
