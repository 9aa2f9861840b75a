import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE } from "../testing/db";
import { seedDemo } from "../../prisma/seed";
import { loadKeyFile, EvidenceKeyError } from "./keys";
import { packDir, useTempKey } from "./pack-kit";
import { runScript } from "../testing/cli";

const run = promisify(execFile);
const TSX = path.resolve("node_modules/tsx/dist/cli.mjs");
const dir = packDir();
const pglite = mkdtempSync(path.join(tmpdir(), "warrant-evidence-db-"));
const key = useTempKey(dir);
let url: string | undefined;
let close: (() => Promise<void>) | undefined;

function cli(script: string, args: string[]) {
  return runScript(script, args, { ...process.env, PGLITE_DIR: pglite, DATABASE_URL: url ?? "", EVIDENCE_KEY_FILE: key.file });
}

beforeAll(async () => {
  const db = await createTestDb({ pgliteDir: pglite });
  await seedDemo(db.prisma);
  url = db.url;
  // PGlite: one process per data folder, so release it for the CLI. PostgreSQL: keep it until the end.
  if (!url) await db.close();
  else close = () => db.close();
});
afterAll(async () => {
  await close?.();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pglite, { recursive: true, force: true });
  rmSync(`${pglite}.lock`, { force: true });
});

describe(`npm run evidence:export / evidence:verify (${TEST_ENGINE})`, () => {
  it("exports a pack from the database, prints a summary, and the verifier (no database) passes it with the public key", async () => {
    const out = path.join(dir, "cli.zip");
    const res = await cli("scripts/evidence-export.ts", ["--from", "2000-01-01", "--to", "2099-12-31", "--system", "Okta", "--system", "Production Database", "--out", out]);
    // No noise at all: in particular no node-postgres notice of two queries at once on one transaction's
    // connection (server/db/serial-transactions.ts runs them one after the other).
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Evidence pack written: /m);
    expect(res.stdout).toMatch(/^ {2}grants\.jsonl +\d+ rows/m);
    expect(res.stdout).toMatch(/^manifest sha256: [0-9a-f]{64}$/m);
    expect(res.stdout).toMatch(/^signing key id: {2}[0-9a-f]{16}$/m);
    expect(statSync(out).size).toBeGreaterThan(1000);

    const pub = path.join(dir, "public.pem");
    writeFileSync(pub, key.publicKeyPem);
    const v = await run(process.execPath, [TSX, "scripts/evidence-verify.ts", out, "--public-key", pub], { env: { ...process.env, DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none", PGLITE_DIR: "/nonexistent" } });
    expect(v.stdout).toMatch(/^signature: 2\/2 valid$/m);
    expect(v.stdout).toMatch(/^files: 16\/16 valid$/m);
    expect(v.stdout).toMatch(/^ledger chain: (\d+)\/\1 valid$/m);
    expect(v.stdout).toMatch(/^Evidence pack VALID\.$/m);
    expect(v.stdout).toMatch(/^Integrity verified and signed with a pinned key \(key id [0-9a-f]{16}\)\.$/m);
  });

  it("without --public-key exits 3: integrity verified, authenticity not established, the pack's key id and how to pin the key", async () => {
    const open = await cli("scripts/evidence-verify.ts", [path.join(dir, "cli.zip")]);
    expect(open.code).toBe(3);
    expect(open.stdout).toMatch(/^Evidence pack INTEGRITY VERIFIED, AUTHENTICITY NOT ESTABLISHED\.$/m);
    expect(open.stdout).not.toMatch(/^Evidence pack VALID\.$/m);
    expect(open.stdout).toContain(`key id ${loadKeyFile(key.file, { generate: false }).keyId}`);
    expect(open.stdout).toMatch(/run again with --public-key <file>/);
  });

  it("exits 1 with the failures when the pack is not valid, and 2 on bad arguments", async () => {
    const other = path.join(dir, "other.pem");
    const { generateKeyPairSync } = await import("node:crypto");
    writeFileSync(other, generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));
    const bad = await cli("scripts/evidence-verify.ts", [path.join(dir, "cli.zip"), "--public-key", other]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^signature: 1\/2 valid \(2 failures\)$/m);
    expect(bad.stdout).toMatch(/FAIL the pack was signed with key [0-9a-f]{16}, not the expected key/);
    expect(bad.stdout).toMatch(/^Evidence pack INVALID\.$/m);

    // Several keys (repeated --public-key, or one file holding a key history): trusted if one of them signed it.
    const bundle = path.join(dir, "history.pem");
    writeFileSync(bundle, `# an earlier key\n${readFileSync(other, "utf8")}\n# the current key\n${key.publicKeyPem}`);
    const both = await cli("scripts/evidence-verify.ts", [path.join(dir, "cli.zip"), "--public-key", bundle]);
    expect(both.stdout).toMatch(/^Evidence pack VALID\.$/m);
    expect(both.code).toBe(0);
    const pub = path.join(dir, "public.pem");
    const repeated = await cli("scripts/evidence-verify.ts", [path.join(dir, "cli.zip"), "--public-key", other, "--public-key", pub]);
    expect(repeated.code).toBe(0);
    const notPem = path.join(dir, "not-a-key.txt");
    writeFileSync(notPem, "hello\n");

    const cases: [string, string[], RegExp][] = [
      ["scripts/evidence-export.ts", ["--to", "2026-01-01", "--out", "x.zip"], /--from is required/],
      ["scripts/evidence-export.ts", ["--from", "yesterday", "--to", "2026-01-01", "--out", "x.zip"], /--from "yesterday" is not a date/],
      ["scripts/evidence-export.ts", ["--from", "2026-02-01", "--to", "2026-01-01", "--out", "x.zip"], /must be before --to/],
      ["scripts/evidence-export.ts", ["--from", "2026-01-01", "--to", "2026-02-01"], /--out <file.zip> is required/],
      ["scripts/evidence-export.ts", ["--from", "2026-01-01", "--to", "2026-02-01", "--out", "x.zip", "--bogus"], /Unknown option '--bogus'/],
      ["scripts/evidence-export.ts", ["--from", "2026-01-01", "--to", "2026-02-01", "--system", "Nope", "--out", path.join(dir, "n.zip")], /Unknown system: "Nope"/],
      ["scripts/evidence-verify.ts", [], /Give exactly one pack to verify/],
      ["scripts/evidence-verify.ts", [path.join(dir, "missing.zip")], /no such file/],
      ["scripts/evidence-verify.ts", [path.join(dir, "cli.zip"), "--public-key", notPem], /holds no PEM public key/],
      ["scripts/evidence-verify.ts", [path.join(dir, "cli.zip"), "--public-key", path.join(dir, "nope.pem")], /Cannot read the public key/],
    ];
    for (const [script, args, message] of cases) {
      const r = await cli(script, args);
      expect(r.code, `${script} ${args.join(" ")}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

// Neither test opens the run's database (prepare-db gets a fresh embedded one, DATABASE_URL unset), so they run
// once, in the PGlite stage: on PostgreSQL they would repeat exactly the same thing.
describe.skipIf(TEST_ENGINE !== "pglite")("the signing key", () => {
  it("is registered when the portal starts (npm start's prepare step), once, and a configured key that is missing stops the start", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), "warrant-prepare-"));
    const env = { ...process.env, PGLITE_DIR: path.join(fresh, "db"), DATABASE_URL: "", SEED_DEMO: "false", EVIDENCE_KEY_FILE: key.file };
    const prepare = (extra: Record<string, string> = {}) =>
      run(process.execPath, [TSX, "scripts/prepare-db.ts"], { env: { ...env, ...extra } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    try {
      const first = await prepare();
      expect(first.code).toBe(0);
      const id = loadKeyFile(key.file, { generate: false }).keyId;
      expect(first.stdout).toContain(`Evidence signing key: ${id} (Ed25519, ${key.file}), registered now.`);
      const again = await prepare();
      expect(again.stdout).toContain(`Evidence signing key: ${id} (Ed25519, ${key.file}).`);
      const missing = await prepare({ EVIDENCE_KEY_FILE: path.join(fresh, "typo.pem") });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/EVIDENCE_KEY_FILE points to .*typo\.pem, which does not exist/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("is generated on first use with mode 0600 and reused; a configured file that is missing or not Ed25519 is refused", async () => {
    const keys = mkdtempSync(path.join(tmpdir(), "warrant-keys-"));
    try {
      const file = path.join(keys, "sub", "evidence-ed25519.pem");
      const a = loadKeyFile(file, { generate: true });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const b = loadKeyFile(file, { generate: true });
      expect(b.keyId).toBe(a.keyId);
      expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
      expect(() => loadKeyFile(path.join(keys, "nope.pem"), { generate: false })).toThrow(EvidenceKeyError);
      const { generateKeyPairSync } = await import("node:crypto");
      const rsa = path.join(keys, "rsa.pem");
      writeFileSync(rsa, generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }));
      expect(() => loadKeyFile(rsa, { generate: false })).toThrow(/is a rsa key; an Ed25519 key is required/);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });
});
