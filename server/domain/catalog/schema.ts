/**
 * Inputs of the catalog (systems and entitlements), shared by the router and the browser forms. Pure: no
 * server imports except types, so client components may import this file.
 */
import { z } from "zod";
import { ZCredentialRotateHours } from "../credentials/schema";
import type { ConnectorKind, RiskLevel } from "../../db/generated/enums";
import { effectiveSslMode, SSL_MODES, type SslMode } from "../../connectors/pg-target";
import { CONNECTOR_ENV_PREFIX, parseSecretRef } from "../../connectors/secret-ref";
import { ZListBase } from "../list";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE } from "../input-bounds";

export const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const satisfies readonly RiskLevel[];
/** The connector kinds a system can be created with or changed to (WARRANT_API is the built-in system's own). */
export const CONNECTOR_KINDS = ["MANUAL", "WEBHOOK", "POSTGRES", "SCIM"] as const satisfies readonly ConnectorKind[];

export const RISK_LABEL: Record<RiskLevel, string> = { LOW: "Low", MEDIUM: "Medium", HIGH: "High", CRITICAL: "Critical" };
export const CONNECTOR_LABEL: Record<ConnectorKind, string> = { MANUAL: "Manual", WEBHOOK: "Webhook", POSTGRES: "PostgreSQL", SCIM: "SCIM 2.0 application", WARRANT_API: "Warrant API (built in)" };
export const CONNECTOR_HINT: Record<ConnectorKind, string> = {
  MANUAL: "The owner grants and removes access by hand; Warrant tracks the task and the confirmation.",
  WEBHOOK: "Warrant calls your endpoint, signed with a shared secret, to grant and remove access.",
  POSTGRES: "Warrant grants and revokes PostgreSQL roles in the database, over TLS unless the host is local.",
  SCIM: "Warrant adds and removes people in the application's groups over SCIM 2.0 (e.g. a SaaS application), with a bearer token.",
  WARRANT_API: "Warrant's own REST API: each entitlement is an API scope, in effect as soon as it is granted.",
};

/** Longest grant any entitlement may allow, and the cap for privileged or critical-risk ones. */
export const MAX_DURATION_DAYS = 365;
export const PRIVILEGED_MAX_DURATION_DAYS = 90;

const ZRisk = z.enum(RISK_LEVELS, { message: `must be one of ${RISK_LEVELS.join(", ")}` });
const ZConnector = z.enum(CONNECTOR_KINDS, { message: `must be one of ${CONNECTOR_KINDS.join(", ")}` });
const ZId = z.uuid({ message: "must be an id (UUID)" });
const ZBool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

const ZSystemName = z.string().trim().min(2, { message: "must be at least 2 characters" }).max(100, { message: "must be at most 100 characters" });
const ZEntitlementName = z.string().trim().min(1, { message: "is required" }).max(120, { message: "must be at most 120 characters" });
const ZDescription = z.string().trim().max(2000, { message: "must be at most 2000 characters" });
const ZMaxDuration = z
  .number({ message: "must be a whole number of days" })
  .int({ message: "must be a whole number of days" })
  .min(1, { message: `must be between 1 and ${MAX_DURATION_DAYS} days` })
  .max(MAX_DURATION_DAYS, { message: `must be between 1 and ${MAX_DURATION_DAYS} days` });
const ZExternalRef = z.string().trim().max(200, { message: "must be at most 200 characters" });
/** The updatedAt the editor saw; a write against a newer row is refused (optimistic concurrency). */
const ZExpectedUpdatedAt = z.coerce.date({ message: "must be the updatedAt timestamp you loaded" }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE);

// ---------------------------------------------------------------------------------------------------
// Reads

export const SYSTEM_SORTS = ["name", "owner", "criticality", "connector", "entitlements", "activeGrants"] as const;
export const ZListSystemsInput = ZListBase.extend({
  sort: z.enum(SYSTEM_SORTS).optional(),
  criticality: ZRisk.optional(),
  connector: ZConnector.optional(),
}).strict();
export type TListSystemsInput = z.input<typeof ZListSystemsInput>;

export const ENTITLEMENT_SORTS = ["name", "system", "risk", "maxDurationDays", "holders"] as const;
export const ZListEntitlementsInput = ZListBase.extend({
  systemId: ZId.optional(),
  risk: ZRisk.optional(),
  privileged: ZBool.optional(),
  requestable: ZBool.optional(),
  sort: z.enum(ENTITLEMENT_SORTS).optional(),
}).strict();
export type TListEntitlementsInput = z.input<typeof ZListEntitlementsInput>;

