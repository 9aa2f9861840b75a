/**
 * A leaver's pending requests, inside the deprovisioning transaction: every PENDING request they made or
 * that is for them is CANCELLED (conditional on its status and revision), its open and waiting stages are
 * voided, and "request.cancelled" is recorded with cause LEAVER.
 */
import type { Tx } from "../../db";
import { recordEvent } from "../../ledger/ledger";
import { voidOpenSteps } from "../approvals/stages";
import { ticketOf } from "../approvals/eligibility";

/** Cancels the leaver's pending requests (as requester or beneficiary). Returns the request ids. */
export async function cancelPendingRequestsOfLeaver(tx: Tx, o: { leaverId: string; actorId: string; now: Date; reason: string }): Promise<string[]> {
  const pending = await tx.accessRequest.findMany({
    where: { status: "PENDING", OR: [{ requesterId: o.leaverId }, { beneficiaryId: o.leaverId }] },
    select: { id: true, revision: true, ticketRef: true },
    orderBy: { id: "asc" },
  });
  const cancelled: string[] = [];
  for (const r of pending) {
    const moved = await tx.accessRequest.updateMany({ where: { id: r.id, status: "PENDING", revision: r.revision }, data: { status: "CANCELLED", decidedAt: o.now } });
    if (moved.count === 0) continue;
    const voided = await voidOpenSteps(tx, r.id, o.now);
    await recordEvent(tx, {
      actorId: o.actorId,
      action: "request.cancelled",
      subjectType: "AccessRequest",
      subjectId: r.id,
      occurredAt: o.now,
      payload: { revision: r.revision, voidedSteps: voided, cause: "LEAVER", leaverId: o.leaverId, reason: o.reason, ...ticketOf(r) },
    });
    cancelled.push(r.id);
  }
  return cancelled;
}
