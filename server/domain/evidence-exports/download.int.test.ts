/**
 * Who may download a finished pack (GET /api/evidence/<id>/download → openExportDownload): the requester,
 * admins and auditors; 401 signed out or inactive, 403 anyone else, 404 unknown / not DONE / file gone.
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
import { openExportDownload, publicKeyForRoute } from "./queries";
import { startExport } from "./service";

let db: TestDb;
let people: Record<"admin" | "auditor" | "security" | "otherSecurity" | "employee" | "suspendedAuditor", { id: string }>;
let doneId: string;
let runningId: string;
let goneId: string;
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
  goneId = (await db.prisma.evidenceExport.create({ data: { ...base, status: "DONE", filePath: join(dir, "missing.zip"), byteSize: 1n } })).id;
});
afterAll(async () => db.close());

describe("downloading a pack", () => {
  it("the requester, an admin and an auditor get the file, named after the period", async () => {
    for (const who of [people.security, people.admin, people.auditor]) {
      const out = await openExportDownload(db.prisma, who.id, doneId);
      expect(out).toEqual({ ok: true, filePath: join(dir, "done.zip"), filename: "warrant-evidence-2025-01-01-2025-03-31.zip", byteSize: 11, sha256: "ab".repeat(32) });
    }
  });

  it("another security officer and an employee are refused (403)", async () => {
    expect(await openExportDownload(db.prisma, people.otherSecurity.id, doneId)).toMatchObject({ ok: false, status: 403 });
    expect(await openExportDownload(db.prisma, people.employee.id, doneId)).toMatchObject({ ok: false, status: 403 });
  });

  it("signed out or no longer active is 401", async () => {
    expect(await openExportDownload(db.prisma, null, doneId)).toMatchObject({ ok: false, status: 401 });
    expect(await openExportDownload(db.prisma, people.suspendedAuditor.id, doneId)).toMatchObject({ ok: false, status: 401 });
  });

  it("404: unknown id, malformed id, not DONE yet, file gone", async () => {
    expect(await openExportDownload(db.prisma, people.admin.id, "00000000-0000-4000-8000-000000000000")).toMatchObject({ ok: false, status: 404 });
    expect(await openExportDownload(db.prisma, people.admin.id, "../../etc/passwd")).toMatchObject({ ok: false, status: 404 });
    expect(await openExportDownload(db.prisma, people.security.id, runningId)).toMatchObject({ ok: false, status: 404, message: expect.stringMatching(/not ready/) });
    expect(await openExportDownload(db.prisma, people.security.id, goneId)).toMatchObject({ ok: false, status: 404, message: expect.stringMatching(/no longer/) });
  });
});

describe("the public key", () => {
  it("any signed-in, active person may read it; signed out may not", async () => {
    const out = await publicKeyForRoute(db.prisma, people.employee.id);
    expect(out).toMatchObject({ ok: true, keyId: expect.stringMatching(/^[0-9a-f]{16}$/), publicKeyPem: expect.stringContaining("BEGIN PUBLIC KEY") });
    expect(await publicKeyForRoute(db.prisma, null)).toMatchObject({ ok: false, status: 401 });
    expect(await publicKeyForRoute(db.prisma, people.suspendedAuditor.id)).toMatchObject({ ok: false, status: 401 });
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
