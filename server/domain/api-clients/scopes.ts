/**
 * What a REST API client (/api/v1, issue 12) may call. Each scope is an entitlement of the built-in
 * "Warrant API" system (id WARRANT_API_SYSTEM_ID, entitlement `externalRef` = the scope string): a client
 * gets a scope the way anyone gets access, through an access request, policy and approval, and loses it when
 * that grant expires or is revoked. A call's scopes are read from the client's ACTIVE grants on every call.
 *
 * Whose authority a call uses (`actsAs`):
 *   - "client": the client itself, a non-human identity (a pipeline, an AI agent) — a machine requester;
 *   - "owner": the client's accountable owner, loaded fresh like a session, so a client can never do more
 *     than its owner may, and only within its scopes.
 * Only zod-free constants here: components import this file.
 */
export const WARRANT_API_SYSTEM_ID = "5a7e0000-0000-4000-8000-00000000a9e1";
export const WARRANT_API_SYSTEM_NAME = "Warrant API";

export type ApiScopeInfo = { actsAs: "client" | "owner"; description: string; privileged: boolean };

export const API_SCOPES = {
  "catalog:read": { actsAs: "owner", privileged: false, description: "Read the catalog: systems and entitlements." },
  "identities:read": { actsAs: "owner", privileged: false, description: "Read identities the owner may see." },
  "grants:read": { actsAs: "owner", privileged: false, description: "Read grants the owner may see." },
  "requests:read": { actsAs: "client", privileged: false, description: "Read the client's own requests and their status." },
  "requests:write": { actsAs: "client", privileged: false, description: "Submit and cancel access requests for the client itself." },
  "requests:on-behalf": { actsAs: "client", privileged: true, description: "Submit access requests on behalf of a person the client acts for (policy decides; a human approves)." },
  "approvals:decide": { actsAs: "owner", privileged: true, description: "Read the owner's approval inbox and decide as the owner." },
  "campaigns:decide": { actsAs: "owner", privileged: true, description: "Read campaigns and decide review items as the owner." },
  "findings:read": { actsAs: "owner", privileged: false, description: "Read findings the owner may see." },
  "events:read": { actsAs: "owner", privileged: true, description: "Read the ledger's event feed (the owner must be allowed to read the ledger)." },
  "evidence:export": { actsAs: "owner", privileged: true, description: "Start and download evidence exports (the owner must be allowed to)." },
} as const satisfies Record<string, ApiScopeInfo>;

export type ApiScope = keyof typeof API_SCOPES;
export const API_SCOPE_NAMES = Object.keys(API_SCOPES) as ApiScope[];

export function isApiScope(s: string): s is ApiScope {
  return Object.prototype.hasOwnProperty.call(API_SCOPES, s);
}
