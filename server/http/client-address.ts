/**
 * The client's network address, for per-address rate limits.
 *
 * Next.js gives route handlers no socket. scripts/serve.mjs (what `npm start` runs) therefore writes the
 * address into the `x-warrant-client-address` request header itself, after deleting whatever a client sent
 * under that name: the socket's peer address, or with TRUST_PROXY=true the last entry of X-Forwarded-For
 * (the address the operator's reverse proxy saw). Without that header (`next dev`, or `next start` run by
 * hand) the address is only trustworthy behind a proxy; otherwise every request counts as "unknown", so
 * per-address limits are shared rather than evadable with a made-up X-Forwarded-For.
 */
export const CLIENT_ADDRESS_HEADER = "x-warrant-client-address";

/** The last entry of an X-Forwarded-For value: the hop our own proxy appended (earlier ones the client wrote). */
export function lastForwardedFor(value: string | null | undefined): string | null {
  if (!value) return null;
  const parts = value.split(",").map((p) => p.trim()).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : null;
}

export function clientAddress(headers: Headers, trustProxy: boolean): string {
  const stamped = headers.get(CLIENT_ADDRESS_HEADER);
  if (stamped) return stamped;
  if (trustProxy) return lastForwardedFor(headers.get("x-forwarded-for")) ?? "unknown";
  return "unknown";
}
