/**
 * The REST API's operations (/api/v1, docs/api.md): one entry each, from which both the edge
 * (server/http/api-v1/endpoint.ts) and the OpenAPI document (openapi.ts) are made.
 *
 * An operation never holds a rule: its input is the domain's own zod schema, and its handler calls the
 * EXISTING tRPC procedure through a server-side caller whose identity is the API client (scope actsAs
 * "client") or the client's owner ("owner"), so roles, relationship checks, conditional writes and ledger
 * events stay where they are. What the edge adds is the scope check, cursor paging, idempotency and the
 * plain-JSON answer (ISO 8601 dates; no superjson).
 *
 * Output schemas describe the answer as JSON (dates are strings); objects are open (`looseObject`): fields may
 * be added, never removed or retyped, within v1.
 */
import { z } from "zod";
import { createCallerFactory } from "../../trpc/init";
import { appRouter } from "../../trpc/root";
import { API_SCOPES, type ApiScope } from "../../domain/api-clients/scopes";
import type { ApiCall } from "../../domain/api-clients/call-context";
import { ZById, ZEntitlementByIdInput, ZListEntitlementsInput, ZListSystemsInput } from "../../domain/catalog/schema";
import { ZIdentityId, ZListIdentities } from "../../domain/identities/schema";
import { ZGrantLineageInput, ZSearchGrantsInput } from "../../domain/audit/schema";
import { ZCancelRequestInput, ZListMyRequestsInput, ZRequestById, ZSubmitRequestInput } from "../../domain/requests/schema";
import { ZDecideStepInput, ZInboxInput } from "../../domain/approvals/schema";
import { ZCampaignById, ZDecideInput, ZListCampaignsInput, ZMyItemsInput } from "../../domain/campaigns/schema";
import { ZListFindingsInput } from "../../domain/findings/schema";
import { ZListLedgerEvents } from "../../ledger/queries";
import { ZExportRef, ZStartExport } from "../../domain/evidence-exports/schema";
import { ZFeedCheckpoint, ZFeedEvent, ZFeedPage, ZFeedQuery, ZSeq } from "../../domain/events/schema";

/**
 * The feed's query as a URL carries it: `types` is one comma-separated parameter (`types=grant.*,request.submitted`),
 * split into the feed's own list before the procedure parses it with ZFeedQuery.
 */
const ZFeedQueryParams = ZFeedQuery.extend({
  types: z
    .string()
    .max(5000)
    .optional()
    .describe('Event types to include, comma-separated: exact actions ("grant.revoked") or families ("grant.*"); none = every event.'),
});
const splitTypes = (i: z.input<typeof ZFeedQueryParams>) => ({
  ...i,
  types: i.types === undefined || i.types.trim() === "" ? [] : i.types.split(",").map((t) => t.trim()),
});

const createCaller = createCallerFactory(appRouter);
export type ApiCaller = ReturnType<typeof createCaller>;
export { createCaller };

export const TAGS = {
  catalog: "Systems and entitlements a person can ask for.",
  identities: "People and non-human identities.",
  grants: "Access held: who has what, since when, until when, and why.",
  requests: "Access requests made by the API client itself (or on behalf of a person it acts for).",
  approvals: "The approval inbox of the client's owner, and decisions as the owner.",
  campaigns: "Access reviews: campaigns, the owner's review items, decisions.",
  findings: "Reconciliation and control-check exceptions.",
  ledger: "The evidence ledger: every event, hash-chained.",
  evidence: "Evidence packs: start an export, follow it, download the zip.",
} as const;
export type Tag = keyof typeof TAGS;

type Json = unknown;

