/**
 * A bad witness configuration stops the worker at start, before it opens the database or makes a key: the
 * operator reads which variable is wrong, and nothing was created (no database folder, no signing key).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runScript } from "../testing/cli";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-witness-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("witness configuration at start", () => {
  it("refuses to start with a witness it cannot use, naming the variables, and creates nothing", async () => {
    const pglite = path.join(dir, "db");
    const keyFile = path.join(dir, "keys", "evidence.pem");
    const res = await runScript("scripts/worker.ts", [], {
      ...process.env,
      DATABASE_URL: "",
      PGLITE_DIR: pglite,
      EVIDENCE_KEY_FILE: keyFile,
      SMTP_URL: "",
      WITNESS_EMAIL: "audit@example.com",
      WITNESS_FILE: "checkpoints.jsonl",
      WITNESS_WEBHOOK_URLS: "https://witness.example/in",
      WITNESS_WEBHOOK_SECRET: "",
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Warrant cannot start: the configuration is invalid\.$/m);
    expect(res.stderr).toMatch(/^ {2}- WITNESS_FILE: must be an absolute path/m);
    expect(res.stderr).toMatch(/^ {2}- WITNESS_EMAIL: needs SMTP_URL/m);
    expect(res.stderr).toMatch(/^ {2}- WITNESS_WEBHOOK_SECRET: must be set when WITNESS_WEBHOOK_URLS is/m);
    expect(res.stdout).toBe("");
    expect(existsSync(pglite)).toBe(false);
    expect(existsSync(keyFile)).toBe(false);
  });
});
