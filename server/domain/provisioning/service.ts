/**
 * Writes of the provisioning area done by people: confirming a manual task, retrying a failed one,
 * revoking a grant, deprovisioning a leaver, and security's post-incident review of break-glass access.
 * Each is one transaction: load → check authority → conditional write → ledger event → return.
 */
import type { z } from "zod";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { hasRole, type ServiceCtx } from "../actor";
import { leavePerson } from "../identities/lifecycle";
import { notify } from "../notifications/notify";
import { resolveWork, workKey } from "../notifications/resolve";
import { startRevocationOrConflict } from "./grant-lifecycle";
import { completeTask, failAttempt, loadTaskContext } from "./outcome";
import { holderRecipients, isGrantOwnerOrAdmin } from "./people";
import type { ZConfirmTaskInput, ZDeprovisionIdentityInput, ZRetryTaskInput, ZReviewBreakGlassInput, ZRevokeGrantInput } from "./schema";

const NOT_WAITING = "This task is not waiting for a confirmation any more (someone may have confirmed it already). Reload to see where it is.";

/**
 * Confirms (DONE) or reports as failed (FAILED) a manual task the connector is waiting on. The system owner,
 * the entitlement owner or an admin — never the holder of the access. DONE completes the task with a receipt
 * naming who confirmed it and their note, and activates (or revokes) the grant; FAILED fails the task at once.
 */
export async function confirmTask(ctx: ServiceCtx, input: z.output<typeof ZConfirmTaskInput>) {
  return ctx.db.$transaction(async (tx) => {
    const t = await loadTaskContext(tx, input.taskId);
    if (!t) throw notFound("The task");
    const g = t.grant;
    if (!isGrantOwnerOrAdmin(ctx.actor, { systemOwnerId: g.entitlement.system.ownerId, entitlementOwnerId: g.entitlement.ownerId })) {
      throw forbidden("Only the system owner, the entitlement owner or an admin can confirm this task.");
    }
    if (ctx.actor.id === g.identityId || (g.identity.kind !== "HUMAN" && g.identity.ownerId === ctx.actor.id && !hasRole(ctx.actor, "ADMIN"))) {
      throw forbidden("You cannot confirm a change to access you hold yourself: another owner or an admin must confirm it.");
    }
    if (t.connector !== "MANUAL" || t.status !== "AWAITING_CONFIRMATION") throw conflict(NOT_WAITING);
    const now = ctx.now();
    const guard = { status: "AWAITING_CONFIRMATION" as const };
    if (input.outcome === "DONE") {
      const receipt = {
        connector: "MANUAL",
        action: t.action,
        target: `${g.entitlement.system.name}: ${g.entitlement.name} ${t.action === "GRANT" ? "→" : "✕"} ${g.identity.displayName}`,
        performedAt: now.toISOString(),
        readBack: { confirmedBy: ctx.actor.id, confirmedByName: ctx.actor.displayName, note: input.note },
        confirmed: true,
        confirmedBy: ctx.actor.id,
        note: input.note,
      };
      const ok = await completeTask(tx, t, guard, { receipt, now, actorId: ctx.actor.id, confirmedById: ctx.actor.id, confirmNote: input.note });
      if (!ok) throw conflict(NOT_WAITING);
      return { taskId: t.id, status: "DONE" as const };
    }
    const res = await failAttempt(tx, t, guard, { error: `Reported as not done by ${ctx.actor.displayName}: ${input.note}`, now, actorId: ctx.actor.id, final: true });
    if (res === "lost") throw conflict(NOT_WAITING);
    await tx.provisioningTask.update({ where: { id: t.id }, data: { confirmedById: ctx.actor.id, confirmNote: input.note } });
    return { taskId: t.id, status: "FAILED" as const };
  });
}

/**
 * Sends a FAILED task round again (attempts reset, due now) and puts its grant back to pending. The system
 * owner, the entitlement owner or an admin. Resolves the failure finding. CONFLICT if the task or grant moved on.
 */
