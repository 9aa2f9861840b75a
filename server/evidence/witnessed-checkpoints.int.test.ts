/**
 * Witnessed checkpoints against a dishonest operator: whoever holds the signing key can rewrite a past event,
 * recompute every hash after it and re-sign every checkpoint, and the ordinary verifier accepts the pack it
 * then exports. A witness that received a checkpoint before the rewrite catches it (a FAIL naming the seq);
 * an honest history passes with the same witness. The witnesses are configured before anything reads the
 * environment (env() is parsed once per test file).
 */
import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { runScript } from "../testing/cli";
import { rewriteHistory } from "../testing/ledger-rewrite";
import { recordEvent } from "../ledger/ledger";
import { verifyChain } from "../ledger/ledger";
import { deliverWitnessCheckpoints } from "../jobs/witnesses";
import { signCheckpoint, signHead } from "./checkpoints";
import { loadKeyFile } from "./keys";
import { exportTo, packDir, useTempKey } from "./pack-kit";
import { formatReport, verifyPack } from "./verify";
import { readWitnessSource, witnessLine } from "./witness-check";

const dir = packDir();
const key = useTempKey(dir);
const witnessFile = path.join(dir, "witness", "checkpoints.jsonl");
const witnessDir = path.join(dir, "witness-folder");
process.env.WITNESS_FILE = witnessFile;
process.env.WITNESS_DIR = witnessDir;
process.env.WITNESS_EMAIL = "";
process.env.WITNESS_WEBHOOK_URLS = "";
const pubFile = path.join(dir, "public.pem");
writeFileSync(pubFile, key.publicKeyPem);

