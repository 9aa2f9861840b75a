// Runs before `npm start` and `npm run dev`: applies pending migrations, then loads the demo organisation
// into an empty database when that is clearly wanted: the embedded database (DATABASE_URL unset), or
// SEED_DEMO=true. A real PostgreSQL is never filled with demo people unless asked.
import { performance } from "node:perf_hooks";
import { dbHandle, DatabaseInUseError } from "../server/db";
import { env, EnvError } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { describeCounts, isEmpty, seedDemo, SeedRefusedError } from "../prisma/seed";

async function main(): Promise<number> {
  let handle;
  try {
    const e = env();
    const seedFlag = e.SEED_DEMO;
    handle = dbHandle();
    const where = e.embedded ? `embedded database at ${e.PGLITE_DIR}` : "PostgreSQL (DATABASE_URL)";

    const applied = await applyMigrations(handle.adapter);
    console.log(
      applied.length
        ? `Database: applied ${applied.length} migration(s) to the ${where}: ${applied.join(", ")}.`
        : `Database: the ${where} is up to date.`,
    );

    if (!(await isEmpty(handle.prisma))) {
      console.log("Demo data: the database already has data; the demo organisation was not seeded.");
      return 0;
    }
    const wanted = seedFlag ?? e.embedded;
    if (!wanted) {
      console.log(
        seedFlag === false
          ? "Demo data: not loaded (SEED_DEMO=false); the database is empty."
          : "Demo data: not loaded into PostgreSQL; the database is empty. Set SEED_DEMO=true to load the demo organisation.",
      );
      return 0;
    }
    const t0 = performance.now();
    const counts = await seedDemo(handle.prisma);
    console.log(`Demo data: seeded "Halcyon Pay" in ${((performance.now() - t0) / 1000).toFixed(1)} s (${describeCounts(counts)}).`);
    return 0;
  } catch (err) {
    if (err instanceof EnvError || err instanceof DatabaseInUseError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof SeedRefusedError) {
      console.log("Demo data: the database already has data; the demo organisation was not seeded.");
      return 0;
    }
    throw err;
  } finally {
    await handle?.close();
  }
}

process.exitCode = await main();
