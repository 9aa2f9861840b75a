/**
 * The HTTP side of the REST API /api/v1 (docs/api.md), in the order a request meets it:
 *   1. URL over MAX_URL_LENGTH: 414; a declared body over MAX_BODY_BYTES: 413, nothing read.
 *   2. GET /api/v1/openapi.json: the OpenAPI 3.1 document, no token needed.
 *   3. The bearer token of an API client (server/domain/api-clients/authenticate.ts): anything but an in-date
 *      token of an ACTIVE client with an ACTIVE owner → 401, counted against the caller's address (guessing
 *      tokens is throttled like on /scim/v2).
 *   4. Rate limit per client (RATE_LIMIT_API_PER_CLIENT): 429 with Retry-After.
 *   5. The operation (operations.ts): unknown path 404, other method 405 (with Allow), scope not held 403.
 *   6. The input: JSON body read with a byte cap (413), unparsable 400, unsafe text 400, then the domain's own
 *      zod schema (400 with `errors` per field); lists take `cursor` and `limit` instead of page numbers.
 *   7. Idempotency-Key on mutations (server/domain/api-clients/idempotency.ts): replay, 409 or 422.
 *   8. The tRPC procedure, through a server-side caller, as the client or its owner, inside runInApiCall, with
 *      the request's abort signal (a long-poll ends when the client hangs up). The two answers that are not one
 *      JSON value are served here from their domain services: the evidence zip and the events' JSON Lines.
 * Every error is RFC 9457 problem details (problem.ts), never a stack or SQL. No cookie is ever read: a
 * browser session counts for nothing here.
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { PrismaClient } from "../../db";
import { loadClock } from "../../clock";
import { env } from "../../env";
import { DomainError } from "../../errors";
import { logUnexpected } from "../../logger";
import { authenticateApiClient } from "../../domain/api-clients/authenticate";
import { runInApiCall, type ApiCall } from "../../domain/api-clients/call-context";
import { bodyHash, claimIdempotencyKey, finishIdempotencyKey, IDEMPOTENCY_KEY_PATTERN } from "../../domain/api-clients/idempotency";
import { bearerToken } from "../../domain/api-tokens/token";
import { openExportDownload } from "../../domain/evidence-exports/queries";
import { openEventsExport } from "../../domain/events/export";
import { apiBuckets, checkRateLimit, describeRefusal, scimAddressBuckets } from "../../domain/rate-limits/policy";
import { findUnsafeText } from "../../domain/text";
import { declaredOver, readBodyCapped } from "../body";
import { jsonLinesDownload } from "../responses";
import { clientAddress } from "../client-address";
import { MAX_BODY_BYTES, MAX_URL_LENGTH } from "../limits";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, encodeSeekCursor, MAX_LIMIT, MIN_LIMIT, queryFingerprint } from "./cursor";
import type { TAfter } from "../../domain/list";
import { openApiDocument } from "./openapi";
import { actsAs, createCaller, EVENTS_EXPORT_MAX_RANGE, matchPath, pathParamNames, type Operation } from "./operations";
import { problem, type ProblemKind } from "./problem";

export const API_BASE = "/api/v1";

export type ApiRequestOptions = {
  /** The business clock's now (default: the portal's clock). */
  now?: Date;
  /** The rate limits' now (default: the wall clock). */
  rateLimitNow?: Date;
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(serialise(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers } });
}

/** Plain JSON: Dates as ISO 8601 (Date.toJSON), bigints as decimal strings. */
function serialise(body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Zod issues as `errors`: each field (dotted path; "" for the whole input) with every message once. */
function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issues) {
    const key = i.path.map(String).join(".");
    const list = (out[key] ??= []);
    if (!list.includes(i.message)) list.push(i.message);
  }
  return out;
}

/**
 * Who is calling: the API client of the request's bearer token (with its owner and scopes), or null (401).
 * A browser session counts for nothing here: the cookie is never read. The authorization matrix probes this.
 */
