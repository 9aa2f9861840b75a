import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { recordEvent, verifyChain, LedgerOutsideTransactionError } from "./ledger";
import { eventHash, GENESIS_HASH } from "./hash";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.close();
});

const ev = (i: number) => ({ actorId: null, action: "test.event", subjectType: "Test", subjectId: `s-${i}`, payload: { i, at: new Date(0), nested: { b: 2, a: 1 } } });

describe(`evidence ledger (${TEST_ENGINE})`, () => {
  it("chains events from the genesis hash with gapless sequence numbers", async () => {
    const first = await t.prisma.$transaction((tx) => recordEvent(tx, ev(1)));
    const second = await t.prisma.$transaction((tx) => recordEvent(tx, ev(2)));
    expect(first.seq).toBe(1n);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.seq).toBe(2n);
    expect(second.prevHash).toBe(first.hash);
    const stored = await t.prisma.ledgerEvent.findUniqueOrThrow({ where: { seq: 2n } });
    // The stored row hashes to its stored hash under the documented rule (so an outside verifier can recompute it).
    expect(
      eventHash(stored.prevHash, {
        seq: "2",
        occurredAt: stored.occurredAt.toISOString(),
        actorId: null,
        onBehalfOfId: null,
        action: "test.event",
        subjectType: "Test",
        subjectId: "s-2",
        payload: { i: 2, at: "1970-01-01T00:00:00.000Z", nested: { a: 1, b: 2 } },
      }),
    ).toBe(stored.hash);
    expect(await verifyChain(t.prisma)).toMatchObject({ checked: 2, firstBroken: null });
  });

  it("rolls back with the transaction: a failed change leaves no event and no gap", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(
      t.prisma.$transaction(async (tx) => {
        await recordEvent(tx, ev(99));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
    const next = await t.prisma.$transaction((tx) => recordEvent(tx, ev(3)));
    expect(next.seq).toBe(BigInt(before + 1));
  });

  it("refuses to write outside a transaction and writes nothing", async () => {
    const before = await t.prisma.ledgerEvent.count();
    await expect(recordEvent(t.prisma, ev(4))).rejects.toBeInstanceOf(LedgerOutsideTransactionError);
    expect(await t.prisma.ledgerEvent.count()).toBe(before);
  });

  it("keeps the chain linear and gapless under parallel writers", async () => {
    const before = await t.prisma.ledgerEvent.count();
    const writers = 24;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        t.prisma.$transaction(async (tx) => {
          // Some work before and after the append, as a real service would do.
          await tx.$executeRaw`SELECT pg_sleep(0.005)`;
          await recordEvent(tx, ev(1000 + i));
          await tx.$executeRaw`SELECT pg_sleep(0.005)`;
        }),
      ),
    );
    const rows = await t.prisma.ledgerEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows).toHaveLength(before + writers);
    rows.forEach((r, i) => {
      expect(r.seq).toBe(BigInt(i + 1));
      expect(r.prevHash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1].hash);
    });
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length); // no fork: every prevHash used once
    expect(await verifyChain(t.prisma)).toMatchObject({ checked: rows.length, firstBroken: null });
  });

  it.each([
    ["UPDATE", `UPDATE "LedgerEvent" SET "action" = 'forged' WHERE "seq" = 1`],
    ["DELETE", `DELETE FROM "LedgerEvent" WHERE "seq" = 1`],
    ["TRUNCATE", `TRUNCATE "LedgerEvent"`],
  ])("refuses %s on the ledger table and changes nothing", async (op, sql) => {
    const before = await t.prisma.ledgerEvent.findMany({ orderBy: { seq: "asc" } });
    await expect(t.rawSql(sql)).rejects.toThrow(new RegExp(`append-only: ${op}`));
    expect(await t.prisma.ledgerEvent.findMany({ orderBy: { seq: "asc" } })).toEqual(before);
  });

  it("catches a corrupted row written behind the triggers' back, naming the first broken link", async () => {
    const total = await t.prisma.ledgerEvent.count();
    expect((await verifyChain(t.prisma)).firstBroken).toBeNull();
    await t.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "payload" = '{"i": 666}' WHERE "seq" = 3;
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    const res = await verifyChain(t.prisma);
    expect(res.firstBroken).toMatchObject({ seq: 3n });
    expect(res.firstBroken!.reason).toMatch(/hash mismatch/);
    expect(res.checked).toBe(3);
    expect(total).toBeGreaterThan(3);
  });
});

describe(`ledger verification of a deleted event (${TEST_ENGINE})`, () => {
  it("reports a sequence gap when an event is removed", async () => {
    const db = await createTestDb();
    try {
      for (let i = 0; i < 5; i++) await db.prisma.$transaction((tx) => recordEvent(tx, ev(i)));
      await db.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
        DELETE FROM "LedgerEvent" WHERE "seq" = 4;
        ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
      const res = await verifyChain(db.prisma, 2);
      expect(res.firstBroken).toMatchObject({ seq: 5n });
      expect(res.firstBroken!.reason).toMatch(/sequence gap: expected seq 4/);
    } finally {
      await db.close();
    }
  });
});
