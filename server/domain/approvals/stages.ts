/**
 * Moving a request through its approval stages, inside the caller's transaction: open a stage (resolve and
 * record who may decide it, notify them and their delegates), finish a request as approved (grant + outbox
 * task in the same transaction), void what is left. Used by submitting, editing and deciding.
 */
import type { Tx } from "../../db";
import type { ApprovalKind } from "../../db/generated/client";
import { conflict } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { notify } from "../notifications/notify";
import { resolveClosedApprovalStages, workKey } from "../notifications/resolve";
import { createGrantForRequest } from "../provisioning/grant-lifecycle";
import { ESCALATE_AFTER_HOURS } from "../requests/schema";
import { activeDelegatesOf, conflictedIds, directApprovers, fallbackApprovers, ticketOf, type PersonRef, type RequestParties } from "./eligibility";

export const STALE_REQUEST = "This request was already decided, changed or cancelled; reload to see where it stands.";

export const KIND_LABEL: Record<ApprovalKind, string> = { MANAGER: "Manager", OWNER: "Entitlement owner", SECURITY: "Security", NHI_OWNER: "Identity owner" };

export type OpenedStage = {
  stepId: string;
  eligible: PersonRef[];
  fallback: boolean;
  delegates: PersonRef[];
  /** The delegates with whom they act for (a delegate of two eligible people appears twice), as StageView shows them. */
  delegatesFor: (PersonRef & { forId: string })[];
  openedAt: Date;
  escalateAt: Date;
};

/** Who a stage goes to if it opens now: its direct approvers, else the fallback approvers; when it escalates. */
export type StageOpening = { eligible: PersonRef[]; fallback: boolean; openedAt: Date; escalateAt: Date };

export async function stageOpening(tx: Tx, kind: ApprovalKind, parties: RequestParties, prior: Set<string>, now: Date): Promise<StageOpening> {
  const exclude = [...prior];
  let eligible = await directApprovers(tx, kind, parties, exclude);
  let fallback = false;
  if (eligible.length === 0) {
    eligible = await fallbackApprovers(tx, kind, parties, exclude);
    fallback = true;
  }
  return { eligible, fallback, openedAt: now, escalateAt: new Date(now.getTime() + ESCALATE_AFTER_HOURS * 3_600_000) };
}

/** The step's columns once opened as `opening` says (for an UPDATE of a waiting step, or an INSERT of an open one). */
export function openedColumns(o: StageOpening) {
  return { status: "OPEN" as const, eligibleIds: o.eligible.map((p) => p.id), openedAt: o.openedAt, escalateAt: o.escalateAt, escalatedAt: o.fallback ? o.openedAt : null };
}

type OpenArgs = { step: { id: string; stageOrder: number; kind: ApprovalKind }; parties: RequestParties; prior: Set<string>; actorId: string | null; now: Date; title: string };

/**
 * Opens a WAITING stage: records who may decide it (direct approvers, or the fallback approvers when nobody
 * is eligible), notifies them and their delegates, and writes approval.stage_opened. Conditional on the
 * step still WAITING (else CONFLICT: the request moved on).
 */
export async function openStage(tx: Tx, o: OpenArgs): Promise<OpenedStage> {
  const opening = await stageOpening(tx, o.step.kind, o.parties, o.prior, o.now);
  const moved = await tx.approvalStep.updateMany({ where: { id: o.step.id, status: "WAITING" }, data: openedColumns(opening) });
  if (moved.count === 0) throw conflict(STALE_REQUEST);
  return recordStageOpened(tx, o, opening);
}

/**
 * What opening a stage writes besides the step itself (openStage, or a step inserted open with
 * openedColumns): the delegates, the approval.stage_opened event and the notifications.
 */
