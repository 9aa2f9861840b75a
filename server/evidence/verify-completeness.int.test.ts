/**
 * The verifier's deeper checks, each caught on a pack a dishonest exporter re-signed with the REAL key (so the
 * signature, sizes and hashes all pass): completeness and scope recomputed from the ledger (a row missing, a
 * row outside the scope, a duplicate), every declared count (per-row ledger events, the period's seqs,
 * control exceptions / flagged / passed), the documented fields of every row (JSON Schemas), blank lines,
 * malformed values (a FAIL line, never a crash), and duplicate zip and manifest entries.
 */
import path from "node:path";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { seedDemo } from "../../prisma/seed";
import { editManifest, entry, exportTo, LIFECYCLE_PERIOD, packDir, readZip, reseal, rowsOf, runLifecycle, runReconciliationScene, setRows, tamper, tamperResealed, useTempKey, writeZip } from "./pack-kit";
import { formatReport, PACK_SCHEMAS, rowSchemaOf, verifyPack, type VerifyResult } from "./verify";
import { GRANT_COLUMNS, RECON_FINDING_COLUMNS, schemaProblems, validateSchema, type JsonSchema } from "./format";

const dir = packDir();
// The signing key must be configured before anything reads the environment.
const key = useTempKey(dir);
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

let seeded: TestDb;
let life: TestDb;
let lc: Awaited<ReturnType<typeof runLifecycle>>;
/** A manual system's first reconciliation in the lifecycle's period (onboarding, an acceptance, a re-provisioning). */
let recon: Awaited<ReturnType<typeof runReconciliationScene>>;
/** The seeded organisation, whole-organisation scope, all time. */
let orgPack: string;
/** The same, one system. */
let systemPack: string;
let systemName: string;
/** The lifecycle's period (requests, approvals, tasks, a review item, a revocation). */
let periodPack: string;
let campaignPack: string;
/** The lifecycle's period, scoped to its first system: the second system's request and grant are excluded. */
let periodSystemPack: string;
/** The lifecycle's campaign, scoped to the second system: the campaign's item and grant are excluded. */
let campaignSystemPack: string;
/** The lifecycle's period after the reconciliation scene: whole organisation, and its first system only. */
let reconPack: string;
let reconSystemPack: string;

const check = (r: VerifyResult, name: string) => r.checks.find((x) => x.name === name) ?? { name, passed: 0, total: 0, failures: [] };
const failing = (r: VerifyResult) => r.checks.filter((c) => c.failures.length).map((c) => c.name);
let n = 0;
/** `src` tampered by `edit` and re-signed with the real key, verified against the pinned key. */
async function resealed(src: string, edit: Parameters<typeof tamperResealed>[3]): Promise<VerifyResult> {
  const dst = path.join(dir, `t-${++n}.zip`);
  await tamperResealed(src, dst, key.file, edit);
  const r = await verifyPack(dst, { publicKeyPem: key.publicKeyPem });
  // The signature and every file's size, hash and row count pass: only a deeper check can catch it.
  expect(check(r, "signature").failures).toEqual([]);
  expect(check(r, "files").failures).toEqual([]);
  expect(r.verdict).toBe("INVALID");
  expect(r.stopped).toBeNull();
  return r;
}

