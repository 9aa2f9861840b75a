/**
 * Inputs of access requests, shared by the router and the browser forms. Pure: no server imports except
 * types, so client components may import this file.
 */
import { z } from "zod";
import type { RequestStatus } from "../../db/generated/enums";
import { ZAfter, ZListBase } from "../list";
import { MAX_DB_INT } from "../input-bounds";

export const REQUEST_STATUSES = ["PENDING", "APPROVED", "DENIED", "CANCELLED", "EXPIRED"] as const satisfies readonly RequestStatus[];
export const REQUEST_STATUS_LABEL: Record<RequestStatus, string> = {
  PENDING: "Pending",
  APPROVED: "Approved",
  DENIED: "Denied",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
};

/** Bounds of a request's fields (the policy and the entitlement narrow the duration further). */
export const JUSTIFICATION_MIN = 20;
export const JUSTIFICATION_MAX = 2000;
export const DURATION_MAX_HOURS = 8760;
export const TICKET_URL_MAX = 500;
/** A pending stage escalates to the fallback approvers after this long. */
export const ESCALATE_AFTER_HOURS = 48;
/** A request with no final decision by then expires. */
export const DEADLINE_DAYS = 7;
/**
 * Emergency access to one entitlement for one identity is at most EMERGENCY_MAX_HOURS in total within any
 * EMERGENCY_WINDOW_HOURS: break-glass cannot be chained into standing access without an approver. The
 * services enforce it whatever the policy says; the policy sees the hours used and refuses chaining itself.
 */
export const EMERGENCY_MAX_HOURS = 4;
export const EMERGENCY_WINDOW_HOURS = 24;
/** Break-glass: the post-incident review by security is due this long after the grant. */
export const BREAK_GLASS_REVIEW_HOURS = 24;

const ZId = z.uuid({ message: "must be an id (UUID)" });

/**
 * Why a justification would not explain anything, or null when it is acceptable: it must have at least four
 * words and must not be padding (a character repeated, or one word over and over).
 */
export function justificationProblem(text: string): string | null {
  const t = text.trim();
  const words = t.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length < 4) return "must explain why you need this access in at least 4 words";
  if (/(.)\1{5,}/u.test(t)) return "must be a real explanation, not repeated characters";
  const distinctWords = new Set(words.map((w) => w.toLowerCase()));
  if (distinctWords.size < 3) return "must be a real explanation, not one word repeated";
  const distinctChars = new Set(t.toLowerCase().replace(/\s/g, ""));
  if (distinctChars.size < 6) return "must be a real explanation, not repeated characters";
  return null;
}

