/** Opaque list cursors: they round-trip, belong to one query, and anything else is refused (never trusted). */
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, MAX_LIMIT, queryFingerprint } from "./cursor";

describe("list cursors", () => {
  const fp = queryFingerprint({ status: "PENDING", sort: "createdAt" });

  it("round-trip the page and limit for the same query, whatever the order of its parameters", () => {
    const c = encodeCursor(3, 20, fp);
    expect(decodeCursor(c, queryFingerprint({ sort: "createdAt", status: "PENDING" }))).toEqual({ ok: true, page: 3, limit: 20 });
  });

  it("refuse a cursor of another query", () => {
    const c = encodeCursor(2, 20, fp);
    const out = decodeCursor(c, queryFingerprint({ status: "APPROVED" }));
    expect(out.ok).toBe(false);
  });

  it("refuse forged or damaged cursors: bad text, wrong version, out-of-range page or limit", () => {
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    for (const raw of ["", "!!!", "a".repeat(201), forge({ v: 2, p: 2, l: 20, q: fp }), forge({ v: 1, p: 0, l: 20, q: fp }), forge({ v: 1, p: 2, l: MAX_LIMIT + 1, q: fp }), forge({ v: 1, p: 1.5, l: 20, q: fp }), forge(null), forge([1])]) {
      expect(decodeCursor(raw, fp).ok, raw.slice(0, 40)).toBe(false);
    }
  });
});
