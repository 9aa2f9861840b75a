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

/** Set by scripts/serve.mjs in its own process: the header above was written by it, not by a client. */
export const STAMPED_ENV = "WARRANT_CLIENT_ADDRESS_STAMPED";

export function clientAddress(headers: Headers, trustProxy: boolean): string {
  // Trusted only when this process is serve.mjs: under `next start` or `next dev` a client could send it.
  const stamped = process.env[STAMPED_ENV] === "1" ? headers.get(CLIENT_ADDRESS_HEADER) : null;
  if (stamped) return stamped;
  if (trustProxy) return lastForwardedFor(headers.get("x-forwarded-for")) ?? "unknown";
  return "unknown";
}
