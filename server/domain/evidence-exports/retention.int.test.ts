/**
 * Evidence-pack retention (job "evidence-retention"): a DONE pack older than the retention becomes EXPIRED with
 * "evidence.export_expired" and its file is deleted, keeping its SHA-256 and size; younger packs and unfinished
 * exports are untouched. The sweep removes only the portal's own leftovers (`<uuid>.zip`, `<uuid>.zip.<8 hex>.part`)
 * that nothing needs any more, never the file of a live claim, never anything else. Two workers at once: one event
 * per export, no errors.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import { verifyChain } from "../../ledger/ledger";
import { JOBS } from "../../jobs/registry";
import { env } from "../../env";
import { EXPORT_LEASE_MS } from "./job";
import { expireEvidenceExports } from "./retention";

let db: TestDb;
let requester: { id: string };
let auditor: { id: string };
const DAY = 86_400_000;
const t0 = new Date("2026-06-01T12:00:00.000Z");
const daysAgo = (n: number) => new Date(t0.getTime() - n * DAY);
const params = { from: "2026-01-01", to: "2026-03-31", systems: [], systemNames: [], campaignId: null };

beforeAll(async () => {
  db = await createTestDb();
  requester = await makeHuman(db.prisma, { roles: ["SECURITY"] });
  auditor = await makeHuman(db.prisma, { roles: ["AUDITOR"] });
});
afterAll(async () => db.close());

const newDir = () => mkdtempSync(join(tmpdir(), "warrant-evidence-retention-"));

/** A DONE export built `builtDaysAgo` days before t0, with its zip in `dir`. */
async function donePack(dir: string, builtDaysAgo: number) {
  const id = randomUUID();
  const filePath = join(dir, `${id}.zip`);
  writeFileSync(filePath, `PK pack ${id}`);
  const completedAt = daysAgo(builtDaysAgo);
  return db.prisma.evidenceExport.create({
    data: { id, requestedById: requester.id, params, status: "DONE", filePath, fileSha256: "cd".repeat(32), byteSize: 48n, createdAt: completedAt, startedAt: completedAt, completedAt, progress: 10, total: 10 },
  });
}

async function exportRow(data: { status: "QUEUED" | "RUNNING" | "FAILED" | "EXPIRED"; claimedUntil?: Date; createdAt?: Date }) {
  return db.prisma.evidenceExport.create({
    data: {
      requestedById: requester.id,
      params,
      status: data.status,
      createdAt: data.createdAt ?? daysAgo(90),
      claimedBy: data.status === "RUNNING" ? "worker-X" : null,
      claimedUntil: data.claimedUntil ?? null,
      completedAt: data.status === "FAILED" || data.status === "EXPIRED" ? daysAgo(60) : null,
      expiredAt: data.status === "EXPIRED" ? daysAgo(20) : null,
      error: data.status === "FAILED" ? "boom" : null,
    },
  });
}

const expiredEvents = (id?: string) => db.prisma.ledgerEvent.findMany({ where: { action: "evidence.export_expired", ...(id ? { subjectId: id } : {}) }, orderBy: { seq: "asc" } });

describe("evidence-retention: expiry", () => {
  it("is a registered job", () => {
    expect(JOBS.map((j) => j.name)).toContain("evidence-retention");
  });

  it("a pack older than the retention expires: EXPIRED + expiredAt, 'evidence.export_expired' with its hash, file gone; younger and unfinished exports untouched", async () => {
    const dir = newDir();
    const old = await donePack(dir, 31);
    const young = await donePack(dir, 29);
    const queued = await exportRow({ status: "QUEUED" });
    const running = await exportRow({ status: "RUNNING", claimedUntil: new Date(t0.getTime() + 60_000) });
    const untouched = await db.prisma.evidenceExport.findMany({ where: { id: { in: [young.id, queued.id, running.id] } }, orderBy: { id: "asc" } });

    const res = await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 });
    expect(res).toMatchObject({ expired: 1, removed: 1, failures: [] });

    const row = await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id: old.id } });
    // The hash and the size stay: the record of what was delivered.
    expect(row).toMatchObject({ status: "EXPIRED", expiredAt: t0, fileSha256: old.fileSha256, byteSize: old.byteSize, completedAt: old.completedAt });
    expect(existsSync(old.filePath!)).toBe(false);
    expect(existsSync(young.filePath!)).toBe(true);

    const events = await expiredEvents(old.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: null, subjectType: "EvidenceExport", subjectId: old.id });
    expect(events[0].occurredAt).toEqual(t0);
    expect(events[0].payload).toEqual({ fileSha256: old.fileSha256, byteSize: 48, completedAt: old.completedAt!.toISOString(), retentionDays: 30 });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();

    expect(await db.prisma.evidenceExport.findMany({ where: { id: { in: [young.id, queued.id, running.id] } }, orderBy: { id: "asc" } })).toEqual(untouched);
    expect(await expiredEvents(young.id)).toHaveLength(0);
  });

  it("the auditor still sees an expired export in the list and by id (status, expiry time, hash)", async () => {
    const dir = newDir();
    const old = await donePack(dir, 45);
    await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 });
    const api = callerAs(db.prisma, auditor.id);
    const listed = (await api.evidence.myExports()).find((r) => r.id === old.id);
    expect(listed).toMatchObject({ status: "EXPIRED", expiredAt: t0, fileSha256: old.fileSha256, byteSize: 48 });
    await expect(api.evidence.byId({ id: old.id })).resolves.toMatchObject({ status: "EXPIRED", expiredAt: t0 });
    // The page gets the retention from the server.
    await expect(api.evidence.formOptions()).resolves.toMatchObject({ retentionDays: env().EVIDENCE_RETENTION_DAYS });
  });

  it("works through any number of packs in batches", async () => {
    const dir = newDir();
    const packs = [];
    for (let i = 0; i < 5; i++) packs.push(await donePack(dir, 40 + i));
    const res = await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30, batchSize: 2 });
    expect(res.expired).toBe(5);
    const rows = await db.prisma.evidenceExport.findMany({ where: { id: { in: packs.map((p) => p.id) } } });
    expect(rows.every((r) => r.status === "EXPIRED")).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("running it twice, and two workers at once, yields exactly one event per export and no errors", async () => {
    const dir = newDir();
    const packs = [];
    for (let i = 0; i < 4; i++) packs.push(await donePack(dir, 35));
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const [a, b] = await Promise.all([
      expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30, batchSize: 3 }),
      expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30, batchSize: 3 }),
    ]);
    expect(a.expired + b.expired).toBe(4);
    expect([...a.failures, ...b.failures]).toEqual([]);
    const again = await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 });
    expect(again).toMatchObject({ expired: 0, removed: 0, failures: [] });
    for (const p of packs) expect(await expiredEvents(p.id)).toHaveLength(1);
    expect(await db.prisma.ledgerEvent.count()).toBe(eventsBefore + 4);
    expect(readdirSync(dir)).toEqual([]);
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("uses the business clock it is given: nothing is older than the retention yet, nothing changes", async () => {
    const dir = newDir();
    const pack = await donePack(dir, 10);
    const before = await db.prisma.ledgerEvent.count();
    expect(await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 })).toMatchObject({ expired: 0 });
    expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id: pack.id } })).toMatchObject({ status: "DONE", expiredAt: null });
    expect(await db.prisma.ledgerEvent.count()).toBe(before);
    // 21 days later by the (moved) clock it is past 30 days.
    const later = new Date(t0.getTime() + 21 * DAY);
    await expireEvidenceExports(db.prisma, later, { dir, retentionDays: 30 });
    expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id: pack.id } })).toMatchObject({ status: "EXPIRED", expiredAt: later });
    expect(existsSync(pack.filePath!)).toBe(false);
  });
});

