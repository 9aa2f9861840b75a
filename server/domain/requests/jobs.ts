/**
 * Background work on pending requests, safe to run in any number of workers at once: each item is claimed
 * with `FOR UPDATE SKIP LOCKED` in its own transaction and moved with a conditional write, so two workers
 * never process the same stage or request twice.
 *
 * - escalateOverdueStages: an OPEN stage past its escalation time goes to the fallback approvers as well
 *   (SECURITY holders for manager/owner stages, ADMIN holders for the security stage; never a party to the
 *   request, nor someone who approved an earlier stage).
 * - expireOverdueRequests: a PENDING request past its deadline expires; its open stages are voided.
 */
import type { PrismaClient, Tx } from "../../db";
import { recordEvent } from "../../ledger/ledger";
import { notify } from "../notifications/notify";
import { resolveClosedApprovalStages, workKey } from "../notifications/resolve";
import { fallbackApprovers, fallbackRole, priorApproverIds, requestPartiesSelect, ticketOf, toParties } from "../approvals/eligibility";
import { KIND_LABEL, requestTitle } from "../approvals/stages";

const BATCH = 100;

/** Runs `work` once per claimed item, each in its own transaction, until none is left or `limit` is reached. */
async function eachClaimed(db: PrismaClient, limit: number, claim: (tx: Tx) => Promise<string | null>, work: (tx: Tx, id: string) => Promise<boolean>): Promise<number> {
  let processed = 0;
  for (let i = 0; i < limit; i++) {
    const res = await db.$transaction(async (tx) => {
      const id = await claim(tx);
      if (!id) return null;
      return work(tx, id);
    });
    if (res === null) break;
    if (res) processed++;
  }
  return processed;
}

// The columns are timestamp(3) holding UTC; an ISO string cast to timestamp compares in UTC.
const iso = (d: Date) => d.toISOString();

/** Adds the fallback approvers to OPEN stages pending past their escalation time. */
export async function escalateOverdueStages(db: PrismaClient, now: Date): Promise<{ processed: number }> {
  const processed = await eachClaimed(
    db,
    BATCH,
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "ApprovalStep"
        WHERE "status" = 'OPEN' AND "escalatedAt" IS NULL AND "escalateAt" <= ${iso(now)}::timestamp
        ORDER BY "escalateAt" ASC, "id" ASC LIMIT 1 FOR UPDATE SKIP LOCKED`;
      return rows[0]?.id ?? null;
    },
    async (tx, id) => {
      const step = await tx.approvalStep.findUniqueOrThrow({ where: { id }, include: { request: { select: { ...requestPartiesSelect, status: true, steps: true } } } });
      const parties = toParties(step.request);
      const prior = priorApproverIds(step.request.steps);
      const fallback = await fallbackApprovers(tx, step.kind, parties, [...prior]);
      const added = fallback.filter((p) => !step.eligibleIds.includes(p.id));
      const moved = await tx.approvalStep.updateMany({
        where: { id, status: "OPEN", escalatedAt: null },
        data: { escalatedAt: now, eligibleIds: [...step.eligibleIds, ...added.map((p) => p.id)] },
      });
      if (moved.count === 0) return false;
      const title = requestTitle(step.request);
      await recordEvent(tx, {
        actorId: null,
        action: "approval.escalated",
        subjectType: "AccessRequest",
        subjectId: step.requestId,
        occurredAt: now,
        payload: { stepId: id, stageOrder: step.stageOrder, kind: step.kind, escalateAt: step.escalateAt, fallbackRole: fallbackRole(step.kind), added, eligibleBefore: step.eligibleIds },
      });
      await notify(tx, {
        recipientIds: added.map((p) => p.id),
        kind: "approval.escalated",
        title: `Escalated to you: ${title}`,
        body: `The ${KIND_LABEL[step.kind].toLowerCase()} stage has waited past its limit; as a fallback approver you can now decide it.`,
        link: `/requests/${step.requestId}`,
        dedupeKey: `escalated:${id}`,
        workKey: workKey.approvalStep(id),
      });
      return true;
    },
  );
  return { processed };
}

/** Expires PENDING requests past their deadline and voids their open stages. */
export async function expireOverdueRequests(db: PrismaClient, now: Date): Promise<{ processed: number }> {
  const processed = await eachClaimed(
    db,
    BATCH,
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "AccessRequest"
        WHERE "status" = 'PENDING' AND "deadlineAt" <= ${iso(now)}::timestamp
        ORDER BY "deadlineAt" ASC, "id" ASC LIMIT 1 FOR UPDATE SKIP LOCKED`;
      return rows[0]?.id ?? null;
    },
    async (tx, id) => {
      const r = await tx.accessRequest.findUniqueOrThrow({ where: { id }, select: { ...requestPartiesSelect, revision: true, deadlineAt: true } });
      const moved = await tx.accessRequest.updateMany({ where: { id, status: "PENDING", revision: r.revision }, data: { status: "EXPIRED", decidedAt: now } });
      if (moved.count === 0) return false;
      const voided = await tx.approvalStep.updateMany({ where: { requestId: id, status: { in: ["WAITING", "OPEN"] } }, data: { status: "VOID" } });
      await resolveClosedApprovalStages(tx, id, now);
      await recordEvent(tx, {
        actorId: null,
        action: "request.expired",
        subjectType: "AccessRequest",
        subjectId: id,
        occurredAt: now,
        payload: { deadlineAt: r.deadlineAt, revision: r.revision, voidedSteps: voided.count, ...ticketOf(r) },
      });
      await notify(tx, {
        recipientIds: [r.requesterId],
        kind: "request.expired",
        title: `Expired: ${requestTitle(r)}`,
        body: "Nobody decided your request before its deadline, so it expired. Submit a new request if you still need the access.",
        link: `/requests/${id}`,
        dedupeKey: `expired:${id}`,
      });
      return true;
    },
  );
  return { processed };
}
