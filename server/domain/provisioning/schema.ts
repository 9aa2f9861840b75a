/**
 * Inputs of provisioning, revocation, leavers and break-glass reviews, shared by the routers and the
 * browser forms. Pure: client components may import this file.
 */
import { z } from "zod";
import { ZListBase } from "../list";

const ZId = z.uuid({ message: "must be an id (UUID)" });
const note = (what: string) =>
  z
    .string({ message: `${what} is required` })
    .trim()
    .min(5, { message: `${what} must be at least 5 characters` })
    .max(1000, { message: `${what} must be at most 1000 characters` });

export const ZConfirmTaskInput = z
  .object({
    taskId: ZId,
    note: note("A note of what you did"),
    outcome: z.enum(["DONE", "FAILED"], { message: "must be DONE or FAILED" }),
  })
  .strict();
export type TConfirmTaskInput = z.input<typeof ZConfirmTaskInput>;

export const ZRetryTaskInput = z.object({ taskId: ZId }).strict();

export const ZRevokeGrantInput = z.object({ grantId: ZId, reason: note("A reason") }).strict();
export type TRevokeGrantInput = z.input<typeof ZRevokeGrantInput>;

export const ZDeprovisionIdentityInput = z.object({ identityId: ZId, reason: note("A reason") }).strict();
export type TDeprovisionIdentityInput = z.input<typeof ZDeprovisionIdentityInput>;

export const ZReviewBreakGlassInput = z.object({ requestId: ZId, note: note("A review note") }).strict();
export type TReviewBreakGlassInput = z.input<typeof ZReviewBreakGlassInput>;

export const ZRevocableGrantsInput = z.object({ identityId: ZId.optional(), entitlementId: ZId.optional() }).strict();

export const TASK_VIEWS = ["awaiting", "failed", "open", "done"] as const;
export const TASK_SORTS = ["createdAt", "nextAttemptAt", "attempts", "entitlement"] as const;
export const ZListTasksInput = ZListBase.extend({
  view: z.enum(TASK_VIEWS).default("awaiting"),
  sort: z.enum(TASK_SORTS).optional(),
}).strict();
export type TListTasksInput = z.input<typeof ZListTasksInput>;

export const TASK_VIEW_LABEL: Record<(typeof TASK_VIEWS)[number], string> = {
  awaiting: "Awaiting your confirmation",
  failed: "Failed",
  open: "In progress",
  done: "Done",
};

/** "Remove my access": the holder gives up a grant (a short reason is kept in the evidence). */
export const ZRelinquishGrantInput = z.object({ grantId: ZId, reason: note("A reason") }).strict();
export type TRelinquishGrantInput = z.input<typeof ZRelinquishGrantInput>;
