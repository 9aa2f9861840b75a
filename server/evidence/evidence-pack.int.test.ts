import path from "node:path";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { seedDemo } from "../../prisma/seed";
import { verifyChain } from "../ledger/ledger";
import { eventHash } from "../ledger/hash";
import type { RequestCast } from "../domain/requests/request-test-kit";
import { entry, exportTo, FORMULA_REASON, LIFECYCLE_PERIOD, packDir, readZip, resign, rowsOf, runLifecycle, runReconciliationScene, setRows, tamper, tamperResealed, useTempKey } from "./pack-kit";
import { formatReport, verifyPack, type VerifyResult } from "./verify";
import { checkpointMessage, verifyEd25519, type Manifest } from "./format";

// The signing key must be configured before anything reads the environment.
const dir = packDir();
const key = useTempKey(dir);

let db: TestDb;
/** A second database for the lifecycle (the request cast's names would clash with the seeded organisation). */
let db2: TestDb;
let c: RequestCast;
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };
/** The lifecycle below runs on the test clock (from 2026-03-02 09:01), after a first export. */
const MARCH = LIFECYCLE_PERIOD;
let seededPack: string;
let seedEvents: number;
let lifecyclePack: string;
let campaignId: string;

const check = (r: VerifyResult, name: string) => r.checks.find((x) => x.name === name)!;
const failuresOf = (r: VerifyResult) => r.checks.flatMap((x) => x.failures.map((f) => `${x.name}: ${f}`));

async function expectValid(file: string) {
  const r = await verifyPack(file, { publicKeyPem: key.publicKeyPem });
  if (!r.ok) throw new Error(`pack invalid:\n${formatReport(r)}`);
  for (const x of r.checks) expect(x.passed).toBe(x.total);
  expect(r).toMatchObject({ verdict: "VALID", authenticity: "pinned", stopped: null });
  return r;
}

