/**
 * Control checks stay memory-flat: each check reads its population a page at a time (keyset by id), and
 * reading it in pages of 2 gives exactly what one big page gives. The portal gets the first N rows and the
 * full counts; the CSV route streams all of them; samples hold O(n) rows and are the documented draw.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeGrant, makeHuman, makeNhi } from "../../testing/factories";
import { DAY } from "../requests/request-test-kit";
import { makeCampaign, makeItem } from "../campaigns/campaign-test-kit";
import { approvedAndProvisioned, auditScene, type AuditScene } from "./audit-test-kit";
import {
  CONTROL_CSV_HEADER,
  CONTROL_IDS_IN_ORDER,
  controlChecksOverview,
  controlMembers,
  controlMembersCsvStream,
  countControlPopulation,
  openControlMembersCsv,
  summarizeControlCheck,
  type ControlRow,
} from "./controls";
import { drawPositions, drawSample, mulberry32, sampleControlPopulation } from "./sampling";
import { CONTROL_IDS, type ControlId } from "./schema";
import { parseCsv, readAll } from "../../testing/csv";

let db: TestDb;
let s: AuditScene;
let now: Date;
/** What was planted, per check: the ids that must come out as exceptions / flagged. */
const planted = { orphanGrants: [] as string[], openItems: [] as string[], selfApproval: "", ownerlessNhis: [] as string[], staleGrants: [] as string[], revokingExpired: [] as string[] };

/** The CSV's member rows (after the "#" lines and the header). */
const csvRows = (text: string) => parseCsv(text.replace(/^\uFEFF/, "")).filter((r) => !r[0]!.startsWith("#")).slice(1);

async function collect(id: ControlId, which: "exception" | "flagged" | "all", batchSize: number): Promise<{ rows: ControlRow[]; pages: number[] }> {
  const rows: ControlRow[] = [];
  const pages: number[] = [];
  for await (const page of controlMembers(db.prisma, id, which, { now, batchSize })) {
    pages.push(page.length);
    rows.push(...page);
  }
  return { rows, pages };
}
const ids = (rows: ControlRow[]) => rows.map((r) => r.id);
const sorted = (xs: string[]) => [...xs].sort();

beforeAll(async () => {
  db = await createTestDb();
  s = await auditScene(db.prisma);
  const c = s.c;
  now = c.clock.now();
  await approvedAndProvisioned(db.prisma, c, "peer");
  // approved-access: request grants without a request (exceptions); imported grants (flagged).
  for (let i = 0; i < 5; i++) planted.orphanGrants.push((await makeGrant(db.prisma, c.loner.id, c.high.id, { origin: "REQUEST" })).id);
  for (let i = 0; i < 6; i++) await makeGrant(db.prisma, c.peer.id, c.low.id, { origin: "IMPORTED" });
  // revocations-executed: revoke decisions in a closed campaign, 5 never executed, 2 executed and confirmed.
  const campaign = await makeCampaign(db.prisma, { ownerId: c.owner.id, fallbackReviewerId: c.director.id, status: "CLOSED" });
  for (let i = 0; i < 7; i++) {
    const g = await makeGrant(db.prisma, c.employee.id, c.low.id);
    const item = await makeItem(db.prisma, campaign.id, g.id, c.manager.id, { decision: "REVOKE", comment: "not needed" });
    if (i < 5) planted.openItems.push(item.id);
    else {
      await db.prisma.reviewItem.update({ where: { id: item.id }, data: { remediation: "CONFIRMED" } });
      await db.prisma.grant.update({ where: { id: g.id }, data: { status: "REVOKED", revokedAt: now, revocationCause: "REVIEW" } });
    }
  }
  // no-self-approval: one step approved by its requester (drop the CHECK constraint in this test database).
  const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { status: "APPROVED", requestId: s.requestId }, orderBy: { stageOrder: "asc" } });
  await db.rawSql(`ALTER TABLE "ApprovalStep" DROP CONSTRAINT "ApprovalStep_no_self_decision"`);
  await db.prisma.approvalStep.update({ where: { id: step.id }, data: { decidedById: step.requesterId } });
  planted.selfApproval = step.id;
  // nhi-owned: 6 owned by someone who left (one with a name a spreadsheet would run), 3 properly owned.
  const leaver = await makeHuman(db.prisma, { name: "Len Leaver", status: "DEPROVISIONED" });
  for (let i = 0; i < 6; i++) planted.ownerlessNhis.push((await makeNhi(db.prisma, leaver.id, { name: i === 0 ? '=HYPERLINK("http://evil.example","x, y")' : `svc-orphan-${i}` })).id);
  for (let i = 0; i < 3; i++) await makeNhi(db.prisma, c.owner.id, { name: `svc-owned-${i}` });
  // no-expired-active: 4 still active after expiry (exceptions), 3 being revoked (flagged), 2 revoked (neither).
  for (let i = 0; i < 9; i++) {
    const g = await makeGrant(db.prisma, c.peer.id, c.critical.id, { expiresAt: new Date(now.getTime() - (i + 1) * DAY) });
    if (i < 4) planted.staleGrants.push(g.id);
    else if (i < 7) {
      await db.prisma.grant.update({ where: { id: g.id }, data: { status: "PENDING_REVOKE" } });
      planted.revokingExpired.push(g.id);
    } else await db.prisma.grant.update({ where: { id: g.id }, data: { status: "REVOKED", revokedAt: now, revocationCause: "EXPIRY" } });
  }
}, 120_000);
afterAll(async () => {
  await db.close();
});

