/** IdTable: the verifier's compact memory for a million subjects must never mix two ids up. */
import { describe, expect, it } from "vitest";
import { IdTable } from "./format";

const uuid = (i: number, first = "0") => `${first}${i.toString(16).padStart(7, "0")}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, "0")}`;

describe("IdTable", () => {
  it("keeps every id and its fields through many growths, and gives every id back exactly once", () => {
    const t = new IdTable(2, 16);
    for (let i = 0; i < 50_000; i++) t.fields(uuid(i), true)![0] = i;
    expect(t.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(t.fields(uuid(i))![0]).toBe(i);
    expect(t.fields(uuid(50_000))).toBeNull();
    const back = new Map([...t.entries()].map(([id, f]) => [id, f[0]]));
    expect(back.size).toBe(50_000);
    expect(back.get(uuid(12_345))).toBe(12_345);
  });

  it("ids that differ in one bit anywhere (the all-zero UUID included) are different keys; other ids fall back to a map", () => {
    const t = new IdTable(1);
    const ids = ["00000000-0000-0000-0000-000000000000", "80000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000001", "ffffffff-ffff-ffff-ffff-ffffffffffff", "not-a-uuid", "ABCDEF00-0000-4000-8000-000000000000"];
    ids.forEach((id, i) => (t.fields(id, true)![0] = i + 1));
    ids.forEach((id, i) => expect(t.fields(id)![0], id).toBe(i + 1));
    expect(t.has("abcdef00-0000-4000-8000-000000000000")).toBe(false); // upper case is another id, kept as written
    expect(new Set([...t.entries()].map(([id]) => id))).toEqual(new Set(ids));
  });
});
