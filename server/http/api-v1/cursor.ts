/**
 * Opaque list cursors of /api/v1. Two kinds, both bound to a fingerprint of the query they belong to, so a
 * client cannot page one list with another's cursor (400):
 *   v1, a page number: for lists (or orders) that page by number (server/domain/list.ts, OFFSET);
 *   v2, a keyset position: for lists that can seek in the order asked for (the domain answers `nextAfter`,
 *       e.g. the grant search by start, the directory by name): the last row's sort key and id, given back to the domain as `after`,
 *       so page 40,000 costs what page 1 does and rows inserted meanwhile never shift a page.
 * A cursor is not signed: its content only says where to continue a list the client may read anyway, and
 * everything in it is checked again before use. Clients must treat it as opaque: its content may change.
 */
import { createHash } from "node:crypto";
import { ZAfter, type TAfter } from "../../domain/list";

export const DEFAULT_LIMIT = 25;
/** ZListBase's smallest page. */
export const MIN_LIMIT = 5;
export const MAX_LIMIT = 100;
/**
 * The longest cursor given out or taken. A page-number or date cursor is about 150 characters; one holding
 * a name (the directory by name) at most about 900 (keyText: 100 characters, JSON-escaped, base64url).
 */
export const MAX_CURSOR_LENGTH = 2048;

type PageCursor = { v: 1; p: number; l: number; q: string };
type SeekCursor = { v: 2; k: string; i: string; l: number; q: string };

export type DecodedCursor = { ok: true; page: number; limit: number; after?: TAfter } | { ok: false; reason: string };

const NOT_OURS = "The cursor is not one this API gave out.";

/** A fingerprint of the list's filters (every query parameter but cursor and limit), order-independent. */
export function queryFingerprint(filters: Record<string, string>): string {
  const canon = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  return createHash("sha256").update(canon).digest("base64url").slice(0, 16);
}

const encode = (c: PageCursor | SeekCursor) => Buffer.from(JSON.stringify(c), "utf8").toString("base64url");

/** A cursor for a page number (lists that page by number). */
export function encodeCursor(page: number, limit: number, fingerprint: string): string {
  return encode({ v: 1, p: page, l: limit, q: fingerprint });
}

/** A cursor for "the rows after this one" (lists that seek; see Page.nextAfter). */
export function encodeSeekCursor(after: TAfter, limit: number, fingerprint: string): string {
  return encode({ v: 2, k: after.key, i: after.id, l: limit, q: fingerprint });
}

const limitOk = (l: unknown): l is number => Number.isInteger(l) && (l as number) >= MIN_LIMIT && (l as number) <= MAX_LIMIT;

/**
 * The page and limit a cursor stands for, and for a keyset cursor the position to seek past (`after`), or a
 * reason it is refused. The position's shape is checked here; what its key means (a date, for grants) is
 * checked by the list that seeks.
 */
export function decodeCursor(raw: string, fingerprint: string): DecodedCursor {
  if (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) return { ok: false, reason: NOT_OURS };
  let c: Partial<PageCursor> | Partial<SeekCursor>;
  try {
    c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<PageCursor> | Partial<SeekCursor>;
  } catch {
    return { ok: false, reason: NOT_OURS };
  }
  if (!c || typeof c !== "object" || Array.isArray(c) || !limitOk(c.l)) return { ok: false, reason: NOT_OURS };
  let out: DecodedCursor;
  if (c.v === 1) {
    const p = (c as Partial<PageCursor>).p;
    if (!Number.isInteger(p) || p! < 1 || p! > 100_000) return { ok: false, reason: NOT_OURS };
    out = { ok: true, page: p!, limit: c.l };
  } else if (c.v === 2) {
    const s = c as Partial<SeekCursor>;
    const after = ZAfter.safeParse({ key: s.k, id: s.i });
    if (!after.success) return { ok: false, reason: NOT_OURS };
    out = { ok: true, page: 1, limit: c.l, after: after.data };
  } else {
    return { ok: false, reason: NOT_OURS };
  }
  if (c.q !== fingerprint) return { ok: false, reason: "The cursor belongs to another query: page with the same filters it was given for." };
  return out;
}