export type Operation = {
  /** OpenAPI operationId. */
  id: string;
  method: "GET" | "POST";
  /** Below /api/v1, with `{name}` path parameters (each a key of `input`). */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  scope: ApiScope;
  /** The domain's input schema: path parameters + query (GET) or body (POST). */
  input: z.ZodType;
  /** Lists: the input extends ZListBase (page, size); the API pages it with `cursor` and `limit`. */
  list?: boolean;
  /** Lists: how their cursors behave when rows come and go during a walk (default: PAGE_NUMBER_PAGING). */
  paging?: string;
  /** Pages itself with a keyset of its own (the event feed: `after` and the answer's `next`) and takes its own `limit`: no cursor. */
  keyset?: boolean;
  /** Values the API uses when the caller gives none (e.g. the ledger pages oldest first). */
  defaults?: Record<string, unknown>;
  /** A list's item, or the whole answer. */
  output: z.ZodType;
  /** 201 for a creation; 200 otherwise. */
  status?: 200 | 201 | 202;
  /** Scopes that open the operation as well as `scope`; `extraScope` then says which one a given input needs. */
  alternativeScopes?: ApiScope[];
  /** The scope this particular input needs (e.g. asking for someone else), checked once the input is valid. */
  extraScope?: (input: Record<string, unknown>, call: ApiCall) => ApiScope | null;
  /** Calls the tRPC procedure. The input is the raw one; the procedure parses it with the same schema. */
  handler: (caller: ApiCaller, input: never, call: ApiCall) => Promise<unknown>;
  /** An answer that is not one JSON value (a zip, a JSON Lines stream): served by the edge itself (see endpoint.ts). */
  raw?: "evidence-download" | "events-export";
  example?: { input?: Record<string, Json>; output?: Json };
};

/** whose identity the call runs as. */
export const actsAs = (op: Pick<Operation, "scope">) => API_SCOPES[op.scope].actsAs;

// --- JSON answers (dates are ISO 8601 strings) -----------------------------------------------------------
const iso = z.iso.datetime({ offset: true }).describe("ISO 8601 UTC");
const isoOrNull = iso.nullable();
const id = z.string().describe("An id (UUID).");
const ref = z.looseObject({ id, name: z.string() });
const risk = z.string().describe("LOW | MEDIUM | HIGH | CRITICAL");

const SystemRow = z.looseObject({ id, name: z.string(), description: z.string(), ownerId: id, ownerName: z.string(), criticality: risk, connector: z.string(), entitlementCount: z.number(), activeGrantCount: z.number() });
const person = z.looseObject({ id, name: z.string() });
const count = z.number().int().min(0);
const SystemDetail = z.looseObject({
  id,
  name: z.string(),
  description: z.string(),
  owner: z.looseObject({ id, name: z.string(), email: z.string().nullable(), status: z.string() }),
  criticality: risk,
  connector: z.string(),
  reconcileEveryHours: z.number().int(),
  connectorConfig: z.unknown().describe("The connector's settings; null when the owner may not see them."),
  createdAt: iso,
  updatedAt: iso,
  entitlementCount: count,
  activeGrantCount: count,
  entitlements: z
    .array(
      z.looseObject({
        id,
        name: z.string(),
        description: z.string(),
        risk,
        privileged: z.boolean(),
        owner: person,
        ownerIsSystemOwner: z.boolean(),
        maxDurationDays: z.number().int(),
        requestable: z.boolean(),
        holderCount: count,
        mine: z.unknown().describe("What the owner holds of it (null: nothing, no pending request)."),
      }),
    )
    .describe("The system's entitlements by name (the first 500)."),
});
const EntitlementRow = z.looseObject({ id, name: z.string(), systemId: id, systemName: z.string(), risk, privileged: z.boolean(), requestable: z.boolean(), maxDurationDays: z.number() });
const EntitlementDetail = z.looseObject({
  id,
  name: z.string(),
  description: z.string(),
  system: z.looseObject({ id, name: z.string(), criticality: risk, connector: z.string(), owner: person }),
  risk,
  issuesCredential: z.boolean(),
  credentialRotateHours: z.number().int().nullable(),
  privileged: z.boolean(),
  owner: z.looseObject({ id, name: z.string(), email: z.string().nullable() }).describe("The effective owner: the entitlement's own, or the system owner."),
  ownerIsSystemOwner: z.boolean(),
  requestable: z.boolean(),
  maxDurationDays: z.number().int(),
  externalRef: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
  holderCount: count,
  holders: z.looseObject({ rows: z.array(z.looseObject({})), total: count }).nullable().describe("Null when the owner may see only the count."),
});
const IdentityRow = z.looseObject({ id, kind: z.string(), displayName: z.string(), email: z.string().nullable(), status: z.string(), ownerId: id.nullable(), activeGrantCount: z.number().nullable() });
const IdentityDetail = z.looseObject({
  id,
  kind: z.string(),
  displayName: z.string(),
  status: z.string(),
  email: z.string().nullable().describe("Null unless the owner has a reason to see it."),
  accessView: z.string().describe("How much of the identity's access the owner may see: all, owned (what they own) or none."),
  credential: z.looseObject({}).nullable().describe("Non-human identities: credential metadata; null for people."),
  reports: z.looseObject({ count, items: z.array(z.looseObject({ id, displayName: z.string(), status: z.string() })) }),
  ownedNhis: z.looseObject({ count, items: z.array(z.looseObject({ id, displayName: z.string(), kind: z.string(), status: z.string() })) }),
  grants: z.looseObject({ current: z.array(z.looseObject({ id, status: z.string() })), history: z.array(z.looseObject({ id, status: z.string() })), historyCount: count }),
  createdAt: iso,
  updatedAt: iso,
});
const GrantRow = z.looseObject({ id, holderId: id, holder: z.string(), entitlementId: id, entitlement: z.string(), system: z.string(), status: z.string(), origin: z.string(), startsAt: iso, expiresAt: isoOrNull, revokedAt: isoOrNull });
const proofStatus = z.enum(["verified", "broken", "missing"]);
const LedgerProof = z
  .looseObject({ status: proofStatus, action: z.string(), seq: z.string().nullable(), occurredAt: isoOrNull, hash: z.string().nullable(), reason: z.string().nullable() })
  .describe("The ledger event proving a step: verified (it exists and its chain link checks), broken, or missing.");
