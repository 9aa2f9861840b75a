import { describe, expect, it } from "vitest";
import { SharedRun } from "./shared-run";

/** A computation the test settles by hand, counting how often it was started. */
function computations<T>() {
  const made: { resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  const compute = () =>
    new Promise<T>((resolve, reject) => {
      made.push({ resolve, reject });
    });
  return { made, compute };
}

const settled = () => new Promise((r) => setImmediate(r));

describe("SharedRun: one computation for the callers at once", () => {
  it("gives callers at once with the same owner and key one computation and its value", async () => {
    const s = new SharedRun<number>(2_000);
    const owner = {};
    const c = computations<number>();
    const calls = [s.run(owner, "7", 1_000, c.compute), s.run(owner, "7", 1_000, c.compute), s.run(owner, "7", 2_999, c.compute)];
    expect(c.made).toHaveLength(1);
    expect(s.started(owner)).toBe(1);
    c.made[0]!.resolve(42);
    expect(await Promise.all(calls)).toEqual([42, 42, 42]);
  });

  it("never joins another key (a later state), another owner (another database) or a computation started too long ago or later", async () => {
    const s = new SharedRun<string>(2_000);
    const owner = {};
    const c = computations<string>();
    const first = s.run(owner, "7", 10_000, c.compute);
    const laterHead = s.run(owner, "8", 10_000, c.compute);
    const otherDb = s.run({}, "7", 10_000, c.compute);
    const pastWindow = s.run(owner, "7", 12_001, c.compute);
    expect(c.made).toHaveLength(4);
    // The computation of the later clock replaced the first for key 7: a clock before its start does not join it.
    const earlierClock = s.run(owner, "7", 11_000, c.compute);
    expect(c.made).toHaveLength(5);
    expect(s.started(owner)).toBe(4);
    c.made.forEach((m, i) => m.resolve(`v${i}`));
    expect(await Promise.all([first, laterHead, otherDb, pastWindow, earlierClock])).toEqual(["v0", "v1", "v2", "v3", "v4"]);
  });

  it("keeps nothing once a computation settles: the next caller computes afresh", async () => {
    const s = new SharedRun<number>(2_000);
    const owner = {};
    const c = computations<number>();
    const one = s.run(owner, "7", 0, c.compute);
    c.made[0]!.resolve(1);
    expect(await one).toBe(1);
    await settled();
    const two = s.run(owner, "7", 0, c.compute);
    expect(c.made).toHaveLength(2);
    c.made[1]!.resolve(2);
    expect(await two).toBe(2);
  });

  it("gives a failure to every caller that joined, and the next caller starts over", async () => {
    const s = new SharedRun<number>(2_000);
    const owner = {};
    const c = computations<number>();
    const a = s.run(owner, "7", 0, c.compute);
    const b = s.run(owner, "7", 0, c.compute);
    c.made[0]!.reject(new Error("database gone"));
    await expect(a).rejects.toThrow("database gone");
    await expect(b).rejects.toThrow("database gone");
    await settled();
    const again = s.run(owner, "7", 0, c.compute);
    expect(c.made).toHaveLength(2);
    c.made[1]!.resolve(3);
    expect(await again).toBe(3);
  });

  it("does not forget a newer computation of the same key when an older one settles", async () => {
    const s = new SharedRun<number>(2_000);
    const owner = {};
    const c = computations<number>();
    const old = s.run(owner, "7", 0, c.compute);
    const newer = s.run(owner, "7", 5_000, c.compute);
    c.made[0]!.resolve(1);
    expect(await old).toBe(1);
    await settled();
    const joins = s.run(owner, "7", 5_500, c.compute);
    expect(c.made).toHaveLength(2);
    c.made[1]!.resolve(2);
    expect(await Promise.all([newer, joins])).toEqual([2, 2]);
  });
});
