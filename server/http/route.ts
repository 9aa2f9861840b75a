/**
 * Wrappers for route handlers under app/api, so each one gets the same edge behaviour:
 *   - `guardedRoute`: an unexpected error answers 500 with unexpectedMessage(errorId), logged with its
 *     stack (logUnexpected), never a stack, SQL or the error's own text;
 *   - `downloadRoute`: the same, plus the signed-in person resolved once (their session row) and their
 *     downloads rate-limited (RATE_LIMIT_DOWNLOADS_PER_PERSON): 429 with Retry-After.
 * Refusals of "missing or not yours" are the domain's business (they answer 404 alike); 401 stays for the
 * signed out.
 */
import { db } from "../db";
import { getSessionIdentityId } from "../auth/session";
import { checkRateLimit, describeRefusal, downloadBuckets } from "../domain/rate-limits/policy";
import { tooManyRequests, unexpectedResponse } from "./responses";

type Segment<P> = { params: Promise<P> };

export function guardedRoute<P = Record<string, never>>(where: string, fn: (req: Request, params: P) => Promise<Response>) {
  return async (req: Request, segment: Segment<P>): Promise<Response> => {
    try {
      return await fn(req, await segment.params);
    } catch (e) {
      return unexpectedResponse(e, where);
    }
  };
}

export type DownloadCtx<P> = { identityId: string | null; params: P };

export function downloadRoute<P = Record<string, never>>(where: string, fn: (req: Request, ctx: DownloadCtx<P>) => Promise<Response>) {
  return async (req: Request, segment: Segment<P>): Promise<Response> => {
    try {
      const identityId = await getSessionIdentityId();
      if (identityId) {
        const limited = await checkRateLimit(db(), downloadBuckets(identityId));
        if (!limited.ok) return tooManyRequests(describeRefusal(limited), limited.retryAfterSeconds, "text");
      }
      return await fn(req, { identityId, params: await segment.params });
    } catch (e) {
      return unexpectedResponse(e, where);
    }
  };
}