const personOrNull = person.nullable();
const TaskRow = z.looseObject({ id, action: z.string(), connector: z.string(), status: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), confirmedBy: personOrNull, doneAt: isoOrNull, createdAt: iso });
const GrantLineage = z.looseObject({
  grant: z.looseObject({
    id,
    status: z.string(),
    origin: z.string(),
    startsAt: iso,
    expiresAt: isoOrNull,
    revokedAt: isoOrNull,
    revocationCause: z.string().nullable(),
    revocationNote: z.string().nullable(),
    revokedBy: personOrNull,
    holder: z.looseObject({ id, name: z.string(), kind: z.string(), email: z.string().nullable(), status: z.string() }),
    entitlement: z.looseObject({ id, name: z.string(), risk, privileged: z.boolean() }),
    system: person,
  }),
  originUnverified: z.boolean(),
  imported: z.looseObject({ proof: LedgerProof }).nullable(),
  request: z
    .looseObject({
      id,
      status: z.string(),
      requester: personOrNull,
      beneficiary: personOrNull,
      justification: z.string(),
      ticketUrl: z.string().nullable(),
      emergency: z.boolean(),
      durationHours: z.number(),
      revision: z.number().int(),
      contentHash: z.string(),
      createdAt: iso,
      decidedAt: isoOrNull,
      proof: LedgerProof,
    })
    .nullable(),
  policy: z.looseObject({ version: z.number().int(), versionId: id, storedSha256: z.string(), recomputedSha256: z.string(), textVerified: z.boolean(), requestPolicyHash: z.string(), inputHash: z.string(), proof: LedgerProof }).nullable(),
  approvals: z.array(z.looseObject({ stepId: id, stageOrder: z.number().int(), kind: z.string(), status: z.string(), decidedBy: personOrNull, decidedAt: isoOrNull, reason: z.string().nullable(), boundRevision: z.number().int().nullable(), proof: LedgerProof.nullable() })),
  approvalOutcome: z.looseObject({ kind: z.enum(["AUTO", "APPROVED"]), proof: LedgerProof }).nullable(),
  provisioning: z.looseObject({ requested: LedgerProof.nullable(), tasks: z.array(TaskRow), proof: LedgerProof }).nullable(),
  reviews: z.array(z.looseObject({ itemId: id, campaignId: id, campaignName: z.string(), campaignStatus: z.string(), decision: z.string().nullable(), decidedBy: personOrNull, decidedAt: isoOrNull, defaulted: z.boolean(), remediation: z.string(), proof: LedgerProof.nullable(), remediationProof: LedgerProof.nullable() })),
  revocation: z.looseObject({ revokedAt: isoOrNull, cause: z.string().nullable(), revokedBy: personOrNull, tasks: z.array(TaskRow), requested: LedgerProof, proof: LedgerProof }).nullable(),
  summary: z.looseObject({ links: count, verified: count, missing: count, broken: count }),
});
const RequestOutcome = z.looseObject({ id, status: z.string(), revision: z.number().int(), grant: z.looseObject({ id, status: z.string(), expiresAt: isoOrNull }).nullable() });
const RequestRow = z.looseObject({ id, entitlement: ref, system: ref, beneficiary: ref, requester: ref, status: z.string(), emergency: z.boolean(), durationHours: z.number(), createdAt: iso, deadlineAt: iso, decidedAt: isoOrNull });
const StageView = z.looseObject({
  id,
  stageOrder: z.number().int(),
  position: z.number().int(),
  kind: z.string(),
  status: z.string(),
  eligible: z.array(person).describe("Who can decide it."),
  fallback: z.boolean(),
  decidedBy: personOrNull,
  decidedAt: isoOrNull,
  reason: z.string().nullable(),
  openedAt: isoOrNull,
  boundRevision: z.number().int().nullable(),
});
const RequestDetail = z.looseObject({
  id,
  status: z.string(),
  revision: z.number().int(),
  contentHash: z.string(),
  justification: z.string(),
  durationHours: z.number(),
  ticketUrl: z.string().nullable(),
  ticketRef: z.string().nullable().describe("The external ticket's reference (e.g. JIRA-123), when the request came with one."),
  emergency: z.boolean(),
  incidentRef: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
  deadlineAt: iso,
  decidedAt: isoOrNull,
  extendsGrantId: id.nullable(),
  requester: z.looseObject({ id, name: z.string(), email: z.string().nullable() }),
  beneficiary: z.looseObject({ id, name: z.string(), kind: z.string(), owner: personOrNull }),
  machineRequester: z
    .looseObject({ id, name: z.string(), kind: z.string(), owner: personOrNull })
    .nullable()
    .describe("Set when a machine (an API client, a pipeline, an AI agent) submitted the request: which one, of what kind, and the person accountable for it."),
  onBehalf: z.looseObject({ requester: person, beneficiary: person }).nullable().describe("Set when someone asked for another identity."),
  entitlement: z.looseObject({ id, name: z.string(), risk, privileged: z.boolean(), maxDurationDays: z.number().int(), owner: person }),
  system: person,
  policy: z.looseObject({ versionId: id, version: z.number().int(), hash: z.string(), inputHash: z.string(), allowed: z.boolean(), autoApproved: z.boolean(), reasons: z.array(z.unknown()), stages: z.array(z.unknown()), determining: z.array(z.unknown()) }),
  grant: z.looseObject({ id, status: z.string(), startsAt: iso, expiresAt: isoOrNull, revokedAt: isoOrNull }).nullable(),
  stages: z.array(StageView).describe("The approval stages in order, with who can decide each and who did."),
  timeline: z.array(z.looseObject({ seq: z.string(), occurredAt: iso, action: z.string(), actor: personOrNull, subjectType: z.string(), hash: z.string() })).describe("The request's ledger events, oldest first."),
});
const InboxRow = z.looseObject({ stepId: id, requestId: id, revision: z.number().int(), kind: z.string(), entitlement: ref, system: ref, requester: ref, beneficiary: ref, durationHours: z.number(), emergency: z.boolean(), justification: z.string(), deadlineAt: iso });
const StepOutcome = z.looseObject({ requestId: id, status: z.enum(["APPROVED", "DENIED", "PENDING"]), grantId: id.nullable() });
const CampaignRow = z.looseObject({ id, name: z.string(), status: z.string(), ownerName: z.string(), dueAt: iso, decided: z.number(), total: z.number() });
const CampaignDetail = z.looseObject({
  id,
  name: z.string(),
  status: z.string(),
  owner: person,
  dueAt: iso,
  counts: z.looseObject({ total: count, decided: count, kept: count, revoked: count, undecided: count, overdue: count, defaultKept: count, defaultRevoked: count }).describe("decided/kept/revoked: by reviewers; defaultKept/defaultRevoked: by the default action at close."),
  perReviewer: z.array(z.looseObject({ reviewerId: id, name: z.string(), total: count, decided: count, defaulted: count })),
  remediation: z.looseObject({ requested: count, confirmed: count, failed: count, pending: count }),
});
const ReviewItemRow = z.looseObject({ id, version: z.number().int(), campaignId: id, grantId: id, identityId: id, identityName: z.string(), entitlementId: id, entitlementName: z.string(), systemName: z.string(), decision: z.string().nullable(), dueAt: iso });
const ReviewItem = z.looseObject({ id, version: z.number().int(), decision: z.string().nullable() });
const FindingRow = z.looseObject({ id, kind: z.string(), status: z.string(), subject: z.looseObject({ type: z.string(), id: z.string(), label: z.string() }), createdAt: iso, resolvedAt: isoOrNull });
const LedgerRow = z.looseObject({ seq: z.string().describe("The event's position in the chain (a decimal string)."), occurredAt: iso, actorId: id.nullable(), action: z.string(), subjectType: z.string(), subjectId: z.string(), payload: z.unknown(), hash: z.string(), prevHash: z.string() });
const ExportStatus = z.looseObject({
  id,
  status: z.enum(["QUEUED", "RUNNING", "DONE", "FAILED", "EXPIRED"]),
  from: z.string(),
  to: z.string(),
  progress: z.number(),
  total: z.number(),
  fileSha256: z.string().nullable(),
  createdAt: iso,
  completedAt: isoOrNull,
  downloadUrl: z.string().nullable().describe("Where to GET the zip once DONE (same bearer token), else null."),
});
const Started = z.looseObject({ id });

