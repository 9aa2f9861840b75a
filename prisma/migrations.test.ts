/**
 * The migrations against schema.prisma, replayed into an in-memory PGlite shadow database whatever engine the run
 * is on: a second run on PostgreSQL would repeat exactly this, so it is not an `.int.test.` (it runs once, in the
 * PGlite stage). Applying the migrations to PostgreSQL is proved by the PostgreSQL stage's global setup, which
 * migrates its template database with them.
 */
import { readFileSync } from "node:fs";
import { newPGlite, PrismaPGliteWithExtensions } from "../server/db/pglite";
import { describe, expect, it } from "vitest";
import { diffMigrationsToSchema, SCHEMA_PATH } from "../server/db/schema-engine";

describe("migrations", () => {
  it("produce exactly the schema in schema.prisma (the diff is empty)", async () => {
    const shadow = new PrismaPGliteWithExtensions(newPGlite());
    try {
      expect(await diffMigrationsToSchema(shadow)).toBe("");
    } finally {
      await shadow.close();
    }
  });

  it("would be caught out by a schema change that has no migration", async () => {
    const edited = readFileSync(SCHEMA_PATH, "utf8").replace("model System {", "model System {\n  nickname String?");
    const shadow = new PrismaPGliteWithExtensions(newPGlite());
    try {
      expect(await diffMigrationsToSchema(shadow, edited)).toMatch(/ALTER TABLE "System" ADD COLUMN\s+"nickname" TEXT/);
    } finally {
      await shadow.close();
    }
  });
});
