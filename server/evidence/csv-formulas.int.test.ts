/**
 * Spreadsheet formulas in names, comments and notes: every CSV the project writes (the evidence pack's
 * grants.csv, the campaign report, the control-check lists and samples, access as of a date) neutralises them
 * with the one rule of server/csv.ts, the pack's JSON Lines keep the exact text, and the verifier checks the
 * CSV against the JSON Lines with that rule.
 */
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { parseCsv, readAll } from "../testing/csv";
import { recordEvent } from "../ledger/ledger";
import { makeCampaign, makeItem } from "../domain/campaigns/campaign-test-kit";
import { openReportCsv, REPORT_CSV_HEADER } from "../domain/campaigns/report";
import { CONTROL_CSV_HEADER, openControlMembersCsv } from "../domain/audit/controls";
import { sampleControlPopulation, sampleCsv } from "../domain/audit/sampling";
import { accessAsOfCsv } from "../domain/audit/as-of";
import { GRANT_COLUMNS } from "./format";
import { entry, exportTo, packDir, readZip, reseal, tamper, useTempKey } from "./pack-kit";
import { formatReport, verifyPack, type VerifyResult } from "./verify";

const dir = packDir();
const key = useTempKey(dir);

/** Text a spreadsheet would run, and text that only needs quoting. */
const HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tleading tab", "\rleading CR", 'a "quoted" word', "two\nlines"];
const FORMULA = /^[=+\-@\t\r]/;
/** What a CSV reader must get back for a text: the text, with a leading ' when it starts a formula. */
const neutral = (text: string) => (FORMULA.test(text) ? `'${text}` : text);
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

let db: TestDb;
let auditor: { id: string };
let system: { id: string; name: string };
let campaignId: string;
/** One grant per hostile text: its holder and its entitlement are both named with it. */
const grants: { id: string; text: string }[] = [];
let pack: string;
const now = new Date();

const failing = (r: VerifyResult) => r.checks.filter((c) => c.failures.length || c.passed !== c.total).map((c) => c.name);
/** Every cell of every record, after unquoting. */
const cells = (rows: string[][]) => rows.flat();