/** The most events one JSON Lines export over the API covers (a client asks for a longer range in parts). */
export const EVENTS_EXPORT_MAX_RANGE = 100_000n;
const ZEventsExportParams = z
  .object({
    from: ZSeq.optional().describe("The first seq of the range (default 1)."),
    to: ZSeq.optional().describe(`The last seq of the range (default: the head, or from + ${EVENTS_EXPORT_MAX_RANGE - 1n} if that comes first; the range line says which).`),
  })
  .strict();
const EventsExportLine = z.discriminatedUnion("type", [
  z.object({ type: z.literal("range"), format: z.literal("warrant-events/1"), from: ZSeq, to: ZSeq, head: ZSeq, prevHash: z.string().nullable().describe("The hash of the event before `from` (64 zeros when from = 1): where verification starts.") }),
  ZFeedEvent.extend({ type: z.literal("event") }),
  ZFeedCheckpoint.extend({ type: z.literal("checkpoint") }),
]);

/** The download path of an export (an operation below). */
export const exportDownloadPath = (exportId: string) => `/api/v1/evidence-exports/${exportId}/download`;
const withDownload = (row: { id: string; status: string }) => ({ ...row, downloadUrl: row.status === "DONE" ? exportDownloadPath(row.id) : null });

/** The campaign's population query is the portal's own SQL (shown to admins as evidence of scope): not part of the API. */
const withoutScopeQuery = <T extends { scopeQuery?: unknown }>(c: T) => {
  const { scopeQuery: _omit, ...rest } = c;
  void _omit;
  return rest;
};

