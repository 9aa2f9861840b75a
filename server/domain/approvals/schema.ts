/**
 * Inputs of approval decisions and the approver inbox, shared by the router and the browser. Pure.
 */
import { z } from "zod";
import type { ApprovalKind } from "../../db/generated/enums";
import { ZAfter, ZListBase } from "../list";
import { MAX_DB_INT } from "../input-bounds";

export const APPROVAL_KINDS = ["MANAGER", "OWNER", "SECURITY", "NHI_OWNER"] as const satisfies readonly ApprovalKind[];
export const APPROVAL_KIND_LABEL: Record<ApprovalKind, string> = { MANAGER: "Manager", OWNER: "Entitlement owner", SECURITY: "Security", NHI_OWNER: "Identity owner" };

const ZId = z.uuid({ message: "must be an id (UUID)" });
const RISKS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

export const DENY_REASON_MIN = 5;
export const REASON_MAX = 1000;

export const ZDecideStepInput = z
  .object({
    requestId: ZId,
    stepId: ZId,
    decision: z.enum(["APPROVE", "DENY"], { message: "must be APPROVE or DENY" }),
    /** Required to deny (what the requester is told); optional to approve. */
    reason: z.string().trim().max(REASON_MAX, { message: `must be at most ${REASON_MAX} characters` }).optional(),
    /** The request revision the approver looked at: approvals are bound to it. */
    expectedRevision: z.number({ message: "must be the revision you loaded" }).int().min(1).max(MAX_DB_INT, { message: "must be the revision you loaded" }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.decision === "DENY" && (!v.reason || v.reason.length < DENY_REASON_MIN)) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `is required to deny (at least ${DENY_REASON_MIN} characters): tell the requester why` });
    }
  });
export type TDecideStepInput = z.input<typeof ZDecideStepInput>;

export const INBOX_SORTS = ["openedAt", "deadlineAt", "entitlement", "requester", "risk"] as const;
export const ZInboxInput = ZListBase.extend({
  systemId: ZId.optional(),
  risk: z.enum(RISKS).optional(),
  kind: z.enum(APPROVAL_KINDS).optional(),
  sort: z.enum(INBOX_SORTS).optional(),
  /** Keyset paging in the default order (by opening): the rows after this one (server/domain/list.ts). */
  after: ZAfter.optional(),
}).strict();
export type TInboxInput = z.input<typeof ZInboxInput>;

/** At most this many stages decided by one bulk call (each in its own transaction). */
export const DECIDE_MANY_MAX = 50;

const ZStepRef = z
  .object({
    requestId: ZId,
    stepId: ZId,
    expectedRevision: z.number({ message: "must be the revision you loaded" }).int().min(1).max(MAX_DB_INT, { message: "must be the revision you loaded" }),
  })
  .strict();

/** Several stages decided at once with one decision and one reason (e.g. from the inbox's selection). */
export const ZDecideManyInput = z
  .object({
    items: z
      .array(ZStepRef)
      .min(1, { message: "must list at least one request" })
      .max(DECIDE_MANY_MAX, { message: `must list at most ${DECIDE_MANY_MAX} requests at once` }),
    decision: z.enum(["APPROVE", "DENY"], { message: "must be APPROVE or DENY" }),
    /** Required to deny (what every requester is told); optional to approve. */
    reason: z.string().trim().max(REASON_MAX, { message: `must be at most ${REASON_MAX} characters` }).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.decision === "DENY" && (!v.reason || v.reason.length < DENY_REASON_MIN)) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `is required to deny (at least ${DENY_REASON_MIN} characters): tell the requesters why` });
    }
    const seen = new Set<string>();
    v.items.forEach((it, i) => {
      if (seen.has(it.stepId)) ctx.addIssue({ code: "custom", path: ["items", i, "stepId"], message: "is listed twice: list each stage once" });
      seen.add(it.stepId);
    });
  });
export type TDecideManyInput = z.input<typeof ZDecideManyInput>;

/** One request, by id (the decision facts of the approval page). */
export const ZDecisionFactsInput = z.object({ requestId: ZId }).strict();
