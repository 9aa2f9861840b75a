/**
 * Starting an evidence export: who may (auditors, admins, security — for an auditor it is the only mutation
 * allowed), what is validated (period order and length, systems and campaign exist, strict input), what it
 * writes (a QUEUED row and "evidence.export_requested"), and who sees which exports.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { coreCast, coreGrants, launched, type CoreCast } from "../campaigns/core-test-kit";

let db: TestDb;
let c: CoreCast;
let campaignId: string;

beforeAll(async () => {
  db = await createTestDb();
  c = await coreCast(db.prisma);
  await coreGrants(db.prisma, c);
  campaignId = (await launched(db.prisma, c, { name: "Q2 payments review" })).campaign.id;
});
afterAll(async () => db.close());

const counts = async () => ({ exports: await db.prisma.evidenceExport.count(), events: await db.prisma.ledgerEvent.count() });

/** Takes the counts first, then makes the call (so a fast refusal is never an unhandled rejection). */
async function expectRefused(call: () => Promise<unknown>, code: string, message?: RegExp) {
  const before = await counts();
  await expect(call()).rejects.toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
  expect(await counts()).toEqual(before);
}

describe("who may start an export", () => {
  it("an auditor may: a QUEUED export and an 'evidence.export_requested' event by the auditor", async () => {
    const before = await counts();
    const { id } = await c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-31", systems: [c.systemA.id] });
    const row = await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "QUEUED", requestedById: c.auditor.id, progress: 0, filePath: null });
    expect(row.params).toEqual({ from: "2025-01-01", to: "2025-03-31", systems: [c.systemA.id], systemNames: [c.systemA.name], campaignId: null });
    expect(await counts()).toEqual({ exports: before.exports + 1, events: before.events + 1 });
    const ev = await db.prisma.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(ev).toMatchObject({ action: "evidence.export_requested", actorId: c.auditor.id, subjectType: "EvidenceExport", subjectId: id });
  });

  it("an admin and a security officer may, for a campaign", async () => {
    for (const who of [c.admin.id, c.security.id]) {
      const { id } = await c.as(who).evidence.startExport({ from: "2025-01-01", to: "2025-01-01", campaignId });
      expect(await db.prisma.evidenceExport.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "QUEUED", requestedById: who, params: expect.objectContaining({ campaignId }) });
    }
  });

  it("an employee may not (FORBIDDEN, nothing written)", async () => {
    await expectRefused(() => c.as(c.employee.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-31" }), "FORBIDDEN", /AUDITOR/);
    await expectRefused(() => c.as(c.owner.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-31" }), "FORBIDDEN");
  });

  it("signed out is UNAUTHORIZED", async () => {
    await expectRefused(() => c.as(null).evidence.startExport({ from: "2025-01-01", to: "2025-03-31" }), "UNAUTHORIZED");
  });

  it("auditors still cannot call any other mutation", async () => {
    const api = c.as(c.auditor.id);
    await expectRefused(() => api.catalog.createSystem({ name: "Shadow IT", description: "x", ownerId: c.auditor.id } as never), "FORBIDDEN", /read-only/);
    await expectRefused(() => api.campaignOps.remind({ id: campaignId } as never), "FORBIDDEN", /read-only/);
    await expectRefused(() => api.campaigns.launch({ id: campaignId, expectedUpdatedAt: new Date() } as never), "FORBIDDEN", /read-only/);
  });
});

describe("what a start is checked for (BAD_REQUEST / NOT_FOUND, nothing written)", () => {
  it("the period must not end before it starts", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-03-02", to: "2025-03-01" }), "BAD_REQUEST", /start on or before/);
  });
  it("a pack covers at most two years", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2023-01-01", to: "2025-01-01" }), "BAD_REQUEST", /at most two years/);
    // Exactly 731 days (two years, one of them a leap year) is fine.
    await expect(c.as(c.auditor.id).evidence.startExport({ from: "2023-01-01", to: "2024-12-31" })).resolves.toMatchObject({ id: expect.any(String) });
  });
  it("dates must be dates", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "01/01/2025", to: "2025-03-01" }), "BAD_REQUEST", /from/);
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-02-30", to: "2025-03-01" }), "BAD_REQUEST", /from/);
  });
  it("every system must exist", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-01", systems: [c.systemA.id, "00000000-0000-4000-8000-000000000000"] }), "NOT_FOUND", /system/);
  });
  it("the campaign must exist", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-01", campaignId: "00000000-0000-4000-8000-000000000000" }), "NOT_FOUND", /campaign/);
  });
  it("one person has at most two packs queued or being built: a third is refused (CONFLICT, nothing written) until one is done", async () => {
    const open = await db.prisma.evidenceExport.count({ where: { requestedById: c.auditor.id, status: { in: ["QUEUED", "RUNNING"] } } });
    for (let i = open; i < 2; i++) await c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-01-31" });
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-01-31" }), "CONFLICT", /at most 2 at a time/);
    // Someone else is not held back by the auditor's packs.
    const { id } = await c.as(c.admin.id).evidence.startExport({ from: "2025-01-01", to: "2025-01-31" });
    await db.prisma.evidenceExport.update({ where: { id }, data: { status: "FAILED" } });
    const first = await db.prisma.evidenceExport.findFirstOrThrow({ where: { requestedById: c.auditor.id, status: "QUEUED" }, orderBy: { createdAt: "asc" } });
    await db.prisma.evidenceExport.update({ where: { id: first.id }, data: { status: "FAILED" } });
    await expect(c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-01-31" })).resolves.toMatchObject({ id: expect.any(String) });
  });
  it("unknown keys are refused", async () => {
    await expectRefused(() => c.as(c.auditor.id).evidence.startExport({ from: "2025-01-01", to: "2025-03-01", status: "DONE" } as never), "BAD_REQUEST");
  });
});

describe("who sees which exports", () => {
  it("auditors and admins see everyone's; a security officer sees their own", async () => {
    const all = await db.prisma.evidenceExport.count();
    expect(await c.as(c.auditor.id).evidence.myExports()).toHaveLength(all);
    expect(await c.as(c.admin.id).evidence.myExports()).toHaveLength(all);
    const mine = await c.as(c.security.id).evidence.myExports();
    expect(mine.length).toBe(1);
    expect(mine.every((r) => r.requestedById === c.security.id)).toBe(true);
    expect(mine[0]).toMatchObject({ campaignId, campaignName: "Q2 payments review", status: "QUEUED" });
  });

  it("byId: the requester, admins and auditors; not another security officer or an employee", async () => {
    const other = await db.prisma.evidenceExport.findFirstOrThrow({ where: { requestedById: c.auditor.id } });
    await expect(c.as(c.admin.id).evidence.byId({ id: other.id })).resolves.toMatchObject({ id: other.id, requestedBy: c.auditor.displayName });
    await expect(c.as(c.security.id).evidence.byId({ id: other.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as(c.employee.id).evidence.byId({ id: other.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as(c.auditor.id).evidence.byId({ id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the form's choices list systems and launched campaigns", async () => {
    const o = await c.as(c.auditor.id).evidence.formOptions();
    expect(o.systems.map((s) => s.id)).toEqual(expect.arrayContaining([c.systemA.id, c.systemB.id]));
    expect(o.campaigns.map((x) => x.id)).toContain(campaignId);
    await expect(c.as(c.employee.id).evidence.formOptions()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