/** What a list that pages by number promises (said in each such operation's description). */
export const PAGE_NUMBER_PAGING =
  "Paging: the cursor holds a page number, so a row added or removed during a walk shifts the pages behind it: a row may be repeated or skipped. Read from the first page again when completeness matters.";
const seekPaging = (order: string) =>
  `Paging: in the default order (${order}) the cursor holds the last row's position, so every page costs the same and a row added during a walk is never repeated or skipped. Other orders (\`sort\`) page by number: a row added or removed meanwhile may be repeated or skipped.`;

const H = <I>(fn: (caller: ApiCaller, input: I, call: ApiCall) => Promise<unknown>) => fn as Operation["handler"];

export const OPERATIONS: Operation[] = [
  // catalog
  { id: "listSystems", method: "GET", path: "/catalog/systems", tag: "catalog", summary: "List systems", scope: "catalog:read", input: ZListSystemsInput, list: true, output: SystemRow, handler: H((c, i) => c.catalog.listSystems(i as never)) },
  { id: "getSystem", method: "GET", path: "/catalog/systems/{id}", tag: "catalog", summary: "Get a system and its entitlements", scope: "catalog:read", input: ZById, output: SystemDetail, handler: H((c, i) => c.catalog.systemById(i as never)) },
  { id: "listEntitlements", method: "GET", path: "/catalog/entitlements", tag: "catalog", summary: "List entitlements", scope: "catalog:read", input: ZListEntitlementsInput, list: true, output: EntitlementRow, handler: H((c, i) => c.catalog.listEntitlements(i as never)) },
  { id: "getEntitlement", method: "GET", path: "/catalog/entitlements/{id}", tag: "catalog", summary: "Get an entitlement and its holders", scope: "catalog:read", input: ZEntitlementByIdInput, output: EntitlementDetail, handler: H((c, i) => c.catalog.entitlementById(i as never)) },
  // identities
  { id: "listIdentities", method: "GET", path: "/identities", tag: "identities", summary: "List identities", scope: "identities:read", input: ZListIdentities, list: true, paging: seekPaging("by name, A to Z; `dir=desc` Z to A"), output: IdentityRow, handler: H((c, i) => c.identities.list(i as never)) },
  { id: "getIdentity", method: "GET", path: "/identities/{id}", tag: "identities", summary: "Get an identity", description: "Credential metadata and access only where the owner may see them.", scope: "identities:read", input: ZIdentityId, output: IdentityDetail, handler: H((c, i) => c.identities.byId(i as never)) },
  // grants
  { id: "listGrants", method: "GET", path: "/grants", tag: "grants", summary: "List grants", description: "The owner must be an admin, security officer or auditor (the audit workspace's grant search).", scope: "grants:read", input: ZSearchGrantsInput, list: true, paging: seekPaging("by start, newest first; `dir=asc` oldest first"), output: GrantRow, handler: H((c, i) => c.audit.grants(i as never)) },
  { id: "getGrant", method: "GET", path: "/grants/{grantId}", tag: "grants", summary: "Get a grant's lineage", description: "The grant with its request, approvals, provisioning, reviews and the ledger events proving each step. The owner must be an admin, security officer or auditor.", scope: "grants:read", input: ZGrantLineageInput, output: GrantLineage, handler: H((c, i) => c.audit.lineage(i as never)) },
  // requests (as the client itself)
  { id: "listRequests", method: "GET", path: "/requests", tag: "requests", summary: "List the client's own requests", scope: "requests:read", input: ZListMyRequestsInput, list: true, paging: seekPaging("by creation, newest first; `dir=asc` oldest first"), output: RequestRow, handler: H((c, i) => c.requests.mine(i as never)) },
  { id: "getRequest", method: "GET", path: "/requests/{id}", tag: "requests", summary: "Get a request and its status", scope: "requests:read", input: ZRequestById, output: RequestDetail, handler: H((c, i) => c.requests.byId(i as never)) },
  {
    id: "submitRequest",
    method: "POST",
    path: "/requests",
    tag: "requests",
    summary: "Submit an access request",
    description:
      "For the client itself (scope `requests:write`), or on behalf of a person it acts for (`beneficiaryId`, scope `requests:on-behalf`: the client's owner, or someone the owner manages or shares a department with). Policy is evaluated at once; the answer says what it decided and which approvals are open. `ticketRef` keeps the ticket's reference with the request and in its ledger events, so a ticketing system can follow it (GET /requests/{id}, or a webhook subscription to `request.*`).",
    scope: "requests:write",
    alternativeScopes: ["requests:on-behalf"],
    input: ZSubmitRequestInput,
    output: RequestOutcome,
    status: 201,
    extraScope: (i, call) => (typeof i.beneficiaryId === "string" && i.beneficiaryId !== call.clientId ? "requests:on-behalf" : "requests:write"),
    handler: H((c, i) => c.requests.submit(i as never)),
    example: { input: { entitlementId: "0b6c…", justification: "Nightly build publishes to the artefact store.", durationHours: 72, ticketUrl: "https://tickets.example.com/OPS-1234" } },
  },
  { id: "cancelRequest", method: "POST", path: "/requests/{id}/cancel", tag: "requests", summary: "Cancel a pending request", scope: "requests:write", input: ZCancelRequestInput, output: RequestOutcome, handler: H((c, i) => c.requests.cancel(i as never)), example: { input: { expectedRevision: 1 } } },
  // approvals (as the owner)
  { id: "listApprovals", method: "GET", path: "/approvals", tag: "approvals", summary: "The owner's approval inbox", scope: "approvals:decide", input: ZInboxInput, list: true, paging: seekPaging("by the stage's opening, oldest first; `dir=desc` newest first"), output: InboxRow, handler: H((c, i) => c.approvals.inbox(i as never)) },
  {
    id: "decideApproval",
    method: "POST",
    path: "/approvals/decisions",
    tag: "approvals",
    summary: "Approve or deny an approval stage as the owner",
    description: "Bound to the request revision the decider saw (`expectedRevision`); denying needs a reason.",
    scope: "approvals:decide",
    input: ZDecideStepInput,
    output: StepOutcome,
    handler: H((c, i) => c.approvals.decide(i as never)),
    example: { input: { requestId: "…", stepId: "…", decision: "APPROVE", expectedRevision: 1, reason: "Needed for the release." } },
  },
  // campaigns (as the owner)
  { id: "listCampaigns", method: "GET", path: "/campaigns", tag: "campaigns", summary: "List campaigns with their progress", scope: "campaigns:decide", input: ZListCampaignsInput, list: true, output: CampaignRow, handler: H((c, i) => c.campaigns.list(i as never)) },
  { id: "getCampaign", method: "GET", path: "/campaigns/{id}", tag: "campaigns", summary: "Get a campaign's status", scope: "campaigns:decide", input: ZCampaignById, output: CampaignDetail, handler: H(async (c, i) => withoutScopeQuery(await c.campaigns.byId(i as never))) },
  { id: "listReviewItems", method: "GET", path: "/review-items", tag: "campaigns", summary: "The owner's review items", description: "Open items by default (`state=decided` or `all` for the others); `campaignId` narrows to one campaign.", scope: "campaigns:decide", input: ZMyItemsInput, list: true, paging: seekPaging("by the campaign's due date, then holder and entitlement name"), output: ReviewItemRow, handler: H((c, i) => c.campaigns.myItems(i as never)) },
  { id: "decideReviewItem", method: "POST", path: "/review-items/{itemId}/decision", tag: "campaigns", summary: "Keep or revoke a reviewed grant", description: "Bound to the item version the reviewer saw (`expectedVersion`).", scope: "campaigns:decide", input: ZDecideInput, output: ReviewItem, handler: H((c, i) => c.campaigns.decide(i as never)), example: { input: { expectedVersion: 1, decision: "KEEP", comment: "Still on the payments team." } } },
  // findings
  { id: "listFindings", method: "GET", path: "/findings", tag: "findings", summary: "List findings", description: "The owner must be an admin, security officer or auditor.", scope: "findings:read", input: ZListFindingsInput, list: true, paging: seekPaging("by creation, newest first; `dir=asc` oldest first"), output: FindingRow, handler: H((c, i) => c.findings.list(i as never)) },
  // ledger
  {
    id: "readEvents",
    method: "GET",
    path: "/events",
    tag: "ledger",
    summary: "Read the event feed after a seq (long-poll with wait)",
    description:
      "Every ledger event after `after`, in seq order, each with its seq, hash and previous hash so the consumer can verify the chain it received, and the signed checkpoints covering the page (docs/events.md). Pass the page's `next` as `after` for the next one. `wait` (seconds, at most 30) holds the call open until an event arrives; a client that hangs up ends the wait on the server at once. `format=ocsf` gives OCSF events with the original in `unmapped.warrant`. The owner must be an admin, security officer or auditor.",
    scope: "events:read",
    keyset: true,
    input: ZFeedQueryParams,
    output: ZFeedPage,
    handler: H((c, i: z.input<typeof ZFeedQueryParams>) => c.ledger.feed(splitTypes(i))),
    example: { input: { after: "0", limit: 100, types: "grant.*,request.submitted" } },
  },
  {
    id: "exportEvents",
    method: "GET",
    path: "/events/export",
    tag: "ledger",
    summary: "Export a seq range of the ledger as JSON Lines",
    description: `A range line, every event of the range in seq order with its hash and previous hash, then the signed checkpoints covering it (docs/events.md), streamed. At most ${EVENTS_EXPORT_MAX_RANGE} events per export: without \`to\` the range ends at the head or there, whichever comes first (the range line says where), so a collector asks again from \`to\` + 1. A range past the head or longer than that is refused (400 naming the parameter). The owner must be an admin, security officer or auditor.`,
    scope: "events:read",
    input: ZEventsExportParams,
    output: EventsExportLine,
    raw: "events-export",
    handler: H(async () => null),
  },
  {
    id: "listLedgerEvents",
    method: "GET",
    path: "/ledger/events",
    tag: "ledger",
    summary: "List ledger events",
    description: "Oldest first by default (`dir=asc`). The owner must be an admin, security officer or auditor.",
    scope: "events:read",
    input: ZListLedgerEvents,
    list: true,
    paging: "Paging: the cursor holds a page number. In the default ascending order that never repeats or skips an event (events are only appended, at the end); with `dir=desc` new events shift the pages.",
    defaults: { dir: "asc" },
    output: LedgerRow,
    handler: H((c, i) => c.ledger.list(i as never)),
  },
  // evidence
  {
    id: "startEvidenceExport",
    method: "POST",
    path: "/evidence-exports",
    tag: "evidence",
    summary: "Start an evidence export",
    description: "Queued and built in the background; follow it with GET /evidence-exports/{id}. The owner must be an auditor, admin or security officer.",
    scope: "evidence:export",
    input: ZStartExport,
    output: Started,
    status: 202,
    handler: H((c, i) => c.evidence.startExport(i as never)),
    example: { input: { from: "2026-07-01", to: "2026-09-30" } },
  },
  { id: "getEvidenceExport", method: "GET", path: "/evidence-exports/{id}", tag: "evidence", summary: "Get an export's status (and its download link once done)", scope: "evidence:export", input: ZExportRef, output: ExportStatus, handler: H(async (c, i) => withDownload(await c.evidence.byId(i as never))) },
  { id: "downloadEvidenceExport", method: "GET", path: "/evidence-exports/{id}/download", tag: "evidence", summary: "Download a finished evidence pack (zip)", scope: "evidence:export", input: ZExportRef, output: z.string().describe("The zip file."), raw: "evidence-download", handler: H(async () => null) },
];

/** The operations matching a path, and the path parameters (or null when no template matches). */
export function matchPath(segments: string[]): { ops: Operation[]; params: Record<string, string> } | null {
  for (const op of OPERATIONS) {
    const tpl = op.path.split("/").filter(Boolean);
    if (tpl.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (tpl.every((t, i) => (t.startsWith("{") ? ((params[t.slice(1, -1)] = segments[i]), true) : t === segments[i]))) {
      return { ops: OPERATIONS.filter((o) => o.path === op.path), params };
    }
  }
  return null;
}

export const pathParamNames = (op: Operation) => [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
