/**
 * The HTTP side of /api/trpc, in the order a request meets it; everything a request can be refused for is
 * checked before any procedure runs, and the cheap checks before the ones that touch the database:
 *   1. URL longer than MAX_URL_LENGTH (a GET batch carries its inputs in the query): 414.
 *   2. More than MAX_BATCH_CALLS procedure calls (the path is "a.b,c.d,…" when ?batch=1): 413.
 *   3. A declared Content-Length over MAX_BODY_BYTES: 413, nothing read.
 *   4. Rate limits: each call of the batch counts, per client address and per signed-in person: 429 with
 *      Retry-After.
 *   5. The body, read with a byte count that stops at MAX_BODY_BYTES (chunked bodies declare no length): 413.
 * Only then is the buffered body handed to tRPC, with the identity already resolved (the session row is read
 * once per request). tRPC's own `maxBatchSize` is set to the same number as a second line.
 *
 * Refusals use tRPC's wire shape ({ error: { json: { message, code, data } } }, superjson), so the browser's
 * client shows the message like any other error.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { db } from "../db";
import { env } from "../env";
import { getSessionIdentityId } from "../auth/session";
import { callBuckets, checkRateLimit, describeRefusal } from "../domain/rate-limits/policy";
import { appRouter } from "../trpc/root";
import { requestContextFor } from "../trpc/context";
import { readBodyCapped, declaredOver } from "./body";
import { clientAddress } from "./client-address";
import { MAX_BATCH_CALLS, MAX_BODY_BYTES, MAX_URL_LENGTH } from "./limits";
import { logUnexpected, unexpectedMessage } from "../logger";

export const TRPC_ENDPOINT = "/api/trpc";
/** When to try again after a call was refused as busy: contention clears within a second or two. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** A call refused as "busy, try again" (contention on one identity, see server/trpc/init.ts) says when. */
export function trpcResponseMeta({ errors }: { errors: { code: string }[] }) {
  return errors.some((e) => e.code === "TOO_MANY_REQUESTS") ? { headers: new Headers({ "Retry-After": String(BUSY_RETRY_AFTER_SECONDS) }) } : {};
}

/** A refusal in tRPC's (superjson) error shape. */
export function trpcRefusal(httpStatus: number, code: TRPC_ERROR_CODE_KEY, message: string, headers: Record<string, string> = {}): Response {
  const body = { error: { json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus, path: null } } } };
  return Response.json(body, { status: httpStatus, headers: { "Cache-Control": "no-store", ...headers } });
}

/** How many procedure calls a request to /api/trpc/<path> carries. */
export function countCalls(url: URL): number {
  const path = url.pathname.startsWith(`${TRPC_ENDPOINT}/`) ? url.pathname.slice(TRPC_ENDPOINT.length + 1) : "";
  return url.searchParams.get("batch") === "1" ? path.split(",").length : 1;
}

export async function handleTrpcRequest(req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const target = url.pathname.length + url.search.length;
    if (target > MAX_URL_LENGTH) {
      return trpcRefusal(414, "BAD_REQUEST", `The request URL is too long (${target} characters; at most ${MAX_URL_LENGTH}). Send fewer calls, or smaller inputs, per request.`);
    }
    const calls = countCalls(url);
    if (calls > MAX_BATCH_CALLS) {
      return trpcRefusal(413, "PAYLOAD_TOO_LARGE", `This request carries ${calls} procedure calls; at most ${MAX_BATCH_CALLS} are accepted in one request. Nothing was run.`);
    }
    const tooLarge = () => trpcRefusal(413, "PAYLOAD_TOO_LARGE", `The request body is too large: at most ${MAX_BODY_BYTES} bytes are accepted. Nothing was run.`);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    if (hasBody && declaredOver(req, MAX_BODY_BYTES)) return tooLarge();

    const identityId = await getSessionIdentityId();
    const limited = await checkRateLimit(db(), callBuckets(clientAddress(req.headers, env().TRUST_PROXY === true), identityId, calls));
    if (!limited.ok) {
      return trpcRefusal(429, "TOO_MANY_REQUESTS", `${describeRefusal(limited)} Nothing was run.`, { "Retry-After": String(limited.retryAfterSeconds) });
    }

    let forward = req;
    if (hasBody) {
      const body = await readBodyCapped(req, MAX_BODY_BYTES);
      if (!body.ok) return tooLarge();
      forward = new Request(req.url, { method: req.method, headers: req.headers, body: body.bytes });
    }
    return await fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: forward,
      router: appRouter,
      maxBatchSize: MAX_BATCH_CALLS,
      createContext: () => requestContextFor(identityId),
      responseMeta: trpcResponseMeta,
    });
  } catch (e) {
    const id = logUnexpected(e, "api/trpc");
    return trpcRefusal(500, "INTERNAL_SERVER_ERROR", unexpectedMessage(id));
  }
}
