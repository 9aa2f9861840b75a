/**
 * The verifier's work is bounded before it knows a pack is good: the signature and every entry's declared
 * size come first, a hostile entry is refused from the zip's directory or cut off at its declared size, and
 * the manifest, lines and entry count have limits. Assertions are on what was read and why it stopped, never
 * on time. Also: without --public-key the verdict says plainly that authenticity is not established.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { recordEvent } from "../ledger/ledger";
import { VERIFY_LIMITS, keyIdOf } from "./format";
import { loadKeyFile } from "./keys";
import { entry, exportTo, packDir, patchDeclaredSize, readZip, reseal, useTempKey, writeZip, zeros } from "./pack-kit";
import { EXIT_CODES, formatReport, verifyPack, type VerifyResult } from "./verify";

const dir = packDir();
// The signing key must be configured before anything reads the environment.
const key = useTempKey(dir);
const MB200 = 200 * 1024 * 1024;
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

let db: TestDb;
let pack: string;
let entries: { name: string; data: Buffer }[];

const names = (r: VerifyResult) => r.checks.map((c) => c.name);
const check = (r: VerifyResult, name: string) => r.checks.find((c) => c.name === name)!;
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
/** The pack with `name` replaced by a streamed entry (never held in memory). */
const withStreamed = (file: string, name: string, bytes: number, list = entries) => writeZip(file, list.map((e) => (e.name === name ? { name, stream: () => zeros(bytes) } : e)));
/** SHA-256 of `bytes` zeros, streamed. */
async function zerosSha(bytes: number) {
  const h = createHash("sha256");
  for await (const c of zeros(bytes)) h.update(c as Buffer);
  return h.digest("hex");
}

