/**
 * Inputs of the auditor workspace (grant lineage, access as of a date, control checks and their samples),
 * shared by the router, the route handlers and the browser. Pure: client components may import this file.
 */
import { z } from "zod";
import { ZAfter, ZListBase } from "../list";

const ZId = z.uuid({ message: "must be an id (UUID)" });
/** A calendar day in UTC, as YYYY-MM-DD. */
export const ZDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date as YYYY-MM-DD" })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00.000Z`)) && new Date(`${s}T00:00:00.000Z`).toISOString().startsWith(s), { message: "is not a real date" });

export const GRANT_STATUSES = ["PENDING_PROVISION", "ACTIVE", "PENDING_REVOKE", "REVOKED", "PROVISION_FAILED", "REVOKE_FAILED"] as const;
export const GRANT_ORIGINS = ["REQUEST", "IMPORTED", "BREAK_GLASS"] as const;
export const GRANT_STATUS_LABEL: Record<(typeof GRANT_STATUSES)[number], string> = {
  PENDING_PROVISION: "Being provisioned",
  ACTIVE: "Active",
  PENDING_REVOKE: "Being revoked",
  REVOKED: "Revoked",
  PROVISION_FAILED: "Provisioning failed",
  REVOKE_FAILED: "Revocation failed",
};
export const GRANT_ORIGIN_LABEL: Record<(typeof GRANT_ORIGINS)[number], string> = {
  REQUEST: "Request",
  IMPORTED: "Imported (origin unverified)",
  BREAK_GLASS: "Break-glass",
};

/** Find a grant by its holder (name or email), entitlement or system name. */
export const AUDIT_GRANT_SORTS = ["startsAt", "holder", "entitlement", "status"] as const;
export const ZSearchGrantsInput = ZListBase.extend({
  status: z.enum(GRANT_STATUSES).optional(),
  origin: z.enum(GRANT_ORIGINS).optional(),
  identityId: ZId.optional(),
  entitlementId: ZId.optional(),
  sort: z.enum(AUDIT_GRANT_SORTS).optional(),
  dir: z.enum(["asc", "desc"]).default("desc"),
  /** Seek past this grant instead of skipping pages (the default order, by start, only): the API's cursors. */
  after: ZAfter.optional(),
}).strict();
export type TSearchGrantsInput = z.input<typeof ZSearchGrantsInput>;

export const ZGrantLineageInput = z.object({ grantId: ZId }).strict();

/** Who held what in one system on one UTC day. */
export const AS_OF_SORTS = ["holder", "entitlement", "startsAt"] as const;
export const ZAccessAsOfInput = ZListBase.extend({
  systemId: ZId,
  date: ZDay,
  sort: z.enum(AS_OF_SORTS).optional(),
}).strict();
export type TAccessAsOfInput = z.input<typeof ZAccessAsOfInput>;
export const ZAccessAsOfCsvInput = z.object({ systemId: ZId, date: ZDay }).strict();
/** The same, as a page's URL state: the system may not be chosen yet. */
export const ZAccessAsOfParams = ZAccessAsOfInput.extend({ systemId: ZId.optional(), date: ZDay.optional() }).strict();

export const CONTROL_IDS = ["approved-access", "revocations-executed", "no-self-approval", "nhi-owned", "no-expired-active"] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

/** Scope of a control run: a period (UTC days, inclusive) and optionally some systems by name. */
export const ZControlScope = z
  .object({
    from: ZDay.optional(),
    to: ZDay.optional(),
    systemNames: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  })
  .strict()
  .refine((s) => !s.from || !s.to || s.from <= s.to, { message: "from must not be after to", path: ["from"] });
export type TControlScope = z.input<typeof ZControlScope>;

/** The control page's URL state (one system at a time). */
export const ZControlParams = z.object({ from: ZDay.optional(), to: ZDay.optional(), system: z.string().trim().min(1).max(200).optional() }).strict();

