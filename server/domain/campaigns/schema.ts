/**
 * Inputs of access review campaigns (definition, launch, reviewer workspace), shared by the router and the
 * browser forms. Pure: no server imports except types, so client components may import this file.
 */
import { z } from "zod";
import type { CampaignStatus, DefaultAction, GrantOrigin, IdentityKind, ReviewDecision, ReviewerStrategy, RiskLevel } from "../../db/generated/enums";
import { ZAfter, ZListBase } from "../list";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE, MAX_DB_INT } from "../input-bounds";

export const CAMPAIGN_STATUSES = ["DRAFT", "ACTIVE", "REMEDIATING", "CLOSED"] as const satisfies readonly CampaignStatus[];
export const REVIEWER_STRATEGIES = ["ENTITLEMENT_OWNER", "MANAGER", "NHI_OWNER", "NAMED"] as const satisfies readonly ReviewerStrategy[];
export const DEFAULT_ACTIONS = ["KEEP", "REVOKE", "ESCALATE"] as const satisfies readonly DefaultAction[];
export const REVIEW_DECISIONS = ["KEEP", "REVOKE"] as const satisfies readonly ReviewDecision[];
export const RECURRENCES = ["MONTHLY", "QUARTERLY", "YEARLY"] as const;
export type Recurrence = (typeof RECURRENCES)[number];
const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const satisfies readonly RiskLevel[];
const IDENTITY_KINDS = ["HUMAN", "SERVICE_ACCOUNT", "API_KEY", "OAUTH_APP", "WORKLOAD", "AI_AGENT"] as const satisfies readonly IdentityKind[];
const ORIGINS = ["REQUEST", "IMPORTED", "BREAK_GLASS"] as const satisfies readonly GrantOrigin[];

export const CAMPAIGN_STATUS_LABEL: Record<CampaignStatus, string> = { DRAFT: "Draft", ACTIVE: "Active", REMEDIATING: "Remediating", CLOSED: "Closed" };
export const STRATEGY_LABEL: Record<ReviewerStrategy, string> = {
  ENTITLEMENT_OWNER: "Entitlement owner",
  MANAGER: "The holder's manager",
  NHI_OWNER: "The non-human identity's owner",
  NAMED: "Named reviewers",
};
export const DEFAULT_ACTION_LABEL: Record<DefaultAction, string> = {
  KEEP: "Keep the access",
  REVOKE: "Revoke the access",
  ESCALATE: "Escalate to the fallback reviewer",
};
export const RECURRENCE_LABEL: Record<Recurrence, string> = { MONTHLY: "Monthly", QUARTERLY: "Quarterly", YEARLY: "Yearly" };

/**
 * Why an item is not with the strategy's reviewer (ReviewItem.routingReason). Launch writes the first four;
 * a reassignment writes "reassigned: <reason given>".
 */
export const ROUTING_REASON_LABEL: Record<string, string> = {
  "self-review": "The strategy's reviewer holds this access: routed to the fallback reviewer",
  "no reviewer": "The strategy found no reviewer: routed to the fallback reviewer",
  "reviewer inactive": "The strategy's reviewer is not an active person: routed to the fallback reviewer",
  "fallback self-review": "The fallback reviewer holds this access: routed to the campaign owner (or an admin)",
};
export function routingLabel(reason: string | null): string | null {
  if (!reason) return null;
  if (reason.startsWith("reassigned: ")) return `Reassigned: ${reason.slice("reassigned: ".length)}`;
  return ROUTING_REASON_LABEL[reason] ?? reason;
}

export const COMMENT_MIN = 5;
export const COMMENT_MAX = 2000;
export const BULK_MAX = 500;

/**
 * A comment is required to KEEP privileged access, or access of unverified origin (imported standing
 * access, or any grant without an approved request behind it). Revoking never needs one.
 */
export function commentRequired(decision: ReviewDecision, item: { privileged: boolean; originUnverified: boolean }): boolean {
  return decision === "KEEP" && (item.privileged || item.originUnverified);
}

const ZId = z.uuid({ message: "must be an id (UUID)" });
const ZRisk = z.enum(RISK_LEVELS, { message: `must be one of ${RISK_LEVELS.join(", ")}` });
const ZDate = (what: string) => z.coerce.date({ message: `must be a date (${what})` }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE);

