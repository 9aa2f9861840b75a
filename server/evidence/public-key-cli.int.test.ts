/**
 * `npm run evidence:public-key`: someone with only the command line gets the PEM of the signing key and its
 * id, read as exports read it; `--all` adds every key registered before a rotation. The output pins the key
 * for the verifier as it is (the "#" lines are outside the PEM block).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE } from "../testing/db";
import { runScript } from "../testing/cli";
import { keyIdOf } from "./format";
import { ensureSigningKey, loadKeyFile } from "./keys";
import { exportTo, packDir, useTempKey } from "./pack-kit";
import { verifyPack } from "./verify";

const dir = packDir();
const pglite = mkdtempSync(path.join(tmpdir(), "warrant-public-key-db-"));
const key = useTempKey(dir);
const earlier = loadKeyFile(path.join(dir, "earlier.pem"), { generate: true });
let url: string | undefined;
let close: (() => Promise<void>) | undefined;
let pack: string;

const cli = (args: string[], extra: Record<string, string> = {}) =>
  runScript("scripts/evidence-public-key.ts", args, { ...process.env, PGLITE_DIR: pglite, DATABASE_URL: url ?? "", EVIDENCE_KEY_FILE: key.file, ...extra });

beforeAll(async () => {
  const db = await createTestDb({ pgliteDir: pglite });
  // A key used before a rotation, then the current one (registered by the export).
  await ensureSigningKey(db.prisma, new Date("2026-01-01T00:00:00Z"), earlier);
  pack = path.join(dir, "pack.zip");
  await exportTo(db.prisma, pack, { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") });
  url = db.url;
  if (!url) await db.close();
  else close = () => db.close();
});
afterAll(async () => {
  await close?.();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pglite, { recursive: true, force: true });
  rmSync(`${pglite}.lock`, { force: true });
});

describe(`npm run evidence:public-key (${TEST_ENGINE})`, () => {
  it("prints the current key's PEM and id; saved as it is, it pins the key for evidence:verify", async () => {
    const res = await cli([]);
    expect(res).toMatchObject({ code: 0, stderr: "" });
    const id = keyIdOf(key.publicKeyPem);
    expect(res.stdout).toBe(`# Warrant evidence signing key (Ed25519), key id ${id}\n${key.publicKeyPem}`);
    const file = path.join(dir, "pinned.pem");
    writeFileSync(file, res.stdout);
    const pinned = await runScript("scripts/evidence-verify.ts", [pack, "--public-key", file], { ...process.env });
    expect(pinned.stdout).toMatch(/^Evidence pack VALID\.$/m);
    expect((await verifyPack(pack, { publicKeyPem: key.publicKeyPem })).verdict).toBe("VALID");
  });

  it("--all prints every registered key, oldest first, each with its id, the current one marked", async () => {
    const res = await cli(["--all"]);
    expect(res).toMatchObject({ code: 0, stderr: "" });
    const id = keyIdOf(key.publicKeyPem);
    expect(res.stdout).toContain(`# Warrant evidence signing keys (Ed25519): 2, oldest first; the current one is ${id}\n# key id ${earlier.keyId} (registered 2026-01-01T00:00:00.000Z)\n${earlier.publicKeyPem}`);
    expect(res.stdout).toMatch(new RegExp(`# key id ${id} \\(registered [^)]+\\) \\(current\\)\\n-----BEGIN PUBLIC KEY-----`));
    expect(res.stdout.match(/-----BEGIN PUBLIC KEY-----/g)).toHaveLength(2);
  });

  it("a missing key file exits 2 with a message, and no key is created", async () => {
    const missing = path.join(dir, "nope.pem");
    const res = await cli([], { EVIDENCE_KEY_FILE: missing });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/does not exist/);
    expect((await cli(["--bogus"])).code).toBe(2);
  });
});
