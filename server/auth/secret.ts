import { randomBytes } from "node:crypto";
import path from "node:path";
import { env } from "../env";
import { readOrCreateOnce } from "../file-once";

let cached: string | undefined;

/**
 * The session-signing secret: NEXTAUTH_SECRET, or for a portal without one a random secret generated on
 * first start and kept in .data/auth-secret (so sessions survive restarts). Several instances behind a
 * load balancer must share NEXTAUTH_SECRET.
 */
export function authSecret(): string {
  if (cached) return cached;
  const e = env();
  if (e.NEXTAUTH_SECRET) return (cached = e.NEXTAUTH_SECRET);
  // Several portal processes (WEB_CONCURRENCY) start at once: they must all end up with the same secret.
  return (cached = readOrCreateOnce(path.resolve(".data/auth-secret"), () => randomBytes(32).toString("base64url")).trim());
}
