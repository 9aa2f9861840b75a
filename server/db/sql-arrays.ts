/**
 * Arrays as one bound parameter of a raw query (`= ANY(${uuidArray(ids)})`), so a list of any length is one
 * statement shape. The values are bound, never spliced into the SQL; a malformed element makes PostgreSQL
 * refuse the literal, it cannot change the query.
 */
import { Prisma } from "./generated/client";

/** `'{a,b}'::uuid[]` as a bound parameter. */
export const uuidArray = (ids: readonly string[]) => Prisma.sql`${`{${ids.join(",")}}`}::uuid[]`;

/** `'{a,b}'::"GrantStatus"[]` (an enum of the schema) as a bound parameter; the values are the enum's names. */
export const enumArray = (values: readonly string[], type: "GrantStatus" | "IdentityKind") => Prisma.sql`${`{${values.join(",")}}`}::${Prisma.raw(`"${type}"[]`)}`;

/**
 * A date as a bound timestamp(3) for a column holding UTC without zone: the ISO text without its Z, that exact
 * value (a keyset position's date, list.ts afterDate). Here, not in list.ts: list.ts is shared with the
 * browser's bundle, which must not load the database client.
 */
export const timestampSql = (d: Date) => Prisma.sql`${d.toISOString().slice(0, -1)}::timestamp(3)`;

/** `'{a,b}'::text[]` as a bound parameter; for identifiers and keys (no commas, quotes or braces in them). */
export const textArray = (values: readonly string[]) => Prisma.sql`${`{${values.join(",")}}`}::text[]`;