export async function authenticateApiRequest(db: PrismaClient, req: Request, now: Date): Promise<ApiCall | null> {
  const token = bearerToken(req.headers.get("authorization"));
  return token ? authenticateApiClient(db, token, now) : null;
}

/** Serves one request to /api/v1/<segments>. `db` is the portal's database (tests pass their own). */
export async function handleApiV1Request(db: PrismaClient, req: Request, segments: string[], opts: ApiRequestOptions = {}): Promise<Response> {
  const url = new URL(req.url);
  const instance = url.pathname.slice(0, 300);
  try {
    if (url.pathname.length + url.search.length > MAX_URL_LENGTH) return problem("uri-too-long", instance, `The request URL is too long (at most ${MAX_URL_LENGTH} characters).`);
    const method = req.method.toUpperCase();
    if (segments.length === 1 && segments[0] === "openapi.json") {
      if (method !== "GET" && method !== "HEAD") return problem("method-not-allowed", instance, "The OpenAPI document is read-only.", { headers: { Allow: "GET, HEAD" } });
      return json(200, openApiDocument(), { "Cache-Control": "public, max-age=300" });
    }
    if (method !== "GET" && method !== "HEAD" && declaredOver(req, MAX_BODY_BYTES)) {
      return problem("body-too-large", instance, `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted. Nothing was changed.`);
    }

    const now = opts.now ?? (await loadClock(db))();
    const call = await authenticateApiRequest(db, req, now);
    if (!call) {
      const limited = await checkRateLimit(db, scimAddressBuckets(clientAddress(req.headers, env().TRUST_PROXY === true)), opts.rateLimitNow);
      if (!limited.ok) return problem("rate-limited", instance, describeRefusal(limited), { headers: { "Retry-After": String(limited.retryAfterSeconds) } });
      return problem("unauthenticated", instance, "A valid API client token is required (Authorization: Bearer wrt_…). It may be unknown, expired, revoked or rotated out, or its client or the client's owner is no longer active.", {
        headers: { "WWW-Authenticate": 'Bearer realm="warrant-api"' },
      });
    }
    const limited = await checkRateLimit(db, apiBuckets(call.clientId), opts.rateLimitNow);
    if (!limited.ok) return problem("rate-limited", instance, `${describeRefusal(limited)} Nothing was changed.`, { headers: { "Retry-After": String(limited.retryAfterSeconds) } });

    const match = matchPath(segments);
    if (!match) return problem("not-found", instance, `No such operation. The operations are listed in ${API_BASE}/openapi.json.`);
    const op = match.ops.find((o) => o.method === method || (method === "HEAD" && o.method === "GET"));
    if (!op) return problem("method-not-allowed", instance, `${method} is not supported here.`, { headers: { Allow: [...new Set(match.ops.map((o) => o.method))].join(", ") } });
    if (!call.scopes.has(op.scope) && !(op.alternativeScopes ?? []).some((alt) => call.scopes.has(alt))) {
      return problem("missing-scope", instance, `This operation needs the API scope "${op.scope}", which this client does not hold. A scope is granted by an access request for the matching entitlement of the Warrant API system.`, { requiredScope: op.scope });
    }
    return await serve(db, req, url, op, match.params, call, now, instance);
  } catch (e) {
    return unexpected(e, instance);
  }
}

function unexpected(e: unknown, instance: string): Response {
  const errorId = logUnexpected(e, "api/v1");
  return problem("unexpected", instance, `Unexpected error (reference ${errorId}). Nothing was changed.`, { errorId });
}

