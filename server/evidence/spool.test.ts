import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { Spools } from "./spool";

const spoolDirs = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith("warrant-export-")));

describe("export spools", () => {
  it("gives back what was written, in order, with its line count, then removes its file", async () => {
    const before = spoolDirs();
    const spools = new Spools();
    const s = spools.create();
    const lines = Array.from({ length: 50_000 }, (_, i) => `{"n":${i},"é":"ü ✓"}\n`);
    for (let i = 0; i < lines.length; i += 1000) await s.write(lines.slice(i, i + 1000).join(""));
    const mine = [...spoolDirs()].filter((d) => !before.has(d));
    expect(mine).toHaveLength(1);
    const chunks: Buffer[] = [];
    let counted = 0;
    for await (const c of s.read()) {
      chunks.push(c.bytes);
      counted += c.lines;
    }
    expect(Buffer.concat(chunks).toString("utf8")).toBe(lines.join(""));
    expect(counted).toBe(lines.length);
    expect(existsSync(`${tmpdir()}/${mine[0]}`)).toBe(false);
  });

  it("an empty spool reads as nothing", async () => {
    const s = new Spools().create();
    const got: Buffer[] = [];
    for await (const c of s.read()) got.push(c.bytes);
    expect(Buffer.concat(got).length).toBe(0);
  });

  it("disposeAll removes spools never read (a failed export leaves no file behind)", async () => {
    const before = spoolDirs();
    const spools = new Spools();
    await spools.create().write("secret evidence line\n");
    await spools.create().write("another\n");
    expect([...spoolDirs()].filter((d) => !before.has(d))).toHaveLength(2);
    spools.disposeAll();
    expect([...spoolDirs()].filter((d) => !before.has(d))).toHaveLength(0);
  });
});
