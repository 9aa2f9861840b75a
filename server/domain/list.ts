/**
 * Shared shape of every server-side paged list (tables): search, filters, sort, page. The URL carries the
 * same names (q, page, size, sort, dir, plus one key per filter) so a view can be shared as a link.
 */
import { z } from "zod";
import { badInput } from "../errors";

export const ZListBase = z.object({
  q: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  size: z.coerce.number().int().min(5).max(200).default(25),
  dir: z.enum(["asc", "desc"]).default("asc"),
});

/** The longest text key (in characters) a keyset position carries (keyText). */
export const KEY_TEXT_MAX = 100;

/**
 * A keyset position in a list's order: "the rows after this one". `key` is the sort value of the last row
 * read, as text (a date as ISO 8601 with milliseconds: exact, and the same in every language; a name as
 * keyText gives it), `id` that row's id, the tie-break. A list that can seek in the order asked for takes it as `after` (in place of the
 * page's offset) and answers `nextAfter`; seeking reads only the rows of the page, where OFFSET reads and
 * throws away every row before it. The API's cursors carry it (server/http/api-v1/cursor.ts).
 */
export const ZAfter = z.object({ key: z.string().min(1).max(KEY_TEXT_MAX * 2), id: z.uuid() }).strict();
export type TAfter = z.infer<typeof ZAfter>;

/**
 * A text sort key (a name) as a keyset position carries it: its first KEY_TEXT_MAX characters (code points,
 * never half a character). Names have no length limit in the database, cursors must stay short: a list
 * that seeks by name reads a key this long as possibly cut (keyTextCut) and takes the full name from the
 * row the position names.
 */
export function keyText(value: string): string {
  const chars = Array.from(value);
  return chars.length > KEY_TEXT_MAX ? chars.slice(0, KEY_TEXT_MAX).join("") : value;
}

/** Whether a key made by keyText may be cut: it is as long as keyText makes them. */
export function keyTextCut(key: string): boolean {
  return Array.from(key).length >= KEY_TEXT_MAX;
}

/** A text key a database can compare: no NUL (PostgreSQL text cannot hold one), at most KEY_TEXT_MAX characters. */
export function afterText(after: TAfter): string | null {
  return after.key.includes("\u0000") || Array.from(after.key).length > KEY_TEXT_MAX ? null : after.key;
}

const KEY_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The date a keyset position's key holds (ISO 8601 UTC with milliseconds, exactly), or null when it is anything else. */
export function afterDate(after: TAfter): Date | null {
  if (!KEY_DATE.test(after.key)) return null;
  const d = new Date(after.key);
  return Number.isNaN(d.getTime()) || d.toISOString() !== after.key ? null : d;
}

/**
 * The keyset condition "the rows after `after`" in an order by (createdAt, id), both in `dir`: a Prisma where
 * for any model with those two columns. The bound on createdAt alone is what an index on the creation time
 * seeks to (an OR gives it no start); the OR then only sorts out the rows of that very millisecond. A key that
 * is not a creation time is refused (BAD_INPUT naming `after`); `what` names the row, e.g. "a finding".
 */
export function createdAtSeek(after: TAfter, dir: "asc" | "desc", what: string) {
  const at = afterDate(after);
  if (!at) throw badInput(`after.key must be the creation time of ${what} as ISO 8601 UTC with milliseconds.`, "after");
  const beyond = dir === "desc" ? "lt" : "gt";
  return { createdAt: { [`${beyond}e`]: at }, OR: [{ createdAt: { [beyond]: at } }, { createdAt: at, id: { [beyond]: after.id } }] };
}

/**
 * One page of a list. `total` is exact unless `totalCapped` is set: lists over big tables count matches
 * only up to a bound (countBound), so a search over a million rows costs a page, not a full count; the
 * view then shows "1,000+" and lets the reader page on.
 * `nextAfter` (lists that can seek, in an order they can seek in): the position after the last row when
 * more rows follow, null on the last page; absent when the list cannot seek in this order.
 */
export type Page<T> = { rows: T[]; total: number; page: number; size: number; totalCapped?: boolean; nextAfter?: TAfter | null };

/** Lists count at most this many matches beyond the current page before they say "N+". */
export const COUNT_CAP = 1000;

/**
 * How many matches a capped count looks for: COUNT_CAP, or up to the end of the current page when that is
 * further, plus one to tell "exactly that many" from "more". Counting stops there (LIMIT), so the cost is
 * bounded by the page being viewed, never by the size of the table.
 */
export function countBound(input: { page: number; size: number }): number {
  return Math.max(COUNT_CAP, input.page * input.size) + 1;
}

/** Reads a count taken with countBound: the total to show, and whether there are more. */
export function cappedTotal(counted: number, input: { page: number; size: number }): { total: number; totalCapped: boolean } {
  const bound = countBound(input);
  return counted >= bound ? { total: bound - 1, totalCapped: true } : { total: counted, totalCapped: false };
}

/** Reads Next's searchParams into a plain object (first value of each key). */
export function firstValues(sp: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sp)) {
    const val = Array.isArray(v) ? v[0] : v;
    if (val !== undefined && val !== "") out[k] = val;
  }
  return out;
}

/** A substring pattern for (I)LIKE, with its wildcards escaped: a search for "50%" or "svc_" means those characters. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function skipTake(input: { page: number; size: number }) {
  return { skip: (input.page - 1) * input.size, take: input.size };
}

/**
 * Parses a page's URL search params with a list schema, forgivingly: unknown keys are ignored and a bad
 * value (e.g. ?page=abc) falls back to its default instead of breaking the page. (API inputs stay strict.)
 */
export function parseListParams<S extends z.ZodObject>(schema: S, sp: Record<string, string | string[] | undefined>): z.infer<S> {
  const known = Object.keys(schema.shape);
  const values = Object.fromEntries(Object.entries(firstValues(sp)).filter(([k]) => known.includes(k)));
  for (let attempt = 0; attempt < known.length + 1; attempt++) {
    const res = schema.safeParse(values);
    if (res.success) return res.data;
    for (const issue of res.error.issues) delete values[String(issue.path[0])];
  }
  return schema.parse({});
}