beforeAll(async () => {
  seeded = await createTestDb();
  await seedDemo(seeded.prisma);
  orgPack = path.join(dir, "org.zip");
  await exportTo(seeded.prisma, orgPack, ALL);
  const system = await seeded.prisma.system.findFirstOrThrow({ where: { entitlements: { some: { grants: { some: {} } } } }, orderBy: { name: "asc" } });
  systemName = system.name;
  systemPack = path.join(dir, "system.zip");
  await exportTo(seeded.prisma, systemPack, { ...ALL, systems: [systemName] });

  life = await createTestDb();
  lc = await runLifecycle(life.prisma, dir, { otherSystem: true });
  periodPack = path.join(dir, "period.zip");
  await exportTo(life.prisma, periodPack, LIFECYCLE_PERIOD);
  campaignPack = path.join(dir, "campaign.zip");
  await exportTo(life.prisma, campaignPack, { ...ALL, campaignId: lc.campaignId });
  periodSystemPack = path.join(dir, "period-system.zip");
  await exportTo(life.prisma, periodSystemPack, { ...LIFECYCLE_PERIOD, systems: [lc.cast.system.name] });
  const other = await life.prisma.system.findUniqueOrThrow({ where: { id: lc.other!.systemId } });
  campaignSystemPack = path.join(dir, "campaign-system.zip");
  await exportTo(life.prisma, campaignSystemPack, { ...ALL, campaignId: lc.campaignId, systems: [other.name] });
  // Then a reconciliation (a system of its own, after the packs above, which it would otherwise change).
  recon = await runReconciliationScene(life.prisma, lc.cast);
  reconPack = path.join(dir, "recon.zip");
  await exportTo(life.prisma, reconPack, LIFECYCLE_PERIOD);
  reconSystemPack = path.join(dir, "recon-system.zip");
  await exportTo(life.prisma, reconSystemPack, { ...LIFECYCLE_PERIOD, systems: [lc.cast.system.name] });
});
afterAll(async () => {
  await seeded.close();
  await life.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`honest packs pass every new check (${TEST_ENGINE})`, () => {
  it("whole organisation, one system, a period with a full lifecycle, a campaign: fields, cross-references and completeness all pass with something to check", async () => {
    for (const p of [orgPack, systemPack, periodPack, campaignPack, periodSystemPack, campaignSystemPack]) {
      const r = await verifyPack(p, { publicKeyPem: key.publicKeyPem });
      if (!r.ok) throw new Error(`${p}:\n${formatReport(r)}`);
      expect(r.verdict).toBe("VALID");
      for (const name of ["fields", "completeness"]) expect(check(r, name).total).toBeGreaterThan(0);
    }
    const period = await verifyPack(periodPack, { publicKeyPem: key.publicKeyPem });
    // grant, request, item, 2 approvals, the revocation, and the rows in scope: something on both sides.
    expect(check(period, "completeness").total).toBeGreaterThanOrEqual(10);
  });
});

describe(`completeness and scope, recomputed from the ledger (${TEST_ENGINE})`, () => {
  it("a grant the ledger shows in the period, dropped from grants.jsonl and grants.csv: missing", async () => {
    let dropped = "";
    const r = await resealed(orgPack, (es) => {
      const rows = rowsOf(es, "grants.jsonl");
      const i = rows.findIndex((g) => g.origin === "IMPORTED" && !rowsOf(es, "revocations.jsonl").some((v) => v.grantId === g.id) && !rowsOf(es, "review-items.jsonl").some((v) => v.grantId === g.id) && !rowsOf(es, "provisioning-receipts.jsonl").some((v) => v.grantId === g.id));
      dropped = String(rows[i]!.id);
      setRows(es, "grants.jsonl", rows.filter((_, k) => k !== i));
    });
    expect(check(r, "completeness").failures).toEqual([expect.stringMatching(new RegExp(`^grants\\.jsonl: grant ${dropped} is missing: the ledger has an event about it in the period \\(first event in the file: seq \\d+\\)$`))]);
    expect(failing(r)).toEqual(["completeness"]);
  });

  it("a request, an approval stage, a review item and a revocation dropped from the lifecycle's period pack: each missing", async () => {
    const drop = (file: string, keep: (row: Record<string, unknown>) => boolean) => async () =>
      resealed(periodPack, (es) => setRows(es, file, rowsOf(es, file).filter(keep)));
    const request = await drop("requests.jsonl", (x) => x.id !== lc.requestId)();
    expect(check(request, "completeness").failures).toContain(`requests.jsonl: request ${lc.requestId} is missing: the ledger has an event about it in the period (first event in the file: seq ${rowsOf(await readZip(periodPack), "requests.jsonl").find((x) => x.id === lc.requestId)!.firstEventSeq})`);

    const steps = rowsOf(await readZip(periodPack), "approvals.jsonl").filter((x) => x.requestId === lc.requestId);
    const approval = await drop("approvals.jsonl", (x) => x.id !== steps[1]!.id)();
    expect(check(approval, "completeness").failures).toEqual([`approvals.jsonl: approval ${steps[1]!.id} of request ${lc.requestId} is missing: an event of the request in the period names it`]);

    const item = await drop("review-items.jsonl", (x) => x.id !== lc.itemId)();
    expect(check(item, "completeness").failures).toEqual([expect.stringMatching(new RegExp(`^review-items\\.jsonl: item ${lc.itemId} is missing: the ledger has an event about it in the period`))]);

    const revocation = await drop("revocations.jsonl", (x) => x.grantId !== lc.grantId)();
    expect(check(revocation, "completeness").failures).toEqual([`revocations.jsonl: the revocation of grant ${lc.grantId} is missing: the ledger has a revocation event about it in the period`]);
  });

  it("the campaign's review item dropped from a campaign pack: missing, from the campaign named in its ledger events", async () => {
    const r = await resealed(campaignPack, (es) => setRows(es, "review-items.jsonl", []));
    expect(check(r, "completeness").failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^review-items\\.jsonl: item ${lc.itemId} is missing: the ledger names it as an item of the scope's campaign`)),
        `grants.jsonl: grant ${lc.grantId} is outside the declared scope (no item of the scope's campaign is about it)`,
      ]),
    );
  });

  it("a grant of another system added to a one-system pack: outside the declared scope", async () => {
    const org = await readZip(orgPack);
    const r = await resealed(systemPack, (es) => {
      const rows = rowsOf(es, "grants.jsonl");
      const stranger = rowsOf(org, "grants.jsonl").find((g) => g.systemName !== systemName && g.firstEventSeq !== null)!;
      setRows(es, "grants.jsonl", [...rows, stranger]);
    });
    // It has events in the period, so the honest pack excluded it: now it is both listed and excluded.
    expect(check(r, "completeness").failures).toEqual([
      expect.stringMatching(/^grants\.jsonl: grant [0-9a-f-]{36} is outside the declared scope \(system [0-9a-f-]{36} is not in scope\.systems\)$/),
      expect.stringMatching(/^scope-exclusions\.jsonl line \d+: Grant [0-9a-f-]{36}: both in grants\.jsonl and excluded$/),
    ]);
  });

  it("a grant neither held in the period nor named by its ledger events there: outside the declared scope", async () => {
    const r = await resealed(periodPack, (es) => {
      const rows = rowsOf(es, "grants.jsonl");
      // Held only long before the period, with no event in it.
      setRows(es, "grants.jsonl", [...rows, { ...rows[0]!, id: "00000000-0000-4000-8000-000000000001", requestId: null, startsAt: "2020-01-01T00:00:00.000Z", revokedAt: "2020-02-01T00:00:00.000Z", firstEventSeq: "1", ledgerEvents: 1 }]);
    });
    expect(check(r, "completeness").failures).toContain(
      "grants.jsonl: grant 00000000-0000-4000-8000-000000000001 is outside the declared scope (not held in the period, no ledger event about it in the period, and no review item of it in the pack)",
    );
  });

  it("a row listed twice: a duplicate", async () => {
    const r = await resealed(periodPack, (es) => setRows(es, "requests.jsonl", [...rowsOf(es, "requests.jsonl"), ...rowsOf(es, "requests.jsonl").filter((x) => x.id === lc.requestId)]));
    expect(check(r, "completeness").failures).toEqual([`requests.jsonl: request ${lc.requestId} appears more than once`]);
  });
});

