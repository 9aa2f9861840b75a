/**
 * The export reads each CSV/JSON Lines twin once, through temporary spool files
 * (server/evidence/spool.ts). Those files hold evidence: whether the export succeeds or fails half-way (the
 * output stream refusing bytes), none is left behind; and the twins still hold the same rows.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeEntitlement, makeGrant, makeHuman, makeSystem } from "../testing/factories";
import { recordEvent } from "../ledger/ledger";
import { exportEvidencePack } from "./export";
import { exportTo, packDir, readZip, rowsOf, useTempKey } from "./pack-kit";
import { verifyPack } from "./verify";

const dir = packDir();
useTempKey(dir);
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };
// The spools of this file's exports go to a temporary directory of its own (os.tmpdir() reads TMPDIR at each
// call; this worker's environment is its own), so an export run by another test file at the same time cannot
// show up here as a leftover.
const ownTmp = mkdtempSync(path.join(tmpdir(), "warrant-spool-test-"));
const tmpBefore = process.env.TMPDIR;
process.env.TMPDIR = ownTmp;
const spoolDirs = () => new Set(readdirSync(ownTmp).filter((d) => d.startsWith("warrant-export-")));

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  const owner = await makeHuman(db.prisma, { name: "Spool Owner" });
  const system = await makeSystem(db.prisma, owner.id, { name: "Spool System" });
  const ent = await makeEntitlement(db.prisma, system.id, { name: "spool-role" });
  for (let i = 0; i < 30; i++) {
    const p = await makeHuman(db.prisma, { name: `Spool Person ${i}` });
    const g = await makeGrant(db.prisma, p.id, ent.id, { origin: "IMPORTED" });
    await db.prisma.$transaction((tx) =>
      recordEvent(tx, { actorId: null, action: "grant.imported", subjectType: "Grant", subjectId: g.id, occurredAt: new Date(), payload: { identityId: p.id, entitlementId: ent.id, source: "test" } }),
    );
  }
});
afterAll(async () => {
  await db?.close();
  if (tmpBefore === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmpBefore;
  rmSync(ownTmp, { recursive: true, force: true });
});

describe("export spools", () => {
  it("a successful export (pages of 7 rows) leaves no spool file, its twins agree and the pack verifies", async () => {
    const before = spoolDirs();
    const file = path.join(dir, "ok.zip");
    await exportTo(db.prisma, file, ALL, { batchSize: 7 });
    expect([...spoolDirs()].filter((d) => !before.has(d))).toEqual([]);
    const entries = await readZip(file);
    const jsonl = rowsOf(entries, "grants.jsonl");
    const csv = entries.find((e) => e.name === "grants.csv")!.data.toString("utf8").trim().split("\n");
    expect(jsonl.length).toBeGreaterThanOrEqual(30);
    expect(csv.length - 1).toBe(jsonl.length);
    expect(csv.slice(1).map((l) => l.split(",")[0])).toEqual(jsonl.map((r) => r.id));
    const controls = rowsOf(entries, "controls.jsonl");
    const checks = controls.filter((l) => l.type === "check");
    for (const c of checks) {
      expect(controls.filter((l) => l.check === c.id && l.type === "exception")).toHaveLength(c.exceptions as number);
      expect(controls.filter((l) => l.check === c.id && l.type === "flagged")).toHaveLength(c.flagged as number);
    }
    const verdict = await verifyPack(file);
    expect(verdict.checks.filter((c) => c.passed !== c.total)).toEqual([]);
    expect(verdict.ok).toBe(true);
  });

  it("an export whose output fails half-way rejects and leaves no spool file behind", async () => {
    const before = spoolDirs();
    let taken = 0;
    let spooling = 0;
    const failing = new Writable({
      write(chunk: Buffer, _enc, cb) {
        taken += chunk.length;
        // The spools are really made here (in this file's own directory) while the export runs.
        spooling = Math.max(spooling, [...spoolDirs()].filter((d) => !before.has(d)).length);
        cb(taken > 2_000 ? new Error("disk full") : null);
      },
    });
    await expect(exportEvidencePack(db.prisma, ALL, failing, { generator: "test", batchSize: 7 })).rejects.toThrow("disk full");
    expect(spooling).toBeGreaterThan(0);
    expect([...spoolDirs()].filter((d) => !before.has(d))).toEqual([]);
  });
});
