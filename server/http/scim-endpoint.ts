/**
 * The HTTP side of /scim/v2 (SCIM 2.0 service provider, docs/scim.md), in the order a request meets it:
 *   1. URL over MAX_URL_LENGTH: 414; a declared body over MAX_BODY_BYTES: 413, nothing read.
 *   2. The bearer token (server/domain/api-tokens): unknown, expired, revoked or rotated out → 401, and the
 *      attempt counts against the client address's limit (so guessing tokens is throttled).
 *   3. Rate limit per SCIM client (RATE_LIMIT_SCIM_PER_CLIENT): 429 with Retry-After.
 *   4. The body, read with a byte cap; JSON that does not parse: 400 invalidSyntax.
 *   5. The operation, in one transaction: a refusal (any 4xx) rolls back everything it did.
 * Answers are `application/scim+json`; every error is a SCIM Error message (status, scimType, detail), never
 * a stack or SQL. The client carries no cookie and no Origin, so proxy.ts's Origin check lets it through.
 */
import type { PrismaClient } from "../db";
import { loadClock } from "../clock";
import { env } from "../env";
import { authenticateApiToken, type ApiClient } from "../domain/api-tokens/service";
import { bearerToken } from "../domain/api-tokens/token";
import { checkRateLimit, describeRefusal, scimAddressBuckets, scimBuckets } from "../domain/rate-limits/policy";
import { declareScimResources, listGroups, listUsers, MAX_COUNT, SCIMMY, type ScimCtx } from "../domain/scim/resources";
import { logUnexpected } from "../logger";
import { findUnsafeText } from "../domain/text";
import { readBodyCapped, declaredOver } from "./body";
import { clientAddress } from "./client-address";
import { MAX_BODY_BYTES, MAX_URL_LENGTH } from "./limits";

const SCIM_JSON = "application/scim+json";
const DEFAULT_COUNT = 100;

function scimJson(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": SCIM_JSON, "Cache-Control": "no-store", ...headers } });
}

export function scimError(status: number, scimType: string | null, detail: string, headers: Record<string, string> = {}): Response {
  const body: Record<string, unknown> = { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), detail };
  if (scimType) body.scimType = scimType;
  return scimJson(status, body, headers);
}

function publicOrigin(): string {
  return new URL(process.env.NEXTAUTH_URL ?? `http://localhost:${env().PORT}`).origin;
}

/** Entra and Okta PATCH quirks, made standard before scimmy reads the message (RFC 7644 §3.5.2). */
export function normalisePatch(body: unknown, resourceId: string): unknown {
  if (!body || typeof body !== "object" || !Array.isArray((body as { Operations?: unknown }).Operations)) return body;
  const bool = (v: unknown) => (typeof v === "string" && /^(true|false)$/i.test(v) ? v.toLowerCase() === "true" : v);
  const ops = (body as { Operations: unknown[] }).Operations.map((raw, i) => {
    // scimmy reads each operation's fields without checking it is an object first.
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new SCIMMY.Types.Error(400, "invalidSyntax", `Operation ${i + 1} of the PatchOp is not an object.`);
    const op = { ...(raw as Record<string, unknown>) };
    if (typeof op.op === "string") op.op = op.op.toLowerCase();
    const path = typeof op.path === "string" ? op.path : null;
    // Entra: `active` as the string "False" / "True".
    if (path && /^active$/i.test(path)) op.value = bool(op.value);
    // Entra: the manager as a bare id string.
    if (path && /(^|:)manager$/i.test(path) && typeof op.value === "string") op.value = { value: op.value };
    // Entra: remove members by value list instead of a filter path.
    if (path && /^members$/i.test(path) && op.op === "remove" && Array.isArray(op.value)) {
      return (op.value as { value?: unknown }[]).map((m) => ({ op: "remove", path: `members[value eq ${JSON.stringify(String(m?.value ?? ""))}]` }));
    }
    if (!path && op.value && typeof op.value === "object" && !Array.isArray(op.value)) {
      const value = { ...(op.value as Record<string, unknown>) };
      if ("active" in value) value.active = bool(value.active);
      // Okta: a replace of the whole group repeats its id.
      if (value.id === resourceId) delete value.id;
      op.value = value;
    }
    return op;
  });
  return { ...(body as object), Operations: ops.flat() };
}

