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
export async function createGrantForRequest(tx: Tx, g: GrantForRequest): Promise<{ grantId: string; taskId: string; extendsGrantId: string | null }> {
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
  return { grantId: grant.id, taskId: task.id, extendsGrantId };
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
  const grant = await tx.grant.findUnique({ where: { id: r.grantId }, select: { id: true, status: true, entitlement: { select: { name: true, system: { select: { connector: true } } } } } });
  if (!grant) throw notFound("The grant");
  const moved = await tx.grant.updateMany({
    where: { id: r.grantId, status: { in: ["ACTIVE", "REVOKE_FAILED", "PROVISION_FAILED"] } },
    data: { status: "PENDING_REVOKE", revocationCause: r.cause, revokedById: r.actorId, revocationNote: r.note },
  });
  if (moved.count === 0) return null;
  const task = await tx.provisioningTask.create({
    data: { grantId: r.grantId, action: "REVOKE", connector: grant.entitlement.system.connector, nextAttemptAt: r.now },
  });
  await recordEvent(tx, {
    actorId: r.actorId,
    action: "grant.revocation_requested",
    subjectType: "Grant",
    subjectId: r.grantId,
    occurredAt: r.now,
    payload: { cause: r.cause, note: r.note, previousStatus: grant.status, entitlement: grant.entitlement.name, taskId: task.id, ...(r.requestedBy ? { requestedBy: r.requestedBy } : {}) },
  });
  return { taskId: task.id };
}

/** Like startRevocation, but a lost race is a CONFLICT for a person who asked for it. */
export async function startRevocationOrConflict(tx: Tx, r: RevocationInput) {
  const res = await startRevocation(tx, r);
  if (!res) throw conflict("This access is not active any more (it may already be being revoked).");
  return res;
}
