/**
 * Findings: exceptions that need a person (an NHI whose owner left, a late break-glass review, a
 * provisioning action that kept failing, a connector target an admin changed, drift found by a
 * reconciliation). Written inside the transaction of the change that raised them. Most are resolved here with
 * a note; reconciliation drift only through its actions (server/domain/reconciliation).
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { resolveWork, workKey } from "../notifications/resolve";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { RECON_KINDS } from "../reconciliation/schema";
import { SECURITY_CHECKED_KINDS, type FindingKind, type ZResolveFindingInput } from "./schema";

export type FindingInput = {
  kind: FindingKind;
  subjectType: string;
  subjectId: string;
  assigneeId: string | null;
  details: Record<string, unknown>;
  /** Same key = the same finding: raising it twice keeps one. */
  dedupeKey?: string;
};

/** Opens a finding; returns its id, or null when one with the same dedupe key exists already. */
export async function raiseFinding(tx: Tx, f: FindingInput): Promise<string | null> {
  if (f.dedupeKey) {
    const existing = await tx.finding.findUnique({ where: { dedupeKey: f.dedupeKey }, select: { id: true } });
    if (existing) return null;
  }
  const row = await tx.finding.create({
    data: { kind: f.kind, subjectType: f.subjectType, subjectId: f.subjectId, assigneeId: f.assigneeId, details: f.details as object, dedupeKey: f.dedupeKey ?? null },
    select: { id: true },
  });
  return row.id;
}

/** Why this actor may not resolve this finding, or null when they may (the list view uses it as a hint). */
export function resolveRefusal(actor: Actor, f: { kind: string; details: unknown }): string | null {
  if (!hasRole(actor, "ADMIN", "SECURITY")) return "Only an admin or a security officer can resolve a finding.";
  if ((RECON_KINDS as readonly string[]).includes(f.kind)) {
    // Drift is closed by what is done about it (server/domain/reconciliation), not by a note: a note would
    // leave the access as it is and the next run would open the finding again.
    return "Act on this finding from its system's page: adopt, revoke, re-provision, or accept it with a reason and an end date.";
  }
  if ((SECURITY_CHECKED_KINDS as readonly string[]).includes(f.kind)) {
    if (!hasRole(actor, "SECURITY")) return "Only a security officer can resolve this finding: it is security's check of an admin's change.";
    const by = (f.details as { changedById?: unknown } | null)?.changedById;
    if (by === actor.id) return "You made this change: another security officer must check and resolve it.";
  }
  return null;
}

/**
 * Resolves an open finding with a note of what was done: ADMIN or SECURITY (for a connector target change:
 * SECURITY only, and not the person who made the change). Conditional write OPEN → RESOLVED
 * (CONFLICT when someone resolved it first); the note is kept in the finding's details and in the
 * "finding.resolved" ledger event written in the same transaction.
 */
export async function resolveFinding(ctx: ServiceCtx, input: z.output<typeof ZResolveFindingInput>) {
  if (!hasRole(ctx.actor, "ADMIN", "SECURITY")) throw forbidden("Only an admin or a security officer can resolve a finding.");
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const f = await tx.finding.findUnique({ where: { id: input.id } });
    if (!f) throw notFound("The finding");
    if (f.status !== "OPEN") throw conflict("This finding is already resolved; reload to see who resolved it.");
    const refusal = resolveRefusal(ctx.actor, f);
    if (refusal) throw forbidden(refusal);
    const details = { ...((f.details ?? {}) as Record<string, unknown>), resolutionNote: input.note };
    const moved = await tx.finding.updateMany({
      where: { id: f.id, status: "OPEN" },
      data: { status: "RESOLVED", resolvedAt: now, resolvedById: ctx.actor.id, details: details as Prisma.InputJsonValue },
    });
    if (moved.count === 0) throw conflict("This finding is already resolved; reload to see who resolved it.");
    // The finding's notifications (and, for a failed provisioning action, the task's "retry it") are done.
    const taskId = (f.details as { taskId?: unknown } | null)?.taskId;
    await resolveWork(tx, [workKey.finding(f.id), ...(typeof taskId === "string" ? [workKey.task(taskId)] : [])], now);
    await recordEvent(tx, {
      actorId: ctx.actor.id,
      action: "finding.resolved",
      subjectType: "Finding",
      subjectId: f.id,
      occurredAt: now,
      payload: { kind: f.kind, subjectType: f.subjectType, subjectId: f.subjectId, note: input.note, openedAt: f.createdAt },
    });
    return { id: f.id, status: "RESOLVED" as const, resolvedAt: now };
  });
}
