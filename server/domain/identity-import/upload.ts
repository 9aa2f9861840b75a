/**
 * The upload route's domain side (app/api/identity-import/upload/route.ts): who may upload (a signed-in,
 * active ADMIN; 401 signed out or inactive, 404 for anyone else, as every route under /api answers "not
 * allowed" like "missing"), then the streamed preview. The route is a thin wrapper; the authorization matrix
 * probes this function.
 */
import type { PrismaClient } from "../../db";
import { DomainError } from "../../errors";
import { hasRole, loadActor } from "../actor";
import { checkRateLimit, describeRefusal, uploadBuckets } from "../rate-limits/policy";
import { previewImport } from "./preview";
import type { ImportCounts } from "./schema";

export type UploadOutcome =
  | { status: 200; body: { id: string; counts: ImportCounts } }
  | { status: 400 | 401 | 404 | 409 | 413; body: { error: string } }
  | { status: 429; body: { error: string }; retryAfterSeconds: number };

export async function uploadImport(
  db: PrismaClient,
  identityId: string | null,
  input: { fileName: string; fullList: boolean; source: AsyncIterable<Uint8Array> },
  now: () => Date,
): Promise<UploadOutcome> {
  if (!identityId) return { status: 401, body: { error: "Sign in first." } };
  const actor = await loadActor(db, identityId);
  if (!actor) return { status: 401, body: { error: "Sign in first." } };
  if (!hasRole(actor, "ADMIN")) return { status: 404, body: { error: "Not found." } };
  try {
    const out = await previewImport({ db, actor, now }, input);
    return { status: 200, body: out };
  } catch (e) {
    if (e instanceof DomainError && e.code === "BAD_INPUT") return { status: /larger than/.test(e.message) ? 413 : 400, body: { error: e.message } };
    if (e instanceof DomainError && e.code === "CONFLICT") return { status: 409, body: { error: e.message } };
    throw e;
  }
}

/**
 * What the route runs: the person's upload counted first (RATE_LIMIT_UPLOADS_PER_PERSON; refused: 429 and the
 * file is never read), then uploadImport. Wall clock for the limit: the business clock never moves rate limits.
 */
export async function uploadWithinLimit(
  db: PrismaClient,
  identityId: string | null,
  input: { fileName: string; fullList: boolean; source: AsyncIterable<Uint8Array> },
  now: () => Date,
  rateLimitNow: Date = new Date(),
): Promise<UploadOutcome> {
  if (identityId) {
    const limited = await checkRateLimit(db, uploadBuckets(identityId), rateLimitNow);
    if (!limited.ok) return { status: 429, body: { error: describeRefusal(limited) }, retryAfterSeconds: limited.retryAfterSeconds };
  }
  return uploadImport(db, identityId, input, now);
}

/** A web ReadableStream as an async iterable of its chunks (an absent body is empty). */
export async function* streamChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
