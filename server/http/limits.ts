/**
 * Size limits of the HTTP edge, checked before anything is parsed. Fixed (not configurable): the browser's
 * tRPC client splits its batches by the same numbers (components/trpc/client.tsx imports this file), so a
 * person using the portal never meets them; only a hand-made request does.
 */

/** Largest request body the portal reads (1 MiB): a policy text or a long justification is a few KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Most procedure calls one tRPC HTTP request may carry (the client's httpBatchLink `maxItems`). */
export const MAX_BATCH_CALLS = 10;

/** Longest request URL (path + query) the tRPC endpoint accepts; a GET batch carries its inputs in the query. */
export const MAX_URL_LENGTH = 8192;

/** What the browser's client keeps its GET URLs under (`maxURLLength`): well inside MAX_URL_LENGTH. */
export const CLIENT_MAX_URL_LENGTH = 4000;
