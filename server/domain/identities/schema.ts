/**
 * Inputs of the identities area (directory, identity page, non-human identity management), shared with the
 * client forms. Only zod here: components import this file, so it must not pull in server code.
 */
import { z } from "zod";
import { ZAfter, ZListBase } from "../list";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE } from "../input-bounds";
import { API_SCOPE_NAMES, type ApiScope } from "../api-clients/scopes";

/** The REST API's scopes, for the API-client form (components import schema files only). */
export { API_SCOPES, API_SCOPE_NAMES, type ApiScope } from "../api-clients/scopes";
import { ZJustification } from "../requests/schema";

export const IDENTITY_KINDS = ["HUMAN", "SERVICE_ACCOUNT", "API_KEY", "OAUTH_APP", "WORKLOAD", "AI_AGENT"] as const;
export type IdentityKindName = (typeof IDENTITY_KINDS)[number];
export const NHI_KINDS = ["SERVICE_ACCOUNT", "API_KEY", "OAUTH_APP", "WORKLOAD", "AI_AGENT"] as const;
export type NhiKindName = (typeof NHI_KINDS)[number];
export const IDENTITY_STATUSES = ["ACTIVE", "SUSPENDED", "DEPROVISIONED"] as const;
export type IdentityStatusName = (typeof IDENTITY_STATUSES)[number];

export const KIND_LABELS: Record<IdentityKindName, string> = {
  HUMAN: "Person",
  SERVICE_ACCOUNT: "Service account",
  API_KEY: "API key",
  OAUTH_APP: "OAuth app",
  WORKLOAD: "Workload",
  AI_AGENT: "AI agent",
};
export const STATUS_LABELS: Record<IdentityStatusName, string> = { ACTIVE: "Active", SUSPENDED: "Suspended", DEPROVISIONED: "Deprovisioned" };

/** Columns the directory can be sorted by ("grants" = number of grants whose access is in effect). */
export const IDENTITY_SORTS = ["displayName", "department", "kind", "status", "grants"] as const;
export type IdentitySort = (typeof IDENTITY_SORTS)[number];

const uuid = (what: string) => z.uuid({ message: `${what} must be a valid id (a UUID).` });

export const ZListIdentities = ZListBase.extend({
  /** A single kind, or NON_HUMAN for every non-human kind. */
  kind: z.enum([...IDENTITY_KINDS, "NON_HUMAN"], { message: `kind must be one of ${[...IDENTITY_KINDS, "NON_HUMAN"].join(", ")}.` }).optional(),
  department: z.string().trim().min(1).max(120).optional(),
  status: z.enum(IDENTITY_STATUSES, { message: `status must be one of ${IDENTITY_STATUSES.join(", ")}.` }).optional(),
  /** Direct reports of this person (the URL key is `manager`). */
  manager: uuid("manager").optional(),
  /** Non-human identities owned by this person (the URL key is `owner`). */
  owner: uuid("owner").optional(),
  sort: z.enum(IDENTITY_SORTS, { message: `sort must be one of ${IDENTITY_SORTS.join(", ")}.` }).optional(),
  /** Keyset paging in the name order (the default): the rows after this one (server/domain/list.ts). */
  after: ZAfter.optional(),
}).strict();
export type TListIdentities = z.infer<typeof ZListIdentities>;

export const ZIdentityId = z.object({ id: uuid("id") }).strict();
export type TIdentityId = z.infer<typeof ZIdentityId>;

const displayName = z
  .string({ message: "Name is required." })
  .trim()
  .min(2, { message: "Name must be at least 2 characters." })
  .max(120, { message: "Name must be at most 120 characters." });
const purpose = z
  .string({ message: "Purpose is required: say what this identity does and why it exists." })
  .trim()
  .min(10, { message: "Purpose must be at least 10 characters: say what this identity does and why it exists." })
  .max(500, { message: "Purpose must be at most 500 characters." });
const keyId = z.string().trim().min(1, { message: "Key id cannot be empty (leave it out instead)." }).max(200, { message: "Key id must be at most 200 characters." });
const date = (what: string) => z.date({ message: `${what} must be a date.` }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE);

/** The kinds of non-human identity that can be an API client of /api/v1 (registered by their owner). */
export const API_CLIENT_KINDS = ["API_KEY", "SERVICE_ACCOUNT", "WORKLOAD", "AI_AGENT"] as const satisfies readonly NhiKindName[];
export type ApiClientKind = (typeof API_CLIENT_KINDS)[number];
/** An API client's credential (and so every token and scope of it) lives at most a year. */
export const MAX_API_CLIENT_DAYS = 365;
/** The longest first scope request, in days (privileged scopes are capped lower by their entitlement). */
export const MAX_SCOPE_REQUEST_DAYS = 90;

