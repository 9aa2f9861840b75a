/**
 * Every embedded database is opened here, with the PostgreSQL extensions the migrations use loaded: an
 * extension's code must be loaded when PGlite starts, before `CREATE EXTENSION` (in a migration) or any
 * query that uses it (e.g. the directory search's trigram indexes, pg_trgm).
 */
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPGlite } from "pglite-prisma-adapter";

export const PGLITE_EXTENSIONS = { pg_trgm } as const;

/** A PGlite with Warrant's extensions: in memory when no folder is given. */
export function newPGlite(dataDir?: string, options: Omit<PGliteOptions, "extensions"> = {}): PGlite {
  const opts = { ...options, extensions: PGLITE_EXTENSIONS };
  return dataDir ? new PGlite(dataDir, opts) : new PGlite(opts);
}

/**
 * The adapter factory for an embedded database, whose shadow database (used by the schema engine's diff to
 * replay the migrations) is a PGlite with the same extensions; the adapter's own shadow has none, and
 * the migrations' `CREATE EXTENSION` would fail there.
 */
export class PrismaPGliteWithExtensions extends PrismaPGlite {
  private shadows: PGlite[] = [];
  constructor(private readonly pg: PGlite) {
    super(pg);
  }
  override connectToShadowDb() {
    const shadow = newPGlite();
    this.shadows.push(shadow);
    return new PrismaPGlite(shadow).connect();
  }
  /** Closes the database and any shadow databases it opened. */
  async close(): Promise<void> {
    for (const s of [this.pg, ...this.shadows]) if (!s.closed) await s.close();
  }
}