export async function retryTask(ctx: ServiceCtx, input: z.output<typeof ZRetryTaskInput>) {
  return ctx.db.$transaction(async (tx) => {
    const t = await loadTaskContext(tx, input.taskId);
    if (!t) throw notFound("The task");
    const g = t.grant;
    if (!isGrantOwnerOrAdmin(ctx.actor, { systemOwnerId: g.entitlement.system.ownerId, entitlementOwnerId: g.entitlement.ownerId })) {
      throw forbidden("Only the system owner, the entitlement owner or an admin can retry this task.");
    }
    if (t.status !== "FAILED") throw conflict("Only a failed task can be retried.");
    const now = ctx.now();
    const grantMoved = await tx.grant.updateMany({
      where: { id: g.id, status: t.action === "GRANT" ? "PROVISION_FAILED" : "REVOKE_FAILED" },
      data: { status: t.action === "GRANT" ? "PENDING_PROVISION" : "PENDING_REVOKE" },
    });
    if (grantMoved.count === 0) throw conflict("This access has changed since the task failed (it may be being revoked by a newer task): there is nothing to retry.");
    const moved = await tx.provisioningTask.updateMany({
      where: { id: t.id, status: "FAILED" },
      data: { status: "PENDING", attempts: 0, nextAttemptAt: now, claimedBy: null, claimedUntil: null, confirmedById: null, confirmNote: null },
    });
    if (moved.count === 0) throw conflict("Only a failed task can be retried.");
    // Retried: the failure's "retry it" notifications and its finding's are done.
    const failures = await tx.finding.findMany({ where: { kind: "PROVISIONING_FAILED", subjectType: "Grant", subjectId: g.id, status: "OPEN" }, select: { id: true } });
    await resolveWork(tx, [workKey.task(t.id), ...failures.map((f) => workKey.finding(f.id))], now);
    await tx.finding.updateMany({
      where: { kind: "PROVISIONING_FAILED", subjectType: "Grant", subjectId: g.id, status: "OPEN" },
      data: { status: "RESOLVED", resolvedAt: now, resolvedById: ctx.actor.id },
    });
    await recordEvent(tx, {
      actorId: ctx.actor.id,
      action: "provisioning.task_retried",
      subjectType: "Grant",
      subjectId: g.id,
      occurredAt: now,
      payload: { taskId: t.id, action: t.action, connector: t.connector, previousAttempts: t.attempts, lastError: t.lastError },
    });
    return { taskId: t.id, status: "PENDING" as const };
  });
}

/** Whether an actor may revoke a grant: an owner of it, an admin, or a security officer. */
export function mayRevoke(actor: ServiceCtx["actor"], o: { systemOwnerId: string; entitlementOwnerId: string | null }): boolean {
  return hasRole(actor, "SECURITY") || isGrantOwnerOrAdmin(actor, o);
}

/**
 * Revokes a grant with a reason: the system owner, the entitlement owner, an admin or a security officer.
 * Moves the grant to PENDING_REVOKE with a REVOKE task (the connector removes it; REVOKED on confirmation).
 * CONFLICT when the access is not active (already being revoked, revoked, or not provisioned yet).
 */
export async function revokeGrant(ctx: ServiceCtx, input: z.output<typeof ZRevokeGrantInput>) {
  return ctx.db.$transaction(async (tx) => {
    const g = await tx.grant.findUnique({
      where: { id: input.grantId },
      select: { id: true, entitlement: { select: { name: true, ownerId: true, system: { select: { name: true, ownerId: true } } } }, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } } },
    });
    if (!g) throw notFound("The grant");
    if (!mayRevoke(ctx.actor, { systemOwnerId: g.entitlement.system.ownerId, entitlementOwnerId: g.entitlement.ownerId })) {
      throw forbidden("Only the owners of this access, admins and security officers can revoke it.");
    }
    const now = ctx.now();
    const res = await startRevocationOrConflict(tx, { grantId: g.id, cause: "MANUAL", actorId: ctx.actor.id, note: input.reason, now });
    await notify(tx, {
      recipientIds: holderRecipients(g.identity).filter((id) => id !== ctx.actor.id),
      kind: "grant.revoking",
      title: `Access being removed: ${g.entitlement.name}`,
      body: `${ctx.actor.displayName} is removing ${g.entitlement.name} in ${g.entitlement.system.name} from ${g.identity.displayName}: ${input.reason}`,
      link: `/identities/${g.identity.id}`,
    });
    return { grantId: g.id, taskId: res.taskId };
  });
}