export const ZById = z.object({ id: ZId }).strict();

export const ZEntitlementByIdInput = z
  .object({
    id: ZId,
    /** Page through the holders (active grants), newest first. */
    holdersPage: z.coerce.number().int().min(1).max(100_000).default(1),
    holdersSize: z.coerce.number().int().min(5).max(200).default(50),
  })
  .strict();

export const ZOwnerOptionsInput = z
  .object({
    q: z.string().trim().max(200).optional(),
    /** Always include this person (the current owner) even if the search does not match. */
    includeId: ZId.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------
// Connector settings. Secrets never live in the catalog: a setting refers to one (secretRef) instead.

/** Keys that would hold a secret: refused anywhere in the settings, whatever the connector. */
const SECRET_KEY = /pass(word|wd|phrase)?$|^pwd$|secret$|token|api[-_]?key|private[-_]?key|credential|^auth(orization)?$/i;

export const ZManualConfig = z
  .object({ instructions: z.string().trim().max(2000, { message: "must be at most 2000 characters" }).optional() })
  .strict();

/**
 * A reference to a connector secret: env:WARRANT_CONNECTOR_<NAME> or file:<name>, never one of the portal's
 * own settings (see server/connectors/secret-ref.ts). The worker checks it again when it reads the secret.
 */
const ZSecretRef = (required: string) =>
  z
    .string({ message: required })
    .trim()
    .min(1, { message: required })
    .superRefine((v, ctx) => {
      const res = parseSecretRef(v);
      if (!res.ok) ctx.addIssue({ code: "custom", message: res.message });
    });

/** What to type in a secret reference field (form hints). */
export const SECRET_REF_HINT = `env:${CONNECTOR_ENV_PREFIX}<NAME> (an environment variable of the portal and workers) or file:<name> (a file in CONNECTOR_SECRETS_DIR). Never the secret itself.`;

const SECRET_REF_REQUIRED = `is required: the reference of the secret that signs webhook calls (env:${CONNECTOR_ENV_PREFIX}<NAME> or file:<name>)`;

/**
 * Where Warrant may POST (the webhook connector, and outbound webhook subscriptions): https:// without
 * credentials; plain http:// only to this machine (127.0.0.1 or localhost), for development and tests.
 */
export const ZWebhookUrl = z
  .url({ message: "is required: an https:// URL" })
  .max(500)
  .refine(
    (u) => {
      try {
        const p = new URL(u);
        if (p.username || p.password) return false;
        if (p.protocol === "https:") return true;
        return p.protocol === "http:" && (p.hostname === "127.0.0.1" || p.hostname === "localhost");
      } catch {
        return false;
      }
    },
    { message: "must be an https:// URL without credentials (plain http:// is allowed only for 127.0.0.1 or localhost)" },
  );

export const ZWebhookConfig = z
  .object({
    url: ZWebhookUrl,
    secretRef: ZSecretRef(SECRET_REF_REQUIRED),
  })
  .strict();

/** An https:// URL without credentials; plain http:// only to this machine (127.0.0.1, ::1 or localhost). */
const ZServiceUrl = (required: string, what: string) =>
  z
    .url({ message: required })
    .max(500)
    .refine(
      (u) => {
        try {
          const p = new URL(u);
          if (p.username || p.password || p.search || p.hash) return false;
          if (p.protocol === "https:") return true;
          return p.protocol === "http:" && (p.hostname === "127.0.0.1" || p.hostname === "localhost" || p.hostname === "[::1]");
        } catch {
          return false;
        }
      },
      { message: `must be an https:// ${what} without credentials, query or fragment (plain http:// is allowed only for 127.0.0.1, [::1] or localhost)` },
    );

/**
 * The outbound SCIM 2.0 connector (server/connectors/scim.ts): the application's SCIM base URL (the one
 * that ends before /Users and /Groups) and the reference of its bearer token.
 */
export const ZScimConfig = z
  .object({
    baseUrl: ZServiceUrl("is required: the application's SCIM base URL (https://…/scim/v2)", "URL"),
    tokenRef: ZSecretRef(`is required: the reference of the application's SCIM bearer token (env:${CONNECTOR_ENV_PREFIX}<NAME> or file:<name>)`),
    /** Which identity field becomes the SCIM userName; only the work email for now. */
    userNameFrom: z.enum(["email"], { message: 'must be "email"' }).optional(),
  })
  .strict();

export { SSL_MODES };
export const SSL_MODE_LABEL: Record<SslMode, string> = {
  disable: "disable: no TLS",
  require: "require: TLS, certificate not checked",
  "verify-ca": "verify-ca: TLS, certificate signed by the CA",
  "verify-full": "verify-full: TLS, CA and host name checked",
};

export const ZPostgresConfig = z
  .object({
    database: z
      .string({ message: "is required (the database the connector manages roles in)" })
      .trim()
      .min(1, { message: "is required" })
      .max(63)
      .regex(/^[A-Za-z_][A-Za-z0-9_$-]*$/, { message: "must be a database name" }),
    host: z
      .string()
      .trim()
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$/, { message: "must be a host name or IP address" })
      .optional(),
    port: z.number({ message: "must be a port number" }).int().min(1).max(65535, { message: "must be a port number" }).optional(),
    /** The role the connector logs in as (needs CREATEROLE); the password comes from secretRef. */
    user: z
      .string()
      .trim()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z_][A-Za-z0-9_$-]*$/, { message: "must be a PostgreSQL role name" })
      .optional(),
    secretRef: ZSecretRef(`is required when given: the reference of the password (env:${CONNECTOR_ENV_PREFIX}<NAME> or file:<name>)`).optional(),
    /** Unset: verify-full, or disable for a loopback host (see server/connectors/pg-target.ts). */
    sslmode: z.enum(SSL_MODES, { message: `must be one of ${SSL_MODES.join(", ")}` }).optional(),
    /** The CA certificate (PEM) that signs the server's certificate; only with verify-ca / verify-full. */
    sslRootCertRef: ZSecretRef(`is required when given: the reference of the CA certificate (PEM) (env:${CONNECTOR_ENV_PREFIX}<NAME> or file:<name>)`).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const mode = effectiveSslMode(c.host, c.sslmode);
    if (mode === "verify-ca" && !c.sslRootCertRef) {
      // Without a CA of its own, verify-ca would accept any certificate a public CA signed, for any name.
      ctx.addIssue({ code: "custom", path: ["sslRootCertRef"], message: "is required with sslmode verify-ca: the reference of the CA certificate that signs the server's certificate" });
    }
    if (c.sslRootCertRef && mode !== "verify-ca" && mode !== "verify-full") {
      ctx.addIssue({ code: "custom", path: ["sslRootCertRef"], message: `is only used with sslmode verify-ca or verify-full (sslmode is ${mode})` });
    }
  });