function intParam(v: string | null, fallback: number): number {
  if (v === null || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : NaN;
}

type Route = { kind: "Users" | "Groups" | "ServiceProviderConfig" | "Schemas" | "ResourceTypes"; id: string | null };

function route(segments: string[]): Route | null {
  const [first, id, ...rest] = segments;
  if (rest.length) return null;
  const kinds = ["Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes"] as const;
  const kind = kinds.find((k) => k === first);
  if (!kind) return null;
  if (kind === "ServiceProviderConfig" && id) return null;
  return { kind, id: id ?? null };
}

export type ScimRequestOptions = {
  /** The business clock's now (default: the portal's clock). */
  now?: Date;
  /** The rate limits' now (default: the wall clock; tests pin it so a window boundary cannot fall mid-test). */
  rateLimitNow?: Date;
};

/**
 * Who is calling: the SCIM client of the request's bearer token, or null (answered 401). A browser session
 * counts for nothing here: the cookie is never read. This is the route's whole authorization rule (the
 * authorization matrix probes it); rate limits come after it in handleScimRequest.
 */
export async function authenticateScimRequest(db: PrismaClient, req: Request, now: Date): Promise<ApiClient | null> {
  const token = bearerToken(req.headers.get("authorization"));
  return token ? authenticateApiToken(db, token, "scim", now) : null;
}

/** Serves one request to /scim/v2/<segments>. `db` is the portal's database (tests pass their own). */
export async function handleScimRequest(db: PrismaClient, req: Request, segments: string[], opts: ScimRequestOptions = {}): Promise<Response> {
  try {
    declareScimResources(publicOrigin());
    const url = new URL(req.url);
    if (url.pathname.length + url.search.length > MAX_URL_LENGTH) return scimError(414, null, `The request URL is too long (at most ${MAX_URL_LENGTH} characters).`);
    const method = req.method.toUpperCase();
    const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
    if (hasBody && declaredOver(req, MAX_BODY_BYTES)) return scimError(413, null, `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted. Nothing was changed.`);

    const now = opts.now ?? (await loadClock(db))();
    const client = await authenticateScimRequest(db, req, now);
    if (!client) {
      const limited = await checkRateLimit(db, scimAddressBuckets(clientAddress(req.headers, env().TRUST_PROXY === true)), opts.rateLimitNow);
      if (!limited.ok) return scimError(429, null, describeRefusal(limited), { "Retry-After": String(limited.retryAfterSeconds) });
      return scimError(401, null, "A valid SCIM client token is required (Authorization: Bearer …). It may be unknown, expired, revoked or rotated out.", { "WWW-Authenticate": 'Bearer realm="warrant-scim"' });
    }
    const limited = await checkRateLimit(db, scimBuckets(client.id), opts.rateLimitNow);
    if (!limited.ok) return scimError(429, null, `${describeRefusal(limited)} Nothing was changed.`, { "Retry-After": String(limited.retryAfterSeconds) });

    const r = route(segments);
    if (!r) return scimError(404, null, "No such SCIM endpoint. Warrant serves Users, Groups, ServiceProviderConfig, Schemas and ResourceTypes under /scim/v2.");

    let body: unknown = undefined;
    if (hasBody) {
      const read = await readBodyCapped(req, MAX_BODY_BYTES);
      if (!read.ok) return scimError(413, null, `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted. Nothing was changed.`);
      try {
        body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(read.bytes));
      } catch {
        return scimError(400, "invalidSyntax", "The request body is not valid JSON. Nothing was changed.");
      }
    }
    // The same rule as every tRPC input: no NUL, control character or bidi override in any text, never stored.
    const unsafe = findUnsafeText({ body, filter: url.searchParams.get("filter") });
    if (unsafe) return scimError(400, "invalidValue", `${unsafe.message} (at ${unsafe.path.join(".").slice(0, 200)}). Nothing was changed.`);
    return await dispatch(db, r, method, url.searchParams, body, { client, now });
  } catch (e) {
    if (e instanceof SCIMMY.Types.Error) return scimError(e.status, e.scimType ?? null, e.message);
    const id = logUnexpected(e, "scim");
    return scimError(500, null, `Unexpected error (reference ${id}). Nothing was changed.`);
  }
}