describe(`packs scoped to systems: what the ledger names but the pack leaves out is in scope-exclusions.jsonl (${TEST_ENGINE})`, () => {
  const exclusions = async (p: string) => rowsOf(await readZip(p), "scope-exclusions.jsonl");
  /** The real rows of `file` with `edit` applied, re-signed, verified; returns the completeness failures. */
  const editExclusions = async (edit: (rows: Record<string, unknown>[]) => Record<string, unknown>[]) =>
    check(await resealed(periodSystemPack, (es) => setRows(es, "scope-exclusions.jsonl", edit(rowsOf(es, "scope-exclusions.jsonl")))), "completeness").failures;

  it("honest packs list exactly the out-of-scope subjects the ledger names, sorted, and every other pack's file is empty", async () => {
    const other = lc.other!;
    const expected = [
      { subjectType: "Grant", subjectId: other.grantId, systemId: other.systemId },
      { subjectType: "AccessRequest", subjectId: other.requestId, systemId: other.systemId },
    ].sort((a, b) => a.subjectId.localeCompare(b.subjectId));
    expect(await exclusions(periodSystemPack)).toEqual(expected);
    // The campaign scoped to the second system: the campaign's item and its grant are in the first.
    expect(await exclusions(campaignSystemPack)).toEqual(
      [
        { subjectType: "ReviewItem", subjectId: lc.itemId, systemId: lc.cast.system.id },
        { subjectType: "Grant", subjectId: lc.grantId, systemId: lc.cast.system.id },
      ].sort((a, b) => a.subjectId.localeCompare(b.subjectId)),
    );
    expect((await exclusions(systemPack)).length).toBeGreaterThan(0);
    for (const p of [orgPack, periodPack, campaignPack]) expect(await exclusions(p)).toEqual([]);
    const manifest = JSON.parse(entry(await readZip(periodSystemPack), "manifest.json").data.toString("utf8")) as { files: { path: string; rows: number | null }[] };
    expect(manifest.files.find((f) => f.path === "scope-exclusions.jsonl")).toMatchObject({ rows: 2 });
    // Each exclusion is checked, and so is every subject it explains: the rule had something to check.
    const r = await verifyPack(periodSystemPack, { publicKeyPem: key.publicKeyPem });
    expect(r.verdict).toBe("VALID");
    const without = await verifyPack(periodPack, { publicKeyPem: key.publicKeyPem });
    expect(check(r, "completeness").total).toBeGreaterThanOrEqual(4);
    expect(check(without, "completeness").total).toBeGreaterThan(0);
  });

  it("an in-scope grant the ledger shows in the period, dropped from a one-system pack: missing", async () => {
    let dropped = "";
    const r = await resealed(systemPack, (es) => {
      const rows = rowsOf(es, "grants.jsonl");
      const i = rows.findIndex((g) => g.origin === "IMPORTED" && !rowsOf(es, "revocations.jsonl").some((v) => v.grantId === g.id) && !rowsOf(es, "review-items.jsonl").some((v) => v.grantId === g.id) && !rowsOf(es, "provisioning-receipts.jsonl").some((v) => v.grantId === g.id));
      dropped = String(rows[i]!.id);
      setRows(es, "grants.jsonl", rows.filter((_, k) => k !== i));
    });
    expect(check(r, "completeness").failures).toEqual([
      expect.stringMatching(new RegExp(`^grants\\.jsonl: grant ${dropped} is missing: the ledger has an event about it in the period \\(first event in the file: seq \\d+\\) and it is not in scope-exclusions\\.jsonl$`)),
    ]);
    expect(failing(r)).toEqual(["completeness"]);
  });

  it("an exclusion row removed: the subject it explained is missing", async () => {
    const failures = await editExclusions((rows) => rows.filter((x) => x.subjectType !== "Grant"));
    expect(failures).toEqual([expect.stringMatching(new RegExp(`^grants\\.jsonl: grant ${lc.other!.grantId} is missing: the ledger has an event about it in the period \\(first event in the file: seq \\d+\\) and it is not in scope-exclusions\\.jsonl$`))]);
  });

  it("an exclusion whose system is in scope, one for a subject also in its file, one twice, one with nothing to explain: each fails", async () => {
    const inScope = await editExclusions((rows) => rows.map((x) => (x.subjectType === "Grant" ? { ...x, systemId: lc.cast.system.id } : x)));
    expect(inScope).toEqual([expect.stringMatching(new RegExp(`^scope-exclusions\\.jsonl line \\d: Grant ${lc.other!.grantId}: excluded but in scope \\(system ${lc.cast.system.id} is in scope\\.systems\\)$`))]);

    const both = await editExclusions((rows) => [...rows, { subjectType: "Grant", subjectId: lc.grantId, systemId: lc.other!.systemId }]);
    expect(both).toEqual([`scope-exclusions.jsonl line 3: Grant ${lc.grantId}: both in grants.jsonl and excluded`]);

    const [first] = await exclusions(periodSystemPack);
    const twice = await editExclusions((rows) => [...rows, rows[0]!]);
    expect(twice).toEqual([`scope-exclusions.jsonl line 3: ${String(first!.subjectType)} ${String(first!.subjectId)}: excluded more than once`]);

    const stranger = "00000000-0000-4000-8000-00000000beef";
    const nothing = await editExclusions((rows) => [...rows, { subjectType: "ReviewItem", subjectId: stranger, systemId: lc.other!.systemId }]);
    expect(nothing).toEqual([`scope-exclusions.jsonl line 3: ReviewItem ${stranger}: nothing to explain: the ledger file does not ask for it in this pack's period and scope`]);
  });

  it("an exclusion in a pack without systems: the file must be empty", async () => {
    const r = await resealed(periodPack, (es) => setRows(es, "scope-exclusions.jsonl", [{ subjectType: "Grant", subjectId: lc.other!.grantId, systemId: lc.other!.systemId }]));
    expect(check(r, "completeness").failures).toEqual([`scope-exclusions.jsonl line 1: Grant ${lc.other!.grantId} is excluded, but the pack has no systems in scope (the file must be empty)`]);
  });
});