const CONFIG_SCHEMA = { MANUAL: ZManualConfig, WEBHOOK: ZWebhookConfig, POSTGRES: ZPostgresConfig, SCIM: ZScimConfig, WARRANT_API: z.object({}).strict() } as const;

export type ConnectorConfig = Record<string, unknown>;

function findSecretKey(value: unknown, path: string[] = []): string | null {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findSecretKey(v, [...path, String(i)]);
      if (hit) return hit;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) && !(SECRET_REF_KEYS as readonly string[]).includes(k)) return [...path, k].join(".");
      const hit = findSecretKey(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}

/**
 * Checks connector settings for a connector kind. Returns the normalised settings, or a message naming
 * the problem and the setting it is about (`field`, for forms). A key that would hold a secret
 * ("password", "token", ...) is refused with its own message; a secret reference outside the connector
 * secrets namespace (env:NEXTAUTH_SECRET, DATABASE_URL, file:../x) is refused with what is allowed.
 */
export function checkConnectorConfig(
  kind: ConnectorKind,
  config: unknown,
): { ok: true; config: ConnectorConfig } | { ok: false; message: string; field: string | null } {
  if (!config || typeof config !== "object" || Array.isArray(config)) return { ok: false, message: "Connector settings must be an object.", field: null };
  const secretKey = findSecretKey(config);
  if (secretKey) {
    return {
      ok: false,
      message: `Connector settings must not contain secrets ("${secretKey}"): keep the secret in the connector secrets namespace and refer to it (secretRef: env:${CONNECTOR_ENV_PREFIX}<NAME> or file:<name>).`,
      field: secretKey,
    };
  }
  const res = CONFIG_SCHEMA[kind].safeParse(config);
  if (!res.success) {
    const issues = res.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") return `unknown setting ${i.keys.map((k) => `"${k}"`).join(", ")}`;
      return i.path.length ? `${i.path.join(".")} ${i.message}` : i.message;
    });
    const first = res.error.issues[0];
    const field = first && first.code !== "unrecognized_keys" && first.path.length ? first.path.join(".") : null;
    return { ok: false, message: `Connector settings for ${kind}: ${issues.join("; ")}.`, field };
  }
  return { ok: true, config: res.data as ConnectorConfig };
}

/** The keys of connector settings that hold secret references (checked again on the server and in the worker). */
export const SECRET_REF_KEYS = ["secretRef", "sslRootCertRef", "tokenRef"] as const;

