/**
 * `npm test` tells the truth about how it ended: a run stopped by a signal says it was interrupted and exits
 * non-zero (a CI timeout must never read as "All checks passed"), and its running stage is stopped with it.
 * No database: it runs once, in the PGlite stage (a second run on PostgreSQL would prove nothing more).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-test-all-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(stages: string[]) {
  const child = spawn("bash", [path.resolve("scripts/test-all.sh")], { env: { ...process.env, WARRANT_TEST_ALL_STAGES: stages.join("\n") }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, done };
}

describe("scripts/test-all.sh", () => {
  it("an interrupted run says so, exits non-zero and stops the running stage", async () => {
    const marker = path.join(dir, "stage-still-running");
    // The stage writes a file 3 s after it is stopped... unless it was stopped as a whole.
    const r = run([`quick|echo 'Tests  3 passed (3)'`, `slow|trap '' TERM; (sleep 600; touch ${marker}) & echo started-slow; wait`]);
    // The stage's own line, not the stage header that quotes its command.
    await vi.waitFor(() => expect(r.output()).toMatch(/^started-slow$/m), { timeout: 60_000, interval: 100 });
    r.child.kill("SIGTERM");
    const { code } = await r.done;
    expect(code).toBe(143);
    expect(r.output()).toMatch(/INTERRUPTED by SIGTERM during: slow/);
    expect(r.output()).not.toMatch(/All checks passed/);
    expect(r.output()).toMatch(/3 passed, 0 failed/);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);

  it("all stages passing: 'All checks passed' and exit 0; a failing stage: FAILED and its exit code", async () => {
    const ok = run(["a|echo 'Tests  2 passed (2)'", "b|true"]);
    expect((await ok.done).code).toBe(0);
    expect(ok.output()).toMatch(/All checks passed/);
    const bad = run(["a|true", "b|echo ' Tests  1 failed | 4 passed (5)'; exit 3", "c|true"]);
    expect((await bad.done).code).toBe(3);
    expect(bad.output()).toMatch(/FAILED at: b/);
    expect(bad.output()).toMatch(/c +skipped/);
    expect(bad.output()).toMatch(/4 passed, 1 failed/);
  }, 120_000);
});
