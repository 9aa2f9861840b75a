import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { recordEvent, recordEvents, verifyChain, withDeferredLedger } from "./ledger";
import { GENESIS_HASH } from "./hash";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.close();
});

const ev = (i: number, extra: Record<string, unknown> = {}) => ({ actorId: null, action: "test.event", subjectType: "Test", subjectId: `s-${i}`, payload: { i, ...extra } });

async function chain() {
  return t.prisma.ledgerEvent.findMany({ orderBy: { seq: "asc" } });
}

function expectLinear(rows: Awaited<ReturnType<typeof chain>>) {
  rows.forEach((r, i) => {
    expect(r.seq).toBe(BigInt(i + 1));
    expect(r.prevHash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]!.hash);
  });
}

describe(`deferred and batched ledger appends (${TEST_ENGINE})`, () => {
  it("appends a transaction's deferred events at its end, in the order recorded, with the time and payload recorded", async () => {
    const before = await t.prisma.ledgerEvent.count();
    const at = new Date("2026-12-01T10:00:00.123Z");
    await t.prisma.$transaction((tx) =>
      withDeferredLedger(tx, async () => {
        const payload: Record<string, unknown> = { step: "first" };
        await recordEvent(tx, { ...ev(1), payload, occurredAt: at });
        payload.step = "changed after recording"; // what was recorded is what is appended
        await recordEvent(tx, ev(2));
        // Nothing is appended until the end.
        expect(await tx.ledgerEvent.count()).toBe(before);
      }),
    );
    const rows = await chain();
    expect(rows.slice(before).map((r) => [r.subjectId, r.payload])).toEqual([
      ["s-1", { step: "first" }],
      ["s-2", { i: 2 }],
    ]);
    expect(rows[before]!.occurredAt.toISOString()).toBe(at.toISOString());
    expectLinear(rows);
    expect(await verifyChain(t.prisma)).toMatchObject({ firstBroken: null });
  });

  it("defers recordEvents inside the block too, keeping the order of recording across both calls", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await t.prisma.$transaction((tx) =>
      withDeferredLedger(tx, async () => {
        await recordEvent(tx, ev(21));
        await recordEvents(tx, [ev(22), ev(23)]);
        await recordEvent(tx, ev(24));
        // The batch did not take the head early: nothing is appended until the end.
        expect(await tx.ledgerEvent.count()).toBe(before);
      }),
    );
    const rows = await chain();
    expect(rows.slice(before).map((r) => r.subjectId)).toEqual(["s-21", "s-22", "s-23", "s-24"]);
    expectLinear(rows);
  });

  it("refuses to hand out a deferred event's seq or hash before the append", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(
      t.prisma.$transaction((tx) =>
        withDeferredLedger(tx, async () => {
          const e = await recordEvent(tx, ev(3));
          return e.seq;
        }),
      ),
    ).rejects.toThrow(/appended at the end of the transaction/);
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
  });

  it("rolls back with the transaction: nothing appended, no gap", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(
      t.prisma.$transaction((tx) =>
        withDeferredLedger(tx, async () => {
          await recordEvent(tx, ev(4));
          throw new Error("the change failed");
        }),
      ),
    ).rejects.toThrow("the change failed");
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
    const next = await t.prisma.$transaction((tx) => recordEvent(tx, ev(5)));
    expect(next.seq).toBe(BigInt(before + 1));
  });

  it("refuses a payload that is not plain JSON where it is recorded, and writes nothing", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(t.prisma.$transaction((tx) => withDeferredLedger(tx, () => recordEvent(tx, ev(6, { bad: Number.NaN }))))).rejects.toThrow(/non-finite/);
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
  });

  it("refuses to defer outside a transaction and writes nothing", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(withDeferredLedger(t.prisma, () => recordEvent(t.prisma, ev(7)))).rejects.toThrow(/interactive transaction/);
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
  });

  it("appends a batch larger than one statement holds, as one linear chain", async () => {
    const before = await t.prisma.ledgerEvent.count();
    const out = await t.prisma.$transaction((tx) => recordEvents(tx, Array.from({ length: 2345 }, (_, i) => ev(10_000 + i))), { timeout: 120_000 });
    expect(out).toHaveLength(2345);
    expect(out[0]!.seq).toBe(BigInt(before + 1));
    const rows = await chain();
    expect(rows).toHaveLength(before + 2345);
    expect(rows.at(-1)!.hash).toBe(out.at(-1)!.hash);
    expectLinear(rows);
    const head = await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
    expect([head.seq, head.hash]).toEqual([rows.at(-1)!.seq, rows.at(-1)!.hash]);
    expect(await verifyChain(t.prisma)).toMatchObject({ checked: rows.length, firstBroken: null });
  });

  it("keeps the chain linear and gapless with deferred, batched and immediate writers in parallel", async () => {
    const before = await t.prisma.ledgerEvent.count();
    const writers = 24;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        t.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_sleep(0.005)`;
          if (i % 3 === 0) {
            await withDeferredLedger(tx, async () => {
              await recordEvent(tx, ev(2000 + i));
              await tx.$executeRaw`SELECT pg_sleep(0.005)`;
              await recordEvent(tx, ev(3000 + i));
            });
          } else if (i % 3 === 1) {
            await recordEvents(tx, [ev(2000 + i), ev(3000 + i)]);
          } else {
            await recordEvent(tx, ev(2000 + i));
            await recordEvent(tx, ev(3000 + i));
          }
          await tx.$executeRaw`SELECT pg_sleep(0.005)`;
        }),
      ),
    );
    const rows = await chain();
    expect(rows).toHaveLength(before + 2 * writers);
    expectLinear(rows);
    // A transaction's two events are adjacent: nobody else's event lands between them.
    for (let i = 0; i < writers; i++) {
      const a = rows.findIndex((r) => r.subjectId === `s-${2000 + i}`);
      expect(rows[a + 1]!.subjectId).toBe(`s-${3000 + i}`);
    }
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length);
    expect(await verifyChain(t.prisma)).toMatchObject({ firstBroken: null });
  });

  // PGlite runs one transaction at a time, so another writer cannot even start there while one is open.
  it.skipIf(TEST_ENGINE === "pglite")("holds the head only from the append: another writer commits while a deferred transaction is still working", async () => {
    const before = await t.prisma.ledgerEvent.count();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let recorded!: () => void;
    const hasRecorded = new Promise<void>((r) => (recorded = r));
    const slow = t.prisma.$transaction((tx) =>
      withDeferredLedger(tx, async () => {
        await recordEvent(tx, ev(50));
        recorded();
        await gate; // still working after its event was recorded
      }),
    );
    await hasRecorded;
    // Without deferral this would wait for `slow` to commit, which waits for this: a deadlock.
    const other = await t.prisma.$transaction((tx) => recordEvent(tx, ev(51)));
    release();
    await slow;
    const rows = await chain();
    expect(other.seq).toBe(BigInt(before + 1));
    expect(rows.slice(before).map((r) => r.subjectId)).toEqual(["s-51", "s-50"]);
    expectLinear(rows);
  });
});
