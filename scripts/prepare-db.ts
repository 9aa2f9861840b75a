// Runs before `npm start` and `npm run dev`: applies pending migrations, then loads the demo organisation
// into an empty database when that is clearly wanted: the embedded database (DATABASE_URL unset), or
// SEED_DEMO=true. A real PostgreSQL is never filled with demo people unless asked. Last, it makes sure the
// evidence signing key exists (generated now on the first start when none is configured) and is registered.
import { performance } from "node:perf_hooks";
import { dbHandle, DatabaseInUseError } from "../server/db";
import { env, EnvError } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { describeCounts, describeExisting, isEmpty, seedDemo, SeedRefusedError, SeedStoryError } from "../prisma/seed";
import { ensureSigningKey, EvidenceKeyError } from "../server/evidence/keys";
import { describeWitnesses } from "../server/evidence/witnesses";
import type { PrismaClient } from "../server/db";

/** After the seed (an empty database is what the seed looks for): the key registration is a ledger event. */
async function prepareSigningKey(prisma: PrismaClient): Promise<void> {
  const key = await ensureSigningKey(prisma);
  console.log(`Evidence signing key: ${key.keyId} (Ed25519, ${key.file})${key.registeredNow ? ", registered now" : ""}.`);
  console.log(describeWitnesses());
}

async function seedIfWanted(prisma: PrismaClient, seedFlag: boolean | undefined, embedded: boolean): Promise<void> {
  if (!(await isEmpty(prisma))) {
    console.log(`Demo data: ${await describeExisting(prisma)}`);
    return;
  }
  if (!(seedFlag ?? embedded)) {
    console.log(
      seedFlag === false
        ? "Demo data: not loaded (SEED_DEMO=false); the database is empty."
        : "Demo data: not loaded into PostgreSQL; the database is empty. Set SEED_DEMO=true to load the demo organisation.",
    );
    return;
  }
  console.log('Demo data: first start, seeding the demo organisation "Halcyon Pay" and playing its last quarter (under a minute)…');
  const t0 = performance.now();
  try {
    const counts = await seedDemo(prisma);
    console.log(`Demo data: seeded "Halcyon Pay" in ${((performance.now() - t0) / 1000).toFixed(1)} s (${describeCounts(counts)}).`);
  } catch (err) {
    if (!(err instanceof SeedRefusedError)) throw err;
    console.log("Demo data: the database already has data; the demo organisation was not seeded.");
  }
}

async function main(): Promise<number> {
  let handle;
  try {
    const e = env();
    const seedFlag = e.SEED_DEMO;
    handle = dbHandle();
    const where = e.embedded ? `embedded database at ${e.PGLITE_DIR}` : "PostgreSQL (DATABASE_URL)";

    console.log(`Database: checking the ${where} for migrations to apply…`);
    const applied = await applyMigrations(handle.adapter);
    console.log(
      applied.length
        ? `Database: applied ${applied.length} migration(s) to the ${where}: ${applied.join(", ")}.`
        : `Database: the ${where} is up to date.`,
    );

    await seedIfWanted(handle.prisma, seedFlag, e.embedded);
    await prepareSigningKey(handle.prisma);
    return 0;
  } catch (err) {
    if (err instanceof SeedStoryError) {
      console.error(`Demo data: ${err.message}`);
      return 1;
    }
    if (err instanceof EnvError || err instanceof DatabaseInUseError || err instanceof EvidenceKeyError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await handle?.close();
  }
}

process.exitCode = await main();
