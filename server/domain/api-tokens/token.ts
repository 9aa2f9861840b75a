/** Bearer tokens: random, shown once, stored as SHA-256 only, with a short non-secret prefix for display. */
import { createHash, randomBytes } from "node:crypto";

/** Every token starts with this, so a leaked one is recognisable by secret scanners. */
export const TOKEN_MARK = "wrt_";
/** Characters of the token kept in clear (the mark and 8 random characters). */
export const PREFIX_LENGTH = TOKEN_MARK.length + 8;

export function newToken(): { token: string; prefix: string; hash: string } {
  const token = TOKEN_MARK + randomBytes(30).toString("base64url");
  return { token, prefix: token.slice(0, PREFIX_LENGTH), hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The token of an `Authorization: Bearer …` header, or null. Bounded, so a huge header is not hashed. */
export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
  return m ? m[1] : null;
}
