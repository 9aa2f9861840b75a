/**
 * Inputs of the auditor workspace (grant lineage, access as of a date, control checks and their samples),
 * shared by the router, the route handlers and the browser. Pure: client components may import this file.
 */
import { z } from "zod";
import { ZListBase } from "../list";

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