beforeAll(async () => {
  db = await createTestDb();
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  auditor = await makeHuman(db.prisma, { name: "Aud Auditor", roles: ["AUDITOR"] });
  system = await makeSystem(db.prisma, owner.id, { name: "Payroll" });
  const startsAt = new Date(now.getTime() - 60 * 60_000);
  for (const text of HOSTILE) {
    const holder = await makeHuman(db.prisma, { name: text });
    const ent = await makeEntitlement(db.prisma, system.id, { name: text });
    // A grant and its ledger event in one transaction, as every service writes them (the pack cross-references them).
    const g = await db.prisma.$transaction(async (tx) => {
      const grant = await tx.grant.create({ data: { identityId: holder.id, entitlementId: ent.id, status: "ACTIVE", origin: "IMPORTED", startsAt } });
      await recordEvent(tx, { actorId: null, action: "grant.imported", subjectType: "Grant", subjectId: grant.id, occurredAt: startsAt, payload: { identityId: holder.id, entitlementId: ent.id } });
      return grant;
    });
    grants.push({ id: g.id, text });
  }
  const campaign = await makeCampaign(db.prisma, { ownerId: owner.id, fallbackReviewerId: owner.id, systemIds: [system.id] });
  campaignId = campaign.id;
  for (const g of grants) await makeItem(db.prisma, campaignId, g.id, owner.id, { decision: "KEEP", comment: g.text });
  pack = path.join(dir, "hostile.zip");
  await exportTo(db.prisma, pack, ALL);
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`CSV formulas (${TEST_ENGINE})`, () => {
  it("names such as =HYPERLINK(…), +1, -2, @SUM(A1), a leading tab or CR, a quote and a newline stay exact in the pack's JSON Lines, are neutralised in grants.csv, and the verifier accepts the pack", async () => {
    const r = await verifyPack(pack, { publicKeyPem: key.publicKeyPem });
    if (!r.ok) throw new Error(formatReport(r));
    expect(r.verdict).toBe("VALID");
    const zip = await readZip(pack);
    const jsonl = entry(zip, "grants.jsonl")
      .data.toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // grants.csv and reconciliation-findings.csv (its own formula cells: server/evidence/evidence-pack.int.test.ts), header and rows each.
    const findings = entry(zip, "reconciliation-findings.jsonl").data.toString("utf8").split("\n").filter(Boolean).length;
    expect(r.checks.find((c) => c.name === "csv")).toMatchObject({ passed: jsonl.length + 1 + findings + 1, failures: [] });

    const csvText = entry(zip, "grants.csv").data.toString("utf8");
    const csv = parseCsv(csvText);
    expect(csv[0]).toEqual([...GRANT_COLUMNS]);
    const col = (name: (typeof GRANT_COLUMNS)[number]) => GRANT_COLUMNS.indexOf(name);
    for (const g of grants) {
      // JSON Lines: the exact data.
      expect(jsonl.find((row) => row.id === g.id)).toMatchObject({ identityName: g.text, entitlementName: g.text });
      // CSV: the same rows, each cell as the CSV rule writes it.
      const row = csv.find((cellsOfRow) => cellsOfRow[col("id")] === g.id)!;
      expect(row[col("identityName")]).toBe(neutral(g.text));
      expect(row[col("entitlementName")]).toBe(neutral(g.text));
    }
    for (const cell of cells(csv)) expect(cell).not.toMatch(FORMULA);
    // Written as RFC 4180 says: quoted, inner quotes doubled, the ' inside the quotes.
    expect(csvText).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvText).toContain(`,'+1,`);
    expect(csvText).toContain(`"'\rleading CR"`);
    // Booleans as true/false, nulls as empty cells.
    const first = csv.find((cellsOfRow) => cellsOfRow[col("id")] === grants[0]!.id)!;
    expect(first[col("privileged")]).toBe("false");
    expect(first[col("revokedAt")]).toBe("");

    const items = entry(zip, "review-items.jsonl")
      .data.toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(items.map((i) => i.comment).sort()).toEqual([...HOSTILE].sort());
  });

  it("the campaign report CSV writes the holder, entitlement and comment cells with the same rule", async () => {
    const out = await openReportCsv(db.prisma, auditor.id, campaignId, now);
    if (!out.ok) throw new Error(out.message);
    const rows = parseCsv((await readAll(out.body)).replace(/^\uFEFF/, ""));
    expect(rows[0]).toEqual(REPORT_CSV_HEADER);
    const at = (name: string) => REPORT_CSV_HEADER.indexOf(name);
    expect(rows.slice(1).map((r) => r[at("Comment")]).sort()).toEqual(HOSTILE.map(neutral).sort());
    expect(rows.slice(1).map((r) => r[at("Holder")]).sort()).toEqual(HOSTILE.map(neutral).sort());
    expect(rows.slice(1).map((r) => r[at("Entitlement")]).sort()).toEqual(HOSTILE.map(neutral).sort());
    expect(new Set(rows.slice(1).map((r) => r[at("Privileged")]))).toEqual(new Set(["false"]));
    for (const cell of cells(rows)) expect(cell).not.toMatch(FORMULA);
  });

  it("control-check lists and samples and the access-as-of CSV neutralise the same cells; a system filter holding ',=HYPERLINK(…)' stays inside its '#' line", async () => {
    const subjects = grants.map((g) => neutral(`${g.text} — ${g.text} (${system.name})`)).sort();

    const flagged = await openControlMembersCsv(db.prisma, auditor.id, "approved-access", new URLSearchParams({ list: "flagged" }), now);
    if (!flagged.ok) throw new Error(flagged.message);
    const list = parseCsv((await readAll(flagged.body)).replace(/^\uFEFF/, ""));
    const header = list.findIndex((r) => r.join(",") === CONTROL_CSV_HEADER.join(","));
    expect(list.slice(header + 1).map((r) => r[CONTROL_CSV_HEADER.indexOf("subject")]).sort()).toEqual(subjects);
    for (const cell of cells(list)) expect(cell).not.toMatch(FORMULA);

    const evilFilter = `Payroll,=HYPERLINK("http://x","y")`;
    const filtered = await openControlMembersCsv(db.prisma, auditor.id, "approved-access", new URLSearchParams({ list: "flagged", system: evilFilter }), now);
    if (!filtered.ok) throw new Error(filtered.message);
    const filteredRows = parseCsv((await readAll(filtered.body)).replace(/^\uFEFF/, ""));
    const scope = filteredRows.find((r) => r[0]!.startsWith("# scope:"))!;
    expect(scope).toEqual([`# scope: from (any) to (any); systems ${evilFilter}`]);
    for (const cell of cells(filteredRows)) expect(cell).not.toMatch(FORMULA);

    const sample = parseCsv(sampleCsv(await sampleControlPopulation(db.prisma, { check: "approved-access", n: grants.length, seed: 7 }, now)));
    const sampleHeader = sample.findIndex((r) => r[0] === "position");
    expect(sample.slice(sampleHeader + 1).map((r) => r[2]).sort()).toEqual(subjects);
    for (const cell of cells(sample)) expect(cell).not.toMatch(FORMULA);

    const asOf = await accessAsOfCsv(db.prisma, { systemId: system.id, date: now.toISOString().slice(0, 10) });
    const asOfRows = parseCsv(asOf.csv.replace(/^\uFEFF/, ""));
    expect(asOfRows.slice(1).map((r) => r[asOfRows[0]!.indexOf("holder")]).sort()).toEqual(HOSTILE.map(neutral).sort());
    expect(asOfRows.slice(1).map((r) => r[asOfRows[0]!.indexOf("entitlement")]).sort()).toEqual(HOSTILE.map(neutral).sort());
    expect(new Set(asOfRows.slice(1).map((r) => r[asOfRows[0]!.indexOf("privileged")]))).toEqual(new Set(["false"]));
    for (const cell of cells(asOfRows)) expect(cell).not.toMatch(FORMULA);
  });

  it("a grants.csv turned back into a live formula and re-signed with the real key (hashes and signature hold) fails the CSV check, naming the file, row and column; nothing else fails", async () => {
    const forged = path.join(dir, "forged-formula.zip");
    await tamper(pack, forged, (es) => {
      const csv = entry(es, "grants.csv");
      const text = csv.data.toString("utf8");
      expect(text).toContain(`"'=HYPERLINK(`);
      csv.data = Buffer.from(text.replaceAll(`"'=HYPERLINK(`, `"=HYPERLINK(`));
      reseal(es, key.file);
    });
    const before = createHash("sha256").update(readFileSync(forged)).digest("hex");
    const r = await verifyPack(forged, { publicKeyPem: key.publicKeyPem });
    expect(r.verdict).toBe("INVALID");
    expect(r.checks.find((c) => c.name === "signature")).toMatchObject({ passed: 2, total: 2 });
    expect(failing(r)).toEqual(["csv"]);
    const fails = r.checks.find((c) => c.name === "csv")!.failures;
    // One failure per differing row, at its first differing column; the row number is grants.jsonl's line.
    expect(fails).toHaveLength(1);
    expect(fails[0]).toMatch(
      /^grants\.csv row (\d+), column identityName: the cell is "=HYPERLINK\(\\"http:\/\/x\\",\\"y\\"\)", but grants\.jsonl line \1 holds "=HYPERLINK\(.*which the CSV rule writes as "'=HYPERLINK\(/,
    );
    expect(formatReport(r)).toMatch(/^ {2}FAIL grants\.csv row \d+, column identityName/m);
    // The verifier only reads: the pack is as it was.
    expect(createHash("sha256").update(readFileSync(forged)).digest("hex")).toBe(before);
  });
});
