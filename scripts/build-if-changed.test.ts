/**
 * `npm start` reuses the last build when the sources it was built from have not changed, and builds when
 * they have (scripts/build-if-changed.mjs). Run on a small copy of a project tree, with the real script.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error a plain .mjs script without types
import { sourceHash } from "./build-if-changed.mjs";

const tree = mkdtempSync(path.join(tmpdir(), "warrant-build-"));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

function write(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
  writeFileSync(path.join(tree, rel), text);
}

write("app/page.tsx", "export default function Page() { return null; }\n");
write("server/domain/thing.ts", "export const x = 1;\n");
write("package.json", "{}\n");
mkdirSync(path.join(tree, "scripts"), { recursive: true });
copyFileSync(path.resolve("scripts/build-if-changed.mjs"), path.join(tree, "scripts/build-if-changed.mjs"));
const run = () => spawnSync(process.execPath, [path.join(tree, "scripts/build-if-changed.mjs")], { encoding: "utf8" });

describe("scripts/build-if-changed.mjs", () => {
  it("the source hash changes with a source and not with tests, docs or local data", () => {
    const h0: string = sourceHash(tree);
    write("server/domain/thing.test.ts", "it('x', () => {});\n");
    write("server/domain/README.md", "notes\n");
    write(".data/pglite/file", "data\n");
    write("server/db/generated/client.ts", "generated\n");
    expect(sourceHash(tree)).toBe(h0);
    write("server/domain/thing.ts", "export const x = 2;\n");
    expect(sourceHash(tree)).not.toBe(h0);
  });

  it("reuses a complete build of the same sources, and builds when they changed", () => {
    const hash = execFileSync(process.execPath, [path.join(tree, "scripts/build-if-changed.mjs"), "--print-hash"], { encoding: "utf8" }).trim();
    write(".next/BUILD_ID", "abc\n");
    write(".next/warrant-source-hash", `${hash}\n`);
    const reused = run();
    expect(reused.status).toBe(0);
    expect(reused.stdout).toMatch(/^Build: reusing the build of .* \(the sources have not changed since\)/);

    write("app/page.tsx", "export default function Page() { return 'changed'; }\n");
    const rebuilt = run();
    // This copy has no Next.js to build with: what matters is that it set out to build, and said so.
    expect(rebuilt.stdout).toMatch(/^Build: building the portal for production/);
    expect(rebuilt.status).not.toBe(0);
  });
});