export const SAMPLE_MAX = 1000;
export const ZSampleInput = z
  .object({
    check: z.enum(CONTROL_IDS, { message: `must be one of ${CONTROL_IDS.join(", ")}` }),
    n: z.coerce.number().int().min(1, { message: "must be at least 1" }).max(SAMPLE_MAX, { message: `must be at most ${SAMPLE_MAX}` }),
    /** Unsigned 32-bit seed; when absent, one is drawn and recorded in the output. */
    seed: z.coerce.number().int().min(0).max(0xffffffff, { message: "must fit in 32 bits (0–4294967295)" }).optional(),
    from: ZDay.optional(),
    to: ZDay.optional(),
    systemNames: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  })
  .strict();
export type TSampleInput = z.input<typeof ZSampleInput>;

/** How many exceptions (and flagged members) of each check the controls page shows; the CSV has all. */
export const CONTROL_ROWS_SHOWN = 100;

/** Which members of a check a CSV lists. */
export const CONTROL_MEMBER_LISTS = ["exceptions", "flagged", "population"] as const;
export type ControlMemberList = (typeof CONTROL_MEMBER_LISTS)[number];
/** GET /api/audit/controls/<check>?list=&from=&to=&system= (the page's scope). */
export const ZControlMembersCsvInput = z
  .object({
    check: z.enum(CONTROL_IDS, { message: `must be one of ${CONTROL_IDS.join(", ")}` }),
    list: z.enum(CONTROL_MEMBER_LISTS, { message: `must be one of ${CONTROL_MEMBER_LISTS.join(", ")}` }).default("exceptions"),
    from: ZDay.optional(),
    to: ZDay.optional(),
    systemNames: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  })
  .strict()
  .refine((s) => !s.from || !s.to || s.from <= s.to, { message: "from must not be after to", path: ["from"] });
export type TControlMembersCsvInput = z.input<typeof ZControlMembersCsvInput>;

/**
 * Ledger event codes in words: the one vocabulary for every page that shows events (a request's timeline, the
 * audit ledger, lineage). The code stays the evidence (packs, filters, the ledger table's tooltip); people read
 * the words. A code without an entry still reads as words (`eventLabel`), and the seed test requires an entry
 * for every code the demo ledger holds.
 */
