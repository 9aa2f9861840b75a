/** Opaque list cursors: they round-trip, belong to one query, and anything else is refused (never trusted). */
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, encodeSeekCursor, MAX_LIMIT, queryFingerprint } from "./cursor";

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
    for (const raw of ["", "!!!", "a".repeat(2049), forge({ v: 2, p: 2, l: 20, q: fp }), forge({ v: 1, p: 0, l: 20, q: fp }), forge({ v: 1, p: 2, l: MAX_LIMIT + 1, q: fp }), forge({ v: 1, p: 1.5, l: 20, q: fp }), forge(null), forge([1])]) {
      expect(decodeCursor(raw, fp).ok, raw.slice(0, 40)).toBe(false);
    }
  });

  it("round-trip a keyset position (a start to the millisecond and an id) for the same query, and stay short", () => {
    const after = { key: "2026-06-01T09:30:00.123Z", id: "0b6c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f" };
    const c = encodeSeekCursor(after, 100, fp);
    expect(c.length).toBeLessThanOrEqual(200);
    expect(decodeCursor(c, fp)).toEqual({ ok: true, page: 1, limit: 100, after });
    expect(decodeCursor(c, queryFingerprint({ status: "APPROVED" })).ok).toBe(false);
  });

  it("refuse keyset cursors that are not well formed: no id, an id that is no UUID, a key too long or not text", () => {
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const id = "0b6c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    for (const c of [{ v: 2, k: "2026-06-01T09:30:00.123Z", l: 20, q: fp }, { v: 2, k: "2026-06-01T09:30:00.123Z", i: "1 OR 1=1", l: 20, q: fp }, { v: 2, k: "x".repeat(201), i: id, l: 20, q: fp }, { v: 2, k: 5, i: id, l: 20, q: fp }, { v: 2, k: "", i: id, l: 20, q: fp }, { v: 2, k: "2026-06-01T09:30:00.123Z", i: id, l: 2, q: fp }]) {
      expect(decodeCursor(forge(c), fp).ok, JSON.stringify(c)).toBe(false);
    }
  });
});
