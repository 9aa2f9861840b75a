import { describe, expect, it } from "vitest";
import { diffLines } from "./schema";

const render = (a: string, b: string) => diffLines(a, b).map((l) => `${l.op === "add" ? "+" : l.op === "remove" ? "-" : " "}${l.text}`);

describe("diffLines (policy version diff)", () => {
  it("keeps identical texts as unchanged lines with both line numbers", () => {
    expect(diffLines("a\nb", "a\nb")).toEqual([
      { op: "same", text: "a", oldLine: 1, newLine: 1 },
      { op: "same", text: "b", oldLine: 2, newLine: 2 },
    ]);
  });

  it("shows an inserted and a removed line, removals first, with line numbers on each side", () => {
    expect(render("a\nb\nc\nd", "a\nc\nX\nd")).toEqual([" a", "-b", " c", "+X", " d"]);
    expect(render("a\nold\nz", "a\nnew\nz")).toEqual([" a", "-old", "+new", " z"]);
    const lines = diffLines("a\nb\nc", "a\nc\nd");
    expect(lines.find((l) => l.text === "b")).toEqual({ op: "remove", text: "b", oldLine: 2, newLine: null });
    expect(lines.find((l) => l.text === "d")).toEqual({ op: "add", text: "d", oldLine: null, newLine: 3 });
  });

  it("reproduces both texts exactly", () => {
    const a = "one\ntwo\nthree\nfour\nfive\n";
    const b = "zero\none\nthree\n3.5\nfive\nsix\n";
    const d = diffLines(a, b);
    expect(d.filter((l) => l.op !== "add").map((l) => l.text).join("\n")).toBe(a);
    expect(d.filter((l) => l.op !== "remove").map((l) => l.text).join("\n")).toBe(b);
  });
});