describe("evidence-retention: sweeping the evidence folder", () => {
  it("removes the portal's leftovers nothing needs, keeps live and unrelated files", async () => {
    const dir = newDir();
    const file = (name: string) => {
      writeFileSync(join(dir, name), "x");
      return name;
    };
    const hex = () => randomUUID().slice(0, 8);
    const old = (name: string, ms: number) => {
      const t = new Date(Date.now() - ms);
      utimesSync(join(dir, name), t, t);
      return name;
    };

    const deadClaim = await exportRow({ status: "RUNNING", claimedUntil: new Date(t0.getTime() - 60_000) });
    const liveClaim = await exportRow({ status: "RUNNING", claimedUntil: new Date(t0.getTime() + 60_000) });
    const failed = await exportRow({ status: "FAILED" });
    const expired = await exportRow({ status: "EXPIRED" });
    const queued = await exportRow({ status: "QUEUED" });
    const done = await donePack(dir, 1);
    const doneZip = `${done.id}.zip`;

    const removed = [
      file(`${deadClaim.id}.zip.${hex()}.part`), // its worker died: the claim ran out
      file(`${done.id}.zip.${hex()}.part`), // a losing attempt of a finished export
      file(`${failed.id}.zip.${hex()}.part`),
      file(`${failed.id}.zip`),
      file(`${expired.id}.zip`), // its delete after the commit failed last time
      old(file(`${randomUUID()}.zip`), 31 * DAY), // no such export, older than the retention
      old(file(`${randomUUID()}.zip.${hex()}.part`), EXPORT_LEASE_MS + 60_000), // no such export, older than a claim
    ];
    const kept = [
      doneZip,
      file(`${liveClaim.id}.zip.${hex()}.part`), // a live claim: being written right now
      file(`${queued.id}.zip`),
      file(`${randomUUID()}.zip`), // no such export, but fresh (another database's folder by mistake)
      file(`${randomUUID()}.zip.${hex()}.part`),
      file("notes.txt"),
      file("quarterly-pack.zip"), // not a uuid
      file(`${failed.id}.zip.bak`),
      file(`${failed.id.toUpperCase()}.zip`),
      file(`${failed.id}.zip.xyz12345.part`),
      file(`${failed.id}.zip.${hex()}.part.keep`),
    ];
    // A folder carrying a leftover's name is not a file: left alone.
    const folder = `${expired.id}.zip.${hex()}.part`;
    mkdirSync(join(dir, folder));
    kept.push(folder);

    const rowsBefore = await db.prisma.evidenceExport.findMany({ orderBy: { id: "asc" } });
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const res = await expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 });
    expect(res).toMatchObject({ expired: 0, removed: removed.length, failures: [] });
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
    // The sweep changes files only, never rows or the ledger.
    expect(await db.prisma.evidenceExport.findMany({ orderBy: { id: "asc" } })).toEqual(rowsBefore);
    expect(await db.prisma.ledgerEvent.count()).toBe(eventsBefore);
  });

  it("a missing evidence folder is fine", async () => {
    const dir = join(newDir(), "never-created");
    await expect(expireEvidenceExports(db.prisma, t0, { dir, retentionDays: 30 })).resolves.toMatchObject({ failures: [] });
    expect(existsSync(dir)).toBe(false);
  });
});
