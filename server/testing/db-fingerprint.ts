/**
 * A fingerprint of the whole database: for every table in the public schema, its row count and the md5 of its
 * row versions (each row's physical position `ctid` and the transaction that wrote it, `xmin`). Any committed
 * INSERT, UPDATE (even one that writes the same values: PostgreSQL writes a new row version) or DELETE in any
 * table changes it; a rolled-back write, a read or a row lock (SELECT ... FOR UPDATE) does not. So two equal
 * fingerprints mean nothing was written in between, whatever the table, including tables a test did not
 * think of. It reads no column data, so it stays cheap (one statement, a few ms) on PGlite and PostgreSQL.
 */
import { expect } from "vitest";
import type { PrismaClient } from "../db";

export type Fingerprint = Record<string, string>;

const sqlCache = new WeakMap<object, string>();

async function fingerprintSql(db: PrismaClient): Promise<string> {
  const hit = sqlCache.get(db);
  if (hit) return hit;
  const tables = await db.$queryRaw<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const sql = tables
    .map((t) => `SELECT ${lit(t.name)} AS name, count(*)::text || ':' || coalesce(md5(string_agg(x.ctid::text || x.xmin::text, ',' ORDER BY x.ctid)), '') AS fp FROM ${quote(t.name)} x`)
    .join(" UNION ALL ");
  sqlCache.set(db, sql);
  return sql;
}

/** The fingerprint now: table name → "rows:md5". */
export async function dbFingerprint(db: PrismaClient): Promise<Fingerprint> {
  const rows = await db.$queryRawUnsafe<{ name: string; fp: string }[]>(await fingerprintSql(db));
  return Object.fromEntries(rows.map((r) => [r.name, r.fp]));
}

/** The tables whose fingerprint differs (empty when nothing changed). */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}

/** Fails naming the tables that changed since `before`. */
export async function expectNothingChanged(db: PrismaClient, before: Fingerprint, what: string): Promise<Fingerprint> {
  const after = await dbFingerprint(db);
  expect(changedTables(before, after), `${what} must change nothing, but wrote to these tables`).toEqual([]);
  return after;
}
