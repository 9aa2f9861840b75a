/**
 * Reading what a witness holds (server/evidence/witness-check.ts): every malformed input is a
 * WitnessSourceError naming the file and line, never a crash; well-formed files and folders read back exactly
 * the checkpoints written.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signHead } from "./checkpoints";
import { keyIdOf } from "./format";
import { MAX_WITNESS_LINE_BYTES, parseWitnessLine, readWitnessSource, witnessFileName, witnessLine, WitnessSourceError } from "./witness-check";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-witness-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const key = { keyId: keyIdOf(publicKey), privateKey };
const cp = (seq: number) => signHead(key, { seq: BigInt(seq), hash: seq.toString(16).padStart(64, "a") }, new Date(Date.UTC(2026, 0, 1, seq)), "schedule");

async function refusal(p: string): Promise<string> {
  try {
    await readWitnessSource(p);
  } catch (e) {
    expect(e).toBeInstanceOf(WitnessSourceError);
    return (e as Error).message;
  }
  throw new Error(`${p} was accepted`);
}

describe("witness files and folders", () => {
  it("reads a witness file line by line (blank lines skipped) and a folder file by file, in seq order", async () => {
    const file = path.join(dir, "ok.jsonl");
    writeFileSync(file, `${witnessLine(cp(1))}\n\n${witnessLine(cp(2))}\n`);
    expect((await readWitnessSource(file)).map((w) => [w.seq, w.source])).toEqual([
      ["1", `${file}:1`],
      ["2", `${file}:3`],
    ]);
    const folder = path.join(dir, "ok-folder");
    mkdirSync(folder);
    for (const c of [cp(12), cp(3)]) writeFileSync(path.join(folder, witnessFileName(c)), `${witnessLine(c)}\n`);
    writeFileSync(path.join(folder, ".tmp-leftover"), "half a chec");
    expect((await readWitnessSource(folder)).map((w) => w.seq)).toEqual(["3", "12"]);
  });

  it.each([
    ["not JSON", "{seq: 1}", /line 2: not a witness line \(not valid JSON\)/],
    ["an array", "[1,2]", /line 2: not a witness line \(not a JSON object\)/],
    ["an extra field", JSON.stringify({ ...cp(5), note: "x" }), /line 2: not a witness line \(unknown field\(s\) "note"\)/],
    ["a non-numeric seq", JSON.stringify({ ...cp(5), seq: "5; DROP" }), /line 2: not a witness line \(seq "5; DROP" is not a decimal string\)/],
    ["a numeric seq", JSON.stringify({ ...cp(5), seq: 5 }), /seq 5 is not a decimal string/],
    ["a seq with leading zeros", JSON.stringify({ ...cp(5), seq: "005" }), /seq "005" is not a decimal string/],
    ["a missing signature", JSON.stringify({ ...cp(5), signature: undefined }), /signature is not a base64 Ed25519 signature/],
    ["a bad time", JSON.stringify({ ...cp(5), signedAt: "yesterday" }), /signedAt "yesterday" is not an ISO 8601 UTC time/],
  ])("refuses a witness file with %s, naming the file and line", async (_what, line, message) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(file, `${witnessLine(cp(1))}\n${line}\n`);
    expect(await refusal(file)).toMatch(message);
    expect(await refusal(file)).toContain(file);
  });

  it("refuses an over-long line without buffering it, a missing path, and a folder file that is not what its name says", async () => {
    const long = path.join(dir, "long.jsonl");
    writeFileSync(long, `${"x".repeat(MAX_WITNESS_LINE_BYTES + 10)}\n`);
    expect(await refusal(long)).toMatch(/line 1: longer than 65536 bytes/);
    expect(await refusal(path.join(dir, "missing.jsonl"))).toMatch(/^Cannot read the witness .*missing\.jsonl/);

    const folder = path.join(dir, "bad-folder");
    mkdirSync(folder);
    const real = cp(7);
    writeFileSync(path.join(folder, witnessFileName(real)), `${witnessLine({ ...real, headHash: "f".repeat(64) })}\n`);
    expect(await refusal(folder)).toMatch(/its name does not match its content/);

    const links = path.join(dir, "link-folder");
    mkdirSync(links);
    symlinkSync(long, path.join(links, witnessFileName(real)));
    expect(await refusal(links)).toMatch(/not a regular file/);
  });

  it("parses exactly the six fields of a checkpoint", () => {
    expect(parseWitnessLine(witnessLine(cp(9)))).toEqual(cp(9));
  });
});