/**
 * Which grants a campaign reviews: grants in effect (GRANT_IN_EFFECT) matching every filter given. Empty
 * lists mean "any"; identityKinds ["SERVICE_ACCOUNT", ...] without HUMAN is a non-human-only campaign.
 * notReviewedForDays: only grants with no decided review item within that many days. identityIds: only
 * these holders (mover reviews, campaigns/mover-review.ts).
 */
export const ZCampaignScope = z
  .object({
    systemIds: z.array(ZId).max(200, { message: "at most 200 systems" }).default([]),
    entitlementIds: z.array(ZId).max(1000, { message: "at most 1000 entitlements" }).default([]),
    minRisk: ZRisk.optional(),
    privilegedOnly: z.boolean().default(false),
    identityKinds: z.array(z.enum(IDENTITY_KINDS, { message: `must be one of ${IDENTITY_KINDS.join(", ")}` })).default([]),
    /** Only these holders (a mover review: the one person who moved). */
    identityIds: z.array(ZId).max(50, { message: "at most 50 identities" }).default([]),
    notReviewedForDays: z
      .number({ message: "must be a whole number of days" })
      .int({ message: "must be a whole number of days" })
      .min(1, { message: "must be between 1 and 3650 days" })
      .max(3650, { message: "must be between 1 and 3650 days" })
      .optional(),
  })
  .strict();
export type CampaignScope = z.output<typeof ZCampaignScope>;

const ZName = z.string().trim().min(3, { message: "must be at least 3 characters" }).max(120, { message: "must be at most 120 characters" });
const ZDescription = z.string().trim().max(2000, { message: "must be at most 2000 characters" });
const ZReminderDays = z
  .array(z.number({ message: "must be whole days" }).int({ message: "must be whole days" }).min(0, { message: "must be between 0 and 90 days before the due date" }).max(90, { message: "must be between 0 and 90 days before the due date" }))
  .max(10, { message: "at most 10 reminders" })
  .refine((a) => new Set(a).size === a.length, { message: "each reminder day may appear only once" });

const definitionFields = {
  name: ZName,
  description: ZDescription,
  scope: ZCampaignScope,
  reviewerStrategy: z.enum(REVIEWER_STRATEGIES, { message: `must be one of ${REVIEWER_STRATEGIES.join(", ")}` }),
  namedReviewerIds: z.array(ZId).max(50, { message: "at most 50 named reviewers" }),
  fallbackReviewerId: ZId,
  startsAt: ZDate("the start"),
  dueAt: ZDate("the due date"),
  reminderDays: ZReminderDays,
  defaultAction: z.enum(DEFAULT_ACTIONS, { message: `must be one of ${DEFAULT_ACTIONS.join(", ")}` }),
  recurrence: z.enum(RECURRENCES, { message: `must be one of ${RECURRENCES.join(", ")} (or empty for a one-off campaign)` }).nullable(),
};

export const ZCreateCampaignInput = z
  .object({
    ...definitionFields,
    description: definitionFields.description.default(""),
    namedReviewerIds: definitionFields.namedReviewerIds.default([]),
    reminderDays: definitionFields.reminderDays.default([7, 3, 1]),
    recurrence: definitionFields.recurrence.default(null),
  })
  .strict()
  .refine((v) => v.dueAt > v.startsAt, { path: ["dueAt"], message: "must be after the start" });
export type TCreateCampaignInput = z.input<typeof ZCreateCampaignInput>;

/** The updatedAt the editor saw; a write against a newer row is refused (optimistic concurrency). */
const ZExpectedUpdatedAt = z.coerce.date({ message: "must be the updatedAt timestamp you loaded" }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE);

export const ZUpdateCampaignInput = z
  .object({
    id: ZId,
    expectedUpdatedAt: ZExpectedUpdatedAt,
    name: definitionFields.name.optional(),
    description: definitionFields.description.optional(),
    scope: definitionFields.scope.optional(),
    reviewerStrategy: definitionFields.reviewerStrategy.optional(),
    namedReviewerIds: definitionFields.namedReviewerIds.optional(),
    fallbackReviewerId: definitionFields.fallbackReviewerId.optional(),
    startsAt: definitionFields.startsAt.optional(),
    dueAt: definitionFields.dueAt.optional(),
    reminderDays: definitionFields.reminderDays.optional(),
    defaultAction: definitionFields.defaultAction.optional(),
    recurrence: definitionFields.recurrence.optional(),
  })
  .strict();
