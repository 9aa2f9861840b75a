/**
 * A small kit for REST API (/api/v1) tests: an API client (a non-human identity with an owner), its scopes as
 * ACTIVE grants on entitlements of the built-in Warrant API system, and a bearer token (scope "api"), written
 * directly with Prisma (they set the scene; issuing clients through policy and approval is tested elsewhere).
 * Plus `callApi`, which drives the real edge (server/http/api-v1/endpoint.ts) with a real Request and checks
 * every answer against the OpenAPI document the API serves (api-contract.ts), whatever the test is about.
 */
import type { PrismaClient } from "../db";
import type { IdentityKind } from "../db/generated/client";
import { API_SCOPES, WARRANT_API_SYSTEM_ID, WARRANT_API_SYSTEM_NAME, type ApiScope } from "../domain/api-clients/scopes";
import { newToken } from "../domain/api-tokens/token";
import { handleApiV1Request, type ApiRequestOptions } from "../http/api-v1/endpoint";
import { expectConforms, servedDocument } from "./api-contract";

const DAY = 86_400_000;

/** The Warrant API system and one entitlement per scope (idempotent). */
export async function ensureApiSystem(db: PrismaClient, ownerId: string): Promise<Record<ApiScope, string>> {
  await db.system.upsert({
    where: { id: WARRANT_API_SYSTEM_ID },
    update: {},
    create: { id: WARRANT_API_SYSTEM_ID, name: WARRANT_API_SYSTEM_NAME, ownerId, description: "Scopes of REST API clients" },
  });
  const ids = {} as Record<ApiScope, string>;
  for (const [scope, info] of Object.entries(API_SCOPES) as [ApiScope, (typeof API_SCOPES)[ApiScope]][]) {
    const e = await db.entitlement.upsert({
      where: { systemId_name: { systemId: WARRANT_API_SYSTEM_ID, name: scope } },
      update: {},
      create: { systemId: WARRANT_API_SYSTEM_ID, name: scope, externalRef: scope, description: info.description, risk: info.privileged ? "HIGH" : "LOW", privileged: info.privileged, maxDurationDays: 365 },
    });
    ids[scope] = e.id;
  }
  return ids;
}

export type TestApiClient = { clientId: string; ownerId: string; token: string; tokenId: string; grantIds: Partial<Record<ApiScope, string>> };

export async function makeApiClient(
  db: PrismaClient,
  ownerId: string,
  scopes: ApiScope[],
  opts: { now: Date; name?: string; kind?: Exclude<IdentityKind, "HUMAN">; tokenExpiresAt?: Date; credentialExpiresAt?: Date; grantExpiresAt?: Date },
): Promise<TestApiClient> {
  const entitlements = await ensureApiSystem(db, ownerId);
  const client = await db.identity.create({
    data: {
      kind: opts.kind ?? "SERVICE_ACCOUNT",
      displayName: opts.name ?? `api-client-${Math.random().toString(36).slice(2, 8)}`,
      ownerId,
      purpose: "REST API client (test)",
      credentialExpiresAt: opts.credentialExpiresAt ?? new Date(opts.now.getTime() + 90 * DAY),
    },
  });
  const grantIds: Partial<Record<ApiScope, string>> = {};
  for (const scope of scopes) {
    const g = await db.grant.create({
      data: {
        identityId: client.id,
        entitlementId: entitlements[scope],
        status: "ACTIVE",
        origin: "IMPORTED",
        startsAt: new Date(opts.now.getTime() - DAY),
        expiresAt: opts.grantExpiresAt ?? new Date(opts.now.getTime() + 30 * DAY),
      },
    });
    grantIds[scope] = g.id;
  }
  const t = newToken();
  const row = await db.apiToken.create({
    data: { identityId: client.id, scope: "api", prefix: t.prefix, hash: t.hash, createdAt: opts.now, createdById: ownerId, expiresAt: opts.tokenExpiresAt ?? new Date(opts.now.getTime() + 30 * DAY) },
  });
  return { clientId: client.id, ownerId, token: t.token, tokenId: row.id, grantIds };
}

/** An answer of the edge. `lines`: the parsed lines of a JSON Lines answer (`body` is then empty). */
export type ApiAnswer = { status: number; body: Record<string, unknown>; text: string; headers: Headers; contentType: string; lines?: Record<string, unknown>[] };

/**
 * One call of the real edge: `path` below /api/v1 (with its query), `token` null for none; `signal` aborts the
 * request as a client hanging up would. The answer is checked against the served OpenAPI document.
 */
export async function callApi(
  db: PrismaClient,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string>; now?: Date; signal?: AbortSignal } & ApiRequestOptions = {},
): Promise<ApiAnswer> {
  const url = new URL(`http://portal.test/api/v1${path}`);
  const headers: Record<string, string> = { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined || opts.raw !== undefined ? { "Content-Type": "application/json" } : {}), ...opts.headers };
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const req = new Request(url, { method, headers, body: body as BodyInit | undefined, signal: opts.signal });
  const segments = url.pathname.replace(/^\/api\/v1\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const res = await handleApiV1Request(db, req, segments, { now: opts.now, rateLimitNow: opts.rateLimitNow });
  const contentType = res.headers.get("content-type") ?? "";
  const text = contentType.includes("zip") ? `${(await res.arrayBuffer()).byteLength} bytes` : await res.text();
  let parsed: Record<string, unknown> = {};
  let lines: Record<string, unknown>[] | undefined;
  if (contentType.includes("ndjson")) lines = text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  else if (text && contentType.includes("json")) parsed = JSON.parse(text) as Record<string, unknown>;
  const answer: ApiAnswer = { status: res.status, body: parsed, text, headers: res.headers, contentType, ...(lines ? { lines } : {}) };
  expectConforms(await servedDocument(db), method, path, answer);
  return answer;
}