export const ZJustification = z
  .string({ message: "is required" })
  .trim()
  .min(JUSTIFICATION_MIN, { message: `must be at least ${JUSTIFICATION_MIN} characters: say what you will do with this access and why` })
  .max(JUSTIFICATION_MAX, { message: `must be at most ${JUSTIFICATION_MAX} characters` })
  .superRefine((v, ctx) => {
    const p = justificationProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

export const ZDurationHours = z
  .number({ message: "must be a whole number of hours" })
  .int({ message: "must be a whole number of hours" })
  .min(1, { message: `must be between 1 and ${DURATION_MAX_HOURS} hours` })
  .max(DURATION_MAX_HOURS, { message: `must be between 1 and ${DURATION_MAX_HOURS} hours (one year)` });

/** An external ticket link (traceability only, never the authority): http(s), no credentials. */
export const ZTicketUrl = z
  .string()
  .trim()
  .max(TICKET_URL_MAX, { message: `must be at most ${TICKET_URL_MAX} characters` })
  .refine(
    (u) => {
      try {
        const p = new URL(u);
        return (p.protocol === "https:" || p.protocol === "http:") && !p.username && !p.password && Boolean(p.hostname);
      } catch {
        return false;
      }
    },
    { message: "must be an http:// or https:// link to the ticket" },
  );

export const ZIncidentRef = z
  .string()
  .trim()
  .min(3, { message: "must be 3 to 100 characters (e.g. INC-2041)" })
  .max(100, { message: "must be 3 to 100 characters (e.g. INC-2041)" });

/** An external ticket's reference, e.g. "JIRA-123" or "SNOW:INC0012345": letters, digits and . _ : / # - only. */
export const ZTicketRef = z
  .string()
  .trim()
  .min(2, { message: "must be 2 to 64 characters (e.g. JIRA-123)" })
  .max(64, { message: "must be 2 to 64 characters (e.g. JIRA-123)" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/#-]*$/, { message: "may hold letters, digits and . _ : / # - only (e.g. JIRA-123)" });

/** "" from a form means "no ticket". */
const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ZSubmitRequestInput = z
  .object({
    entitlementId: ZId,
    /** Absent: the requester. Otherwise a non-human identity the requester owns, or a person the policy lets them ask for. */
    beneficiaryId: ZId.optional(),
    justification: ZJustification,
    durationHours: ZDurationHours,
    ticketUrl: z.preprocess(emptyToUndefined, ZTicketUrl.optional()),
    /** The external ticket's own reference (e.g. "JIRA-123"): traceability, and the key its status updates carry. */
    ticketRef: z.preprocess(emptyToUndefined, ZTicketRef.optional()),
    emergency: z.boolean({ message: "must be true or false" }).default(false),
    incidentRef: z.preprocess(emptyToUndefined, ZIncidentRef.optional()),
    /**
     * Set for an extension (one click from the expiry warning): the grant being extended. It must be in
     * effect, held by the beneficiary and for the same entitlement; the request is otherwise a new request.
     */
    extendsGrantId: ZId.optional(),
  })
  .strict()
  // Checked even when other fields are wrong (`when`), so a form shows every problem at once.
  .refine((v) => !(v.emergency === true && !v.incidentRef), {
    path: ["incidentRef"],
    message: "is required for emergency access: the incident this is for (e.g. INC-2041)",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  });
export type TSubmitRequestInput = z.input<typeof ZSubmitRequestInput>;

/** What the form asks the policy before submitting (nothing is written). */
export const ZPreviewRequestInput = z
  .object({
    entitlementId: ZId,
    beneficiaryId: ZId.optional(),
    durationHours: ZDurationHours,
    emergency: z.boolean().default(false),
  })
  .strict();
export type TPreviewRequestInput = z.input<typeof ZPreviewRequestInput>;

/** The revision the requester saw; a change against a newer revision is refused (CONFLICT). */
const ZExpectedRevision = z.number({ message: "must be the revision you loaded" }).int().min(1).max(MAX_DB_INT, { message: "must be the revision you loaded" });

export const ZCancelRequestInput = z.object({ id: ZId, expectedRevision: ZExpectedRevision }).strict();
export type TCancelRequestInput = z.input<typeof ZCancelRequestInput>;

export const ZEditRequestInput = z
  .object({
    id: ZId,
    expectedRevision: ZExpectedRevision,
    justification: ZJustification.optional(),
    durationHours: ZDurationHours.optional(),
    /** Null or "": remove the ticket link. Absent: unchanged. */
    ticketUrl: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), ZTicketUrl.nullable().optional()),
  })
  .strict()
  .refine((v) => v.justification !== undefined || v.durationHours !== undefined || v.ticketUrl !== undefined, {
    message: "Nothing to change: give a new justification, duration or ticket link.",
  });
export type TEditRequestInput = z.input<typeof ZEditRequestInput>;

export const ZRequestById = z.object({ id: ZId }).strict();

/** The request form's search of colleagues to ask for: part of a name or email. */
export const ZBeneficiarySearchInput = z
  .object({ q: z.string({ message: "must be text" }).trim().min(2, { message: "type at least 2 characters" }).max(100, { message: "must be at most 100 characters" }) })
  .strict();

/** The request form opened from an expiry warning: `/requests/new?extend=<grantId>`. */
export const ZExtensionPrefillInput = z.object({ grantId: ZId }).strict();

export const MY_REQUEST_SORTS = ["createdAt", "entitlement", "system", "status", "deadlineAt"] as const;
export const ZListMyRequestsInput = ZListBase.extend({
  status: z.enum(REQUEST_STATUSES).optional(),
  sort: z.enum(MY_REQUEST_SORTS).optional(),
  dir: z.enum(["asc", "desc"]).default("desc"),
  /** Keyset paging in the default order (by creation): the rows after this one (server/domain/list.ts). */
  after: ZAfter.optional(),
}).strict();
export type TListMyRequestsInput = z.input<typeof ZListMyRequestsInput>;

/** How a requester stood to the person they asked for (as the policy saw it when the request was made). */
export type OnBehalfRelation = "owner" | "manager" | "colleague" | "agent" | "none";

/** The short words after a beneficiary's name: "(Marcus's report)", "(a colleague)", ... or "". */
export function onBehalfRelationText(requesterName: string, relation: OnBehalfRelation): string {
  const first = requesterName.trim().split(/\s+/)[0] || requesterName;
  switch (relation) {
    case "manager":
      return `${first}'s report`;
    case "colleague":
      return "a colleague in the same department";
    case "owner":
      return `a non-human identity ${first} owns`;
    case "agent":
      return "asked by an API client or agent acting for them";
    case "none":
      return "";
  }
}

/** An identity kind inside a sentence: "AI agent", "service account", "API key" (acronyms keep their case). */
const KIND_IN_SENTENCE: Record<string, string> = {
  HUMAN: "person",
  SERVICE_ACCOUNT: "service account",
  API_KEY: "API key",
  OAUTH_APP: "OAuth app",
  WORKLOAD: "workload",
  AI_AGENT: "AI agent",
};

/**
 * A machine requester's whole chain in one phrase: "AI agent Triage bot (owned by Priya Nair) for Tom Okafor",
 * or "AI agent Triage bot for itself (owned by Priya Nair)". The request page puts "Submitted by" before it;
 * the approver inbox shows it as is. `machine` is the non-human requester, `beneficiary` whom it asked for.
 */
export function machineChainText(machine: { id: string; name: string; kind: string; owner: { name: string } | null }, beneficiary: { id: string; name: string }): string {
  const kind = KIND_IN_SENTENCE[machine.kind] ?? machine.kind.replace(/_/g, " ").toLowerCase();
  const owned = machine.owner ? ` (owned by ${machine.owner.name})` : "";
  return beneficiary.id === machine.id ? `${kind} ${machine.name} for itself${owned}` : `${kind} ${machine.name}${owned} for ${beneficiary.name}`;
}

/** "Asked by Priya Nair for Tom Okafor (Priya's report)": who asked for whom, in one line. */
export function onBehalfSentence(o: { requester: { name: string }; beneficiary: { name: string }; relation: OnBehalfRelation }): string {
  const rel = onBehalfRelationText(o.requester.name, o.relation);
  return `Asked by ${o.requester.name} for ${o.beneficiary.name}${rel ? ` (${rel})` : ""}`;
}