describe(`control checks read in pages (${TEST_ENGINE})`, () => {
  it("the check ids come in their fixed order", () => {
    expect(CONTROL_IDS_IN_ORDER).toEqual([...CONTROL_IDS]);
  });

  it("pages of 2 give the same summaries and member lists as one page of 1000: none duplicated, none missing, in id order", async () => {
    for (const id of CONTROL_IDS_IN_ORDER) {
      const small = await summarizeControlCheck(db.prisma, id, { now, batchSize: 2 });
      const big = await summarizeControlCheck(db.prisma, id, { now, batchSize: 1000 });
      expect(small, id).toEqual(big);
      expect(big.population.count, id).toBe(await countControlPopulation(db.prisma, id, { now }));
      for (const which of ["exception", "flagged", "all"] as const) {
        const a = await collect(id, which, 2);
        const b = await collect(id, which, 1000);
        expect(a.rows, `${id} ${which}`).toEqual(b.rows);
        // Strictly ascending ids: id order, and no member twice.
        expect(ids(a.rows), `${id} ${which}`).toEqual(sorted(ids(a.rows)));
        expect(new Set(ids(a.rows)).size).toBe(a.rows.length);
        // Pages are never empty and never larger than the batch.
        expect(a.pages.every((n) => n >= 1 && n <= 2), `${id} ${which} pages ${a.pages.join(",")}`).toBe(true);
        const expected = which === "exception" ? big.exceptionCount : which === "flagged" ? big.flaggedCount : big.population.count;
        expect(a.rows.length, `${id} ${which}`).toBe(expected);
      }
      expect(big.passed).toBe(big.exceptionCount === 0);
    }
    // The scene really spreads over several pages of 2, with exceptions and flagged rows among them.
    const all = await collect("approved-access", "all", 2);
    expect(all.pages.length).toBeGreaterThan(5);
  });

  it('controlMembers("exception") yields exactly the exceptions, ("flagged") exactly the flagged', async () => {
    const exceptions = async (id: ControlId) => ids((await collect(id, "exception", 2)).rows);
    const flagged = async (id: ControlId) => ids((await collect(id, "flagged", 2)).rows);
    // Flagged imported access, computed independently: imported grants in effect now.
    const imported = await db.prisma.grant.findMany({ where: { origin: "IMPORTED", status: { in: ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"] } }, select: { id: true } });
    expect(await exceptions("approved-access")).toEqual(sorted(planted.orphanGrants));
    expect(await flagged("approved-access")).toEqual(sorted(imported.map((g) => g.id)));
    expect(await exceptions("revocations-executed")).toEqual(sorted(planted.openItems));
    expect(await flagged("revocations-executed")).toEqual([]);
    expect(await exceptions("no-self-approval")).toEqual([planted.selfApproval]);
    expect(await exceptions("nhi-owned")).toEqual(sorted(planted.ownerlessNhis));
    expect(await exceptions("no-expired-active")).toEqual(sorted(planted.staleGrants));
    expect(await flagged("no-expired-active")).toEqual(sorted(planted.revokingExpired));
    const rows = (await collect("no-expired-active", "exception", 1000)).rows;
    expect(rows.every((r) => r.reason === "Still active after its expiry.")).toBe(true);
  });

  it("the portal's overview is bounded: the first N exceptions and flagged in id order, with the full counts", async () => {
    const overview = await controlChecksOverview(db.prisma, { now, limit: 3, batchSize: 2 });
    expect(overview.map((o) => o.id)).toEqual([...CONTROL_IDS_IN_ORDER]);
    for (const o of overview) {
      const allExceptions = (await collect(o.id, "exception", 1000)).rows;
      const allFlagged = (await collect(o.id, "flagged", 1000)).rows;
      expect(o.rowLimit).toBe(3);
      expect(o.exceptionCount, o.id).toBe(allExceptions.length);
      expect(o.flaggedCount, o.id).toBe(allFlagged.length);
      expect(o.exceptions, o.id).toEqual(allExceptions.slice(0, 3));
      expect(o.flagged, o.id).toEqual(allFlagged.slice(0, 3));
      expect(o).toMatchObject(await summarizeControlCheck(db.prisma, o.id, { now }));
    }
    const aa = overview.find((o) => o.id === "approved-access")!;
    expect(aa.exceptionCount).toBe(5); // N = 3 bites
    expect(aa.exceptions).toHaveLength(3);
    expect(aa.flaggedCount).toBeGreaterThan(3);
    expect(aa.flagged).toHaveLength(3);

    // Through the router (what the page calls): at most CONTROL_ROWS_SHOWN each, with the counts.
    const viaRouter = await s.c.as.auditor.audit.controls({});
    expect(viaRouter.find((o) => o.id === "approved-access")).toMatchObject({ rowLimit: 100, exceptionCount: 5, passed: false });
  });

  it("refuses a page size that is not a positive integer", async () => {
    await expect(summarizeControlCheck(db.prisma, "nhi-owned", { batchSize: 0 })).rejects.toMatchObject({ code: "BAD_INPUT" });
    await expect(controlMembers(db.prisma, "nhi-owned", "all", { batchSize: 1.5 }).next()).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});

describe(`samples hold O(n) rows: the documented draw over the population in id order (${TEST_ENGINE})`, () => {
  /** The documented algorithm, literally: shuffle the whole sorted list (the reference the code must match). */
  function referenceDraw<T>(sortedItems: T[], n: number, seed: number): T[] {
    const a = sortedItems.slice();
    const rand = mulberry32(seed);
    const k = Math.min(n, a.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (a.length - i));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, k);
  }

  it("drawing positions gives exactly the documented partial Fisher–Yates over the sorted ids", () => {
    for (const size of [0, 1, 2, 7, 100, 1000]) {
      const pop = Array.from({ length: size }, (_, i) => i);
      for (const seed of [0, 1, 42, 20260302, 0xffffffff]) {
        for (const n of [1, 5, size, size + 3]) {
          expect(drawPositions(size, n, seed), `size ${size} seed ${seed} n ${n}`).toEqual(referenceDraw(pop, n, seed));
        }
      }
    }
    const ids100 = Array.from({ length: 100 }, (_, i) => `id-${String(i).padStart(3, "0")}`);
    expect(drawSample(ids100, 10, 7)).toEqual(referenceDraw(ids100, 10, 7));
  });

  it("same seed gives the same rows, the rows the documented algorithm picks from the population walked in id order, for every check", async () => {
    const input = { check: "approved-access" as const, n: 6, seed: 1234 };
    const a = await sampleControlPopulation(db.prisma, input, now);
    const b = await sampleControlPopulation(db.prisma, input, now);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows).toHaveLength(6);
    for (const check of CONTROL_IDS_IN_ORDER) {
      // The reference: the population read a page of 2 at a time through the rows (not the database's numbering).
      const population = (await collect(check, "all", 2)).rows;
      const sample = await sampleControlPopulation(db.prisma, { check, n: 6, seed: 1234 }, now);
      expect(sample.populationCount, check).toBe(population.length);
      expect(sample.rows, check).toEqual(referenceDraw(population, 6, 1234));
    }
    // Through the router too.
    expect((await s.c.as.auditor.audit.sample(input)).rows).toEqual(a.rows);
  });

  it("another seed draws (almost surely) another sample", async () => {
    const a = await sampleControlPopulation(db.prisma, { check: "approved-access", n: 6, seed: 1234 }, now);
    const b = await sampleControlPopulation(db.prisma, { check: "approved-access", n: 6, seed: 98765 }, now);
    expect(ids(b.rows)).not.toEqual(ids(a.rows));
  });

  it("a sample larger than the population is the whole population", async () => {
    const population = (await collect("nhi-owned", "all", 1000)).rows;
    const out = await sampleControlPopulation(db.prisma, { check: "nhi-owned", n: 500, seed: 5 }, now);
    expect(out.populationCount).toBe(population.length);
    expect(out.rows).toHaveLength(population.length);
    expect(sorted(ids(out.rows))).toEqual(ids(population));
    const empty = await sampleControlPopulation(db.prisma, { check: "nhi-owned", n: 5, seed: 5, systemNames: ["No Such System"] }, now);
    expect(empty).toMatchObject({ populationCount: 0, rows: [] });
  });
});

describe(`CSV of a check's exceptions / flagged (${TEST_ENGINE})`, () => {
  const params = (q: Record<string, string>) => new URLSearchParams(q);

  it("an auditor gets every exception, escaped and defused against formulas, the same at any page size", async () => {
    const out = await openControlMembersCsv(db.prisma, s.c.auditor.id, "nhi-owned", params({ list: "exceptions" }), now);
    if (!out.ok) throw new Error(out.message);
    expect(out.filename).toBe(`control-nhi-owned-exceptions-${now.toISOString().slice(0, 10)}.csv`);
    const text = await readAll(out.body);
    expect(text.startsWith("\uFEFF# Warrant control check: nhi-owned")).toBe(true);
    expect(text).toContain("# list: exceptions\r\n");
    const header = parseCsv(text.slice(1)).find((r) => !r[0]!.startsWith("#"));
    expect(header).toEqual(CONTROL_CSV_HEADER);
    const rows = csvRows(text);
    expect(rows.map((r) => r[1])).toEqual(sorted(planted.ownerlessNhis));
    expect(rows.map((r) => r[0])).toEqual(rows.map((_, i) => String(i + 1)));
    expect(rows.find((r) => r[1] === planted.ownerlessNhis[0])![2]).toBe(`'=HYPERLINK("http://evil.example","x, y")`);
    expect(rows.every((r) => r[3] === "Owner Len Leaver is deprovisioned.")).toBe(true);

    const paged = await readAll(controlMembersCsvStream(db.prisma, { check: "nhi-owned", list: "exceptions" }, now, 2));
    expect(paged).toBe(text);
  });

  it("lists flagged members or the whole population when asked, over the page's scope", async () => {
    const flagged = await openControlMembersCsv(db.prisma, s.c.security.id, "no-expired-active", params({ list: "flagged" }), now);
    if (!flagged.ok) throw new Error(flagged.message);
    expect(csvRows(await readAll(flagged.body)).map((r) => r[1])).toEqual(sorted(planted.revokingExpired));
    const population = await openControlMembersCsv(db.prisma, s.c.admin.id, "approved-access", params({ list: "population" }), now);
    if (!population.ok) throw new Error(population.message);
    expect(csvRows(await readAll(population.body))).toHaveLength(await countControlPopulation(db.prisma, "approved-access", { now }));
    const none = await openControlMembersCsv(db.prisma, s.c.auditor.id, "approved-access", params({ system: "No Such System" }), now);
    if (!none.ok) throw new Error(none.message);
    expect(csvRows(await readAll(none.body))).toEqual([]);
  });

  it("refuses the signed out (401), an employee (404, whatever the check), an unknown check (404) and bad parameters (400), changing nothing", async () => {
    const before = await db.prisma.ledgerEvent.count();
    expect(await openControlMembersCsv(db.prisma, null, "nhi-owned", params({}), now)).toMatchObject({ ok: false, status: 401 });
    const employeeSees = await openControlMembersCsv(db.prisma, s.c.employee.id, "nhi-owned", params({}), now);
    expect(employeeSees).toEqual({ ok: false, status: 404, message: "The control check was not found." });
    expect(await openControlMembersCsv(db.prisma, s.c.employee.id, "no-such-check", params({}), now)).toEqual(employeeSees);
    expect(await openControlMembersCsv(db.prisma, s.c.auditor.id, "no-such-check", params({}), now)).toMatchObject({
      ok: false,
      status: 404,
      message: 'There is no control check "no-such-check". The checks are: approved-access, revocations-executed, no-self-approval, nhi-owned, no-expired-active.',
    });
    expect(await openControlMembersCsv(db.prisma, s.c.auditor.id, "nhi-owned", params({ list: "everything" }), now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining("list: must be one of exceptions, flagged, population") });
    expect(await openControlMembersCsv(db.prisma, s.c.auditor.id, "nhi-owned", params({ from: "2026-02-30" }), now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining("from: is not a real date") });
    expect(await openControlMembersCsv(db.prisma, s.c.auditor.id, "nhi-owned", params({ from: "2026-03-02", to: "2026-03-01" }), now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining("from must not be after to") });
    expect(await db.prisma.ledgerEvent.count()).toBe(before);
  });
});