async function serve(db: PrismaClient, req: Request, url: URL, op: Operation, params: Record<string, string>, call: ApiCall, now: Date, instance: string): Promise<Response> {
  // --- the input ---------------------------------------------------------------------------------------
  let input: Record<string, unknown>;
  let rawBody = new Uint8Array(0);
  let fingerprint = "";
  let paging: Paging | null = null;
  if (op.method === "GET") {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) return problem("bad-input", instance, `The query parameter "${k.slice(0, 50)}" is given more than once.`, { errors: { [k.slice(0, 50)]: ["is given more than once"] } });
      query[k] = v;
    }
    const { cursor, limit, ...filters } = query;
    for (const k of ["page", "size", "after"]) if (op.list && k in filters) return problem("bad-input", instance, `Lists page with cursor and limit, not ${k}.`, { errors: { [k]: ["is not a parameter of this API: use cursor and limit"] } });
    input = { ...filters };
    if (op.list) {
      fingerprint = queryFingerprint(filters);
      let page = 1;
      let size = DEFAULT_LIMIT;
      let after: TAfter | undefined;
      // An empty cursor (`?cursor=`) is the first page.
      if (cursor !== undefined && cursor !== "") {
        const c = decodeCursor(cursor, fingerprint);
        if (!c.ok) return problem("bad-input", instance, c.reason, { errors: { cursor: [c.reason] } });
        page = c.page;
        size = c.limit;
        after = c.after;
      }
      if (limit !== undefined) {
        const n = /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
        if (!(n >= MIN_LIMIT && n <= MAX_LIMIT)) return problem("bad-input", instance, `limit must be a whole number from ${MIN_LIMIT} to ${MAX_LIMIT}.`, { errors: { limit: [`must be a whole number from ${MIN_LIMIT} to ${MAX_LIMIT}`] } });
        size = n;
      }
      paging = { page, limit: size, ...(after ? { after } : {}) };
      input.page = page;
      input.size = size;
      // A keyset cursor: the list seeks past this row (server/domain/list.ts, ZAfter) instead of skipping pages.
      if (after) input.after = after;
    } else if (op.keyset && cursor === undefined) {
      // The feed pages itself (after / next) and takes its own limit.
      if (limit !== undefined) input.limit = limit;
    } else if (cursor !== undefined || limit !== undefined) {
      return problem("bad-input", instance, "This operation is not a list: it takes no cursor or limit.", { errors: { [cursor !== undefined ? "cursor" : "limit"]: ["is not a parameter of this operation"] } });
    }
  } else {
    const type = req.headers.get("content-type");
    if (type && !/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) return problem("unsupported-media-type", instance, "Send the body as application/json. Nothing was changed.");
    const read = await readBodyCapped(req, MAX_BODY_BYTES);
    if (!read.ok) return problem("body-too-large", instance, `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted. Nothing was changed.`);
    rawBody = read.bytes;
    let body: unknown = {};
    if (rawBody.byteLength > 0) {
      try {
        body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(rawBody));
      } catch {
        return problem("invalid-json", instance, "The request body is not valid JSON. Nothing was changed.");
      }
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return problem("bad-input", instance, "The request body must be a JSON object. Nothing was changed.", { errors: { "": ["must be a JSON object"] } });
    input = { ...(body as Record<string, unknown>) };
  }
  for (const name of pathParamNames(op)) {
    if (name in input && input[name] !== params[name]) return problem("bad-input", instance, `${name} is given in the path; leave it out of the ${op.method === "GET" ? "query" : "body"} or give the same value.`, { errors: { [name]: ["differs from the path"] } });
    input[name] = params[name];
  }
  for (const [k, v] of Object.entries(op.defaults ?? {})) if (!(k in input)) input[k] = v;
  // The same rule as every tRPC input: no NUL, control character or bidi override in any text, never stored.
  const unsafe = findUnsafeText(input);
  if (unsafe) {
    // `after` only ever comes from a cursor (the query may not name it): the cursor is not one we gave out.
    if (paging?.after && unsafe.path[0] === "after") return refusedCursor(instance);
    const field = unsafe.path.join(".").slice(0, 200);
    return problem("bad-input", instance, `${unsafe.message} (at ${field}). Nothing was changed.`, { errors: { [field]: [unsafe.message] } });
  }
  const parsed = op.input.safeParse(input);
  // A keyset cursor this list cannot take (it does not seek): the cursor is not one it gave out.
  // (A schema that strips unknown keys would drop it silently and serve the first page again: refused too.)
  if (paging?.after && (parsed.success ? !("after" in (parsed.data as object)) : parsed.error.issues.some((i) => i.path[0] === "after" || (i.code === "unrecognized_keys" && i.keys.includes("after"))))) return refusedCursor(instance);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues);
    return problem("bad-input", instance, `Invalid input: ${Object.entries(errors).map(([k, m]) => (k ? `${k}: ${m.join("; ")}` : m.join("; "))).join(" · ").slice(0, 1000)}. Nothing was changed.`, { errors });
  }
  const extra = op.extraScope?.(input, call) ?? null;
  if (extra && !call.scopes.has(extra)) {
    return problem("missing-scope", instance, `This input needs the API scope "${extra}", which this client does not hold. Nothing was changed.`, { requiredScope: extra });
  }

  if (op.raw === "evidence-download") return download(db, call, String(input.id), instance);
  if (op.raw === "events-export") return eventsExport(db, call, parsed.data as { from?: string; to?: string }, instance);

  // --- idempotency -----------------------------------------------------------------------------------------
  const key = op.method === "POST" ? req.headers.get("idempotency-key") : null;
  let claimId: string | null = null;
  if (key !== null) {
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) return problem("bad-input", instance, "Idempotency-Key must be 1 to 200 visible ASCII characters (a UUID is a good key).", { errors: { "Idempotency-Key": ["must be 1 to 200 visible ASCII characters"] } });
    const claim = await claimIdempotencyKey(db, { clientId: call.clientId, key, operation: `${op.method} ${op.path} ${JSON.stringify(params)}`, bodyHash: bodyHash(rawBody), now });
    if (claim.kind === "mismatch") return problem("idempotency-key-reused", instance, "This Idempotency-Key was first used for another operation or another body. Use a new key for a new request. Nothing was changed.");
    if (claim.kind === "running") return problem("idempotency-key-in-use", instance, "A call with this Idempotency-Key has not finished. Wait and retry with the same key, or check the state first. Nothing was changed.");
    if (claim.kind === "replay") {
      return new Response(claim.body, { status: claim.status, headers: { "Content-Type": claim.status >= 400 ? "application/problem+json" : "application/json", "Cache-Control": "no-store", "Idempotent-Replayed": "true" } });
    }
    claimId = claim.id;
  }

  // --- the call --------------------------------------------------------------------------------------------
  let res: Response;
  try {
    res = await act(db, op, input, call, now, instance, paging, fingerprint, req.signal);
  } catch (e) {
    res = unexpected(e, instance);
  }
  if (claimId) {
    const text = await res.clone().text();
    await finishIdempotencyKey(db, claimId, res.status, text, now);
  }
  return res;
}

