/**
 * Deciding an approval stage. One transaction: load the request fresh → the actor must not be a party
 * (requester, beneficiary, beneficiary's owner) → must not have approved another stage (distinct approvers)
 * → must be eligible now, directly (listed for the stage and still holding the relationship, or the
 * fallback role on an escalated stage) or as an active delegate of someone who is → conditional writes on
 * the request (PENDING, at the revision the approver saw) and the step (OPEN) → ledger → notifications.
 * The database refuses a self-decision and a second approval by the same person on its own too.
 */
import type { z } from "zod";
import { isUniqueViolation } from "../../db/refusals";
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { conflict, DomainError, forbidden, notFound, type DomainErrorCode } from "../../errors";
import { logUnexpected } from "../../logger";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type ServiceCtx } from "../actor";
import { notify } from "../notifications/notify";
import { resolveWork, workKey } from "../notifications/resolve";
import { conflictReason, priorApproverIds, requestPartiesSelect, resolveAuthority, ticketOf, toParties } from "./eligibility";
import { completeApproval, KIND_LABEL, openStage, requestTitle, STALE_REQUEST, voidOpenSteps } from "./stages";
import type { ZDecideManyInput, ZDecideStepInput } from "./schema";
import { canSeeRequest } from "../requests/queries";
import { lockRequestBeneficiary } from "../locks";

async function holdDelegation(tx: Tx, delegationId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Delegation" WHERE "id" = ${delegationId}::uuid AND "revokedAt" IS NULL FOR SHARE`;
  return rows.length === 1;
}

/** Maps a database refusal (CHECK or the distinct-approvers index) to what the approver is told. */
function databaseRefusal(e: unknown): Error | null {
  if (isUniqueViolation(e)) {
    return forbidden("You already approved another stage of this request: a different person must approve this one.");
  }
  const msg = e instanceof Error ? e.message : "";
  if (/ApprovalStep_no_self_decision/.test(msg)) return forbidden("You cannot decide a request in which you are the requester, the beneficiary or the beneficiary's owner.");
  if (/ApprovalStep_distinct_approvers/.test(msg)) return forbidden("You already approved another stage of this request: a different person must approve this one.");
  return null;
}

/**
 * Approves or denies the open stage of a pending request. Who may call: an eligible approver of that stage
 * right now, or their active delegate. Approving the last stage approves the request and creates the grant
 * (and its provisioning task) in the same transaction; denying denies the request and voids the rest.
 */
