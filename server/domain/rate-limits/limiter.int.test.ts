/**
 * Rate-limit counters in the database: exact under concurrency, shared by instances (two Prisma clients on
 * one PostgreSQL), per window, weighted (a tRPC batch counts each call), swept when their window is over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { consume, counterKey, sweepRateLimitCounters, type Bucket } from "./limiter";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const WINDOW = 60;
/** A moment well inside a window, so every attempt of a test lands in the same one. */
const at = (windowIndex: number, secondsIn = 10) => new Date((windowIndex * WINDOW + secondsIn) * 1000);
let n = 0;
const bucket = (limit: number, weight = 1): Bucket => ({ scope: "test", subject: `subject-${++n}`, limit, weight });

describe("rate-limit counters", () => {
  it("admits exactly the limit per window, then refuses with the seconds until the window ends", async () => {
    const b = bucket(3);
    const now = at(1000, 15);
    const outs = [];
    for (let i = 0; i < 5; i++) outs.push(await consume(db.prisma, [b], now, WINDOW));
    expect(outs.map((o) => o.ok)).toEqual([true, true, true, false, false]);
    expect(outs[3]).toEqual({ ok: false, scope: "test", limit: 3, retryAfterSeconds: 45 });
    // The next window starts afresh.
    expect(await consume(db.prisma, [b], at(1001, 0), WINDOW)).toEqual({ ok: true });
  });

  it("counts every call of a batch: a weight that would pass the limit is refused", async () => {
    const b = bucket(10);
    const now = at(2000);
    expect(await consume(db.prisma, [{ ...b, weight: 6 }], now, WINDOW)).toEqual({ ok: true });
    expect(await consume(db.prisma, [{ ...b, weight: 5 }], now, WINDOW)).toMatchObject({ ok: false });
  });

  it("refuses when any bucket is over (per address and per person together), naming that bucket", async () => {
    const address: Bucket = { scope: "calls-address", subject: `addr-${++n}`, limit: 100 };
    const person: Bucket = { scope: "calls-person", subject: `person-${++n}`, limit: 1 };
    const now = at(3000);
    expect(await consume(db.prisma, [address, person], now, WINDOW)).toEqual({ ok: true });
    expect(await consume(db.prisma, [address, person], now, WINDOW)).toMatchObject({ ok: false, scope: "calls-person" });
  });

  it("a limit of 0 is off: nothing is counted or refused", async () => {
    const b = bucket(0);
    for (let i = 0; i < 3; i++) expect(await consume(db.prisma, [b], at(4000), WINDOW)).toEqual({ ok: true });
    expect(await db.prisma.rateLimitCounter.count({ where: { key: counterKey(b.scope, b.subject) } })).toBe(0);
  });

  it("stores a hash of the subject, never the address or email itself", async () => {
    const subject = `203.0.113.9|someone-${++n}@example.test`;
    await consume(db.prisma, [{ scope: "signin-account", subject, limit: 5 }], at(5000), WINDOW);
    const rows = await db.prisma.rateLimitCounter.findMany({ where: { key: { startsWith: "signin-account:" } } });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.key).toMatch(/^signin-account:[0-9a-f]{32}$/);
  });

  it("admits exactly the limit under concurrent attempts", async () => {
    const b = bucket(25);
    const outs = await Promise.all(Array.from({ length: 60 }, () => consume(db.prisma, [b], at(6000), WINDOW)));
    expect(outs.filter((o) => o.ok)).toHaveLength(25);
  });

  it("sweeps counters whose window is over, and only those", async () => {
    const old = bucket(5);
    const current = bucket(5);
    await consume(db.prisma, [old], at(7000), WINDOW);
    await consume(db.prisma, [current], at(7001), WINDOW);
    await sweepRateLimitCounters(db.prisma, at(7001, 1));
    expect(await db.prisma.rateLimitCounter.count({ where: { key: counterKey(old.scope, old.subject) } })).toBe(0);
    expect(await db.prisma.rateLimitCounter.count({ where: { key: counterKey(current.scope, current.subject) } })).toBe(1);
  });

  it.runIf(TEST_ENGINE === "postgres")("two portal instances (two Prisma clients) share the counters exactly under parallel attempts", async () => {
    const a = openDb({ url: db.url! });
    const b = openDb({ url: db.url! });
    try {
      const limit = 40;
      const addr: Bucket = { scope: "calls-address", subject: `shared-${++n}`, limit };
      const now = at(8000);
      const outs = await Promise.all(Array.from({ length: 150 }, (_, i) => consume((i % 2 ? a : b).prisma, [addr], now, WINDOW)));
      expect(outs.filter((o) => o.ok)).toHaveLength(limit);
      const row = await db.prisma.rateLimitCounter.findFirstOrThrow({ where: { key: counterKey(addr.scope, addr.subject) } });
      expect(row.count).toBe(150);
      // Weighted batches through both instances: admitted calls never pass the limit either.
      const batch: Bucket = { scope: "calls-person", subject: `person-${++n}`, limit: 100 };
      const batches = await Promise.all(Array.from({ length: 40 }, (_, i) => consume((i % 2 ? a : b).prisma, [{ ...batch, weight: 7 }], now, WINDOW)));
      expect(batches.filter((o) => o.ok)).toHaveLength(Math.floor(100 / 7));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
