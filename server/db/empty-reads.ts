/**
 * Prisma loads a relation with a second statement keyed by the rows of the first: `SELECT … FROM "T" WHERE
 * "T"."fk" IN ($1,$2,…)`. When the first returned nothing (an empty page, nothing expiring soon, nothing owned)
 * it still sends the second, with the list written as `IN (NULL)`: a condition that is never true, so the
 * answer is no rows, known before asking. A line manager's home sent five of those in 28 statements, and "My
 * requests" five in nine, each a round trip and a plan on a busy pool.
 *
 * This answers exactly that shape without the database: a SELECT of plain columns (no function, aggregate or
 * subquery: `SELECT count(*) … WHERE x IN (NULL)` has one row, and is left to the database) from one table,
 * whose WHERE is conditions joined by AND at its top level, one of them exactly `<column> IN (NULL)`, followed
 * by nothing but ORDER BY columns, LIMIT and OFFSET. A WHERE holding OR, NOT or a subquery anywhere, or a
 * statement with a join, a grouping, a union or a lock, goes to the database, as does every other statement,
 * unchanged. One place, for both engines and every transaction (server/db.ts).
 */
import { ColumnTypeEnum, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory, type SqlQuery, type SqlResultSet, type Transaction } from "@prisma/driver-adapter-utils";

const IDENT = String.raw`"[^"]+"`;
/** A column of the select list: a (qualified) name, maybe cast (`"T"."risk"::text`), maybe renamed. */
const COLUMN = String.raw`(?:${IDENT}\.){0,2}${IDENT}(?:::[a-z_]+)?(?: AS ${IDENT})?`;
const SELECT_FROM = new RegExp(String.raw`^SELECT (${COLUMN}(?:, ${COLUMN})*) FROM (?:${IDENT}\.)?${IDENT}(?: AS ${IDENT})? WHERE (.*)$`);
const NEVER_CONDITION = new RegExp(String.raw`^(?:${IDENT}\.){0,2}${IDENT} IN \(NULL\)$`);
/** What may follow the WHERE: its order and its page, nothing else (no FOR UPDATE, GROUP BY, UNION...). */
const TAIL = new RegExp(String.raw`^((?: ORDER BY (?:${IDENT}\.){0,2}${IDENT} (?:ASC|DESC)(?: NULLS (?:FIRST|LAST))?(?:, (?:${IDENT}\.){0,2}${IDENT} (?:ASC|DESC)(?: NULLS (?:FIRST|LAST))?)*)?(?: LIMIT \$\d+)?(?: OFFSET \$\d+)?)$`);
/** Words that could make a false conjunct not decide the whole: any of them and the database answers. */
const UNSURE = /\b(?:OR|NOT|SELECT|UNION|INTERSECT|EXCEPT|GROUP|HAVING|JOIN|OVER|FOR|RETURNING)\b/i;

/** Splits at depth 0 (outside parentheses and quotes) on `sep`; null when parentheses do not balance. */
function splitTop(text: string, sep: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let quoted: string | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === quoted) quoted = null;
      continue;
    }
    if (ch === '"' || ch === "'") quoted = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return null;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(from, i));
      from = i + sep.length;
      i += sep.length - 1;
    }
  }
  if (depth !== 0 || quoted) return null;
  parts.push(text.slice(from));
  return parts;
}

/** The WHERE's condition and what follows it (ORDER BY, LIMIT, OFFSET), split where the condition ends. */
function conditionAndTail(rest: string): [string, string] | null {
  const at = rest.search(/ (?:ORDER BY|LIMIT|OFFSET) /);
  const cut = at < 0 ? rest.length : at;
  const [condition, tail] = [rest.slice(0, cut), rest.slice(cut)];
  // An ORDER BY inside the condition (a subquery) would have cut too early: the parentheses then do not balance.
  return splitTop(condition, " AND ") && TAIL.test(tail) ? [condition, tail] : null;
}

/**
 * The column names of a SELECT that cannot return a row because a condition its WHERE requires is
 * `… IN (NULL)`; null for any other statement (which then goes to the database).
 */
export function neverMatchingSelect(sql: string): string[] | null {
  if (!sql.includes("IN (NULL)")) return null;
  const text = sql.trim().replace(/\s+/g, " ");
  const m = SELECT_FROM.exec(text);
  if (!m) return null;
  const split = conditionAndTail(m[2]!);
  if (!split) return null;
  let [condition] = split;
  if (UNSURE.test(condition.replace(/'[^']*'/g, "''"))) return null;
  // `(a AND b)` is `a AND b`.
  while (condition.startsWith("(") && condition.endsWith(")") && splitTop(condition.slice(1, -1), " AND ")) condition = condition.slice(1, -1);
  const conjuncts = splitTop(condition, " AND ");
  if (!conjuncts?.some((c) => NEVER_CONDITION.test(c.trim()))) return null;
  return m[1]!.split(", ").map((col) => {
    const names = col.match(/"[^"]+"/g)!;
    return names[names.length - 1]!.slice(1, -1);
  });
}

function answered(query: SqlQuery): SqlResultSet | null {
  const columns = neverMatchingSelect(query.sql);
  // No rows: the column types are never read; Text stands in for each.
  return columns ? { columnNames: columns, columnTypes: columns.map(() => ColumnTypeEnum.Text), rows: [] } : null;
}

/** The same object, with `queryRaw` answered here when the statement cannot match a row, and `more` on top. */
function answering<T extends object>(target: T, more: Record<PropertyKey, (call: (...a: unknown[]) => Promise<unknown>) => unknown> = {}): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(t);
      if (prop === "queryRaw") {
        return (query: SqlQuery) => {
          const none = answered(query);
          return none ? Promise.resolve(none) : bound(query);
        };
      }
      return more[prop]?.(bound) ?? bound;
    },
  });
}

/** The factory Prisma is given: the same adapter, answering never-matching relation reads itself. */
export function withEmptyReadsAnswered<F extends SqlMigrationAwareDriverAdapterFactory>(factory: F): F {
  const adapter = (connect: (...a: unknown[]) => Promise<unknown>) => async (...args: unknown[]) =>
    answering((await connect(...args)) as SqlDriverAdapter, {
      startTransaction: (start) => async (...a: unknown[]) => answering((await start(...a)) as Transaction),
    });
  return new Proxy(factory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      return prop === "connect" || prop === "connectToShadowDb" ? adapter(bound) : bound;
    },
  });
}
