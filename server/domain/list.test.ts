import { describe, expect, it } from "vitest";
import { cappedTotal, COUNT_CAP, countBound, likePattern } from "./list";

describe("capped counts", () => {
  it("look one past COUNT_CAP, or one past the end of the page being read when that is further", () => {
    expect(countBound({ page: 1, size: 25 })).toBe(COUNT_CAP + 1);
    expect(countBound({ page: 40, size: 25 })).toBe(COUNT_CAP + 1);
    expect(countBound({ page: 41, size: 25 })).toBe(1026);
  });

  it("are exact below the bound and a lower bound ('N+') at it", () => {
    expect(cappedTotal(0, { page: 1, size: 25 })).toEqual({ total: 0, totalCapped: false });
    expect(cappedTotal(COUNT_CAP, { page: 1, size: 25 })).toEqual({ total: COUNT_CAP, totalCapped: false });
    expect(cappedTotal(COUNT_CAP + 1, { page: 1, size: 25 })).toEqual({ total: COUNT_CAP, totalCapped: true });
    expect(cappedTotal(1026, { page: 41, size: 25 })).toEqual({ total: 1025, totalCapped: true });
  });
});

describe("likePattern", () => {
  it("wraps the term and escapes LIKE's wildcards and escape character", () => {
    expect(likePattern("ann")).toBe("%ann%");
    expect(likePattern("50%_x\\")).toBe("%50\\%\\_x\\\\%");
  });
});
