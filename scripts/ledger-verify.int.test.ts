import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE } from "../server/testing/db";
import { recordEvent } from "../server/ledger/ledger";
import { runScript } from "../server/testing/cli";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run ledger:verify` (its script) against the test database in a separate process. */
async function verifyCli(url: string | undefined) {
  const { code, stdout } = await runScript("scripts/ledger-verify.ts", [], { ...process.env, PGLITE_DIR: dir, DATABASE_URL: url ?? "" });
  return { code, stdout };
}

describe(`npm run ledger:verify (${TEST_ENGINE})`, () => {
  it("prints how many events it checked, then names the first broken link after a row is corrupted", async () => {
    const db = await createTestDb({ pgliteDir: dir });
    for (let i = 1; i <= 6; i++) {
      await db.prisma.$transaction((tx) => recordEvent(tx, { actorId: null, action: "test.event", subjectType: "Test", subjectId: String(i), payload: { i } }));
    }
    await db.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "subjectId" = 'tampered' WHERE "seq" = 4;
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    const url = db.url;
    if (!url) await db.close(); // PGlite: one process per data folder, so release it for the CLI.
    try {
      const broken = await verifyCli(url);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/Ledger BROKEN: checked 4 event\(s\); first broken link at seq 4: hash mismatch/);
    } finally {
      if (url) await db.close();
    }
  });

  it("reports an intact chain with its count and exits 0", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), "warrant-verify-ok-"));
    const db = await createTestDb({ pgliteDir: fresh });
    for (let i = 1; i <= 3; i++) {
      await db.prisma.$transaction((tx) => recordEvent(tx, { actorId: null, action: "test.event", subjectType: "Test", subjectId: String(i) }));
    }
    const url = db.url;
    if (!url) await db.close();
    try {
      const { code, stdout } = await runScript("scripts/ledger-verify.ts", [], { ...process.env, PGLITE_DIR: fresh, DATABASE_URL: url ?? "" });
      expect(code).toBe(0);
      expect(stdout).toMatch(/Ledger intact: 3 event\(s\) checked, head at seq 3/);
    } finally {
      if (url) await db.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe.skipIf(TEST_ENGINE !== "pglite")("the embedded database is opened by one process at a time", () => {
  it("refuses a second process with a message saying what to do, and lets it in once the first has closed", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "warrant-lock-"));
    const { openDb } = await import("../server/db");
    const { applyMigrations } = await import("../server/db/schema-engine");
    const holder = openDb({ pgliteDir: folder });
    try {
      await applyMigrations(holder.adapter);
      const env = { ...process.env, PGLITE_DIR: folder, DATABASE_URL: "" };
      const refused = await runScript("scripts/ledger-verify.ts", [], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/is in use by another process \(pid \d+, probably the running portal\)/);
      await holder.close();
      const { stdout } = await runScript("scripts/ledger-verify.ts", [], env);
      expect(stdout).toMatch(/Ledger intact: 0 event\(s\) checked/);
    } finally {
      await holder.close().catch(() => {});
      rmSync(folder, { recursive: true, force: true });
      rmSync(`${folder}.lock`, { force: true });
    }
  });
});
