/**
 * The OpenAPI 3.1 document of /api/v1 (served at GET /api/v1/openapi.json), generated from the operation
 * registry: inputs from the domain's zod schemas (zod 4's toJSONSchema, io "input"), answers from the output
 * schemas (io "output"), Dates as ISO 8601 strings. The contract test turns this document back into validators
 * and checks every answer of the test suite against it.
 */
import { z } from "zod";
import { API_SCOPES } from "../../domain/api-clients/scopes";
import { IDEMPOTENCY_TTL_HOURS } from "../../domain/api-clients/idempotency";
import { DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT, MIN_LIMIT } from "./cursor";
import { OPERATIONS, PAGE_NUMBER_PAGING, pathParamNames, TAGS, type Operation } from "./operations";
import { PROBLEMS, ZProblem } from "./problem";

export const API_VERSION = "1.0.0";

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/** A zod schema as JSON Schema (draft 2020-12, what OpenAPI 3.1 uses). Dates, which JSON carries as text, are ISO 8601 strings. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === "date") {
        ctx.jsonSchema.type = "string";
        ctx.jsonSchema.format = "date-time";
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

const problemRef = { $ref: "#/components/schemas/Problem" };
const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: problemRef } } });

/** The error answers every operation may give, and what each means. */
const ERROR_RESPONSES = {
  "400": problemResponse("Bad input (`errors` names each field), an unparsable body or a cursor of another query. Nothing was changed."),
  "401": problemResponse("No valid token: unknown, expired, revoked or rotated out; or the client or its owner is no longer active."),
  "403": problemResponse("The client lacks the operation's scope (`requiredScope`), or the identity it acts as may not do this."),
  "404": problemResponse("Not found, or not yours to see (alike)."),
  "414": problemResponse("The URL is over 8 192 characters. Nothing was read."),
  "429": problemResponse("Rate limited (see Retry-After) or busy. Nothing was changed."),
  "500": problemResponse("Unexpected error: `errorId` is the reference to quote. Nothing was changed."),
};
const MUTATION_ERRORS = {
  "409": problemResponse("The state moved on (a stale revision or version, a decided request), or a call with this Idempotency-Key is still running."),
  "413": problemResponse("The body is over 1 MiB."),
  "415": problemResponse("The body is not JSON."),
  "422": problemResponse("This Idempotency-Key was used with another body or operation."),
};

/** Errors of the binary and streamed answers (raw operations) beyond ERROR_RESPONSES. */
const RAW_ERRORS: Record<NonNullable<Operation["raw"]>, Record<string, unknown>> = {
  "evidence-download": { "410": problemResponse("The evidence pack is past its retention: export it again.") },
  "events-export": {},
};

/** The success answer of a raw operation: a zip, or JSON Lines (each line described by `x-jsonl-item-schema`, OpenAPI 3.2's itemSchema). */
function rawAnswer(op: Operation) {
  if (op.raw === "events-export") {
    return {
      description: "JSON Lines (one JSON object per line): a range line, the events of the range in seq order, then the signed checkpoints covering it.",
      content: { "application/x-ndjson": { schema: { type: "string", contentMediaType: "application/x-ndjson" }, "x-jsonl-item-schema": jsonSchemaOf(op.output, "output") } },
    };
  }
  return { description: "The file.", content: { "application/zip": { schema: { type: "string", contentMediaType: "application/zip" } } } };
}

