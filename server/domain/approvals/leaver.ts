/**
 * A leaver's part in pending approvals, inside the deprovisioning transaction (after the person is marked
 * DEPROVISIONED): an OPEN stage that listed the leaver and has no other active eligible person left goes to
 * the fallback approvers at once, the way an overdue stage is escalated (escalateOverdueStages): the fallback
 * role holders are added to its eligible people and the stage is marked escalated, which is what lets a
 * FALLBACK authority decide it. A delegate of the leaver cannot act for them any more (their authority ends
 * with their status), so delegation does not keep such a stage decidable.
 */
import type { Tx } from "../../db";
import { recordEvent } from "../../ledger/ledger";
import { notify } from "../notifications/notify";
import { workKey } from "../notifications/resolve";
import { fallbackApprovers, fallbackRole, priorApproverIds, requestPartiesSelect, toParties } from "./eligibility";
import { KIND_LABEL, requestTitle } from "./stages";

/** Escalates the open stages the leaver could decide and nobody else still can. Returns the step ids. */
export async function escalateStagesOfLeaver(tx: Tx, o: { leaverId: string; actorId: string; now: Date; reason: string }): Promise<string[]> {
  const steps = await tx.approvalStep.findMany({
    where: { status: "OPEN", eligibleIds: { has: o.leaverId }, request: { status: "PENDING" } },
    include: { request: { select: { ...requestPartiesSelect, steps: true } } },
    orderBy: { id: "asc" },
  });
  const escalated: string[] = [];
  for (const step of steps) {
    const others = step.eligibleIds.filter((id) => id !== o.leaverId);
    const stillActive = others.length ? await tx.identity.count({ where: { id: { in: others }, kind: "HUMAN", status: "ACTIVE" } }) : 0;
    if (stillActive > 0) continue;
    const parties = toParties(step.request);
    const prior = priorApproverIds(step.request.steps);
    const fallback = await fallbackApprovers(tx, step.kind, parties, [...prior]);
    const added = fallback.filter((p) => !step.eligibleIds.includes(p.id));
    if (added.length === 0 && step.escalatedAt) continue;
    // Conditional: the stage is still open with the eligible people read above.
    const moved = await tx.approvalStep.updateMany({
      where: { id: step.id, status: "OPEN", eligibleIds: { equals: step.eligibleIds } },
      data: { escalatedAt: step.escalatedAt ?? o.now, eligibleIds: [...step.eligibleIds, ...added.map((p) => p.id)] },
    });
    if (moved.count === 0) continue;
    escalated.push(step.id);
    const title = requestTitle(step.request);
    await recordEvent(tx, {
      actorId: o.actorId,
      action: "approval.escalated",
      subjectType: "AccessRequest",
      subjectId: step.requestId,
      occurredAt: o.now,
      payload: { stepId: step.id, stageOrder: step.stageOrder, kind: step.kind, cause: "LEAVER", leaverId: o.leaverId, reason: o.reason, fallbackRole: fallbackRole(step.kind), added, eligibleBefore: step.eligibleIds },
    });
    await notify(tx, {
      recipientIds: added.map((p) => p.id),
      kind: "approval.escalated",
      title: `Escalated to you: ${title}`,
      body: `The only approver of the ${KIND_LABEL[step.kind].toLowerCase()} stage has left; as a fallback approver you can now decide it.`,
      link: `/requests/${step.requestId}`,
      dedupeKey: `escalated-leaver:${step.id}:${o.leaverId}`,
      workKey: workKey.approvalStep(step.id),
    });
  }
  return escalated;
}
