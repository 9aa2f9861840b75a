/**
 * Opaque list cursors of /api/v1. The domain's lists page by number (server/domain/list.ts); a cursor
 * carries the next page number, the page size and a fingerprint of the query it belongs to, so a client
 * cannot page one list with another's cursor (400). Clients must treat it as opaque: its content may change.
 */
import { createHash } from "node:crypto";

export const DEFAULT_LIMIT = 25;
/** ZListBase's smallest page. */
export const MIN_LIMIT = 5;
export const MAX_LIMIT = 100;

type Cursor = { v: 1; p: number; l: number; q: string };

/** A fingerprint of the list's filters (every query parameter but cursor and limit), order-independent. */
export function queryFingerprint(filters: Record<string, string>): string {
  const canon = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  return createHash("sha256").update(canon).digest("base64url").slice(0, 16);
}

export function encodeCursor(page: number, limit: number, fingerprint: string): string {
  const c: Cursor = { v: 1, p: page, l: limit, q: fingerprint };
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}

/** The page and limit a cursor stands for, or a reason it is refused. */
export function decodeCursor(raw: string, fingerprint: string): { ok: true; page: number; limit: number } | { ok: false; reason: string } {
  if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) return { ok: false, reason: "The cursor is not one this API gave out." };
  let c: Partial<Cursor>;
  try {
    c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<Cursor>;
  } catch {
    return { ok: false, reason: "The cursor is not one this API gave out." };
  }
  if (!c || c.v !== 1 || !Number.isInteger(c.p) || !Number.isInteger(c.l) || c.p! < 1 || c.p! > 100_000 || c.l! < MIN_LIMIT || c.l! > MAX_LIMIT) {
    return { ok: false, reason: "The cursor is not one this API gave out." };
  }
  if (c.q !== fingerprint) return { ok: false, reason: "The cursor belongs to another query: page with the same filters it was given for." };
  return { ok: true, page: c.p!, limit: c.l! };
}