export async function decideStep(ctx: ServiceCtx, input: z.output<typeof ZDecideStepInput>) {
  const now = ctx.now();
  const actor = ledgerActor(ctx.actor);
  try {
    return await ctx.db.$transaction(async (tx) => {
      // A final approval creates the grant: serialise with every other decision about the beneficiary
      // (the leaver flow, the emergency bound; see server/domain/locks.ts), then read the request fresh.
      await lockRequestBeneficiary(tx, input.requestId, [ctx.actor.id]);
      const r = await tx.accessRequest.findUnique({
        where: { id: input.requestId },
        select: {
          ...requestPartiesSelect,
          entitlementId: true,
          status: true,
          revision: true,
          contentHash: true,
          durationHours: true,
          emergency: true,
          beneficiary: { select: { ...requestPartiesSelect.beneficiary.select } },
          entitlement: { select: { ...requestPartiesSelect.entitlement.select } },
          steps: { orderBy: { stageOrder: "asc" } },
        },
      });
      if (!r) throw notFound("The request");
      const parties = toParties(r);
      if (!(await canSeeRequest(tx, parties, ctx.actor, now))) throw notFound("The request");
      const step = r.steps.find((s) => s.id === input.stepId);
      if (!step) throw notFound("The approval stage");

      const conflictMsg = conflictReason(parties, ctx.actor.id);
      if (conflictMsg) throw forbidden(conflictMsg);
      if (r.status !== "PENDING" || step.status !== "OPEN" || r.revision !== input.expectedRevision) throw conflict(STALE_REQUEST);

      const prior = priorApproverIds(r.steps);
      const res = await resolveAuthority(tx, ctx.actor.id, step, parties, prior, now);
      if (!res.authority) {
        throw forbidden(
          res.reason === "ALREADY_APPROVED"
            ? "You already approved another stage of this request: a different person must approve this one."
            : `You are not an approver of this stage (${KIND_LABEL[step.kind].toLowerCase()}), nor an active delegate of one.`,
        );
      }
      const authority = res.authority;
      // Authority through a delegation: hold the delegation row (FOR SHARE) until commit, so a revocation
      // either landed before this decision (then this read finds nothing) or waits until it is recorded.
      if (authority.via && !(await holdDelegation(tx, authority.via.delegationId))) {
        throw forbidden("The delegation you were acting under was revoked: you are no longer an approver of this stage.");
      }
      const approve = input.decision === "APPROVE";
      const reason = input.reason?.length ? input.reason : null;

      // Conditional writes: the request still pending at the revision the approver saw, the step still open.
      const reqGuard = await tx.accessRequest.updateMany({
        where: { id: r.id, status: "PENDING", revision: input.expectedRevision },
        data: approve ? { updatedAt: now } : { status: "DENIED", decidedAt: now },
      });
      if (reqGuard.count === 0) throw conflict(STALE_REQUEST);
      const stepGuard = await tx.approvalStep.updateMany({
        where: { id: step.id, status: "OPEN" },
        data: {
          status: approve ? "APPROVED" : "DENIED",
          decidedById: ctx.actor.id,
          decidedAt: now,
          reason,
          authority: authority as unknown as Prisma.InputJsonValue,
          boundRevision: r.revision,
          boundContentHash: r.contentHash,
        },
      });
      if (stepGuard.count === 0) throw conflict(STALE_REQUEST);
      // The stage is decided, whoever decided it: every approver's "approval needed" for it is done.
      await resolveWork(tx, [workKey.approvalStep(step.id)], now);

      const title = requestTitle(r);
      await recordEvent(tx, {
        ...actor,
        action: approve ? "approval.approved" : "approval.denied",
        subjectType: "AccessRequest",
        subjectId: r.id,
        occurredAt: now,
        payload: { stepId: step.id, stageOrder: step.stageOrder, kind: step.kind, reason, authority, boundRevision: r.revision, boundContentHash: r.contentHash },
      });

      if (!approve) {
        await voidOpenSteps(tx, r.id, now);
        await recordEvent(tx, { ...actor, action: "request.denied", subjectType: "AccessRequest", subjectId: r.id, occurredAt: now, payload: { stepId: step.id, kind: step.kind, reason, revision: r.revision, ...ticketOf(r) } });
        await notify(tx, { recipientIds: [r.requesterId], kind: "request.denied", title: `Denied: ${title}`, body: `${ctx.actor.displayName} denied your request: ${reason}`, link: `/requests/${r.id}` });
        return { requestId: r.id, status: "DENIED" as const, nextStage: null, grantId: null };
      }

      const next = r.steps.find((s) => s.status === "WAITING" && s.stageOrder > step.stageOrder);
      if (next) {
        prior.add(ctx.actor.id);
        if (authority.via) prior.add(authority.via.delegatedBy.id);
        const opened = await openStage(tx, { step: next, parties, prior, actorId: ctx.actor.id, now, title });
        return { requestId: r.id, status: "PENDING" as const, nextStage: { stepId: next.id, kind: next.kind, eligible: opened.eligible, fallback: opened.fallback }, grantId: null };
      }
      const { grantId } = await completeApproval(tx, {
        request: { id: r.id, requesterId: r.requesterId, beneficiaryId: r.beneficiaryId, entitlementId: r.entitlementId, durationHours: r.durationHours, emergency: r.emergency, revision: r.revision, ticketRef: r.ticketRef },
        actorId: actor.actorId,
        now,
        title,
      });
      return { requestId: r.id, status: "APPROVED" as const, nextStage: null, grantId };
    });
  } catch (e) {
    throw databaseRefusal(e) ?? e;
  }
}

/** What happened to one stage of a bulk decision. */
export type DecideManyOutcome =
  | { requestId: string; stepId: string; ok: true; status: "APPROVED" | "DENIED" | "PENDING" }
  | { requestId: string; stepId: string; ok: false; code: DomainErrorCode | "FAILED"; message: string };

/**
 * Decides several stages with one decision and one reason. Who may call: anyone signed in (not an auditor);
 * each stage is decided by `decideStep`, in its own transaction with all of its checks (party, distinct
 * approvers, eligibility now, the revision the approver saw), so a refused stage changes nothing and never
 * stops the others. Returns one outcome per stage, in the order given; stages are decided one after the
 * other, so two bulk calls over the same stages decide each stage once (the loser gets CONFLICT for it).
 */
export async function decideMany(ctx: ServiceCtx, input: z.output<typeof ZDecideManyInput>): Promise<{ outcomes: DecideManyOutcome[] }> {
  const outcomes: DecideManyOutcome[] = [];
  for (const item of input.items) {
    const ref = { requestId: item.requestId, stepId: item.stepId };
    try {
      const out = await decideStep(ctx, { ...item, decision: input.decision, reason: input.reason });
      outcomes.push({ ...ref, ok: true, status: out.status });
    } catch (e) {
      if (e instanceof DomainError) {
        outcomes.push({ ...ref, ok: false, code: e.code, message: e.message });
      } else {
        // Not a rule: the stage's transaction was rolled back, so nothing changed for it. Logged under an
        // id the approver can quote; the other stages go on.
        const errorId = logUnexpected(e, "approvals.decideMany", ref);
        outcomes.push({ ...ref, ok: false, code: "FAILED", message: `Could not be decided just now (nothing was changed for it): try again. Error id ${errorId}.` });
      }
    }
  }
  return { outcomes };
}