beforeAll(async () => {
  db = await createTestDb();
  // The seed registers the signing key itself (its last quarter signs checkpoints with it).
  seedEvents = (await seedDemo(db.prisma)).ledgerEvents;
  seededPack = path.join(dir, "seeded.zip");
  await exportTo(db.prisma, seededPack, ALL, { batchSize: 250 });
});
afterAll(async () => {
  await db.close();
  await db2?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`evidence pack round trip (${TEST_ENGINE})`, () => {
  it("a pack of the seeded organisation verifies: signature, every file, the whole chain from genesis to the export checkpoint", async () => {
    const r = await expectValid(seededPack);
    expect(check(r, "signature")).toMatchObject({ passed: 2, total: 2 });
    expect(check(r, "files")).toMatchObject({ passed: 16, total: 16 });
    expect(check(r, "ledger chain")).toMatchObject({ passed: seedEvents, total: seedEvents });
    expect(await db.prisma.ledgerEvent.findUniqueOrThrow({ where: { seq: BigInt(seedEvents) } })).toMatchObject({ action: "seed.completed" });
    expect(await db.prisma.ledgerEvent.count({ where: { action: "evidence.key_registered", seq: { lte: BigInt(seedEvents) } } })).toBe(1);
    expect(check(r, "checkpoints").failures).toEqual([]);
    expect(r.checks.map((x) => x.name)).toEqual(["signature", "files", "ledger chain", "checkpoints", "csv", "fields", "cross-references", "invariants", "completeness"]);
    // grants.csv against grants.jsonl: the header and every row.
    const manifest = JSON.parse(entry(await readZip(seededPack), "manifest.json").data.toString("utf8")) as Manifest;
    const grants = manifest.files.find((f) => f.path === "grants.csv")!.rows!;
    const findings = manifest.files.find((f) => f.path === "reconciliation-findings.csv")!.rows!;
    expect(check(r, "csv")).toMatchObject({ passed: grants + 1 + findings + 1, total: grants + 1 + findings + 1 });
    expect(check(r, "cross-references").total).toBeGreaterThan(870);
    expect(formatReport(r)).toMatch(new RegExp(`^ledger chain: ${seedEvents}/${seedEvents} valid$`, "m"));

    // The export signed a checkpoint of the head it exported to, and recorded it after that head.
    const cp = await db.prisma.checkpoint.findFirstOrThrow({ where: { reason: "export" }, orderBy: { seq: "asc" } });
    expect(cp.seq).toBe(BigInt(seedEvents));
    expect(cp.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(verifyEd25519(checkpointMessage({ seq: cp.seq.toString(), headHash: cp.headHash, signedAt: cp.signedAt.toISOString(), keyId: cp.keyId }), cp.signature, key.publicKeyPem)).toBe(true);
    const ev = await db.prisma.ledgerEvent.findUniqueOrThrow({ where: { seq: cp.seq + 1n } });
    expect(ev).toMatchObject({ action: "checkpoint.signed", subjectType: "Checkpoint", subjectId: cp.id, prevHash: cp.headHash });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("after a full lifecycle (request, two approvals, manual provisioning) and a campaign (revoke, close, confirmed revocation), packs verify for the period, the campaign and a system", async () => {
    db2 = await createTestDb();
    const life = await runLifecycle(db2.prisma, dir);
    c = life.cast;
    const first = life.first;
    campaignId = life.campaignId;
    const grant = { id: life.grantId };
    const item = { id: life.itemId };
    expect((await db2.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("REVOKED");
    expect(await db2.prisma.reviewItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({ remediation: "CONFIRMED" });
    expect((await db2.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe("CLOSED");

    // The period of the lifecycle: anchored on the checkpoint signed by the first export (before the period).
    lifecyclePack = path.join(dir, "march.zip");
    const res = await exportTo(db2.prisma, lifecyclePack, MARCH, { batchSize: 100 });
    const v = await expectValid(lifecyclePack);
    const manifest = JSON.parse((await import("./pack-kit").then((k) => k.readZip(lifecyclePack))).find((e) => e.name === "manifest.json")!.data.toString("utf8")) as Manifest;
    expect(manifest.ledger.anchor).toMatchObject({ seq: first.checkpointSeq, reason: "export" });
    expect(manifest.ledger.firstSeq).toBe(String(BigInt(first.checkpointSeq) + 1n));
    expect(manifest.ledger.lastSeq).toBe(res.checkpointSeq);
    expect(check(v, "ledger chain").total).toBe(res.ledgerEvents);
    expect(check(v, "invariants").total).toBeGreaterThanOrEqual(4); // two approvals, one review decision + its window
    const files = Object.fromEntries(manifest.files.map((f) => [f.path, f.rows]));
    expect(files["requests.jsonl"]).toBe(1);
    expect(files["approvals.jsonl"]).toBe(2);
    expect(files["provisioning-receipts.jsonl"]).toBe(2);
    expect(files["review-items.jsonl"]).toBe(1);
    expect(files["revocations.jsonl"]).toBeGreaterThanOrEqual(1);

    const campaignPack = path.join(dir, "campaign.zip");
    await exportTo(db2.prisma, campaignPack, { ...ALL, campaignId }, { generator: "test" });
    await expectValid(campaignPack);
    const systemPack = path.join(dir, "system.zip");
    const sys = await exportTo(db2.prisma, systemPack, { ...ALL, systems: [c.system.name] });
    await expectValid(systemPack);
    expect(sys.fileStats.find((f) => f.path === "grants.jsonl")!.rows).toBe(1);
  });

  it("reconciliation runs and findings, with their outcomes, are in the pack and verify; an edited outcome or a dropped finding fails, naming it", async () => {
    // After the lifecycle, on its clock (inside MARCH): a manual system's first reconciliation onboards one
    // membership; the unknown account is accepted (a reason a spreadsheet would run as a formula), the missing
    // grant re-provisioned.
    const p = db2.prisma;
    const { system, found, gone, run, orphan } = await runReconciliationScene(p, c);
    expect(run).toMatchObject({ onboarding: true, counts: { adopted: 1, ORPHAN_ACCOUNT: 1, MISSING_ACCESS: 1 } });
    const formula = FORMULA_REASON;

    const pack = path.join(dir, "recon.zip");
    await exportTo(p, pack, MARCH, { batchSize: 2 });
    await expectValid(pack);
    const es = await readZip(pack);
    const runs = rowsOf(es, "reconciliation-runs.jsonl");
    expect(runs).toEqual([expect.objectContaining({ id: run.runId, systemName: "Vendor Portal", status: "COMPLETED", startedById: c.owner.id, memberships: 2, snapshotSha256: run.snapshotSha256, counts: expect.objectContaining({ adopted: 1 }) })]);
    const done = await p.ledgerEvent.findFirstOrThrow({ where: { action: "reconciliation.completed", subjectId: system.id } });
    expect(runs[0]!.ledgerEventSeq).toBe(done.seq.toString());
    const rows = rowsOf(es, "reconciliation-findings.jsonl");
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]));
    expect(byKind.UNMANAGED_ACCESS).toMatchObject({ account: found.email, identityId: found.id, status: "RESOLVED", outcome: "ADOPTED", resolvedById: c.owner.id, reason: expect.stringMatching(/^Onboarding: /) });
    expect(byKind.ORPHAN_ACCOUNT).toMatchObject({ account: "ghost@elsewhere.test", outcome: "ACCEPTED", reason: formula, resolvedByName: "Sofia Owner", acceptedUntil: expect.any(String) });
    expect(byKind.MISSING_ACCESS).toMatchObject({ account: gone.email, outcome: "REPROVISION_REQUESTED", taskId: expect.any(String) });
    for (const r of rows) {
      const events = await p.ledgerEvent.findMany({ where: { subjectType: "Finding", subjectId: String(r.id) }, orderBy: { seq: "asc" } });
      expect(r.ledgerEventSeqs).toEqual(events.map((e) => e.seq.toString()));
      expect(r.outcomeEventSeq).toBe(events.at(-1)!.seq.toString());
    }
    // The CSV twin: the reason a spreadsheet would run is neutralised there, exact in the JSON Lines.
    expect(entry(es, "reconciliation-findings.csv").data.toString("utf8")).toContain(`"'=HYPERLINK(""http://x"",""y"") vendor break-fix account"`);
    // A pack of another system holds none of it.
    const other = path.join(dir, "recon-other.zip");
    await exportTo(p, other, { ...MARCH, systems: [c.system.name] });
    await expectValid(other);
    expect(rowsOf(await readZip(other), "reconciliation-findings.jsonl")).toEqual([]);

    // A dishonest exporter with the real key: the accepted finding's reason rewritten (JSON Lines and CSV agree).
    const edited = path.join(dir, "recon-edited.zip");
    await tamperResealed(pack, edited, key.file, (x) => setRows(x, "reconciliation-findings.jsonl", rows.map((r) => (r.kind === "ORPHAN_ACCOUNT" ? { ...r, reason: "Approved by the CISO" } : r))));
    const v = await verifyPack(edited, { publicKeyPem: key.publicKeyPem });
    expect(v.verdict).toBe("INVALID");
    expect(failuresOf(v)).toEqual([
      `cross-references: reconciliation-findings.jsonl: finding ${orphan.id} (ORPHAN_ACCOUNT, account "ghost@elsewhere.test"): its outcome does not match its ledger event (seq ${byKind.ORPHAN_ACCOUNT!.outcomeEventSeq}, reconciliation.finding_accepted): reason is "Approved by the CISO" in the file but ${JSON.stringify(formula)} in the event`,
    ]);
    // ... or the adopted finding left out.
    const dropped = path.join(dir, "recon-dropped.zip");
    await tamperResealed(pack, dropped, key.file, (x) => setRows(x, "reconciliation-findings.jsonl", rows.filter((r) => r.kind !== "UNMANAGED_ACCESS")));
    const d = await verifyPack(dropped, { publicKeyPem: key.publicKeyPem });
    expect(failuresOf(d).join("\n")).toMatch(new RegExp(`^completeness: reconciliation-findings\\.jsonl: finding ${byKind.UNMANAGED_ACCESS!.id} is missing: the ledger has an event about it`, "m"));
  });

  it("refuses unknown systems, an unknown campaign and an empty period, naming what is wrong", async () => {
    const out = path.join(dir, "refused.zip");
    const before = await db.prisma.checkpoint.count();
    await expect(exportTo(db.prisma, out, { ...ALL, systems: ["No Such System"] })).rejects.toThrow(/Unknown system: "No Such System"/);
    await expect(exportTo(db.prisma, out, { ...ALL, campaignId: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(/No campaign with id/);
    await expect(exportTo(db.prisma, out, { from: ALL.to, to: ALL.from })).rejects.toThrow(/The period is empty/);
    expect(await db.prisma.checkpoint.count()).toBe(before);
  });
});

describe("tampering is caught, naming what failed", () => {
  const t = (name: string) => path.join(dir, `tampered-${name}.zip`);
  const flipByte = (data: Buffer, at = Math.floor(data.length / 2)) => {
    const b = Buffer.from(data);
    // a digit stays a digit and a letter a letter, so JSON and CSV stay well-formed
    b[at] = b[at]! >= 0x30 && b[at]! <= 0x39 ? 0x30 + ((b[at]! - 0x30 + 1) % 10) : b[at] === 0x61 ? 0x62 : 0x61;
    return b;
  };

  it.each(["grants.csv", "grants.jsonl", "approvals.jsonl", "ledger-events.jsonl", "checkpoint.json", "README.txt", "controls.jsonl"])("one changed byte in %s", async (name) => {
    const pack = name === "approvals.jsonl" ? lifecyclePack : seededPack;
    await tamper(pack, t(name), (es) => void (entry(es, name).data = flipByte(entry(es, name).data)));
    const r = await verifyPack(t(name), { publicKeyPem: key.publicKeyPem });
    expect(r.ok).toBe(false);
    expect(check(r, "files").failures.join("\n")).toMatch(new RegExp(`^${name.replace(".", "\\.")}: sha256 .* does not match the manifest`, "m"));
    expect(check(r, "signature").failures).toEqual([]);
  });

  it("a deleted ledger event changes the file's size: refused from the zip's directory, before any data entry is read", async () => {
    await tamper(seededPack, t("deleted"), (es) => {
      const e = entry(es, "ledger-events.jsonl");
      const lines = e.data.toString("utf8").split("\n");
      lines.splice(99, 1); // seq 100
      e.data = Buffer.from(lines.join("\n"));
    });
    const r = await verifyPack(t("deleted"));
    expect(r.ok).toBe(false);
    expect(check(r, "files").failures).toEqual([expect.stringMatching(/^ledger-events\.jsonl: the zip declares \d+ bytes uncompressed, the manifest says \d+: refused before reading it$/)]);
    expect(r.stopped).toMatch(/refused before reading any data entry/);
    // Nothing else happened: no other check ran, and only the manifest and its signature were read.
    expect(r.checks.map((x) => x.name)).toEqual(["signature", "files"]);
    expect(Object.keys(r.bytesRead).sort()).toEqual(["manifest.json", "manifest.sig"]);
  });

  it("reordered ledger events break the chain at each moved event", async () => {
    await tamper(seededPack, t("reordered"), (es) => {
      const e = entry(es, "ledger-events.jsonl");
      const lines = e.data.toString("utf8").split("\n");
      [lines[10], lines[11]] = [lines[11]!, lines[10]!];
      e.data = Buffer.from(lines.join("\n"));
    });
    const r = await verifyPack(t("reordered"));
    expect(r.ok).toBe(false);
    const chain = check(r, "ledger chain").failures.join("\n");
    expect(chain).toMatch(/line 11 \(seq 12\): sequence gap: expected seq 11, found 12/);
    expect(chain).toMatch(/line 12 \(seq 11\): sequence gap: expected seq 13, found 11/);
  });

  it("a rewritten event with its own hash recomputed still breaks the link to the next event and to the signed checkpoint", async () => {
    await tamper(seededPack, t("rehashed"), (es) => {
      const e = entry(es, "ledger-events.jsonl");
      const lines = e.data.toString("utf8").split("\n");
      const ev = JSON.parse(lines[49]!);
      const was = { occurredAt: ev.occurredAt as string, hash: ev.hash as string };
      // Another millisecond: the same size, so the pack gets past the size checks to the chain. The two values
      // are replaced in the line's own text (its payload is printed by PostgreSQL, not JSON.stringify).
      ev.occurredAt = ev.occurredAt.replace(/\d(?=Z$)/, (d: string) => String((Number(d) + 1) % 10));
      const { prevHash, hash: _h, ...body } = ev;
      ev.hash = eventHash(prevHash, body);
      lines[49] = lines[49]!.replace(`"occurredAt":"${was.occurredAt}"`, `"occurredAt":"${ev.occurredAt}"`).replace(`"hash":"${was.hash}"`, `"hash":"${ev.hash}"`);
      expect(JSON.parse(lines[49])).toEqual(ev);
      e.data = Buffer.from(lines.join("\n"));
    });
    const r = await verifyPack(t("rehashed"));
    expect(check(r, "ledger chain").failures).toEqual([expect.stringMatching(/line 51 \(seq 51\): prevHash does not match the hash of the event before it/)]);
  });

  it("an edited CSV row with its manifest hash, size and rows recomputed: the signature fails, and nothing else is read", async () => {
    const { createHash } = await import("node:crypto");
    await tamper(seededPack, t("csv-rehashed"), (es) => {
      const csv = entry(es, "grants.csv");
      const text = csv.data.toString("utf8").split("\n");
      text[5] = text[5]!.replace(",ACTIVE,", ",REVOKED,");
      csv.data = Buffer.from(text.join("\n"));
      const m = entry(es, "manifest.json");
      const manifest = JSON.parse(m.data.toString("utf8")) as Manifest;
      const f = manifest.files.find((x) => x.path === "grants.csv")!;
      f.sha256 = createHash("sha256").update(csv.data).digest("hex");
      f.bytes = csv.data.length;
      m.data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    });
    const r = await verifyPack(t("csv-rehashed"));
    expect(r.ok).toBe(false);
    expect(check(r, "signature").failures).toEqual([expect.stringMatching(/manifest\.sig is not a valid signature of manifest\.json by the key in the manifest/)]);
    expect(r.stopped).toMatch(/signature did not verify.*no data entry was read/);
    expect(r.checks.map((x) => x.name)).toEqual(["signature"]);
    expect(Object.keys(r.bytesRead).sort()).toEqual(["manifest.json", "manifest.sig"]);
    expect(formatReport(r)).toMatch(/^Evidence pack INVALID\.$/m);
  });

  it("a manifest re-signed with another key fails against the expected public key (and its checkpoints no longer verify)", async () => {
    await tamper(seededPack, t("resigned"), (es) => resign(es, true));
    const without = await verifyPack(t("resigned"));
    expect(without.ok).toBe(false);
    expect(check(without, "checkpoints").failures.join("\n")).toMatch(/export checkpoint \(seq \d+\) is signed with key [0-9a-f]{16}, not the pack's key/);
    const r = await verifyPack(t("resigned"), { publicKeyPem: key.publicKeyPem });
    expect(r.ok).toBe(false);
    expect(r.checks.map((x) => x.name)).toEqual(["signature"]);
    const sig = check(r, "signature").failures.join("\n");
    expect(sig).toMatch(/the pack was signed with key [0-9a-f]{16}, not the expected key [0-9a-f]{16}/);
    expect(sig).toMatch(/not a valid signature of manifest\.json by the expected public key/);

    // Re-signed without swapping the key in the manifest: fails even without --public-key.
    await tamper(seededPack, t("resigned-2"), (es) => resign(es, false));
    expect(check(await verifyPack(t("resigned-2")), "signature").failures).toEqual([expect.stringMatching(/not a valid signature of manifest\.json by the key in the manifest/)]);
  });

  it("an extra file, a missing file and a file that is not a zip are reported", async () => {
    await tamper(seededPack, t("files"), (es) => [...es.filter((e) => e.name !== "approvals.jsonl"), { name: "extra.txt", data: Buffer.from("hello") }]);
    const r = await verifyPack(t("files"));
    expect(check(r, "files").failures).toEqual(
      expect.arrayContaining(["approvals.jsonl: listed in the manifest but missing from the pack", "extra.txt: in the pack but not listed in the manifest"]),
    );
    const notZip = path.join(dir, "not-a-zip.zip");
    (await import("node:fs")).writeFileSync(notZip, "this is not a zip");
    const bad = await verifyPack(notZip);
    expect(bad.ok).toBe(false);
    expect(failuresOf(bad)[0]).toMatch(/is not a readable zip file/);
  });
});
