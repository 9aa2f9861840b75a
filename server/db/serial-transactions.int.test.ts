/**
 * Inside an interactive transaction, every statement runs after the previous one (server/db/serial-
 * transactions.ts): node-postgres never sees a second query on a busy connection, which pg 8 only warns
 * about and pg 9 will refuse. Shown on a real PostgreSQL with a query whose relations Prisma loads side by
 * side, against the unwrapped adapter as the control.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { requestCast, submitInput } from "../domain/requests/request-test-kit";

/** Counts queries sent to a pg client that was still busy with another one (what pg 8 warns about). */
function countOverlaps() {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  const seen = { overlaps: 0 };
  proto.query = function (this: { _queryQueue?: unknown[]; activeQuery?: unknown }, ...args: unknown[]) {
    if ((this._queryQueue?.length ?? 0) > 0 || this.activeQuery) seen.overlaps++;
    return original.apply(this, args);
  };
  return { seen, restore: () => void (proto.query = original) };
}

describe.skipIf(TEST_ENGINE !== "postgres")("statements of one transaction run one at a time (PostgreSQL)", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    const c = await requestCast(t.prisma);
    for (const ent of [c.low, c.medium, c.high]) await c.as.employee.requests.submit(submitInput(ent.id));
  });
  afterAll(() => t.close());

  // Several relations per row: Prisma loads them with separate statements, issued together.
  const load = (db: PrismaClient) =>
    db.$transaction((tx) => tx.accessRequest.findMany({ orderBy: { id: "asc" }, include: { steps: true, beneficiary: true, requester: true, entitlement: { include: { system: true } } } }));

  it("the portal's client sends one statement at a time and gets the same rows", async () => {
    const control = new PrismaClient({ adapter: new PrismaPg({ connectionString: t.url!, max: 2 }) });
    const probe = countOverlaps();
    try {
      const unwrapped = await load(control);
      const overlapsUnwrapped = probe.seen.overlaps;
      const wrapped = await load(t.prisma);
      // The control shows the detector works: the plain adapter does overlap on this query.
      expect(overlapsUnwrapped).toBeGreaterThan(0);
      expect(probe.seen.overlaps - overlapsUnwrapped).toBe(0);
      expect(wrapped).toEqual(unwrapped);
      expect(wrapped.length).toBe(3);
    } finally {
      probe.restore();
      await control.$disconnect();
    }
  });
});