async function act(
  db: PrismaClient,
  op: Operation,
  input: Record<string, unknown>,
  call: ApiCall,
  now: Date,
  instance: string,
  paging: Paging | null,
  fingerprint: string,
  signal: AbortSignal,
): Promise<Response> {
  const identityId = actsAs(op) === "client" ? call.clientId : call.ownerId;
  // The request's signal reaches the procedure (tRPC passes it on as `signal`): a client that hangs up ends a
  // long-poll (GET /events?wait=) at once instead of holding a database poller for up to 30 s.
  const caller = createCaller({ db, identityId, now: () => now }, { signal });
  try {
    const out = await runInApiCall(call, () => (op.handler as (c: typeof caller, i: unknown, a: ApiCall) => Promise<unknown>)(caller, input, call));
    if (paging) {
      const page = out as { rows: unknown[]; total: number; totalCapped?: boolean; nextAfter?: TAfter | null };
      // A list that seeks in this order says where the next page starts (null: this was the last one).
      if (page.nextAfter !== undefined) return json(200, { items: page.rows, nextCursor: page.nextAfter ? encodeSeekCursor(page.nextAfter, paging.limit, fingerprint) : null });
      const more = page.rows.length === paging.limit && (paging.page * paging.limit < page.total || page.totalCapped === true);
      return json(200, { items: page.rows, nextCursor: more ? encodeCursor(paging.page + 1, paging.limit, fingerprint) : null });
    }
    return json(op.status ?? 200, out);
  } catch (e) {
    // The position a keyset cursor carried was refused by the list (e.g. its date is not exact): the cursor's fault.
    if (paging?.after && e instanceof TRPCError && e.cause instanceof DomainError && e.cause.field === "after") return refusedCursor(instance);
    return refusal(e, instance);
  }
}

