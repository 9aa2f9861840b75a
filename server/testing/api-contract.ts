/**
 * The contract check of /api/v1, shared by every test that calls the API: an answer is validated against the
 * OpenAPI document the API SERVES (GET /api/v1/openapi.json, read once per test file through the real edge),
 * turned back into validators with zod's fromJSONSchema — never against the zod schemas the document was made
 * from, so an answer that drifted from the document fails the test that saw it.
 *
 * `callApi` (api-clients.ts) runs `expectConforms` on every answer: successes (JSON, zip, JSON Lines line by
 * line) and problems alike. A path the document does not have must be a problem of the edge's own (404, or
 * one given before routing: 401, 413, 414, 429); a method it does not have there, a 405 problem with Allow.
 *
 * `openApiStructureProblems` checks the document itself against OpenAPI 3.1's structure as far as can be done
 * without its meta-schema (no network here): every $ref resolves, operationIds are unique, path parameters
 * are declared exactly, responses are status codes with descriptions, schemas compile.
 */
import { expect } from "vitest";
import { z } from "zod";
import type { PrismaClient } from "../db";
import { handleApiV1Request } from "../http/api-v1/endpoint";

type Schema = unknown;
type MediaObject = { schema?: Schema; "x-jsonl-item-schema"?: Schema };
type ResponseObject = { description?: string; content?: Record<string, MediaObject> };
type OperationObject = { operationId: string; parameters?: Record<string, unknown>[]; responses: Record<string, ResponseObject>; tags?: string[]; security?: Record<string, string[]>[] };
export type OpenApiDoc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OperationObject>>;
  components: Record<string, Record<string, unknown>>;
  tags?: { name: string }[];
};

/** What the contract check needs of an answer (api-clients.ts's ApiAnswer has it). */
export type ContractAnswer = { status: number; body: unknown; text: string; headers: Headers; contentType: string; lines?: unknown[] };

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
/** Answers the edge gives before it looks up the operation (docs/api.md, endpoint.ts). */
const BEFORE_ROUTING = [401, 413, 414, 429];

let served: OpenApiDoc | null = null;

/** The document as the API serves it (one real GET per test file). */
export async function servedDocument(db: PrismaClient): Promise<OpenApiDoc> {
  if (served) return served;
  const res = await handleApiV1Request(db, new Request("http://portal.test/api/v1/openapi.json"), ["openapi.json"]);
  expect(res.status).toBe(200);
  served = (await res.json()) as OpenApiDoc;
  return served;
}