/**
 * A leaver: ADMIN only, for a person (non-human identities are retired from their own page). The person is
 * DEPROVISIONED (conditional: CONFLICT if already), every grant still in effect goes to revocation (cause
 * LEAVER), and each non-human identity they own gets an NHI_OWNER_LEFT finding assigned to their manager
 * (admins when they have none), who is notified. Their pending requests (as requester or beneficiary) are
 * cancelled (cause LEAVER), and open approval stages nobody but them could decide go to the fallback
 * approvers, and every session of theirs ends (a `session.revoked` event each). All in one transaction;
 * records "identity.deprovisioned" last.
 */
export async function deprovisionIdentity(ctx: ServiceCtx, input: z.output<typeof ZDeprovisionIdentityInput>) {
  if (!hasRole(ctx.actor, "ADMIN")) throw forbidden("Only an admin can deprovision a person.");
  if (input.identityId === ctx.actor.id) throw badInput("You cannot deprovision yourself: ask another admin.");
  return ctx.db.$transaction(async (tx) => {
    // The leaver flow itself lives in identities/lifecycle.ts, shared with SCIM and the HR file import.
    const result = await leavePerson(tx, { actorId: ctx.actor.id, now: ctx.now(), source: { via: "portal" }, identityId: input.identityId, reason: input.reason });
    if (!result) {
      const person = await tx.identity.findUnique({ where: { id: input.identityId }, select: { displayName: true } });
      throw conflict(`${person?.displayName ?? "This person"} is already deprovisioned.`);
    }
    return result;
  });
}

/**
 * Security's post-incident review of break-glass access: SECURITY only, never the requester or the
 * beneficiary. Records the note once (CONFLICT if already reviewed) and resolves a late-review finding.
 */
export async function reviewBreakGlass(ctx: ServiceCtx, input: z.output<typeof ZReviewBreakGlassInput>) {
  if (!hasRole(ctx.actor, "SECURITY")) throw forbidden("Only a security officer can review break-glass access.");
  return ctx.db.$transaction(async (tx) => {
    const r = await tx.accessRequest.findUnique({
      where: { id: input.requestId },
      select: { id: true, emergency: true, status: true, requesterId: true, beneficiaryId: true, incidentRef: true, reviewedAt: true, reviewDueAt: true, reviewEscalatedAt: true, entitlement: { select: { name: true } } },
    });
    if (!r || !r.emergency) throw notFound("The break-glass request");
    if (ctx.actor.id === r.requesterId || ctx.actor.id === r.beneficiaryId) throw forbidden("You cannot review break-glass access you requested or received: another security officer must.");
    if (r.status !== "APPROVED") throw conflict("Only break-glass access that was granted needs a review.");
    const now = ctx.now();
    const moved = await tx.accessRequest.updateMany({
      where: { id: r.id, emergency: true, reviewedAt: null },
      data: { reviewedAt: now, reviewedById: ctx.actor.id, reviewNote: input.note },
    });
    if (moved.count === 0) throw conflict("This break-glass access has already been reviewed.");
    const late = await tx.finding.findMany({ where: { kind: "BREAK_GLASS_REVIEW_LATE", subjectType: "AccessRequest", subjectId: r.id, status: "OPEN" }, select: { id: true } });
    await resolveWork(tx, late.map((f) => workKey.finding(f.id)), now);
    await tx.finding.updateMany({
      where: { kind: "BREAK_GLASS_REVIEW_LATE", subjectType: "AccessRequest", subjectId: r.id, status: "OPEN" },
      data: { status: "RESOLVED", resolvedAt: now, resolvedById: ctx.actor.id },
    });
    await recordEvent(tx, {
      actorId: ctx.actor.id,
      action: "break_glass.reviewed",
      subjectType: "AccessRequest",
      subjectId: r.id,
      occurredAt: now,
      payload: { note: input.note, incidentRef: r.incidentRef, entitlement: r.entitlement.name, reviewDueAt: r.reviewDueAt, late: r.reviewDueAt ? now > r.reviewDueAt : false, escalatedAt: r.reviewEscalatedAt },
    });
    return { requestId: r.id, reviewedAt: now };
  });
}
