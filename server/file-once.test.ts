/**
 * readOrCreateOnce (server/file-once.ts): processes that start at once and find no file all end up with the
 * same, complete content; a file that exists is read, never replaced.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readOrCreateOnce } from "./file-once";

const dir = mkdtempSync(path.join(tmpdir(), "warrant-file-once-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a file generated once", () => {
  it("is read when it exists, and not replaced", () => {
    const file = path.join(dir, "existing");
    writeFileSync(file, "kept");
    expect(readOrCreateOnce(file, () => "new")).toBe("kept");
  });

  it("is created with mode 0600, its folders too, with nothing left beside it", () => {
    const file = path.join(dir, "a/b/secret");
    expect(readOrCreateOnce(file, () => "fresh")).toBe("fresh");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(["secret"]);
  });

  it("comes out the same, whole, in every one of eight processes racing to create it", { timeout: 120_000 }, async () => {
    const file = path.join(dir, "raced/secret");
    const go = path.join(dir, "go");
    // Each process loads the module, then spins until the go file appears, so they all create at once.
    const script = path.join(dir, "race.ts");
    writeFileSync(
      script,
      `import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { readOrCreateOnce } from ${JSON.stringify(path.resolve(import.meta.dirname, "file-once.ts"))};
console.log("ready");
while (!existsSync(${JSON.stringify(go)})) {}
process.stdout.write("value:" + readOrCreateOnce(${JSON.stringify(file)}, () => randomBytes(4096).toString("hex")) + "\\n");
`,
    );
    const outs: string[] = Array(8).fill("");
    const readies: Promise<void>[] = [];
    const exits = Array.from({ length: 8 }, (_, i) => {
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: path.resolve(import.meta.dirname, "..") });
      readies.push(new Promise((resolve) => child.stdout.on("data", (d) => ((outs[i] += d), outs[i]!.includes("ready") && resolve()))));
      child.stderr.on("data", (d) => (outs[i] += d));
      return new Promise<number | null>((resolve) => child.on("exit", resolve));
    });
    await Promise.all(readies);
    writeFileSync(go, "");
    expect(await Promise.all(exits)).toEqual(Array(8).fill(0));
    const values = outs.map((o) => /value:([0-9a-f]*)/.exec(o)?.[1]);
    expect(values[0]).toHaveLength(8192);
    expect(new Set(values)).toEqual(new Set([values[0]]));
    expect(readdirSync(path.dirname(file))).toEqual(["secret"]);
    expect(existsSync(file)).toBe(true);
  });
});
