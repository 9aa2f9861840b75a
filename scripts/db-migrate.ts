// npm run db:migrate: applies pending migrations to the configured database (PGlite or DATABASE_URL). Idempotent.
import { dbHandle } from "../server/db";
import { env } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { runScript } from "./lib/run";

runScript(async () => {
  const e = env();
  const handle = dbHandle();
  try {
    const applied = await applyMigrations(handle.adapter);
    const where = e.embedded ? `embedded database at ${e.PGLITE_DIR}` : "PostgreSQL database (DATABASE_URL)";
    console.log(applied.length ? `Applied ${applied.length} migration(s) to the ${where}: ${applied.join(", ")}` : `The ${where} is up to date.`);
  } finally {
    await handle.close();
  }
});
