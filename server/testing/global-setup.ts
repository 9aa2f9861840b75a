/**
 * Once per test run: build a migrated database template.
 * - PGlite: migrate an in-memory PGlite once and dump its data folder; each test file starts from the dump.
 * - PostgreSQL (TEST_PG_ADMIN_URL set, see scripts/with-postgres.sh): migrate a template database; each test
 *   file gets its own `CREATE DATABASE ... TEMPLATE`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { newPGlite } from "../db/pglite";
import pg from "pg";
import { openDb } from "../db";
import { applyMigrations } from "../db/schema-engine";

export const TEMPLATE_DUMP = path.resolve(".data/test/template.tar.gz");
export const PG_TEMPLATE_DB = "warrant_test_template";

export default async function setup() {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE_DB}`);
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE_DB}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${PG_TEMPLATE_DB}`;
    const handle = openDb({ url: url.toString() });
    await applyMigrations(handle.adapter);
    await handle.close();
    return;
  }
  const pglite = newPGlite();
  const handle = openDb({ pglite });
  await applyMigrations(handle.adapter);
  const dump = await pglite.dumpDataDir("gzip");
  mkdirSync(path.dirname(TEMPLATE_DUMP), { recursive: true });
  writeFileSync(TEMPLATE_DUMP, Buffer.from(await dump.arrayBuffer()));
  await handle.close();
}
