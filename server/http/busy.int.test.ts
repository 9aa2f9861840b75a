/**
 * Contention is not a fault: when every connection of a portal instance is waiting on the same identity's
 * lock and a call cannot even start its transaction in time, the caller gets 429 with Retry-After and a
 * message saying nothing changed, never a 500. Real PostgreSQL, a real lock held by another session, the
 * real tRPC HTTP handler with the portal's response rules.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import pg from "pg";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { lifecycleSnapshot, requestCast, submitInput, type RequestCast } from "../domain/requests/request-test-kit";
import { appRouter } from "../trpc/root";
import { trpcResponseMeta, BUSY_RETRY_AFTER_SECONDS } from "./trpc-endpoint";

describe.skipIf(TEST_ENGINE !== "postgres")("a call that cannot get its turn (PostgreSQL)", () => {
  let t: TestDb;
  let c: RequestCast;
  beforeAll(async () => {
    t = await createTestDb();
    c = await requestCast(t.prisma);
  });
  afterAll(() => t.close());

  it("answers 429 with Retry-After, says nothing changed, and changes nothing", async () => {
    // One portal instance with a single connection and a short wait for it.
    const small = new PrismaClient({ adapter: new PrismaPg({ connectionString: t.url!, max: 1 }), transactionOptions: { maxWait: 1_000, timeout: 60_000 } });
    // Another session holds the employee's identity lock (what a long decision about them would do).
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`identity:${c.employee.id}`]);
    const before = await lifecycleSnapshot(t.prisma);
    const post = (body: unknown) =>
      fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request("http://portal.test/api/trpc/requests.submit?batch=1", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ 0: superjson.serialize(body) }) }),
        router: appRouter,
        responseMeta: trpcResponseMeta,
        createContext: () => ({ db: small, identityId: c.employee.id, now: c.clock.now }),
      });
    try {
      // The first call takes the only connection and waits on the lock; the second cannot start at all.
      const first = post(submitInput(c.low.id));
      const second = await post(submitInput(c.medium.id));
      expect(second.status).toBe(429);
      expect(second.headers.get("retry-after")).toBe(String(BUSY_RETRY_AFTER_SECONDS));
      const body = (await second.json()) as { error: { json: { message: string } } }[];
      expect(body[0]!.error.json.message).toMatch(/Nothing was changed by this call: try again in a moment/);
      await holder.query("ROLLBACK");
      expect((await first).status).toBe(200);
      // Only the first call's request exists; the refused one left nothing behind.
      expect(await t.prisma.accessRequest.count({ where: { entitlementId: c.medium.id } })).toBe(0);
      expect(await t.prisma.accessRequest.count({ where: { entitlementId: c.low.id } })).toBe(before.requests.filter((r) => r.entitlementId === c.low.id).length + 1);
    } finally {
      await holder.end().catch(() => undefined);
      await small.$disconnect();
    }
  });
});