export type TUpdateCampaignInput = z.input<typeof ZUpdateCampaignInput>;

export const ZLaunchCampaignInput = z.object({ id: ZId, expectedUpdatedAt: ZExpectedUpdatedAt }).strict();
export const ZPreviewScopeInput = z.object({ scope: ZCampaignScope }).strict();
export const ZCampaignById = z.object({ id: ZId }).strict();

// ---------------------------------------------------------------------------------------------------
// Reads

export const CAMPAIGN_SORTS = ["name", "status", "dueAt", "population", "createdAt"] as const;
export const ZListCampaignsInput = ZListBase.extend({
  status: z.enum(CAMPAIGN_STATUSES, { message: `must be one of ${CAMPAIGN_STATUSES.join(", ")}` }).optional(),
  sort: z.enum(CAMPAIGN_SORTS).optional(),
}).strict();
export type TListCampaignsInput = z.input<typeof ZListCampaignsInput>;

export const ITEM_STATES = ["open", "decided", "all"] as const;
export const ITEM_SORTS = ["identity", "entitlement", "system", "risk", "heldDays", "decision", "campaign"] as const;
export const ZMyItemsInput = ZListBase.extend({
  campaignId: ZId.optional(),
  systemId: ZId.optional(),
  risk: ZRisk.optional(),
  origin: z.enum(ORIGINS, { message: `must be one of ${ORIGINS.join(", ")}` }).optional(),
  state: z.enum(ITEM_STATES).default("open"),
  sort: z.enum(ITEM_SORTS).optional(),
  /** Keyset paging in the default order (by due date): the rows after this one (server/domain/list.ts). */
  after: ZAfter.optional(),
}).strict();
export type TMyItemsInput = z.input<typeof ZMyItemsInput>;

export const ZMyProgressInput = z.object({ campaignId: ZId.optional() }).strict();

// ---------------------------------------------------------------------------------------------------
// Decisions

const ZComment = z
  .string()
  .trim()
  .max(COMMENT_MAX, { message: `must be at most ${COMMENT_MAX} characters` })
  .optional()
  .transform((v) => (v ? v : undefined));
const ZVersion = z.number({ message: "must be the item version you loaded" }).int().min(1).max(MAX_DB_INT, { message: "must be the item version you loaded" });

export const ZDecideInput = z
  .object({ itemId: ZId, expectedVersion: ZVersion, decision: z.enum(REVIEW_DECISIONS, { message: "must be KEEP or REVOKE" }), comment: ZComment })
  .strict();
export type TDecideInput = z.input<typeof ZDecideInput>;

export const ZBulkDecideInput = z
  .object({
    campaignId: ZId,
    items: z
      .array(z.object({ itemId: ZId, expectedVersion: ZVersion }).strict())
      .min(1, { message: "choose at least one item" })
      .max(BULK_MAX, { message: `at most ${BULK_MAX} items at a time` })
      .refine((a) => new Set(a.map((i) => i.itemId)).size === a.length, { message: "each item may appear only once" }),
    decision: z.enum(REVIEW_DECISIONS, { message: "must be KEEP or REVOKE" }),
    comment: ZComment,
    /**
     * Accepting the server's suggestions: each item is decided only if the server, now, suggests this
     * decision for it (refused per item otherwise), and its comment names the suggestion's reasons.
     */
    asSuggested: z.boolean().default(false),
  })
  .strict();
export type TBulkDecideInput = z.input<typeof ZBulkDecideInput>;

export const ZReassignInput = z
  .object({
    itemId: ZId,
    expectedVersion: ZVersion,
    toId: ZId,
    reason: z.string().trim().min(COMMENT_MIN, { message: `must be at least ${COMMENT_MIN} characters` }).max(500, { message: "must be at most 500 characters" }),
  })
  .strict();
export type TReassignInput = z.input<typeof ZReassignInput>;

export const ZBulkReassignInput = z
  .object({
    campaignId: ZId,
    items: ZBulkDecideInput.shape.items,
    toId: ZId,
    reason: ZReassignInput.shape.reason,
  })
  .strict();
export type TBulkReassignInput = z.input<typeof ZBulkReassignInput>;