type Paging = { page: number; limit: number; after?: TAfter };

function refusedCursor(instance: string): Response {
  const reason = "The cursor is not one this API gave out.";
  return problem("bad-input", instance, `${reason} Nothing was changed.`, { errors: { cursor: [reason] } });
}

const TRPC_STATUS: Partial<Record<TRPCError["code"], ProblemKind>> = {
  BAD_REQUEST: "bad-input",
  UNAUTHORIZED: "unauthenticated",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not-found",
  CONFLICT: "conflict",
  TOO_MANY_REQUESTS: "busy",
  PAYLOAD_TOO_LARGE: "body-too-large",
};

/** A refusal of the procedure (server/trpc/init.ts mapped the DomainError to a tRPC code) as problem details. */
function refusal(e: unknown, instance: string): Response {
  if (!(e instanceof TRPCError)) return unexpected(e, instance);
  const kind = TRPC_STATUS[e.code];
  if (!kind) return unexpected(e.cause ?? e, instance);
  const cause = e.cause;
  if (cause instanceof ZodError) {
    const errors = fieldErrors(cause.issues);
    return problem("bad-input", instance, `Invalid input: ${Object.entries(errors).map(([k, m]) => (k ? `${k}: ${m.join("; ")}` : m.join("; "))).join(" · ").slice(0, 1000)}. Nothing was changed.`, { errors });
  }
  const errors = cause instanceof DomainError && cause.field ? { [cause.field]: [cause.message] } : undefined;
  // A client whose identity is refused by the procedure stack (e.g. it was suspended mid-call) is a 401 too.
  return problem(kind, instance, e.message, errors ? { errors } : {});
}

/** GET /events/export: the JSON Lines export of the browser's route (server/domain/events/export.ts), as the owner, with a bounded range. */
async function eventsExport(db: PrismaClient, call: ApiCall, input: { from?: string; to?: string }, instance: string): Promise<Response> {
  const params = new URLSearchParams();
  if (input.from !== undefined) params.set("from", input.from);
  if (input.to !== undefined) params.set("to", input.to);
  const out = await openEventsExport(db, call.ownerId, params, { maxRange: EVENTS_EXPORT_MAX_RANGE, refusedStatus: 403 });
  if (!out.ok) {
    const kind: ProblemKind = out.status === 400 ? "bad-input" : out.status === 401 ? "unauthenticated" : out.status === 403 ? "forbidden" : "not-found";
    return problem(kind, instance, `${out.message}${out.status === 400 ? " Nothing was changed." : ""}`, out.field ? { errors: { [out.field]: [out.message] } } : {});
  }
  return jsonLinesDownload(out.body, out.filename);
}

async function download(db: PrismaClient, call: ApiCall, exportId: string, instance: string): Promise<Response> {
  const out = await openExportDownload(db, call.ownerId, exportId);
  const kindOf = (status: number): ProblemKind => (status === 401 ? "unauthenticated" : status === 403 ? "forbidden" : status === 410 ? "gone" : "not-found");
  if (!out.ok) return problem(kindOf(out.status), instance, out.message);
  let fh: FileHandle;
  try {
    fh = await open(out.filePath, "r");
  } catch {
    return problem("not-found", instance, "The evidence pack's file is no longer on the server: export it again.");
  }
  const size = (await fh.stat()).size;
  const body = Readable.toWeb(fh.createReadStream()) as ReadableStream<Uint8Array>;
  const headers: Record<string, string> = {
    "Content-Type": "application/zip",
    "Content-Length": String(size),
    "Content-Disposition": `attachment; filename="${out.filename}"`,
    "Cache-Control": "no-store",
  };
  if (out.sha256) headers["X-Evidence-Sha256"] = out.sha256;
  return new Response(body, { status: 200, headers });
}
