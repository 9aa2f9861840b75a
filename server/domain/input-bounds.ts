/**
 * Bounds that every input shares because the database (or the evidence written from it) holds nothing beyond
 * them. A value outside is refused by the schema with a clear message; without the bound it would reach the
 * database as an out-of-range parameter and end as an internal error (a 500) instead. Pure: schemas shared
 * with the browser import this file.
 */

/** The largest value a PostgreSQL integer column holds (revisions, versions). */
export const MAX_DB_INT = 2_147_483_647;

/**
 * Dates an input may carry: the years 1 to 9999. PostgreSQL stores 4713 BC to 294276 AD, JavaScript reaches
 * 271821 BC; ledger events and evidence packs write ISO 8601 timestamps with four-digit years.
 */
export const INPUT_DATE_MIN = new Date("0001-01-01T00:00:00.000Z");
export const INPUT_DATE_MAX = new Date("9999-12-31T23:59:59.999Z");
export const INPUT_DATE_RANGE = { message: "must be a date between the years 1 and 9999" };