export const EVENT_LABELS: Record<string, string> = {
  "request.submitted": "Request submitted",
  "request.policy_decided": "Policy decided",
  "request.denied_by_policy": "Denied by policy",
  "request.auto_approved": "Approved automatically by policy",
  "request.approved": "Request approved",
  "request.denied": "Request denied",
  "request.cancelled": "Request cancelled",
  "request.edited": "Request edited",
  "request.expired": "Request expired undecided",
  "approval.stage_opened": "Approval stage opened",
  "approval.approved": "Stage approved",
  "approval.denied": "Stage denied",
  "approval.escalated": "Stage escalated",
  "approval.voided": "Approvals voided",
  "grant.provisioning_requested": "Provisioning requested",
  "grant.provisioned": "Access granted in the system",
  "grant.active": "Access active",
  "grant.activated": "Access active",
  "grant.provision_failed": "Provisioning failed",
  "grant.imported": "Existing access imported",
  "grant.expiring": "Access expiring soon",
  "grant.expired": "Access expired",
  "grant.revocation_requested": "Removal requested",
  "grant.revoking": "Access being removed",
  "grant.revoked": "Access removed",
  "grant.revoke_failed": "Removal failed",
  "credential.issued": "Credential issued",
  "credential.revealed": "Credential password revealed",
  "credential.rotation_requested": "Credential rotation requested",
  "credential.rotated": "Credential rotated",
  "credential.rotation_failed": "Credential rotation failed",
  "credential.revoked": "Credential revoked",
  "provisioning.awaiting_confirmation": "Waiting for the owner's confirmation",
  "provisioning.task_retried": "Provisioning task retried",
  "task.assigned": "Task assigned",
  "task.provision_failed": "Provisioning task failed",
  "task.revoke_failed": "Removal task failed",
  "break_glass.reviewed": "Emergency access reviewed",
  "break_glass.review_late": "Emergency access review late",
  "break_glass.review_escalated": "Emergency access review escalated",
  "campaign.created": "Review campaign created",
  "campaign.updated": "Review campaign updated",
  "campaign.launched": "Review campaign launched",
  "campaign.mover_review_opened": "Mover review opened for the new manager",
  "campaign.reminded": "Reviewers reminded",
  "campaign.reminder": "Reviewers reminded",
  "campaign.escalated": "Review campaign escalated",
  "campaign.overdue": "Review campaign overdue",
  "campaign.due_extended": "Review deadline extended",
  "campaign.closed": "Review campaign closed",
  "campaign.remediation_complete": "Review removals confirmed",
  "campaign.remediation_failed": "Review removals failed",
  "campaign.recurrence_drafted": "Next review campaign drafted",
  "review.decided": "Review decision",
  "review.reassigned": "Review item reassigned",
  "review.remediation_confirmed": "Review removal confirmed",
  "review.remediation_failed": "Review removal failed",
  "delegation.created": "Approvals delegated",
  "delegation.revoked": "Delegation ended",
  "identity.imported": "Identity imported",
  "identity.nhi.created": "Non-human identity registered",
  "identity.nhi.updated": "Non-human identity changed",
  "api_token.issued": "API token issued",
  "api_token.rotated": "API token rotated",
  "api_token.revoked": "API token revoked",
  "scim.group.created": "SCIM group created",
  "scim.group.updated": "SCIM group changed",
  "scim.group.deleted": "SCIM group deleted",
  "identity.deprovisioned": "Person left (deprovisioned)",
  "identity.joined": "Person joined",
  "identity.updated": "Person's details changed",
  "identity.moved": "Person moved (new manager or department)",
  "identity.rejoined": "Person came back",
  "identity_import.applied": "HR import applied",
  "role.assigned": "Role assigned",
  "conflictRule.created": "Separation-of-duties rule added",
  "nhi.owner_left": "Non-human identity's owner left",
  "system.created": "System added",
  "system.updated": "System changed",
  "system.connector_target_changed": "Connector target changed",
  "entitlement.created": "Entitlement added",
  "entitlement.updated": "Entitlement changed",
  "policy.version.saved": "Policy version saved",
  "finding.resolved": "Finding resolved",
  "reconciliation.completed": "System reconciled",
  "reconciliation.failed": "Reconciliation failed",
  "reconciliation.findings_opened": "Reconciliation findings opened",
  "reconciliation.finding_adopted": "Found access adopted",
  "reconciliation.finding_revoked": "Found access sent for removal",
  "reconciliation.finding_reprovisioned": "Missing access provisioned again",
  "reconciliation.finding_accepted": "Drift accepted as an exception",
  "evidence.export_requested": "Evidence export requested",
  "evidence.exported": "Evidence pack exported",
  "evidence.export_failed": "Evidence export failed",
  "evidence.export_expired": "Evidence pack expired",
  "evidence.key_registered": "Signing key registered",
  "checkpoint.signed": "Ledger checkpoint signed",
  "checkpoint.witness_failed": "Checkpoint witness delivery failed",
  "webhook.created": "Webhook subscription created",
  "webhook.enabled": "Webhook subscription enabled",
  "webhook.disabled": "Webhook subscription disabled",
  "webhook.updated": "Webhook subscription changed",
  "webhook.secret_rotated": "Webhook signing secret rotated",
  "webhook.deleted": "Webhook subscription deleted",
  "webhook.replayed": "Webhook replayed from a seq",
  "webhook.dead_lettered": "Webhook batch dead-lettered (delivery paused)",
  "webhook.dead_letter_replayed": "Webhook dead letter replayed",
  "webhook.dead_letter_skipped": "Webhook dead letter skipped",
  "session.started": "Signed in",
  "session.revoked": "Session ended",
  "clock.moved": "Business clock moved",
  "seed.completed": "Demo organisation loaded",
};

/** An event code in words: its entry, or the code itself made readable ("grant.revoke_failed" → "Grant revoke failed"). */
export function eventLabel(action: string): string {
  const known = EVENT_LABELS[action];
  if (known) return known;
  const words = action.replace(/[._]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : action;
}
