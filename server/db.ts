/**
 * The one place that opens the database: PGlite (embedded, data in PGLITE_DIR) when DATABASE_URL is unset,
 * PostgreSQL through the pg driver adapter otherwise. One PrismaClient per process, kept on globalThis so
 * Next's module reloading does not open a second PGlite on the same folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "./db/generated/client";
import { newPGlite } from "./db/pglite";
import { withSerialTransactions } from "./db/serial-transactions";
import { withEmptyReadsAnswered } from "./db/empty-reads";
import { env, ZPoolMax } from "./env";

export { PrismaClient };
export type Db = PrismaClient;
/** A client or an interactive transaction: what services and the ledger write through. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export type DbHandle = {
  prisma: PrismaClient;
  adapter: SqlMigrationAwareDriverAdapterFactory;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
};

/**
 * Writers queue on the ledger head row (and PGlite runs one transaction at a time), so under load a
 * transaction may wait longer for its turn than Prisma's 2 s default before it is refused.
 */
const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

export class DatabaseInUseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite has no lock between processes, and two processes on one data folder corrupt it. Each opener
 * records its pid in `<dir>.lock`; a second live process is refused with a message saying what to do.
 */
function lockDataDir(dir: string): () => void {
  const lock = `${dir}.lock`;
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(lock, "utf8").trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new DatabaseInUseError(
        `The embedded database at ${dir} is in use by another process (pid ${holder}, probably the running portal). ` +
          "Stop it first, or run Warrant on PostgreSQL (DATABASE_URL) to use the database from several processes.",
      );
    }
    writeFileSync(lock, String(process.pid)); // a stale lock from a process that is gone
  }
  const release = () => {
    try {
      if (readFileSync(lock, "utf8").trim() === String(process.pid)) rmSync(lock, { force: true });
    } catch {
      /* already gone */
    }
  };
  process.once("exit", release);
  return release;
}

/**
 * The PostgreSQL pool size: DATABASE_POOL_MAX, or its default (server/env.ts). Read straight from the
 * environment (same rule as env()) so tests, scripts and benches that open their own handle follow it too.
 */
export function poolMax(): number {
  const parsed = ZPoolMax.safeParse(process.env.DATABASE_POOL_MAX || undefined);
  if (!parsed.success) throw new Error(`DATABASE_POOL_MAX: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/** Opens a database handle. Tests and scripts use this directly; the app uses `db()`. */
export function openDb(opts: { url?: string; pgliteDir?: string; pglite?: PGlite; poolMax?: number } = {}): DbHandle {
  if (opts.url) {
    const adapter = withEmptyReadsAnswered(withSerialTransactions(new PrismaPg({ connectionString: opts.url, max: opts.poolMax ?? poolMax() })));
    const prisma = new PrismaClient({ adapter, transactionOptions: TX_OPTIONS });
    return { prisma, adapter, kind: "postgres", close: () => prisma.$disconnect() };
  }
  let pg = opts.pglite;
  let unlock = () => {};
  if (!pg) {
    const dir = path.resolve(/* turbopackIgnore: true */ opts.pgliteDir ?? ".data/pglite");
    mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(dir);
    pg = newPGlite(dir);
  }
  const client = pg;
  const adapter = withEmptyReadsAnswered(new PrismaPGlite(client));
  const prisma = new PrismaClient({ adapter, transactionOptions: TX_OPTIONS });
  return {
    prisma,
    adapter,
    kind: "pglite",
    close: async () => {
      await prisma.$disconnect();
      if (!client.closed) await client.close();
      unlock();
    },
  };
}

const g = globalThis as unknown as { __warrantDb?: DbHandle };

/** The process-wide database handle chosen from the environment. */
export function dbHandle(): DbHandle {
  if (!g.__warrantDb) {
    const e = env();
    g.__warrantDb = openDb(e.DATABASE_URL ? { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX } : { pgliteDir: e.PGLITE_DIR });
  }
  return g.__warrantDb;
}

export function db(): PrismaClient {
  return dbHandle().prisma;
}
