// npm run seed:scale -- --grants 1000000
// Loads the scale data set (scripts/lib/scale-data.ts: ~55,000 identities, 2,000 entitlements, 500,000 requests
// of which 20,000 pending, 1,000,000 grants at the full size; everything proportional to --grants) into the
// PostgreSQL database named by DATABASE_URL, set-based, in minutes. The database must be empty: migrations are
// applied first, and a database with identities is refused. PostgreSQL only: the embedded database is refused.
// Exit 0 loaded, 2 bad arguments or configuration, 1 anything else.
import { parseArgs } from "node:util";
import { dbHandle } from "../server/db";
import { env } from "../server/env";
import { applyMigrations } from "../server/db/schema-engine";
import { loadScaleData, ScaleSeedRefusedError } from "./lib/scale-data";
import { runScript } from "./lib/run";

const USAGE = "usage: DATABASE_URL=postgresql://… npm run seed:scale -- [--grants 1000000]";

runScript(async () => {
  let values;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { grants: { type: "string", default: "1000000" }, help: { type: "boolean" } }, strict: true }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const grants = Number(values.grants.replace(/[_,]/g, ""));
  if (!Number.isInteger(grants) || grants < 1000 || grants > 50_000_000) {
    console.error(`--grants must be a whole number between 1000 and 50000000 (got "${values.grants}").\n${USAGE}`);
    return 2;
  }
  const e = env();
  if (e.embedded || !e.DATABASE_URL) {
    console.error(
      "The scale data set is for PostgreSQL only: set DATABASE_URL to an empty PostgreSQL database (the embedded database, PGlite, " +
        "is one in-process connection and is not what the figures are about).\n" + USAGE,
    );
    return 2;
  }
  const handle = dbHandle();
  try {
    const applied = await applyMigrations(handle.adapter);
    if (applied.length) console.log(`Applied ${applied.length} migration(s).`);
    const counts = await loadScaleData(e.DATABASE_URL, handle.prisma, grants, (l) => console.log(l));
    console.log("Row counts:");
    for (const [k, v] of Object.entries(counts)) console.log(`  ${k.padEnd(24)} ${v.toLocaleString("en").padStart(12)}`);
    return 0;
  } catch (err) {
    if (err instanceof ScaleSeedRefusedError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await handle.close();
  }
});