/**
 * An API client's first scopes, requested by its owner in the flow that registers it: one access request per
 * scope (beneficiary = the new client), through the policy and approval like any other.
 */
export const ZApiClientScopes = z
  .object({
    scopes: z
      .array(z.enum(API_SCOPE_NAMES as [ApiScope, ...ApiScope[]], { message: `each scope must be one of ${API_SCOPE_NAMES.join(", ")}.` }), { message: "scopes must be a list." })
      .min(1, { message: "Choose at least one scope the client needs." })
      .max(API_SCOPE_NAMES.length, { message: `At most ${API_SCOPE_NAMES.length} scopes.` })
      .refine((a) => new Set(a).size === a.length, { message: "Name each scope once." }),
    justification: ZJustification,
    durationDays: z
      .number({ message: "durationDays must be a whole number of days." })
      .int({ message: "durationDays must be a whole number of days." })
      .min(1, { message: `durationDays must be between 1 and ${MAX_SCOPE_REQUEST_DAYS}.` })
      .max(MAX_SCOPE_REQUEST_DAYS, { message: `durationDays must be between 1 and ${MAX_SCOPE_REQUEST_DAYS}.` }),
  })
  .strict();
export type TApiClientScopes = z.infer<typeof ZApiClientScopes>;

export const ZCreateNhi = z
  .object({
    kind: z.enum(NHI_KINDS, {
      message: `kind must be a non-human kind (${NHI_KINDS.join(", ")}): people are not created here, they come from HR and the identity provider.`,
    }),
    displayName,
    ownerId: uuid("ownerId"),
    purpose,
    systemId: uuid("systemId").optional(),
    credentialKeyId: keyId.optional(),
    credentialExpiresAt: date("credentialExpiresAt").optional(),
    /** Registers it as an API client and requests these scopes for it, as its owner, in the same flow. */
    apiClient: ZApiClientScopes.optional(),
  })
  .strict();
export type TCreateNhi = z.infer<typeof ZCreateNhi>;

/**
 * Edits a non-human identity. Omitted fields stay as they are; null clears an optional field.
 * `expectedUpdatedAt` is the version the editor loaded: a change made by someone else in between is refused.
 */
export const ZUpdateNhi = z
  .object({
    id: uuid("id"),
    expectedUpdatedAt: date("expectedUpdatedAt"),
    displayName: displayName.optional(),
    ownerId: uuid("ownerId").optional(),
    purpose: purpose.optional(),
    systemId: uuid("systemId").nullable().optional(),
    credentialKeyId: keyId.nullable().optional(),
    credentialRotatedAt: date("credentialRotatedAt").nullable().optional(),
    credentialExpiresAt: date("credentialExpiresAt").nullable().optional(),
    status: z.enum(IDENTITY_STATUSES, { message: `status must be one of ${IDENTITY_STATUSES.join(", ")}.` }).optional(),
  })
  .strict();
export type TUpdateNhi = z.infer<typeof ZUpdateNhi>;

/** The editable fields of a non-human identity, in the order the ledger diff lists them. */
export const NHI_EDITABLE_FIELDS = [
  "displayName",
  "ownerId",
  "purpose",
  "systemId",
  "credentialKeyId",
  "credentialRotatedAt",
  "credentialExpiresAt",
  "status",
] as const satisfies readonly (keyof TUpdateNhi)[];

/**
 * What a person is, in the words the sign-in page uses (one vocabulary everywhere: header, sign-in, docs).
 * Governance roles first, then relationships; "Employee" when neither applies.
 */
export const ROLE_LABELS = {
  ADMIN: "Admin",
  SECURITY: "Security officer",
  AUDITOR: "Auditor",
  MANAGER: "Manager",
  SYSTEM_OWNER: "System owner",
  EMPLOYEE: "Employee",
} as const;
export type RoleLabel = (typeof ROLE_LABELS)[keyof typeof ROLE_LABELS];

export function roleLabels(me: { roles: readonly ("ADMIN" | "SECURITY" | "AUDITOR")[]; isManager: boolean; ownsSystems: boolean }): RoleLabel[] {
  const labels: RoleLabel[] = me.roles.map((r) => ROLE_LABELS[r]);
  if (me.isManager) labels.push(ROLE_LABELS.MANAGER);
  if (me.ownsSystems) labels.push(ROLE_LABELS.SYSTEM_OWNER);
  return labels.length ? labels : [ROLE_LABELS.EMPLOYEE];
}