/** The object a local `$ref` ("#/a/b/c") points to, or undefined. */
export function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!node || typeof node !== "object" || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Inlines `$ref`s (fromJSONSchema reads one schema on its own). */
export function resolveRefs(doc: OpenApiDoc, node: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error("$ref cycle in the OpenAPI document");
  if (Array.isArray(node)) return node.map((n) => resolveRefs(doc, n, depth));
  if (!node || typeof node !== "object") return node;
  const o = node as Record<string, unknown>;
  if (typeof o.$ref === "string") {
    const target = pointer(doc, o.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${o.$ref}`);
    return resolveRefs(doc, target, depth + 1);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveRefs(doc, v, depth)]));
}

const segmentsOf = (path: string) => path.split("?")[0]!.split("/").filter(Boolean);
const templateMatches = (tpl: string, segs: string[]) => {
  const t = tpl.split("/").filter(Boolean);
  return t.length === segs.length && t.every((x, i) => (x.startsWith("{") && x.endsWith("}")) || x === segs[i]);
};

/** The document's path template for a concrete path (with its query), or null. */
export function docPath(doc: OpenApiDoc, path: string): string | null {
  const segs = segmentsOf(path);
  // A literal segment beats a parameter (the edge matches in registry order; the document has no order).
  const matches = Object.keys(doc.paths).filter((tpl) => templateMatches(tpl, segs));
  matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return matches[0] ?? null;
}

/** operationId → every status it answered in this test file (successes and problems). */
const answered = new Map<string, Set<number>>();
export const answeredStatuses = (): ReadonlyMap<string, ReadonlySet<number>> => answered;

const validators = new Map<string, z.ZodType>();
function validatorFor(doc: OpenApiDoc, key: string, schema: unknown): z.ZodType {
  let v = validators.get(key);
  if (!v) validators.set(key, (v = z.fromJSONSchema(resolveRefs(doc, schema) as never)));
  return v;
}

function expectMatches(doc: OpenApiDoc, key: string, schema: unknown, value: unknown, what: string, text: string) {
  const out = validatorFor(doc, key, schema).safeParse(value);
  expect(out.success, `${what} does not match the document: ${out.success ? "" : JSON.stringify(out.error.issues.slice(0, 5))}\n${text.slice(0, 500)}`).toBe(true);
}

function expectProblem(doc: OpenApiDoc, res: ContractAnswer, what: string) {
  expect(res.contentType.split(";")[0]!.trim(), `${what}: a problem must be application/problem+json`).toBe("application/problem+json");
  expectMatches(doc, "Problem", { $ref: "#/components/schemas/Problem" }, res.body, what, res.text);
  expect((res.body as { status?: unknown }).status, `${what}: the problem's status`).toBe(res.status);
}

/**
 * Validates one answer against the document: the declared status, media type and schema (JSON Lines: every
 * line against the media type's `x-jsonl-item-schema`). Records the status for the coverage check.
 */
export function expectConforms(doc: OpenApiDoc, method: string, path: string, res: ContractAnswer): void {
  const what = `${method} ${path.slice(0, 200)} → ${res.status}`;
  const tpl = docPath(doc, path);
  if (!tpl) {
    expect([404, ...BEFORE_ROUTING], `${what}: a path the document does not have`).toContain(res.status);
    return expectProblem(doc, res, what);
  }
  const op = doc.paths[tpl]![method.toLowerCase() === "head" ? "get" : method.toLowerCase()];
  if (!op) {
    expect([405, ...BEFORE_ROUTING], `${what}: a method the document does not have at ${tpl}`).toContain(res.status);
    if (res.status === 405) {
      const declared = HTTP_METHODS.filter((m) => doc.paths[tpl]![m]).map((m) => m.toUpperCase());
      expect((res.headers.get("allow") ?? "").split(",").map((m) => m.trim()).filter((m) => m !== "HEAD").sort(), `${what}: Allow`).toEqual(declared.sort());
    }
    return expectProblem(doc, res, what);
  }
  const declared = op.responses[String(res.status)];
  expect(declared, `${what}, which the document does not declare for ${op.operationId}: ${res.text.slice(0, 300)}`).toBeDefined();
  const media = res.contentType.split(";")[0]!.trim();
  const content = declared!.content?.[media];
  expect(content, `${what} as ${media}, not declared for ${op.operationId} ${res.status}`).toBeDefined();
  const key = `${op.operationId} ${res.status} ${media}`;
  if (media === "application/problem+json") expectProblem(doc, res, what);
  else if (media === "application/x-ndjson") {
    const item = content!["x-jsonl-item-schema"];
    expect(item, `${key} declares no x-jsonl-item-schema`).toBeDefined();
    expect(res.lines, `${what}: JSON Lines`).toBeDefined();
    for (const [i, line] of res.lines!.entries()) expectMatches(doc, `${key} line`, item, line, `${what} line ${i + 1}`, JSON.stringify(line));
  } else if (media.endsWith("json")) expectMatches(doc, key, content!.schema, res.body, what, res.text);
  // Binary answers (application/zip): the media type is the contract.
  const seen = answered.get(op.operationId) ?? new Set<number>();
  seen.add(res.status);
  answered.set(op.operationId, seen);
}

/** Every place in the document a problem with OpenAPI 3.1's structure was found (empty: none). */
export function openApiStructureProblems(doc: OpenApiDoc): string[] {
  const problems: string[] = [];
  const say = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!/^3\.1\.\d+$/.test(String(doc.openapi))) say("openapi", `is ${String(doc.openapi)}, not 3.1.x`);
  if (!doc.info || typeof doc.info.title !== "string" || typeof doc.info.version !== "string") say("info", "needs title and version");
  if (!doc.paths || typeof doc.paths !== "object") say("paths", "missing");

  // Every $ref, wherever it is, resolves inside the document.
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref") {
        if (typeof v !== "string" || pointer(doc, v) === undefined) say(where, `$ref ${String(v)} does not resolve`);
      } else walk(v, `${where}/${k}`);
    }
  };
  walk(doc, "#");

  const ids = new Map<string, string>();
  const tags = new Set((doc.tags ?? []).map((t) => t.name));
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  for (const [tpl, item] of Object.entries(doc.paths ?? {})) {
    if (!tpl.startsWith("/")) say(tpl, "a path must start with /");
    const names = [...tpl.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    if (new Set(names).size !== names.length) say(tpl, "a path parameter appears twice");
    for (const [method, opRaw] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${tpl}`;
      if (!(HTTP_METHODS as readonly string[]).includes(method)) {
        say(where, "not an HTTP method");
        continue;
      }
      const op = opRaw;
      if (typeof op.operationId !== "string" || !op.operationId) say(where, "no operationId");
      else if (ids.has(op.operationId)) say(where, `operationId ${op.operationId} is also ${ids.get(op.operationId)}`);
      else ids.set(op.operationId, where);
      for (const t of op.tags ?? []) if (!tags.has(t)) say(where, `tag ${t} is not declared`);
      for (const req of op.security ?? []) for (const s of Object.keys(req)) if (!schemes.has(s)) say(where, `security scheme ${s} is not declared`);

      const params = (op.parameters ?? []).map((p) => (typeof p.$ref === "string" ? (pointer(doc, p.$ref) as Record<string, unknown> | undefined) : p));
      const seen = new Set<string>();
      for (const p of params) {
        if (!p) continue; // reported as an unresolved $ref
        if (typeof p.name !== "string" || !["query", "header", "path", "cookie"].includes(String(p.in))) say(where, `parameter ${JSON.stringify(p).slice(0, 80)} needs a name and in`);
        if (!("schema" in p) === !("content" in p)) say(where, `parameter ${String(p.name)} needs exactly one of schema and content`);
        const key = `${String(p.in)}:${String(p.name)}`;
        if (seen.has(key)) say(where, `parameter ${key} is declared twice`);
        seen.add(key);
        if (p.in === "path" && p.required !== true) say(where, `path parameter ${String(p.name)} must be required`);
        if (p.in === "path" && !names.includes(String(p.name))) say(where, `path parameter ${String(p.name)} is not in the path`);
      }
      for (const n of names) if (!seen.has(`path:${n}`)) say(where, `path parameter {${n}} is not declared`);

      const responses = Object.entries(op.responses ?? {});
      if (!responses.length) say(where, "no responses");
      if (!responses.some(([code]) => /^2\d\d$/.test(code))) say(where, "no success response");
      for (const [code, r] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(code)) say(`${where} ${code}`, "not a status code");
        const res = (typeof (r as { $ref?: unknown }).$ref === "string" ? pointer(doc, (r as { $ref: string }).$ref) : r) as ResponseObject | undefined;
        if (!res || typeof res.description !== "string" || !res.description) say(`${where} ${code}`, "a response needs a description");
        for (const [media, m] of Object.entries(res?.content ?? {})) {
          for (const s of [m.schema, m["x-jsonl-item-schema"]].filter((x) => x !== undefined)) {
            try {
              z.fromJSONSchema(resolveRefs(doc, s) as never);
            } catch (e) {
              say(`${where} ${code} ${media}`, `the schema does not compile: ${(e as Error).message}`);
            }
          }
        }
      }
    }
  }
  return problems;
}
