// npm run db:seed: applies pending migrations, then seeds the demo organisation "Halcyon Pay" if the
// database has no identities. Safe to run again: over existing data it says so and changes nothing.
import { performance } from "node:perf_hooks";
import { dbHandle, DatabaseInUseError } from "../server/db";
import { env, EnvError } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { describeCounts, isEmpty, seedDemo, SeedRefusedError, SEED_REFUSED_MESSAGE } from "../prisma/seed";

async function main(): Promise<number> {
  let handle;
  try {
    const e = env();
    handle = dbHandle();
    const where = e.embedded ? `embedded database at ${e.PGLITE_DIR}` : "PostgreSQL (DATABASE_URL)";
    const applied = await applyMigrations(handle.adapter);
    if (applied.length) console.log(`Applied ${applied.length} migration(s) to the ${where}: ${applied.join(", ")}`);
    if (!(await isEmpty(handle.prisma))) {
      console.log(SEED_REFUSED_MESSAGE);
      return 0;
    }
    const t0 = performance.now();
    const counts = await seedDemo(handle.prisma);
    console.log(`Seeded the demo organisation "Halcyon Pay" into the ${where} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${describeCounts(counts)}.`);
    return 0;
  } catch (err) {
    if (err instanceof EnvError || err instanceof DatabaseInUseError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof SeedRefusedError) {
      console.log(err.message);
      return 0;
    }
    throw err;
  } finally {
    await handle?.close();
  }
}

process.exitCode = await main();