let t: TestDb;
/** The seqs of the two scheduled checkpoints the witnesses received before anything else happened. */
let first: string;
let second: string;
const PERIOD = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2099-01-01T00:00:00Z") };
const T0 = Date.parse("2026-03-01T09:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

async function events(n: number, from: number) {
  for (let i = 0; i < n; i++) {
    await t.prisma.$transaction((tx) => recordEvent(tx, { actorId: null, action: "test.happened", subjectType: "Test", subjectId: `t${from + i}`, occurredAt: at(from + i), payload: { i: from + i, note: "as it really happened" } }));
  }
}

async function witnessed() {
  return [...(await readWitnessSource(witnessFile)), ...(await readWitnessSource(witnessDir))];
}

const checkLine = (r: Awaited<ReturnType<typeof verifyPack>>) => r.checks.find((c) => c.name === "witnessed checkpoints");

beforeAll(async () => {
  mkdirSync(path.dirname(witnessFile), { recursive: true });
  mkdirSync(witnessDir, { recursive: true });
  t = await createTestDb();
  // History: 10 events, a scheduled checkpoint (witnessed), 5 more, another checkpoint (witnessed).
  await events(10, 0);
  first = (await signCheckpoint(t.prisma, "schedule", at(20)))!.seq.toString();
  await events(5, 30);
  second = (await signCheckpoint(t.prisma, "schedule", at(40)))!.seq.toString();
  expect(await deliverWitnessCheckpoints(t.prisma, at(41), "test-worker")).toEqual({ processed: 4 });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("witnessed checkpoints (evidence:verify --witness)", () => {
  it("an honest history passes with the witness file and the witness folder: every witnessed checkpoint agrees", async () => {
    const w = await witnessed();
    expect(w.map((c) => c.seq)).toEqual([first, second, first, second]);
    const pack = path.join(dir, "honest.zip");
    await exportTo(t.prisma, pack, PERIOD, { now: at(60) });
    const res = await verifyPack(pack, { publicKeyPem: key.publicKeyPem, witnesses: w });
    expect(formatReport(res)).toMatch(/^witnessed checkpoints: 2\/2 valid$/m);
    expect(res.verdict).toBe("VALID");
    // No key pinned: the witnessed signatures are checked with the pack's own key (and the verdict says so).
    const unpinned = await verifyPack(pack, { witnesses: w });
    expect(checkLine(unpinned)).toMatchObject({ passed: 2, total: 2, failures: [] });
    expect(unpinned.verdict).toBe("INTEGRITY_ONLY");
  });

  it("a witnessed checkpoint after the pack's ledger is reported as not covered, not as a failure", async () => {
    const pack = path.join(dir, "before-third.zip");
    await exportTo(t.prisma, pack, PERIOD, { now: at(61) });
    await events(2, 70);
    const third = await signCheckpoint(t.prisma, "schedule", at(80));
    await deliverWitnessCheckpoints(t.prisma, at(81), "test-worker");
    const w = await witnessed();
    expect(w.some((c) => c.seq === third!.seq.toString())).toBe(true);
    const res = await verifyPack(pack, { publicKeyPem: key.publicKeyPem, witnesses: w });
    const c = checkLine(res)!;
    // The export checkpoints of the two packs are witnessed too; those the pack covers agree.
    expect(c.failures).toEqual([]);
    expect(c.notes?.join("\n")).toMatch(new RegExp(`not covered: .*\\b${third!.seq}\\b`));
    expect(formatReport(res)).toMatch(/^ {2}note: \d+ witnessed checkpoint\(s\) outside this pack's ledger/m);
    expect(res.verdict).toBe("VALID");
  });

  it("refuses a witnessed checkpoint whose signature does not verify with the pinned key, naming its seq", async () => {
    const pack = path.join(dir, "sig.zip");
    await exportTo(t.prisma, pack, PERIOD, { now: at(90) });
    const [real] = await readWitnessSource(witnessFile);
    const other = generateKeyPairSync("ed25519");
    const foreign = { ...signHead({ keyId: real!.keyId, privateKey: other.privateKey }, { seq: BigInt(real!.seq), hash: real!.headHash }, new Date(real!.signedAt), "schedule"), source: "test" };
    const res = await verifyPack(pack, { publicKeyPem: key.publicKeyPem, witnesses: [foreign] });
    expect(checkLine(res)).toMatchObject({ passed: 0, total: 1 });
    expect(checkLine(res)!.failures[0]).toMatch(new RegExp(`^witnessed checkpoint seq ${real!.seq} .*its signature is not valid`));
    expect(res.verdict).toBe("INVALID");
  });

  it("a history rewritten and re-signed with the REAL key passes the ordinary verifier but is caught by the witness, naming the seq", async () => {
    const before = await witnessed();
    const fileBefore = readFileSync(witnessFile);
    const { rewritten, resigned } = await rewriteHistory(t, 4n, { i: 3, note: "what the operator wishes had happened" }, loadKeyFile(key.file, { generate: false }));
    expect(rewritten).toBeGreaterThan(10);
    expect(resigned).toBeGreaterThanOrEqual(3);
    // The database tells a consistent story: the chain verifies and every checkpoint row is signed by the real key.
    expect((await verifyChain(t.prisma)).firstBroken).toBeNull();

    const pack = path.join(dir, "rewritten.zip");
    await exportTo(t.prisma, pack, PERIOD, { now: at(120) });
    const plain = await verifyPack(pack, { publicKeyPem: key.publicKeyPem });
    expect(plain.verdict).toBe("VALID");

    const res = await verifyPack(pack, { publicKeyPem: key.publicKeyPem, witnesses: before });
    const report = formatReport(res);
    expect(res.verdict).toBe("INVALID");
    const c = checkLine(res)!;
    expect(c.passed).toBe(0);
    expect(c.failures.some((f) => new RegExp(`^witnessed checkpoint seq ${first} \\(.*\\): the pack's ledger has hash [0-9a-f]{12}… at seq ${first}, the witness saw [0-9a-f]{12}…`).test(f))).toBe(true);
    expect(report).toMatch(new RegExp(`^ {2}FAIL witnessed checkpoint seq ${second} `, "m"));
    expect(report).toMatch(/^Evidence pack INVALID\.$/m);
    // The witness file was only ever appended to.
    expect(readFileSync(witnessFile).subarray(0, fileBefore.length).equals(fileBefore)).toBe(true);

    // The same from the command line, with the witness file and the folder.
    const cli = await runScript("scripts/evidence-verify.ts", [pack, "--public-key", pubFile, "--witness", witnessFile, "--witness", witnessDir], { ...process.env });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^witnessed checkpoints: \d+\/\d+ valid/m);
    expect(cli.stdout).toMatch(new RegExp(`^ {2}FAIL witnessed checkpoint seq ${first} `, "m"));
    const plainCli = await runScript("scripts/evidence-verify.ts", [pack, "--public-key", pubFile], { ...process.env });
    expect(plainCli.code).toBe(0);
  });

  it("a malformed witness file gives a clear message and exit code 2, never a crash", async () => {
    const pack = path.join(dir, "for-bad-witness.zip");
    await exportTo(t.prisma, pack, PERIOD, { now: at(200) });
    const bad = path.join(dir, "bad-witness.jsonl");
    writeFileSync(bad, `${witnessLine((await readWitnessSource(witnessFile))[0]!)}\n`);
    appendFileSync(bad, `{"seq":"abc","headHash":"x"}\n`);
    const res = await runScript("scripts/evidence-verify.ts", [pack, "--public-key", pubFile, "--witness", bad], { ...process.env });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^FAIL witness: .*bad-witness\.jsonl line 2: not a witness line \(seq "abc" is not a decimal string; headHash is not 64 lowercase hex characters/m);
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/);
    const missing = await runScript("scripts/evidence-verify.ts", [pack, "--witness", path.join(dir, "nope.jsonl")], { ...process.env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^FAIL witness: Cannot read the witness .*nope\.jsonl/m);
  });
});
