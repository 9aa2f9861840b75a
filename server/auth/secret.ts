import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { env } from "../env";

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
  const file = path.resolve(".data/auth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return (cached = readFileSync(file, "utf8").trim());
}