function operationObject(op: Operation) {
  const input = jsonSchemaOf(op.input, "input");
  const props = input.properties ?? {};
  const required = new Set(input.required ?? []);
  const pathNames = pathParamNames(op);
  const info = API_SCOPES[op.scope];
  const parameters: Record<string, unknown>[] = pathNames.map((name) => ({ name, in: "path", required: true, schema: props[name] ?? { type: "string" } }));
  let requestBody: Record<string, unknown> | undefined;
  if (op.method === "GET") {
    for (const [name, schema] of Object.entries(props)) {
      if (pathNames.includes(name) || (op.list && (name === "page" || name === "size" || name === "after"))) continue;
      const s = { ...schema };
      if (op.defaults && name in op.defaults) s.default = op.defaults[name];
      parameters.push({ name, in: "query", required: required.has(name) && !("default" in s), schema: s, ...(typeof s.description === "string" ? { description: s.description } : {}) });
    }
    if (op.list) parameters.push({ $ref: "#/components/parameters/Cursor" }, { $ref: "#/components/parameters/Limit" });
  } else {
    const body: JsonSchema = { ...input, properties: Object.fromEntries(Object.entries(props).filter(([k]) => !pathNames.includes(k))) };
    const req = (input.required ?? []).filter((k) => !pathNames.includes(k));
    if (req.length) body.required = req;
    else delete body.required;
    requestBody = { required: true, content: { "application/json": { schema: body, ...(op.example?.input ? { example: op.example.input } : {}) } } };
    parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
  }
  const output = jsonSchemaOf(op.output, "output");
  const okSchema = op.list
    ? { type: "object", properties: { items: { type: "array", items: output }, nextCursor: { type: ["string", "null"], description: "Give it as `cursor` for the next page; null on the last page." } }, required: ["items", "nextCursor"], additionalProperties: false }
    : output;
  const ok = op.raw ? rawAnswer(op) : { description: "OK", content: { "application/json": { schema: okSchema } } };
  return {
    operationId: op.id,
    summary: op.summary,
    description: [op.description, op.list ? (op.paging ?? PAGE_NUMBER_PAGING) : null, `**Scope:** \`${op.scope}\`${op.alternativeScopes?.length ? ` (or ${op.alternativeScopes.map((a) => `\`${a}\``).join(", ")}, as the input needs)` : ""} — ${info.description} Acts as the ${info.actsAs === "client" ? "API client itself" : "client's owner (their roles and relationships apply)"}.`].filter(Boolean).join("\n\n"),
    tags: [op.tag],
    "x-warrant-scope": op.scope,
    ...(op.alternativeScopes?.length ? { "x-warrant-alternative-scopes": op.alternativeScopes } : {}),
    "x-warrant-acts-as": info.actsAs,
    security: [{ bearer: [] }],
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: { [String(op.status ?? 200)]: ok, ...ERROR_RESPONSES, ...(op.method === "POST" ? MUTATION_ERRORS : {}), ...(op.raw ? RAW_ERRORS[op.raw] : {}) },
  };
}

let cached: Record<string, unknown> | null = null;

/** The document (built once per process: it depends on code only). */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {
    "/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        tags: ["meta"],
        security: [],
        responses: { "200": { description: "The OpenAPI 3.1 document.", content: { "application/json": { schema: { type: "object" } } } }, "414": ERROR_RESPONSES["414"], "500": ERROR_RESPONSES["500"] },
      },
    },
  };
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op);
  cached = {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Warrant API",
      version: API_VERSION,
      description:
        "Drive Warrant from other systems with the same rules and the same evidence as the portal. Authenticate with an API client's bearer token; what a client may call is the scopes it holds (each an entitlement of the built-in Warrant API system, granted through an access request). Errors are RFC 9457 problem details; lists page with opaque cursors; mutations accept an Idempotency-Key. A method a path does not have is answered 405 with Allow (components.responses.MethodNotAllowed), a path the API does not have 404. See docs/api.md.",
    },
    servers: [{ url: "/api/v1" }],
    tags: [...Object.entries(TAGS).map(([name, description]) => ({ name, description })), { name: "meta", description: "About the API itself." }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API client's token (`wrt_…`), shown once when issued. Tokens of SCIM clients are not accepted." },
      },
      schemas: { Problem: jsonSchemaOf(ZProblem, "output") },
      // Not referenced by an operation: it is the answer to a method no operation of the path has.
      responses: { MethodNotAllowed: problemResponse("This path has no operation for the method: the Allow header lists those it has. Nothing was changed.") },
      parameters: {
        Cursor: { name: "cursor", in: "query", required: false, description: "The `nextCursor` of the previous page (opaque). Keep the other query parameters the same.", schema: { type: "string", maxLength: MAX_CURSOR_LENGTH } },
        Limit: { name: "limit", in: "query", required: false, description: `Items per page (${MIN_LIMIT}–${MAX_LIMIT}).`, schema: { type: "integer", minimum: MIN_LIMIT, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: `Any 1–200 visible ASCII characters (a UUID). The same key and body replay the first answer without acting again (header Idempotent-Replayed: true); another body: 422; the first call still running: 409. Keys expire ${IDEMPOTENCY_TTL_HOURS} hours after first use.`,
          schema: { type: "string", minLength: 1, maxLength: 200 },
        },
      },
      "x-problem-types": Object.fromEntries(Object.entries(PROBLEMS).map(([k, v]) => [`https://warrant.dev/problems/${k}`, v])),
    },
  };
  return cached;
}
