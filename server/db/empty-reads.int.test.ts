/**
 * The portal's database client answers Prisma's never-matching relation reads itself (server/db/empty-reads.ts):
 * on both engines, the pages' queries give the same results as a client without it, fewer statements reach the
 * database, and every statement it answered, sent to the database anyway, comes back with no rows and the
 * same columns. Inside a transaction too.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, SqlQuery } from "@prisma/driver-adapter-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs } from "../testing/factories";
import { requestCast, submitInput, type RequestCast } from "../domain/requests/request-test-kit";
import { neverMatchingSelect, withEmptyReadsAnswered } from "./empty-reads";
import { withSerialTransactions } from "./serial-transactions";

/** A factory whose adapters (and their transactions) note every statement that reaches the database. */
function recording(factory: SqlMigrationAwareDriverAdapterFactory, sent: SqlQuery[]): SqlMigrationAwareDriverAdapterFactory {
  const noting = <T extends object>(o: T): T =>
    new Proxy(o, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver) as unknown;
        if (typeof value !== "function") return value;
        const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(t);
        if (prop === "queryRaw") return (q: SqlQuery) => (sent.push(q), bound(q));
        if (prop === "connect" || prop === "startTransaction") return async (...a: unknown[]) => noting((await bound(...a)) as object);
        return bound;
      },
    });
  return noting(factory);
}

describe(`never-matching relation reads are answered without the database (${TEST_ENGINE})`, () => {
  let t: TestDb;
  let c: RequestCast;
  let plainFactory: () => SqlMigrationAwareDriverAdapterFactory;
  beforeAll(async () => {
    t = await createTestDb();
    c = await requestCast(t.prisma);
    await c.as.employee.requests.submit(submitInput(c.low.id));
    await c.as.employee.requests.submit(submitInput(c.medium.id));
    // As the portal opens them (server/db.ts), less the answering: PostgreSQL's with serial transactions.
    plainFactory = () => (t.url ? withSerialTransactions(new PrismaPg({ connectionString: t.url, max: 2 })) : new PrismaPGlite(t.pglite!));
  });
  afterAll(() => t.close());

  it("the same results as without it, with fewer statements sent, and each answered one empty in the database too", async () => {
    const plainSent: SqlQuery[] = [];
    const portalSent: SqlQuery[] = [];
    const plain = new PrismaClient({ adapter: recording(plainFactory(), plainSent) });
    const portal = new PrismaClient({ adapter: withEmptyReadsAnswered(recording(plainFactory(), portalSent)) });
    try {
      const calls = (db: PrismaClient) => [
        ...[c.employee, c.manager, c.owner, c.loner].flatMap((p) => [callerAs(db, p.id, c.clock.now).home.summary(), callerAs(db, p.id, c.clock.now).requests.mine({})]),
        callerAs(db, c.manager.id, c.clock.now).approvals.inbox({}),
      ];
      const expected = [];
      for (const call of calls(plain)) expected.push(await call);
      const got = [];
      for (const call of calls(portal)) got.push(await call);
      expect(got).toEqual(expected);

      const answered = plainSent.filter((q) => neverMatchingSelect(q.sql));
      expect(answered.length).toBeGreaterThan(0);
      expect(portalSent.length).toBe(plainSent.length - answered.length);
      expect(portalSent.filter((q) => neverMatchingSelect(q.sql))).toEqual([]);

      // Each answered statement, asked of the database: no rows, and the columns named as answered.
      const direct = (await plainFactory().connect()) as SqlDriverAdapter;
      try {
        for (const q of answered) {
          const fromDb = await direct.queryRaw(q);
          expect(fromDb.rows, q.sql).toEqual([]);
          expect(neverMatchingSelect(q.sql), q.sql).toEqual(fromDb.columnNames);
        }
      } finally {
        await direct.dispose();
      }
    } finally {
      await plain.$disconnect();
      await portal.$disconnect();
    }
  });

  it("inside a transaction: answered there too, and the transaction's other statements still run and commit", async () => {
    const sent: SqlQuery[] = [];
    const portal = new PrismaClient({ adapter: withEmptyReadsAnswered(recording(plainFactory(), sent)) });
    try {
      const before = await t.prisma.identity.findUniqueOrThrow({ where: { id: c.loner.id }, select: { title: true } });
      const out = await portal.$transaction(async (tx) => {
        const none = await tx.identity.findMany({ where: { id: { in: [] } }, include: { manager: true } });
        const loner = await tx.identity.findMany({ where: { id: c.loner.id }, select: { id: true, manager: { select: { id: true } } } });
        await tx.identity.update({ where: { id: c.loner.id }, data: { title: "Answered in a transaction" } });
        return { none, loner };
      });
      expect(out.none).toEqual([]);
      expect(out.loner).toEqual([{ id: c.loner.id, manager: null }]);
      expect(sent.some((q) => q.sql.includes("IN (NULL)"))).toBe(false);
      expect((await t.prisma.identity.findUniqueOrThrow({ where: { id: c.loner.id }, select: { title: true } })).title).toBe("Answered in a transaction");
      await t.prisma.identity.update({ where: { id: c.loner.id }, data: { title: before.title } });
    } finally {
      await portal.$disconnect();
    }
  });
});
