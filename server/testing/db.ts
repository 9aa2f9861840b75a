/**
 * A real, migrated, empty database for one test file: PGlite from the template dump by default, or a fresh
 * PostgreSQL database when the run was started by scripts/with-postgres.sh (TEST_PG_ADMIN_URL).
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { newPGlite } from "../db/pglite";
import pg from "pg";
import { openDb, type DbHandle } from "../db";
import { PG_TEMPLATE_DB, TEMPLATE_DUMP } from "./global-setup";

export type TestDb = DbHandle & {
  /** PostgreSQL runs only: the connection string of this test's database (for subprocess tests). */
  url?: string;
  /** PGlite runs only: the embedded database itself (for a second client on the same data). */
  pglite?: PGlite;
  /** Runs SQL as the database superuser, outside Prisma (e.g. to bypass the ledger triggers on purpose). */
  rawSql(sql: string): Promise<void>;
};

export async function createTestDb(opts: { pgliteDir?: string } = {}): Promise<TestDb> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (adminUrl) {
    const name = `warrant_t_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    // Copying a template needs it unused: test files in parallel workers take turns (advisory lock).
    await admin.query("SELECT pg_advisory_lock(4242)");
    try {
      // The schema engine's own pool may still hold a connection to the template after migrating.
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${PG_TEMPLATE_DB}' AND pid <> pg_backend_pid()`);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB}`);
    } finally {
      await admin.query("SELECT pg_advisory_unlock(4242)");
      await admin.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const handle = openDb({ url: url.toString() });
    return {
      ...handle,
      url: url.toString(),
      async rawSql(sql) {
        const c = new pg.Client({ connectionString: url.toString() });
        await c.connect();
        try {
          await c.query(sql);
        } finally {
          await c.end();
        }
      },
      async close() {
        await handle.close();
        const a = new pg.Client({ connectionString: adminUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const dump = readFileSync(TEMPLATE_DUMP);
  // With a folder, the database lives on disk so a subprocess (a CLI under test) can open it after close().
  const pglite = newPGlite(opts.pgliteDir, { loadDataDir: new Blob([dump]) });
  // Start-up (WebAssembly, the dump, the extensions) is done before the first query, so a busy machine's
  // slow start never counts against a test's first transaction (Prisma's maxWait).
  await pglite.waitReady;
  const handle = openDb({ pglite });
  return {
    ...handle,
    pglite,
    async rawSql(sql) {
      await pglite.exec(sql);
    },
  };
}

/** Which engine this test run is on, for test names and skips. */
export const TEST_ENGINE = process.env.TEST_PG_ADMIN_URL ? "postgres" : "pglite";
