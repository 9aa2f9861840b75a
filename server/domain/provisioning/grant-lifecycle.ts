/**
 * The grant half of the lifecycle, called inside the transaction of the decision that causes it:
 * a final approval creates a PENDING_PROVISION grant and its outbox task; a revocation moves a grant to
 * PENDING_REVOKE with a REVOKE task. A grant becomes ACTIVE / REVOKED only when the connector confirms
 * (server/jobs/provisioning.ts).
 */
import type { Tx } from "../../db";
import { conflict, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { emergencyMinutesUsed } from "../policy/facts";
import { EMERGENCY_MAX_HOURS, EMERGENCY_WINDOW_HOURS } from "../requests/schema";

export type GrantForRequest = {
  request: { id: string; beneficiaryId: string; entitlementId: string; durationHours: number; emergency: boolean };
  actorId: string | null;
  now: Date;
};

/**
 * When an extension's new grant starts. Choice: a new grant as for any request (Grant.requestId is unique per
 * request), starting where the extended grant ends when that grant is still ACTIVE with a future end date,
 * so the access is continuous and each grant spans exactly the duration that was approved for it; otherwise
 * (already past its end, or being revoked) it starts now. Provisioning is not delayed: the GRANT task runs
 * at once (granting access the holder already has is idempotent and its read-back is the receipt). The old
 * grant is retired at its end date without removing anything in the target system, because the access
 * continues under the new one (see revokeExpiredGrants in server/jobs/expiry.ts).
 */
async function extensionStart(tx: Tx, requestId: string, now: Date): Promise<{ startsAt: Date; extendsGrantId: string | null }> {
  const r = await tx.accessRequest.findUnique({ where: { id: requestId }, select: { extendsGrantId: true } });
  if (!r?.extendsGrantId) return { startsAt: now, extendsGrantId: null };
  const old = await tx.grant.findUnique({ where: { id: r.extendsGrantId }, select: { status: true, expiresAt: true } });
  const continuous = old?.status === "ACTIVE" && old.expiresAt !== null && old.expiresAt > now;
  return { startsAt: continuous ? old.expiresAt! : now, extendsGrantId: r.extendsGrantId };
}

/**
 * The emergency bound, enforced here because every break-glass grant is created here, whatever the policy
 * in force says (a policy can be edited; this cannot): the new grant plus the emergency access the
 * beneficiary had, has or is scheduled to have to the same entitlement within EMERGENCY_WINDOW_HOURS may not
 * exceed EMERGENCY_MAX_HOURS. The caller holds the beneficiary's lock (lockIdentities), so two emergency
 * requests in parallel cannot both fit under the bound.
 */
async function assertEmergencyBound(tx: Tx, r: { beneficiaryId: string; entitlementId: string; durationHours: number }, now: Date) {
  const current = await tx.grant.findFirst({
    where: { identityId: r.beneficiaryId, entitlementId: r.entitlementId, origin: "BREAK_GLASS", status: { in: ["PENDING_PROVISION", "ACTIVE"] } },
    select: { expiresAt: true },
  });
  if (current) {
    throw conflict(`This identity already has emergency access to this entitlement${current.expiresAt ? ` until ${current.expiresAt.toISOString()}` : ""}: it is not granted twice. To keep it longer, request normal access, which needs approval. Nothing was granted.`);
  }
  const used = await emergencyMinutesUsed(tx, r.beneficiaryId, r.entitlementId, now);
  if (used + r.durationHours * 60 > EMERGENCY_MAX_HOURS * 60) {
    throw conflict(
      `Emergency access is at most ${EMERGENCY_MAX_HOURS} hours in total for the same access within ${EMERGENCY_WINDOW_HOURS} hours, and ${used} minutes of it are already used or scheduled: request normal access, which needs approval. Nothing was granted.`,
    );
  }
}

/**
 * Creates the grant of a finally approved request and queues its provisioning. At most one per request
 * (unique). An extension's grant starts where the extended grant ends (see extensionStart).
 */
export async function createGrantForRequest(tx: Tx, g: GrantForRequest): Promise<{ grantId: string; taskId: string; extendsGrantId: string | null; expiresAt: Date }> {
  const ent = await tx.entitlement.findUnique({ where: { id: g.request.entitlementId }, select: { id: true, name: true, system: { select: { id: true, connector: true } } } });
  if (!ent) throw notFound("The entitlement");
  const { startsAt, extendsGrantId } = await extensionStart(tx, g.request.id, g.now);
  const expiresAt = new Date(startsAt.getTime() + g.request.durationHours * 3_600_000);
  if (g.request.emergency) await assertEmergencyBound(tx, g.request, g.now);
  const grant = await tx.grant.create({
    data: {
      identityId: g.request.beneficiaryId,
      entitlementId: ent.id,
      status: "PENDING_PROVISION",
      origin: g.request.emergency ? "BREAK_GLASS" : "REQUEST",
      requestId: g.request.id,
      startsAt,
      expiresAt,
    },
  });
  const task = await tx.provisioningTask.create({
    data: { grantId: grant.id, action: "GRANT", connector: ent.system.connector, nextAttemptAt: g.now },
  });
  await recordEvent(tx, {
    actorId: g.actorId,
    action: "grant.provisioning_requested",
    subjectType: "Grant",
    subjectId: grant.id,
    occurredAt: g.now,
    payload: { requestId: g.request.id, identityId: grant.identityId, entitlementId: ent.id, entitlement: ent.name, startsAt, expiresAt, connector: ent.system.connector, taskId: task.id, origin: grant.origin, ...(extendsGrantId ? { extendsGrantId } : {}) },
  });
  return { grantId: grant.id, taskId: task.id, extendsGrantId, expiresAt };
}

export type RevocationInput = {
  grantId: string;
  cause: "EXPIRY" | "REVIEW" | "LEAVER" | "MANUAL";
  actorId: string | null;
  note: string;
  now: Date;
  /** HOLDER: the holder (or the NHI's owner) gave the access up themselves (relinquishGrant). */
  requestedBy?: "HOLDER";
};

/**
 * Starts revoking an ACTIVE (or failed-to-revoke) grant: conditional move to PENDING_REVOKE and a REVOKE
 * task. Returns null when the grant was not in a revocable state (someone else got there first).
 */
export async function startRevocation(tx: Tx, r: RevocationInput): Promise<{ taskId: string } | null> {
  return (await startRevocations(tx, [r])).get(r.grantId) ?? null;
}

/**
 * startRevocation for many grants at once (a job's batch), with the same guarantees per grant: one
 * conditional UPDATE moves every revocable grant to PENDING_REVOKE, one INSERT adds their REVOKE tasks,
 * then each moved grant gets its "grant.revocation_requested" event, in the order given. Returns, per grant
 * id, its task, or null when that grant was not revocable. NOT_FOUND if any grant does not exist.
 */
export async function startRevocations(tx: Tx, rs: RevocationInput[]): Promise<Map<string, { taskId: string } | null>> {
  const out = new Map<string, { taskId: string } | null>();
  if (rs.length === 0) return out;
  const grants = await tx.grant.findMany({
    where: { id: { in: rs.map((r) => r.grantId) } },
    select: { id: true, status: true, entitlement: { select: { name: true, system: { select: { connector: true } } } } },
  });
  const byId = new Map(grants.map((g) => [g.id, g]));
  if (rs.some((r) => !byId.has(r.grantId))) throw notFound("The grant");
  // One statement for the batch; the per-grant cause, actor and note travel as a JSON record set.
  const rows = JSON.stringify(rs.map((r) => ({ id: r.grantId, cause: r.cause, actorId: r.actorId, note: r.note })));
  const moved = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Grant" g
       SET "status" = 'PENDING_REVOKE', "revocationCause" = v."cause"::"RevocationCause", "revokedById" = v."actorId",
           "revocationNote" = v."note", "updatedAt" = ${new Date().toISOString()}::timestamp
      FROM jsonb_to_recordset(${rows}::jsonb) AS v("id" uuid, "cause" text, "actorId" uuid, "note" text)
     WHERE g."id" = v."id" AND g."status" IN ('ACTIVE', 'REVOKE_FAILED', 'PROVISION_FAILED')
    RETURNING g."id"`;
  const movedIds = new Set(moved.map((m) => m.id));
  // A grant named twice moves once (the second is a lost race: null).
  const toStart = rs.filter((r) => movedIds.delete(r.grantId));
  const tasks = await tx.provisioningTask.createManyAndReturn({
    data: toStart.map((r) => ({ grantId: r.grantId, action: "REVOKE" as const, connector: byId.get(r.grantId)!.entitlement.system.connector, nextAttemptAt: r.now })),
    select: { id: true, grantId: true },
  });
  const taskOf = new Map(tasks.map((t) => [t.grantId, t.id]));
  for (const r of rs) out.set(r.grantId, null);
  for (const r of toStart) {
    const grant = byId.get(r.grantId)!;
    const taskId = taskOf.get(r.grantId)!;
    await recordEvent(tx, {
      actorId: r.actorId,
      action: "grant.revocation_requested",
      subjectType: "Grant",
      subjectId: r.grantId,
      occurredAt: r.now,
      payload: { cause: r.cause, note: r.note, previousStatus: grant.status, entitlement: grant.entitlement.name, taskId, ...(r.requestedBy ? { requestedBy: r.requestedBy } : {}) },
    });
    out.set(r.grantId, { taskId });
  }
  return out;
}

/** Like startRevocation, but a lost race is a CONFLICT for a person who asked for it. */
export async function startRevocationOrConflict(tx: Tx, r: RevocationInput) {
  const res = await startRevocation(tx, r);
  if (!res) throw conflict("This access is not active any more (it may already be being revoked).");
  return res;
}
