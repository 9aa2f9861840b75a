/**
 * Prisma's schema engine, run as WebAssembly so migrations work offline (no engine download).
 * Used by `npm run db:migrate` (apply), `npm run db:diff` (generate) and the schema-drift test.
 */
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

export const PRISMA_DIR = path.resolve(process.cwd(), "prisma");
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, "migrations");
export const SCHEMA_PATH = path.join(PRISMA_DIR, "schema.prisma");

const NO_FILTER = { externalTables: [], externalEnums: [] };

type Glue = Record<string, unknown> & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  SchemaEngine: typeof SchemaEngine;
};

// The glue module is one per process (Node caches the package), and so must its WebAssembly instance be: a
// second instantiation would re-point the shared glue at a new instance under anything still using the first
// (and `__wbindgen_start` runs once). Kept on globalThis so a re-evaluated copy of this module (the test runner
// gives each test file fresh project modules in one process, server/testing/per-file-reset.ts) reuses it.
const g = globalThis as unknown as { __warrantSchemaEngineGlue?: Promise<Glue> };

async function loadGlue(): Promise<Glue> {
  const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as Glue;
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(path.dirname(require.resolve(/* turbopackIgnore: true */ "@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
  const imports: Record<string, unknown> = { ...glue };
  // The engine arms a 10 s timer; unref it so scripts can exit as soon as their work is done.
  for (const key of Object.keys(glue)) {
    if (key.startsWith("__wbg_setTimeout_")) {
      const original = glue[key] as (...a: unknown[]) => { unref?: () => void };
      imports[key] = (...args: unknown[]) => {
        const t = original(...args);
        t?.unref?.();
        return t;
      };
    }
  }
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { "./schema_engine_bg.js": imports as WebAssembly.ModuleImports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return glue;
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it on ";", which breaks the hand-written
 * PL/pgSQL trigger functions in our migrations. Send the script whole instead (the simple query protocol
 * runs several statements in one call), keeping the adapter's error mapping.
 */
function wholeScripts(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  if (!factory.adapterName.includes("adapter-pg")) return factory;
  type PgAdapter = Awaited<ReturnType<SqlMigrationAwareDriverAdapterFactory["connect"]>> & {
    underlyingDriver(): { query(sql: string): Promise<unknown> };
    onError(e: unknown): never;
  };
  const patch = (adapter: PgAdapter) => {
    adapter.executeScript = async (script: string) => {
      try {
        await adapter.underlyingDriver().query(script);
      } catch (e) {
        adapter.onError(e);
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch((await factory.connect()) as PgAdapter),
    connectToShadowDb: async () => patch((await factory.connectToShadowDb()) as PgAdapter),
  };
}

export async function openSchemaEngine(adapterFactory: SqlMigrationAwareDriverAdapterFactory, schemaText?: string): Promise<SchemaEngine> {
  g.__warrantSchemaEngineGlue ??= loadGlue();
  const glue = await g.__warrantSchemaEngineGlue;
  const text = schemaText ?? (await readFile(SCHEMA_PATH, "utf8"));
  const log = () => {};
  return glue.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, text]] }, log, bindMigrationAwareSqlAdapterFactory(wholeScripts(adapterFactory)));
}

export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const lockPath = path.join(dir, "migration_lock.toml");
  const lockText = existsSync(lockPath) ? await readFile(lockPath, "utf8") : 'provider = "postgresql"\n';
  const entries = existsSync(dir) ? (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => {
      const file = path.join(dir, name, "migration.sql");
      const content = existsSync(file)
        ? ({ tag: "ok", value: await readFile(file, "utf8") } as const)
        : ({ tag: "error", value: `missing ${file}` } as const);
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  );
  return { baseDir: dir, lockfile: { path: "migration_lock.toml", content: lockText }, shadowDbInitScript: "", migrationDirectories };
}

/** Applies every migration in prisma/migrations not yet recorded in `_prisma_migrations`. Idempotent. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const engine = await openSchemaEngine(adapterFactory);
  try {
    const out = await engine.applyMigrations({ migrationsList: await readMigrationList(), filters: NO_FILTER });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * SQL that takes a database built by the migrations to the schema in schema.prisma.
 * Empty when they agree. Uses the factory's shadow database (an in-memory PGlite) to replay migrations.
 */
export async function diffMigrationsToSchema(shadowFactory: SqlMigrationAwareDriverAdapterFactory, schemaText?: string): Promise<string> {
  const text = schemaText ?? (await readFile(SCHEMA_PATH, "utf8"));
  const engine = await openSchemaEngine(shadowFactory, text);
  try {
    const res = await engine.diff({
      from: { tag: "migrations", ...(await readMigrationList()) },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: text }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    const sql = (res.stdout ?? "").trim();
    return sql === "-- This is an empty migration." ? "" : sql;
  } finally {
    engine.free();
  }
}