async function dispatch(db: PrismaClient, r: Route, method: string, q: URLSearchParams, body: unknown, who: Omit<ScimCtx, "tx">): Promise<Response> {
  const notAllowed = () => scimError(405, null, `${method} is not supported on ${r.kind}${r.id ? "/{id}" : ""}.`, { Allow: r.id ? "GET, PUT, PATCH, DELETE" : "GET, POST" });
  if (r.kind === "ServiceProviderConfig" || r.kind === "Schemas" || r.kind === "ResourceTypes") {
    if (method !== "GET") return scimError(405, null, `${r.kind} is read-only.`, { Allow: "GET" });
    const resource =
      r.kind === "ServiceProviderConfig" ? new SCIMMY.Resources.ServiceProviderConfig() : r.kind === "Schemas" ? new SCIMMY.Resources.Schema(r.id ?? undefined) : new SCIMMY.Resources.ResourceType(r.id ?? undefined);
    return scimJson(200, await resource.read());
  }
  // One shape for both resource classes: the handlers do the typing (server/domain/scim/resources.ts).
  type AnyResource = {
    read(ctx: unknown): Promise<unknown>;
    write(body: unknown, ctx: unknown): Promise<unknown>;
    patch(body: unknown, ctx: unknown): Promise<unknown>;
    dispose(ctx: unknown): Promise<void>;
    attributes: unknown;
  };
  const Resource = (r.kind === "Users" ? SCIMMY.Resources.User : SCIMMY.Resources.Group) as unknown as {
    new (id?: string, config?: { attributes?: string; excludedAttributes?: string }): AnyResource;
    schema: unknown;
    basepath(): string;
  };
  const shape: { attributes?: string; excludedAttributes?: string } = {};
  if (q.get("attributes")) shape.attributes = q.get("attributes")!;
  if (q.get("excludedAttributes")) shape.excludedAttributes = q.get("excludedAttributes")!;

  if (!r.id) {
    if (method === "GET") {
      const startIndex = Math.max(1, intParam(q.get("startIndex"), 1));
      const count = Math.min(MAX_COUNT, Math.max(0, intParam(q.get("count"), DEFAULT_COUNT)));
      if (Number.isNaN(startIndex) || Number.isNaN(count)) return scimError(400, "invalidValue", "startIndex and count must be whole numbers.");
      const filter = q.get("filter") ?? undefined;
      const shaped = new Resource(undefined, shape);
      const excludeMembers = /(^|,)\s*members\s*(,|$)/i.test(shape.excludedAttributes ?? "");
      const page = r.kind === "Users" ? await listUsers(db, { filter, startIndex, count }) : await listGroups(db, { filter, startIndex, count }, excludeMembers);
      const Schema = Resource.schema as unknown as new (data: unknown, direction: string, basepath: string, filters: unknown) => unknown;
      const resources = page.resources.map((x) => new Schema(x, "out", Resource.basepath(), shaped.attributes));
      const list = new SCIMMY.Messages.ListResponse(resources as never[], { startIndex: 1, count: resources.length, totalResults: page.total });
      // Paged in the database already: say where this page starts (scimmy would slice it again otherwise).
      list.startIndex = startIndex;
      return scimJson(200, list);
    }
    if (method === "POST") {
      const created = (await db.$transaction((tx) => new Resource(undefined, shape).write(body, { tx, ...who }), { timeout: 30_000 })) as { id?: string };
      return scimJson(201, created, created.id ? { Location: `${Resource.basepath()}/${created.id}` } : {});
    }
    return notAllowed();
  }

  const id = r.id;
  switch (method) {
    case "GET":
      return scimJson(200, await db.$transaction((tx) => new Resource(id, shape).read({ tx, ...who })));
    case "PUT":
      return scimJson(200, await db.$transaction((tx) => new Resource(id, shape).write(body, { tx, ...who }), { timeout: 30_000 }));
    case "PATCH": {
      // scimmy answers nothing when the patch changed nothing; clients (Okta) expect the resource either way.
      const out = await db.$transaction(
        async (tx) => (await new Resource(id, shape).patch(normalisePatch(body, id), { tx, ...who })) ?? new Resource(id, shape).read({ tx, ...who }),
        { timeout: 30_000 },
      );
      return scimJson(200, out);
    }
    case "DELETE":
      await db.$transaction((tx) => new Resource(id).dispose({ tx, ...who }), { timeout: 30_000 });
      return scimJson(204, null);
    default:
      return notAllowed();
  }
}
