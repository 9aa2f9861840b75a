/**
 * Who may download a finished pack (GET /api/evidence/<id>/download → openExportDownload): the requester,
 * admins and auditors; 401 signed out or inactive, 404 unknown or not yours (the same answer) / not DONE / file missing,
 * 410 expired (the retention job removed the file).
 * Also: the public key route's rule (any signed-in person), and the domain's own refusal of startExport.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { loadActor } from "../actor";
import { DomainError } from "../../errors";
import { env } from "../../env";
import { keyBundle, openExportDownload, publicKeyForRoute } from "./queries";
import { generateKeyPairSync } from "node:crypto";
import { ensureSigningKey, keyIdOf, registerSigningKey } from "../../evidence/keys";
import { startExport } from "./service";
import { expireEvidenceExports } from "./retention";

let db: TestDb;
let people: Record<"admin" | "auditor" | "security" | "otherSecurity" | "employee" | "suspendedAuditor", { id: string }>;
let doneId: string;
let runningId: string;
let goneId: string;
let expiredId: string;
const expiredAt = new Date("2026-05-04T03:00:00.000Z");
const dir = mkdtempSync(join(tmpdir(), "warrant-evidence-dl-"));

beforeAll(async () => {
  db = await createTestDb();
  people = {
    admin: await makeHuman(db.prisma, { roles: ["ADMIN"] }),
    auditor: await makeHuman(db.prisma, { roles: ["AUDITOR"] }),
    security: await makeHuman(db.prisma, { roles: ["SECURITY"] }),
    otherSecurity: await makeHuman(db.prisma, { roles: ["SECURITY"] }),
    employee: await makeHuman(db.prisma),
    suspendedAuditor: await makeHuman(db.prisma, { roles: ["AUDITOR"], status: "SUSPENDED" }),
  };
  const file = join(dir, "done.zip");
  writeFileSync(file, "PK fake zip");
  const params = { from: "2025-01-01", to: "2025-03-31", systems: [], systemNames: [], campaignId: null };
  const base = { requestedById: people.security.id, params };
  doneId = (await db.prisma.evidenceExport.create({ data: { ...base, status: "DONE", filePath: file, fileSha256: "ab".repeat(32), byteSize: 11n } })).id;
  runningId = (await db.prisma.evidenceExport.create({ data: { ...base, status: "RUNNING" } })).id;
  goneId = (await db.prisma.evidenceExport.create({ data: { ...base, status: "DONE", filePath: join(dir, "missing.zip"), byteSize: 1n, completedAt: new Date("2026-05-01T10:00:00.000Z") } })).id;
  // Built 8 days before, expired by the retention job with a 7-day retention.
  const exp = await db.prisma.evidenceExport.create({ data: { ...base, status: "DONE", filePath: join(dir, "x.zip"), fileSha256: "ef".repeat(32), byteSize: 5n, completedAt: new Date(expiredAt.getTime() - 8 * 86_400_000) } });
  expiredId = exp.id;
  writeFileSync(join(dir, `${expiredId}.zip`), "PK old");
  await expireEvidenceExports(db.prisma, expiredAt, { dir, retentionDays: 7 });
});
afterAll(async () => db.close());

describe("downloading a pack", () => {
  it("the requester, an admin and an auditor get the file, named after the period", async () => {
    for (const who of [people.security, people.admin, people.auditor]) {
      const out = await openExportDownload(db.prisma, who.id, doneId);
      expect(out).toEqual({ ok: true, filePath: join(dir, "done.zip"), filename: "warrant-evidence-2025-01-01-2025-03-31.zip", byteSize: 11, sha256: "ab".repeat(32) });
    }
  });

  it("another security officer and an employee get exactly the answer for an id that does not exist (404)", async () => {
    const missing = await openExportDownload(db.prisma, people.otherSecurity.id, "00000000-0000-4000-8000-000000000000");
    expect(missing).toEqual({ ok: false, status: 404, message: "The export was not found." });
    expect(await openExportDownload(db.prisma, people.otherSecurity.id, doneId)).toEqual(missing);
    expect(await openExportDownload(db.prisma, people.employee.id, doneId)).toEqual(missing);
    expect(await openExportDownload(db.prisma, people.employee.id, runningId)).toEqual(missing);
  });

  it("signed out or no longer active is 401", async () => {
    expect(await openExportDownload(db.prisma, null, doneId)).toMatchObject({ ok: false, status: 401 });
    expect(await openExportDownload(db.prisma, people.suspendedAuditor.id, doneId)).toMatchObject({ ok: false, status: 401 });
  });

  it("404: unknown id, malformed id, not DONE yet", async () => {
    expect(await openExportDownload(db.prisma, people.admin.id, "00000000-0000-4000-8000-000000000000")).toMatchObject({ ok: false, status: 404, message: "The export was not found." });
    expect(await openExportDownload(db.prisma, people.admin.id, "../../etc/passwd")).toMatchObject({ ok: false, status: 404, message: "The export was not found." });
    expect(await openExportDownload(db.prisma, people.security.id, runningId)).toMatchObject({ ok: false, status: 404, message: expect.stringMatching(/not ready/) });
  });

  it("404 with a clear message: a DONE pack whose file is missing (not expired: someone or something removed it)", async () => {
    const out = await openExportDownload(db.prisma, people.security.id, goneId);
    expect(out).toEqual({
      ok: false,
      status: 404,
      message: "This evidence pack (built on 2026-05-01) should still be on the server, but its file is missing from the evidence folder: it is no longer available. Export it again, and tell an administrator (check EVIDENCE_DIR).",
    });
  });

  it("410: an expired pack says when it expired and after how many days (as recorded when it expired)", async () => {
    for (const who of [people.security, people.admin, people.auditor]) {
      expect(await openExportDownload(db.prisma, who.id, expiredId)).toEqual({
        ok: false,
        status: 410,
        message: "This evidence pack expired on 2026-05-04 and its file was removed after 7 days; export it again.",
      });
    }
    // Who may see it is checked first: the expiry (or the pack's existence) is not news for anyone else.
    expect(await openExportDownload(db.prisma, people.otherSecurity.id, expiredId)).toEqual({ ok: false, status: 404, message: "The export was not found." });
    expect(await openExportDownload(db.prisma, null, expiredId)).toMatchObject({ ok: false, status: 401 });
  });

  it("410 for an expired pack without a recorded retention: the configured EVIDENCE_RETENTION_DAYS is named", async () => {
    const file = join(dir, "manual.zip");
    const row = await db.prisma.evidenceExport.create({
      data: { requestedById: people.security.id, params: { from: "2025-01-01", to: "2025-01-31", systems: [], systemNames: [], campaignId: null }, status: "EXPIRED", filePath: file, byteSize: 2n, completedAt: new Date("2026-01-01T00:00:00.000Z"), expiredAt },
    });
    expect(await openExportDownload(db.prisma, people.security.id, row.id)).toEqual({ ok: false, status: 410, message: `This evidence pack expired on 2026-05-04 and its file was removed after ${env().EVIDENCE_RETENTION_DAYS} days; export it again.` });
  });
});

describe("the public key", () => {
  it("any signed-in, active person may read it; signed out may not", async () => {
    const out = await publicKeyForRoute(db.prisma, people.employee.id);
    expect(out).toMatchObject({ ok: true, keyId: expect.stringMatching(/^[0-9a-f]{16}$/), publicKeyPem: expect.stringContaining("BEGIN PUBLIC KEY") });
    expect(await publicKeyForRoute(db.prisma, null)).toMatchObject({ ok: false, status: 401 });
    expect(await publicKeyForRoute(db.prisma, people.suspendedAuditor.id)).toMatchObject({ ok: false, status: 401 });
  });

  it("after a rotation it lists the earlier keys, and the bundle holds every key with the current one last", async () => {
    const current = await ensureSigningKey(db.prisma);
    const { publicKey } = generateKeyPairSync("ed25519");
    const earlier = { keyId: keyIdOf(publicKey), publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
    await registerSigningKey(db.prisma, earlier, new Date("2026-01-01T00:00:00Z"));
    const out = await publicKeyForRoute(db.prisma, people.employee.id);
    if (!out.ok) throw new Error(out.message);
    expect(out.keyId).toBe(current.keyId);
    expect(out.previous).toEqual([{ keyId: earlier.keyId, publicKeyPem: earlier.publicKeyPem, registeredAt: "2026-01-01T00:00:00.000Z" }]);
    const bundle = keyBundle(out);
    const blocks = bundle.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)!;
    expect(blocks.map((b) => keyIdOf(`${b}\n`))).toEqual([earlier.keyId, current.keyId]);
    expect(bundle).toContain(`# Warrant evidence key ${current.keyId} (current)`);
  });
});

describe("startExport refuses on its own (not only in the router)", () => {
  it("an employee gets a FORBIDDEN DomainError and nothing is written", async () => {
    const actor = (await loadActor(db.prisma, people.employee.id))!;
    const before = [await db.prisma.evidenceExport.count(), await db.prisma.ledgerEvent.count()];
    const err = await startExport({ db: db.prisma, actor, now: () => new Date() }, { from: "2025-01-01", to: "2025-01-31" }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: "FORBIDDEN" });
    expect([await db.prisma.evidenceExport.count(), await db.prisma.ledgerEvent.count()]).toEqual(before);
  });
});