export async function recordStageOpened(tx: Tx, o: OpenArgs, opening: StageOpening): Promise<OpenedStage> {
  const { eligible, fallback, escalateAt } = opening;
  const delegatesMap = await activeDelegatesOf(tx, eligible.map((p) => p.id), o.now, [...conflictedIds(o.parties), ...o.prior]);
  const delegates = [...new Map([...delegatesMap.values()].flat().map((d) => [d.id, { id: d.id, name: d.name }])).values()];
  await recordEvent(tx, {
    actorId: o.actorId,
    action: "approval.stage_opened",
    subjectType: "AccessRequest",
    subjectId: o.parties.id,
    occurredAt: o.now,
    payload: {
      stepId: o.step.id,
      stageOrder: o.step.stageOrder,
      kind: o.step.kind,
      eligible,
      delegates,
      escalateAt,
      ...(fallback ? { fallback: true, fallbackReason: eligible.length ? "Nobody held the stage's relationship without a conflict: it went to the fallback approvers." : "Nobody is eligible, not even a fallback approver." } : {}),
    },
  });
  await notify(tx, {
    recipientIds: [...eligible.map((p) => p.id), ...delegates.map((p) => p.id)],
    kind: "approval.requested",
    title: `Approval needed: ${o.title}`,
    body: `${onBehalfLine(o.parties)}You can decide the ${KIND_LABEL[o.step.kind].toLowerCase()} stage of this request${fallback ? " (as a fallback approver)" : ""}.`,
    link: `/requests/${o.parties.id}`,
    dedupeKey: `stage-opened:${o.step.id}`,
    workKey: workKey.approvalStep(o.step.id),
  });
  const delegatesFor = [...delegatesMap.entries()].flatMap(([forId, list]) => list.map((d) => ({ id: d.id, name: d.name, forId })));
  return { stepId: o.step.id, eligible, fallback, delegates, delegatesFor, openedAt: o.now, escalateAt };
}

/** The final approval: request → APPROVED (conditional) and the grant with its provisioning task. */
export async function completeApproval(
  tx: Tx,
  a: {
    request: { id: string; requesterId: string; beneficiaryId: string; entitlementId: string; durationHours: number; emergency: boolean; revision: number; ticketRef?: string | null };
    actorId: string | null;
    now: Date;
    title: string;
  },
): Promise<{ grantId: string }> {
  const moved = await tx.accessRequest.updateMany({ where: { id: a.request.id, status: "PENDING", revision: a.request.revision }, data: { status: "APPROVED", decidedAt: a.now } });
  if (moved.count === 0) throw conflict(STALE_REQUEST);
  const { grantId, extendsGrantId } = await createGrantForRequest(tx, { request: a.request, actorId: a.actorId, now: a.now });
  await recordEvent(tx, {
    actorId: a.actorId,
    action: "request.approved",
    subjectType: "AccessRequest",
    subjectId: a.request.id,
    occurredAt: a.now,
    payload: { grantId, revision: a.request.revision, ...(extendsGrantId ? { extendsGrantId } : {}), ...ticketOf(a.request) },
  });
  await notify(tx, {
    recipientIds: [a.request.requesterId],
    kind: "request.approved",
    title: `Approved: ${a.title}`,
    body: "Every approval stage approved your request. The access is being provisioned.",
    link: `/requests/${a.request.id}`,
  });
  return { grantId };
}

/**
 * Voids every WAITING or OPEN step of a request (on deny, cancel, expiry) and resolves the approvers'
 * notifications of its closed stages. Returns how many steps were voided.
 */
export async function voidOpenSteps(tx: Tx, requestId: string, now: Date): Promise<number> {
  const res = await tx.approvalStep.updateMany({ where: { requestId, status: { in: ["WAITING", "OPEN"] } }, data: { status: "VOID" } });
  await resolveClosedApprovalStages(tx, requestId, now);
  return res.count;
}

/** "Asked by X for Y. " when someone asked on another person's behalf (approvers see who asked for whom). */
function onBehalfLine(p: RequestParties): string {
  if (p.requesterId === p.beneficiaryId || !p.requester) return "";
  return `Asked by ${p.requester.displayName} for ${p.beneficiary.displayName}. `;
}

export function requestTitle(r: { entitlement: { name: string; system: { name: string } }; beneficiary: { displayName: string } }): string {
  return `${r.entitlement.name} (${r.entitlement.system.name}) for ${r.beneficiary.displayName}`;
}
