/** Responses of the HTTP edge that every route handler shares: refusals and unexpected errors. */
import { logUnexpected, unexpectedMessage } from "../logger";

const NO_STORE = { "Cache-Control": "no-store" };

/** A plain-text refusal (route handlers answer downloads' refusals as text). */
export function textResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...NO_STORE, ...headers } });
}

/** A JSON refusal: `{ error: { message, httpStatus } }`. */
export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { message, httpStatus: status } }, { status, headers: { ...NO_STORE, ...headers } });
}

/** 429 with Retry-After (seconds) and a message saying when to try again. */
export function tooManyRequests(message: string, retryAfterSeconds: number, as: "json" | "text" = "json"): Response {
  const headers = { "Retry-After": String(retryAfterSeconds) };
  return as === "json" ? jsonError(429, message, headers) : textResponse(429, message, headers);
}

/**
 * An error nobody expected: logged with its stack under a fresh id; the caller gets 500 and the id to quote,
 * never the stack, SQL or the error's own message.
 */
export function unexpectedResponse(e: unknown, where: string, as: "json" | "text" = "text"): Response {
  const id = logUnexpected(e, where);
  return as === "json" ? jsonError(500, unexpectedMessage(id)) : textResponse(500, unexpectedMessage(id));
}

/** A streamed download of JSON Lines (the events export, for a session or an API client). */
export function jsonLinesDownload(body: ReadableStream<Uint8Array>, filename: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      ...NO_STORE,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