/** Per-setting problems, for forms (setting name → message); empty when the settings are valid. */
export function connectorConfigIssues(kind: ConnectorKind, config: Record<string, unknown>): Record<string, string> {
  const res = CONFIG_SCHEMA[kind].safeParse(config);
  if (res.success) return {};
  const out: Record<string, string> = {};
  for (const i of res.error.issues) {
    const key = i.path.length ? String(i.path[0]) : "_";
    const msg = i.code === "unrecognized_keys" ? `unknown setting ${i.keys.join(", ")}` : i.message.replace(/^is required/, "required");
    out[key] ??= msg.charAt(0).toUpperCase() + msg.slice(1);
  }
  return out;
}

/** The 90-day rule for privileged or critical-risk entitlements; null when the duration is allowed. */
export function durationProblem(e: { privileged: boolean; risk: RiskLevel; maxDurationDays: number }): string | null {
  if ((e.privileged || e.risk === "CRITICAL") && e.maxDurationDays > PRIVILEGED_MAX_DURATION_DAYS) {
    return `Privileged and critical-risk entitlements can be granted for at most ${PRIVILEGED_MAX_DURATION_DAYS} days (maximum duration was ${e.maxDurationDays} days).`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Writes (ADMIN)

const ZConnectorConfigInput = z.record(z.string(), z.unknown(), { message: "must be an object" });

/** How often the reconciliation job compares the system with Warrant: whole hours, 0 = on demand only, at most 30 days. */
export const RECONCILE_MAX_HOURS = 720;
const ZReconcileEveryHours = z.coerce
  .number({ message: "must be a number of hours" })
  .int({ message: "must be a whole number of hours" })
  .min(0, { message: "must be 0 (on demand only) or more" })
  .max(RECONCILE_MAX_HOURS, { message: `must be at most ${RECONCILE_MAX_HOURS} hours (30 days)` });

export const ZCreateSystemInput = z
  .object({
    name: ZSystemName,
    description: ZDescription.default(""),
    ownerId: ZId,
    criticality: ZRisk,
    connector: ZConnector,
    connectorConfig: ZConnectorConfigInput.default({}),
    reconcileEveryHours: ZReconcileEveryHours.default(24),
  })
  .strict();
export type TCreateSystemInput = z.input<typeof ZCreateSystemInput>;

export const ZUpdateSystemInput = z
  .object({
    id: ZId,
    expectedUpdatedAt: ZExpectedUpdatedAt,
    name: ZSystemName.optional(),
    description: ZDescription.optional(),
    ownerId: ZId.optional(),
    criticality: ZRisk.optional(),
    connector: ZConnector.optional(),
    connectorConfig: ZConnectorConfigInput.optional(),
    reconcileEveryHours: ZReconcileEveryHours.optional(),
  })
  .strict();
export type TUpdateSystemInput = z.input<typeof ZUpdateSystemInput>;

export const ZCreateEntitlementInput = z
  .object({
    systemId: ZId,
    name: ZEntitlementName,
    description: ZDescription.default(""),
    risk: ZRisk,
    privileged: z.boolean().default(false),
    /** Null or absent: the system owner owns it. */
    ownerId: ZId.nullish(),
    requestable: z.boolean().default(true),
    maxDurationDays: ZMaxDuration,
    externalRef: ZExternalRef.nullish(),
    /** PostgreSQL systems only: a grant issues a login of its own to a non-human identity (docs/credentials.md). */
    issuesCredential: z.boolean().default(false),
    /** Hours between scheduled password rotations of an issued credential; null = on demand only. */
    credentialRotateHours: ZCredentialRotateHours.nullish(),
  })
  .strict();
export type TCreateEntitlementInput = z.input<typeof ZCreateEntitlementInput>;

export const ZUpdateEntitlementInput = z
  .object({
    id: ZId,
    expectedUpdatedAt: ZExpectedUpdatedAt,
    name: ZEntitlementName.optional(),
    description: ZDescription.optional(),
    risk: ZRisk.optional(),
    privileged: z.boolean().optional(),
    /** Null: back to the system owner. Absent: unchanged. */
    ownerId: ZId.nullable().optional(),
    requestable: z.boolean().optional(),
    maxDurationDays: ZMaxDuration.optional(),
    externalRef: ZExternalRef.nullable().optional(),
    issuesCredential: z.boolean().optional(),
    credentialRotateHours: ZCredentialRotateHours.nullable().optional(),
  })
  .strict();
export type TUpdateEntitlementInput = z.input<typeof ZUpdateEntitlementInput>;
