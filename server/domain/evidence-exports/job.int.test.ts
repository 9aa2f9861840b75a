/**
 * The export job: a queued export is claimed, built into a zip under the evidence folder, and becomes DONE
 * with its SHA-256 and size and the ledger event "evidence.exported" (with the manifest's SHA-256); its
 * progress moves while it runs; the pack verifies. Two workers never build the same export twice; a RUNNING
 * export whose lease ran out is taken over; a failure becomes FAILED with the error.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { loadSigningKey } from "../../evidence/keys";
import { verifyPack } from "../../evidence/verify";
import { coreCast, coreGrants, launched, type CoreCast } from "../campaigns/core-test-kit";
import { claimExports, EXPORT_LEASE_MS, runExport, runQueuedExports } from "./job";

let db: TestDb;
let c: CoreCast;
const dir = mkdtempSync(join(tmpdir(), "warrant-evidence-job-"));
const today = () => new Date().toISOString().slice(0, 10);
const yearAgo = () => new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = await createTestDb();
  c = await coreCast(db.prisma);
  await coreGrants(db.prisma, c);
  await launched(db.prisma, c, { name: "Q2 payments review" });
});
afterAll(async () => db.close());

const exportsEvents = (id: string) => db.prisma.ledgerEvent.findMany({ where: { subjectType: "EvidenceExport", subjectId: id }, orderBy: { seq: "asc" } });

describe("run-evidence-exports", () => {
  it("builds a queued export to DONE: file, SHA-256, size, 'evidence.exported'; progress moves; the pack verifies", async () => {
    const { id } = await c.as(c.auditor.id).evidence.startExport({ from: yearAgo(), to: today() });
    const saved: [number, number][] = [];
    const res = await runQueuedExports(db.prisma, new Date(), "worker-A", 1, { dir, progressEveryMs: 0, onProgressSaved: (d, t) => saved.push([d, t]) });
    expect(res).toEqual({ processed: 1 });

    const row = await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "DONE", claimedBy: "worker-A", error: null, filePath: join(dir, `${id}.zip`) });
    expect(readdirSync(dir).filter((f) => f.endsWith(".part"))).toEqual([]);
    const bytes = readFileSync(row.filePath!);
    expect(row.fileSha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(Number(row.byteSize)).toBe(statSync(row.filePath!).size);
    expect(row.total).toBeGreaterThan(0);
    expect(row.progress).toBe(row.total);

    // Progress moved: it started below the total, never went back, and ended at the total.
    expect(saved.length).toBeGreaterThan(1);
    expect(saved[0][0]).toBeLessThan(saved[0][1]);
    for (let i = 1; i < saved.length; i++) expect(saved[i][0]).toBeGreaterThanOrEqual(saved[i - 1][0]);
    expect(saved.at(-1)).toEqual([row.total, row.total]);

    const events = await exportsEvents(id);
    expect(events.map((e) => e.action)).toEqual(["evidence.export_requested", "evidence.exported"]);
    expect(events[1].payload).toMatchObject({ fileSha256: row.fileSha256, manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/), byteSize: Number(row.byteSize), requestedById: c.auditor.id });

    const key = await loadSigningKey();
    const v = await verifyPack(row.filePath!, { publicKeyPem: key.publicKeyPem });
    // The scene's grants are written by factories, without ledger events (on purpose): the verifier's
    // cross-reference check names exactly those, and every other check passes (signature, files, chain).
    const failing = v.checks.filter((ch) => ch.failures.length);
    expect(failing.map((ch) => ch.name)).toEqual(["cross-references"]);
    expect(failing[0].failures.every((f) => /^grants\.jsonl: grant [0-9a-f-]{36} has no ledger event at all$/.test(f))).toBe(true);
    const sig = v.checks.find((ch) => ch.name === "signature")!;
    expect(sig.total).toBeGreaterThan(0);
    expect(sig.passed).toBe(sig.total);

    // The row is readable through the API as DONE.
    await expect(c.as(c.auditor.id).evidence.byId({ id })).resolves.toMatchObject({ status: "DONE", fileSha256: row.fileSha256, progress: row.total });
    // Nothing left to claim.
    expect(await runQueuedExports(db.prisma, new Date(), "worker-A", 1, { dir })).toEqual({ processed: 0 });
  });

  it("a system scope builds too (names resolved from the ids at run time)", async () => {
    await db.prisma.system.update({ where: { id: c.systemA.id }, data: { name: `${c.systemA.name} (renamed)` } });
    const { id } = await c.as(c.admin.id).evidence.startExport({ from: yearAgo(), to: today(), systems: [c.systemA.id] });
    expect(await runQueuedExports(db.prisma, new Date(), "worker-A", 1, { dir })).toEqual({ processed: 1 });
    expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "DONE" });
  });

  it("two workers at once never build the same export twice", async () => {
    const ids: string[] = [];
    // Three people (one person may have at most two packs queued at once).
    for (const who of [c.auditor.id, c.admin.id, c.security.id]) ids.push((await c.as(who).evidence.startExport({ from: yearAgo(), to: today() })).id);
    const now = new Date();
    const [a, b] = await Promise.all([runQueuedExports(db.prisma, now, "worker-A", 3, { dir }), runQueuedExports(db.prisma, now, "worker-B", 3, { dir })]);
    expect(a.processed + b.processed).toBe(3);
    const rows = await db.prisma.evidenceExport.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.status === "DONE")).toBe(true);
    for (const id of ids) expect((await exportsEvents(id)).filter((e) => e.action === "evidence.exported")).toHaveLength(1);
  });

  it("claims: a RUNNING export is left alone while its lease holds and taken over after", async () => {
    const { id } = await c.as(c.auditor.id).evidence.startExport({ from: yearAgo(), to: today() });
    const t0 = new Date();
    expect(await claimExports(db.prisma, t0, "worker-A")).toEqual([id]);
    expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "RUNNING", claimedBy: "worker-A" });
    expect(await claimExports(db.prisma, new Date(t0.getTime() + 60_000), "worker-B")).toEqual([]);
    // worker-A died: after the lease, worker-B takes it over and finishes it; A's late result is refused.
    const later = new Date(t0.getTime() + EXPORT_LEASE_MS + 1000);
    expect(await runQueuedExports(db.prisma, later, "worker-B", 1, { dir })).toEqual({ processed: 1 });
    const done = await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } });
    expect(done).toMatchObject({ status: "DONE", claimedBy: "worker-B" });
    // worker-A comes back: its claim is gone, it builds nothing and changes nothing.
    expect(await runExport(db.prisma, id, t0, "worker-A", { dir })).toBe(false);
    expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } })).toEqual(done);
    expect(createHash("sha256").update(readFileSync(done.filePath!)).digest("hex")).toBe(done.fileSha256);
    expect((await exportsEvents(id)).filter((e) => e.action === "evidence.exported")).toHaveLength(1);
  });

  it("a failure becomes FAILED with the error, and 'evidence.export_failed'", async () => {
    const { id } = await c.as(c.auditor.id).evidence.startExport({ from: yearAgo(), to: today() });
    const notADir = join(dir, "a-file");
    writeFileSync(notADir, "x");
    expect(await runQueuedExports(db.prisma, new Date(), "worker-A", 1, { dir: join(notADir, "sub") })).toEqual({ processed: 1 });
    const row = await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "FAILED", filePath: null, fileSha256: null, error: expect.stringMatching(/ENOTDIR|not a directory|EEXIST/i) });
    expect((await exportsEvents(id)).map((e) => e.action)).toEqual(["evidence.export_requested", "evidence.export_failed"]);
    await expect(c.as(c.auditor.id).evidence.byId({ id })).resolves.toMatchObject({ status: "FAILED", error: row.error });
  });
});
