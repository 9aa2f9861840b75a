// npm run db:seed: applies pending migrations, then seeds the demo organisation "Halcyon Pay" (and its last
// quarter, see prisma/seed.ts) if the database has no identities. Safe to run again: over existing data it
// says so and changes nothing (exit 1 when that data is a demo whose seeding failed part-way).
import { performance } from "node:perf_hooks";
import { dbHandle, DatabaseInUseError } from "../server/db";
import { env, EnvError } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { describeCounts, describeExisting, isEmpty, seedDemo, SeedRefusedError, seedStatus, SeedStoryError } from "../prisma/seed";
import { EvidenceKeyError } from "../server/evidence/keys";

async function main(): Promise<number> {
  let handle;
  try {
    const e = env();
    handle = dbHandle();
    const where = e.embedded ? `embedded database at ${e.PGLITE_DIR}` : "PostgreSQL (DATABASE_URL)";
    const applied = await applyMigrations(handle.adapter);
    if (applied.length) console.log(`Applied ${applied.length} migration(s) to the ${where}: ${applied.join(", ")}`);
    if (!(await isEmpty(handle.prisma))) {
      console.log(await describeExisting(handle.prisma));
      return (await seedStatus(handle.prisma)) === "incomplete" ? 1 : 0;
    }
    const t0 = performance.now();
    const counts = await seedDemo(handle.prisma);
    console.log(`Seeded the demo organisation "Halcyon Pay" into the ${where} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${describeCounts(counts)}.`);
    return 0;
  } catch (err) {
    if (err instanceof SeedStoryError) {
      console.error(err.message);
      return 1;
    }
    if (err instanceof EnvError || err instanceof DatabaseInUseError || err instanceof EvidenceKeyError) {
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