describe(`every declared count is checked (${TEST_ENGINE})`, () => {
  it("a grant's ledgerEvents one more than the ledger file holds, and a firstEventSeq pointing at another subject's event", async () => {
    const r = await resealed(periodPack, (es) => {
      setRows(es, "grants.jsonl", rowsOf(es, "grants.jsonl").map((g) => (g.id === lc.grantId ? { ...g, ledgerEvents: (g.ledgerEvents as number) + 1 } : g)));
      setRows(es, "requests.jsonl", rowsOf(es, "requests.jsonl").map((q) => (q.id === lc.requestId ? { ...q, firstEventSeq: String(BigInt(String(q.firstEventSeq)) + 1n) } : q)));
    });
    const refs = check(r, "cross-references").failures;
    expect(refs).toContainEqual(expect.stringMatching(new RegExp(`^grants\\.jsonl: grant ${lc.grantId}: ledgerEvents is (\\d+), but ledger-events\\.jsonl holds \\d+ event\\(s\\) about it$`)));
    expect(refs).toContainEqual(expect.stringMatching(new RegExp(`^requests\\.jsonl: request ${lc.requestId}: its first ledger event \\(seq \\d+\\) is not in ledger-events\\.jsonl or is about something else$`)));
  });

  it("the manifest's period seqs, shifted by one: fails against the events whose time is in the period", async () => {
    const r = await resealed(periodPack, (es) => editManifest(es, (m) => void (m.ledger.periodFirstSeq = String(BigInt(m.ledger.periodFirstSeq!) + 1n))));
    expect(check(r, "checkpoints").failures).toEqual([expect.stringMatching(/^the manifest's period range \(periodFirstSeq \d+, periodLastSeq \d+\) does not match the events of ledger-events\.jsonl whose occurredAt is in the period \(\d+ to \d+\)$/)]);
  });

  it("a control check's exceptions, flagged and passed changed on its line: each reported", async () => {
    const r = await resealed(orgPack, (es) => {
      const lines = rowsOf(es, "controls.jsonl");
      const i = lines.findIndex((l) => l.type === "check" && l.id === "nhi-owned");
      lines[i] = { ...lines[i]!, flagged: (lines[i]!.flagged as number) + 2, exceptions: (lines[i]!.exceptions as number) + 1, passed: true };
      setRows(es, "controls.jsonl", lines);
    });
    const refs = check(r, "cross-references").failures;
    expect(refs).toContainEqual(expect.stringMatching(/^controls\.jsonl: check "nhi-owned" declares \d+ exception\(s\) but lists \d+$/));
    expect(refs).toContainEqual(expect.stringMatching(/^controls\.jsonl: check "nhi-owned" declares \d+ flagged member\(s\) but lists \d+$/));
    expect(refs).toContainEqual(expect.stringMatching(/^controls\.jsonl: check "nhi-owned" says passed: (true|false) with \d+ exception\(s\) \(passed means no exception\)$/));
  });

  it("an entry twice in the zip, and a file listed twice in the manifest: both refused before reading data", async () => {
    const es = await readZip(orgPack);
    const twiceZip = path.join(dir, "twice-zip.zip");
    await writeZip(twiceZip, [...es, { name: "README.txt", data: entry(es, "README.txt").data }]);
    const z = await verifyPack(twiceZip, { publicKeyPem: key.publicKeyPem });
    expect(check(z, "files").failures).toContain("README.txt: appears more than once in the zip");
    expect(z.stopped).toMatch(/refused before reading any data entry/);

    const twiceManifest = path.join(dir, "twice-manifest.zip");
    await tamper(orgPack, twiceManifest, (list) => {
      editManifest(list, (m) => void m.files.push({ ...m.files.find((f) => f.path === "README.txt")! }));
      reseal(list, key.file);
    });
    const m = await verifyPack(twiceManifest, { publicKeyPem: key.publicKeyPem });
    expect(check(m, "files").failures).toContain("README.txt: listed more than once in the manifest");
    expect(Object.keys(m.bytesRead).sort()).toEqual(["manifest.json", "manifest.sig"]);
  });
});

describe(`rows hold exactly the documented fields; malformed values are FAIL lines, never a crash (${TEST_ENGINE})`, () => {
  it("a field added to a row, a field removed, a wrong type: each named with file and line", async () => {
    const r = await resealed(periodPack, (es) => {
      const [v] = rowsOf(es, "revocations.jsonl");
      setRows(es, "revocations.jsonl", [{ ...v!, extra: "surprise" }]);
      const [p] = rowsOf(es, "provisioning-receipts.jsonl");
      const { attempts: _gone, ...rest } = p!;
      setRows(es, "provisioning-receipts.jsonl", [rest, ...rowsOf(es, "provisioning-receipts.jsonl").slice(1)]);
      const [a] = rowsOf(es, "approvals.jsonl");
      setRows(es, "approvals.jsonl", [{ ...a!, stageOrder: "1" }, ...rowsOf(es, "approvals.jsonl").slice(1)]);
    });
    const fields = check(r, "fields").failures;
    expect(fields).toContain('revocations.jsonl line 1: (row): the field "extra" is not in the schema');
    expect(fields).toContain('provisioning-receipts.jsonl line 1: (row): the field "attempts" is missing');
    expect(fields).toContain('approvals.jsonl line 1: .stageOrder: is string "1", not integer');
  });

  it("a blank line and a last line without its line end", async () => {
    const r = await resealed(periodPack, (es) => {
      const e = entry(es, "approvals.jsonl");
      const [first, ...rest] = e.data.toString("utf8").split("\n");
      e.data = Buffer.from([first, "", ...rest].join("\n"));
      const p = entry(es, "policy-versions.jsonl");
      p.data = p.data.subarray(0, p.data.length - 1);
    });
    const fields = check(r, "fields").failures;
    expect(fields).toContain("approvals.jsonl line 2: a blank line (every line holds one JSON object)");
    expect(fields).toContainEqual(expect.stringMatching(/^policy-versions\.jsonl line \d+: the last line does not end with "\\n"$/));
  });

  it("a non-numeric seq in a ledger event and in a grant's firstEventSeq: FAIL lines naming the row, and the verifier carries on", async () => {
    const r = await resealed(periodPack, (es) => {
      setRows(es, "grants.jsonl", rowsOf(es, "grants.jsonl").map((g) => (g.id === lc.grantId ? { ...g, firstEventSeq: "twelve" } : g)));
      const ev = rowsOf(es, "ledger-events.jsonl");
      ev[2] = { ...ev[2]!, seq: { not: "a seq" } };
      setRows(es, "ledger-events.jsonl", ev);
    });
    expect(check(r, "cross-references").failures).toContain(`grants.jsonl: grant ${lc.grantId}: firstEventSeq "twelve" is not a seq`);
    expect(check(r, "ledger chain").failures).toContainEqual(expect.stringMatching(/^ledger-events\.jsonl line 3 \(seq \{"not":"a seq"\}\): seq \{"not":"a seq"\} is not a number/));
    expect(check(r, "fields").failures).toContainEqual(expect.stringMatching(/^grants\.jsonl line \d+: \.firstEventSeq: "twelve" does not match/));
    // Every check ran to the end: nothing stopped on the bad values.
    expect(r.checks.map((c) => c.name)).toEqual(["signature", "files", "ledger chain", "checkpoints", "csv", "fields", "cross-references", "invariants", "completeness"]);
    expect(formatReport(r)).toMatch(/^Evidence pack INVALID\.$/m);
  });

  it("a hostile value in any field of any row (null, numbers, objects, arrays, huge digit strings): always FAIL lines, never a stop or a crash", async () => {
    const hostile: unknown[] = [null, 42, -1.5, {}, [], "x", true, "99999999999999999999999999", { seq: 1 }];
    const es = await readZip(periodPack);
    let k = 0;
    for (const e of es.filter((x) => x.name.endsWith(".jsonl") && rowsOf(es, x.name).length)) {
      for (const field of Object.keys(rowsOf(es, e.name)[0]!)) {
        const v = hostile[k++ % hostile.length];
        const dst = path.join(dir, `hostile-${k}.zip`);
        await tamperResealed(periodPack, dst, key.file, (list) => {
          const rows = rowsOf(list, e.name);
          setRows(list, e.name, [{ ...rows[0]!, [field]: v }, ...rows.slice(1)]);
        });
        const r = await verifyPack(dst, { publicKeyPem: key.publicKeyPem });
        expect(r.stopped, `${e.name} ${field} = ${JSON.stringify(v)}`).toBeNull();
        expect(r.checks.map((c) => c.name)).not.toContain("verifier");
      }
    }
    expect(k).toBeGreaterThan(100);
  });

  it("a manifest field that is not in its schema: refused before reading data", async () => {
    const dst = path.join(dir, "manifest-extra.zip");
    await tamperResealed(orgPack, dst, key.file, (es) => editManifest(es, (m) => Object.assign(m, { comment: "trust me" })));
    const r = await verifyPack(dst, { publicKeyPem: key.publicKeyPem });
    expect(check(r, "files").failures).toEqual(['manifest.json: (row): the field "comment" is not in the schema']);
    expect(r.stopped).toMatch(/the manifest is malformed/);
  });
});

describe(`the JSON Schemas and the writer cannot drift apart (${TEST_ENGINE})`, () => {
  const SCHEMA_DIR = "docs/evidence-pack/schema";
  const all = () => [PACK_SCHEMAS.manifest, PACK_SCHEMAS.controlCheck, PACK_SCHEMAS.controlMember, ...Object.values(PACK_SCHEMAS.rows)];

  it("every schema file beside the doc is loaded by the verifier, and uses only the keywords its validator supports", () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".schema.json"));
    const loaded = all().map((s) => JSON.stringify(s));
    for (const f of files) expect(loaded, f).toContain(JSON.stringify(JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), "utf8"))));
    expect(files.length).toBe(all().length);
    for (const s of all()) expect(schemaProblems(s)).toEqual([]);
  });

  it("reconciliation: a run dropped is missing, a run's counts edited fails against its ledger event, a finding outside the systems is outside the scope", async () => {
    const es = await readZip(reconPack);
    const runs = rowsOf(es, "reconciliation-runs.jsonl");
    expect(runs.map((r) => r.id)).toEqual([recon.run.runId]);
    const dropped = await resealed(reconPack, (x) => setRows(x, "reconciliation-runs.jsonl", []));
    expect(check(dropped, "completeness").failures.join("\n")).toMatch(new RegExp(`reconciliation-runs\\.jsonl: run ${recon.run.runId} is missing: the ledger has its reconciliation\\.completed event in the period`));
    const counts = await resealed(reconPack, (x) => setRows(x, "reconciliation-runs.jsonl", runs.map((r) => ({ ...r, counts: { ...(r.counts as object), adopted: 0 } }))));
    expect(check(counts, "cross-references").failures).toEqual([
      expect.stringMatching(new RegExp(`^reconciliation-runs\\.jsonl: run ${recon.run.runId} \\(COMPLETED\\) does not match its ledger event \\(seq \\d+\\): counts\\.adopted is 0, the event says 1$`)),
    ]);
    // The lifecycle's first system only: the Vendor Portal's findings do not belong there.
    const sys = await readZip(reconSystemPack);
    expect(rowsOf(sys, "reconciliation-findings.jsonl")).toEqual([]);
    const foreign = rowsOf(es, "reconciliation-findings.jsonl");
    expect(foreign).toHaveLength(3);
    const outside = await resealed(reconSystemPack, (x) => setRows(x, "reconciliation-findings.jsonl", foreign));
    expect(check(outside, "completeness").failures).toEqual(foreign.map((f) => `reconciliation-findings.jsonl: finding ${f.id} is outside the declared scope (system ${recon.system.id} is not in scope.systems)`));
  });

  it("every row the exporter writes validates, and its fields are exactly the schema's, in the schema's order (a schema field the writer does not write fails here)", async () => {
    const seen = new Map<JsonSchema, number>();
    for (const p of [orgPack, periodPack, campaignPack, periodSystemPack, reconPack]) {
      const es = await readZip(p);
      for (const e of es.filter((x) => x.name.endsWith(".jsonl"))) {
        for (const row of rowsOf(es, e.name)) {
          const schema = rowSchemaOf(e.name, row)!;
          expect(validateSchema(schema, row), `${e.name}: ${JSON.stringify(row).slice(0, 200)}`).toEqual([]);
          expect(Object.keys(row), e.name).toEqual(Object.keys(schema.properties!));
          seen.set(schema, (seen.get(schema) ?? 0) + 1);
        }
      }
      const manifest = JSON.parse(entry(es, "manifest.json").data.toString("utf8")) as Record<string, unknown>;
      expect(validateSchema(PACK_SCHEMAS.manifest, manifest)).toEqual([]);
      expect(Object.keys(manifest)).toEqual(Object.keys(PACK_SCHEMAS.manifest.properties!));
    }
    // Every row schema was exercised by a real row.
    for (const s of all().filter((x) => x !== PACK_SCHEMAS.manifest)) expect(seen.get(s) ?? 0, s.title).toBeGreaterThan(0);
    // grants.csv's and reconciliation-findings.csv's documented columns are their schema's fields, in order.
    expect(Object.keys(PACK_SCHEMAS.rows["grants.jsonl"]!.properties!)).toEqual([...GRANT_COLUMNS]);
    expect(Object.keys(PACK_SCHEMAS.rows["reconciliation-findings.jsonl"]!.properties!)).toEqual([...RECON_FINDING_COLUMNS]);
  });

  it("a field the writer adds without updating the schema fails validation, for every row type and the manifest", async () => {
    const es = await readZip(periodPack);
    const org = await readZip(orgPack);
    const sys = await readZip(periodSystemPack);
    const samples: [JsonSchema, Record<string, unknown>][] = [[PACK_SCHEMAS.manifest, JSON.parse(entry(es, "manifest.json").data.toString("utf8"))]];
    for (const list of [es, org, sys])
      for (const e of list.filter((x) => x.name.endsWith(".jsonl"))) for (const row of rowsOf(list, e.name).slice(0, 1)) samples.push([rowSchemaOf(e.name, row)!, row]);
    for (const [schema, row] of samples) {
      expect(validateSchema(schema, { ...row, addedByTheWriter: 1 })).toEqual(['(row): the field "addedByTheWriter" is not in the schema']);
      const [firstKey] = Object.keys(row);
      const { [firstKey!]: _dropped, ...without } = row;
      expect(validateSchema(schema, without)).toContain(`(row): the field "${firstKey}" is missing`);
    }
  });
});