beforeAll(async () => {
  db = await createTestDb();
  const person = await makeHuman(db.prisma, { name: "Bounded Person" });
  const owner = await makeHuman(db.prisma, { name: "Bounded Owner" });
  const sys = await makeSystem(db.prisma, owner.id, { name: "Bounded System" });
  const ent = await makeEntitlement(db.prisma, sys.id, { name: "bounded-read" });
  for (let i = 0; i < 3; i++) {
    const at = new Date(Date.UTC(2026, 0, 1 + i));
    await db.prisma.$transaction(async (tx) => {
      const g = await tx.grant.create({ data: { identityId: person.id, entitlementId: ent.id, status: "ACTIVE", origin: "IMPORTED", startsAt: at } });
      await recordEvent(tx, { actorId: null, action: "grant.imported", subjectType: "Grant", subjectId: g.id, occurredAt: at, payload: {} });
    });
  }
  pack = path.join(dir, "bounded.zip");
  await exportTo(db.prisma, pack, ALL);
  entries = await readZip(pack);
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`who signed it (${TEST_ENGINE})`, () => {
  it("without --public-key: integrity verified, authenticity NOT established, with the pack's key id and how to pin the key; with it: VALID", async () => {
    const id = keyIdOf(key.publicKeyPem);
    const open = await verifyPack(pack);
    expect(open).toMatchObject({ ok: true, verdict: "INTEGRITY_ONLY", authenticity: "not-established", keyId: id, keysPinned: 0, stopped: null });
    expect(EXIT_CODES[open.verdict]).toBe(3);
    const text = formatReport(open);
    expect(text).toMatch(/^Evidence pack INTEGRITY VERIFIED, AUTHENTICITY NOT ESTABLISHED\.$/m);
    expect(text).not.toMatch(/^Evidence pack VALID\.$/m);
    expect(text).toContain(`consistent with the key inside it (key id ${id}), but anyone can build or re-sign a pack with a key of their own`);
    expect(text).toContain("Audit → Evidence packs shows its key id; /api/evidence/public-key serves the PEM");
    expect(text).toContain(`run again with --public-key <file>. The portal must show key id ${id}`);

    const pinned = await verifyPack(pack, { publicKeyPem: key.publicKeyPem });
    expect(pinned).toMatchObject({ ok: true, verdict: "VALID", authenticity: "pinned", keyId: id, keysPinned: 1 });
    expect(EXIT_CODES[pinned.verdict]).toBe(0);
    expect(formatReport(pinned)).toMatch(/^Evidence pack VALID\.\nIntegrity verified and signed with a pinned key \(key id [0-9a-f]{16}\)\.$/m);
  });

  it("a pack made and signed end to end with someone else's key passes without a pin (integrity only) and fails against the pinned key", async () => {
    const other = loadKeyFile(path.join(dir, "someone-else.pem"), { generate: true });
    const forged = path.join(dir, "someone-else.zip");
    await exportTo(db.prisma, forged, ALL, { key: other });
    const open = await verifyPack(forged);
    expect(open).toMatchObject({ ok: true, verdict: "INTEGRITY_ONLY", keyId: other.keyId });
    const pinned = await verifyPack(forged, { publicKeyPem: key.publicKeyPem });
    expect(pinned.verdict).toBe("INVALID");
    expect(check(pinned, "signature").failures.join("\n")).toContain(`the pack was signed with key ${other.keyId}, not the expected key ${keyIdOf(key.publicKeyPem)}`);
    // Refused on the signature: nothing but the manifest and its signature was read.
    expect(names(pinned)).toEqual(["signature"]);
    expect(Object.keys(pinned.bytesRead).sort()).toEqual(["manifest.json", "manifest.sig"]);
  });
});

describe(`hostile packs are refused early (${TEST_ENGINE})`, () => {
  it("an entry the zip declares as 200 MB (zeros, deflated) where the manifest says its real size: refused from the zip's directory, not a byte of it read, nothing else checked", async () => {
    const bomb = path.join(dir, "bomb-size.zip");
    await withStreamed(bomb, "README.txt", MB200);
    const declared = entry(entries, "README.txt").data.length;
    const before = sha(bomb);
    const r = await verifyPack(bomb, { publicKeyPem: key.publicKeyPem });
    expect(r.verdict).toBe("INVALID");
    expect(check(r, "signature")).toMatchObject({ passed: 2, total: 2 });
    expect(check(r, "files").failures).toEqual([`README.txt: the zip declares ${MB200} bytes uncompressed, the manifest says ${declared}: refused before reading it`]);
    expect(r.stopped).toMatch(/refused before reading any data entry/);
    // Nothing else happened: no other check ran, only the manifest and its signature were read, the pack is unchanged.
    expect(names(r)).toEqual(["signature", "files"]);
    expect(Object.keys(r.bytesRead).sort()).toEqual(["manifest.json", "manifest.sig"]);
    expect(sha(bomb)).toBe(before);
    expect(formatReport(r)).toMatch(/^ {2}FAIL README\.txt: the zip declares 209715200 bytes/m);
  });

  it("the same 200 MB declared honestly in a manifest re-signed with the attacker's own key: refused by the ratio limit without a pin, by the signature with one; never read", async () => {
    const attacker = path.join(dir, "attacker.pem");
    loadKeyFile(attacker, { generate: true });
    const bomb = path.join(dir, "bomb-ratio.zip");
    const list = entries.map((e) => ({ name: e.name, data: Buffer.from(e.data) }));
    reseal(list, attacker, { ownKey: true, measured: { "README.txt": { sha256: await zerosSha(MB200), bytes: MB200, rows: null } } });
    await withStreamed(bomb, "README.txt", MB200, list);

    const open = await verifyPack(bomb);
    expect(check(open, "signature")).toMatchObject({ passed: 1, total: 1 });
    expect(check(open, "files").failures).toEqual([
      expect.stringMatching(new RegExp(`^README\\.txt: ${MB200} bytes compressed into \\d+ \\(ratio \\d+:1, the limit is ${VERIFY_LIMITS.maxRatio}:1\\): refused as a possible zip bomb, not read$`)),
    ]);
    expect(names(open)).toEqual(["signature", "files"]);
    expect(open.bytesRead["README.txt"]).toBeUndefined();

    const pinned = await verifyPack(bomb, { publicKeyPem: key.publicKeyPem });
    expect(pinned.stopped).toMatch(/signature did not verify/);
    expect(names(pinned)).toEqual(["signature"]);
    expect(pinned.bytesRead["README.txt"]).toBeUndefined();
  });

  it("an entry whose zip directory understates what it inflates to (200 MB of zeros declared as the real size) is cut off just past the declared size", async () => {
    const liar = path.join(dir, "bomb-liar.zip");
    await withStreamed(liar, "README.txt", MB200);
    const declared = entry(entries, "README.txt").data.length;
    patchDeclaredSize(liar, "README.txt", declared);
    const r = await verifyPack(liar, { publicKeyPem: key.publicKeyPem });
    expect(r.verdict).toBe("INVALID");
    expect(check(r, "files").failures).toEqual([expect.stringMatching(/^README\.txt: (more than the \d+ bytes allowed for it came out: stopped reading|cannot be read \(too many bytes in the stream)/)]);
    // Read at most one inflate chunk past the declared size, nowhere near the 200 MB.
    expect(r.bytesRead["README.txt"] ?? 0).toBeLessThanOrEqual(declared + 64 * 1024);
    // The other files were checked as usual and are fine.
    expect(r.checks.filter((c) => c.failures.length).map((c) => c.name)).toEqual(["files"]);
  });

  it("a JSON Lines line longer than the limit (4 MiB) fails with a FAIL line naming the file and line instead of being buffered", async () => {
    const long = path.join(dir, "long-line.zip");
    // Random base64 does not compress, so the ratio limit lets it through to the line limit.
    const line = Buffer.from(`{"grantId":"${randomBytes(VERIFY_LIMITS.maxLineBytes).toString("base64")}"}\n`);
    const list = entries.map((e) => ({ name: e.name, data: e.name === "revocations.jsonl" ? line : Buffer.from(e.data) }));
    reseal(list, key.file);
    await writeZip(long, list);
    const r = await verifyPack(long, { publicKeyPem: key.publicKeyPem });
    expect(r.verdict).toBe("INVALID");
    expect(check(r, "files").failures).toEqual([]);
    expect(check(r, "cross-references").failures).toContain(`revocations.jsonl line 1: is longer than ${VERIFY_LIMITS.maxLineBytes} bytes (the verifier's limit per line): not read further`);
  });

  it("a manifest larger than its limit is not read, and a zip with more entries than the limit is refused from its directory", async () => {
    const big = path.join(dir, "big-manifest.zip");
    const manifest = JSON.parse(entry(entries, "manifest.json").data.toString("utf8"));
    manifest.padding = "x".repeat(VERIFY_LIMITS.maxManifestBytes);
    await writeZip(big, entries.map((e) => (e.name === "manifest.json" ? { name: e.name, data: Buffer.from(JSON.stringify(manifest)) } : e)));
    const r = await verifyPack(big, { publicKeyPem: key.publicKeyPem });
    expect(check(r, "signature").failures).toEqual([expect.stringMatching(new RegExp(`^manifest\\.json is \\d+ bytes, more than the ${VERIFY_LIMITS.maxManifestBytes} the verifier reads: not read$`))]);
    expect(r.bytesRead).toEqual({});

    const many = path.join(dir, "many-entries.zip");
    await writeZip(many, [...entries, ...Array.from({ length: VERIFY_LIMITS.maxEntries }, (_, i) => ({ name: `extra-${i}.txt`, data: Buffer.from("x") }))]);
    const m = await verifyPack(many, { publicKeyPem: key.publicKeyPem });
    expect(m.verdict).toBe("INVALID");
    expect(m.checks).toEqual([{ name: "pack", passed: 0, total: 1, failures: [`the zip has ${entries.length + VERIFY_LIMITS.maxEntries} entries; a pack has 18, and the verifier reads at most ${VERIFY_LIMITS.maxEntries}`] }]);
    expect(m.bytesRead).toEqual({});
  });
});
