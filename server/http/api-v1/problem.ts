/**
 * RFC 9457 problem details: the one shape of every error of /api/v1 (`application/problem+json`).
 * `type` is a stable URI per kind of problem (documented in docs/api.md), `title` its short words, `detail`
 * what happened this time, `instance` the path asked for; `errors` (field → messages) for bad input and
 * `errorId` for an unexpected error (the log has the rest). Never a stack, SQL or an error's own text.
 */
import { z } from "zod";

export const PROBLEM_JSON = "application/problem+json";
const TYPE_BASE = "https://warrant.dev/problems/";

export const PROBLEMS = {
  "bad-input": { status: 400, title: "The request is not valid" },
  "invalid-json": { status: 400, title: "The request body is not valid JSON" },
  unauthenticated: { status: 401, title: "A valid API client token is required" },
  forbidden: { status: 403, title: "Not allowed" },
  "missing-scope": { status: 403, title: "The API client lacks a scope this operation needs" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  "idempotency-key-in-use": { status: 409, title: "A call with this Idempotency-Key is still running" },
  gone: { status: 410, title: "Gone" },
  "body-too-large": { status: 413, title: "The request body is too large" },
  "uri-too-long": { status: 414, title: "The request URL is too long" },
  "unsupported-media-type": { status: 415, title: "The request body must be JSON" },
  "idempotency-key-reused": { status: 422, title: "This Idempotency-Key was used for another request" },
  "rate-limited": { status: 429, title: "Too many requests" },
  busy: { status: 429, title: "Busy: try again" },
  unexpected: { status: 500, title: "Unexpected error" },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

export const problemType = (kind: ProblemKind) => TYPE_BASE + kind;

/** The documented shape (the OpenAPI document's Problem schema is generated from it). */
export const ZProblem = z
  .looseObject({
    type: z.url(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string(),
    errors: z.record(z.string(), z.array(z.string())).optional().describe("Bad input: the messages of each field (a dotted path)."),
    errorId: z.string().optional().describe("Unexpected errors: the reference to quote to an operator (the log has the details)."),
    requiredScope: z.string().optional().describe("missing-scope: the scope the client would need."),
  })
  .describe("RFC 9457 problem details.");
export type Problem = z.infer<typeof ZProblem>;

export function problem(
  kind: ProblemKind,
  instance: string,
  detail: string,
  extra: { errors?: Record<string, string[]>; errorId?: string; requiredScope?: string; headers?: Record<string, string> } = {},
): Response {
  const { headers = {}, ...more } = extra;
  const p = PROBLEMS[kind];
  const body: Problem = { type: problemType(kind), title: p.title, status: p.status, detail, instance, ...more };
  return new Response(JSON.stringify(body), { status: p.status, headers: { "Content-Type": PROBLEM_JSON, "Cache-Control": "no-store", ...headers } });
}
