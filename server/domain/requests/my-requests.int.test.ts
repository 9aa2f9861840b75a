import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { loadActor } from "../actor";
import { myRequestsWhere } from "./queries";
import { requestCast, submitInput, type RequestCast } from "./request-test-kit";

/**
 * "My requests" (the Requests page, GET /api/v1/requests, the home page's count): made by me, for me, or for a
 * non-human identity I own. The rule is resolved to ids of the identities I own (requests/queries.ts
 * myRequestsWhere) unless I own more than its bound; both forms must find the same requests.
 */
describe(`my requests (${TEST_ENGINE})`, () => {
  let t: TestDb;
  let c: RequestCast;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestDb();
    c = await requestCast(t.prisma);
    ids.mine = (await c.as.employee.requests.submit(submitInput(c.low.id))).id;
    ids.forMyNhi = (await c.as.employee.requests.submit(submitInput(c.low.id, { beneficiaryId: c.nhi.id }))).id;
    ids.forMe = (await c.as.manager.requests.submit(submitInput(c.medium.id, { beneficiaryId: c.employee.id }))).id;
    ids.notMine = (await c.as.peer.requests.submit(submitInput(c.low.id))).id;
  });
  afterAll(async () => t.close());

  const listed = async () => (await c.as.employee.requests.mine({ size: 100 })).rows.map((r) => r.id).sort();
  const expected = () => [ids.mine, ids.forMyNhi, ids.forMe].sort();

  it("lists what I asked for, what was asked for me and for the identities I own, never another's; the home page counts the same", async () => {
    expect(await listed()).toEqual(expected());
    expect((await c.as.employee.home.summary()).work.openRequests).toBe(3);
    expect((await c.as.peer.requests.mine({})).rows.map((r) => r.id)).toEqual([ids.notMine]);
    // The manager asked for Priya: it is his too.
    expect((await c.as.manager.requests.mine({})).rows.map((r) => r.id)).toEqual([ids.forMe]);
  });

  it("finds the same requests when I own more identities than the ids are listed for (a join through the beneficiary then)", async () => {
    const ctx = { db: t.prisma, actor: (await loadActor(t.prisma, c.employee.id))!, now: c.clock.now };
    expect(JSON.stringify(await myRequestsWhere(ctx))).not.toContain("ownerId");
    await t.prisma.identity.createMany({ data: Array.from({ length: 1_001 }, (_, i) => ({ kind: "SERVICE_ACCOUNT" as const, displayName: `svc-bulk-${i}`, ownerId: c.employee.id, purpose: "bulk" })) });
    expect(JSON.stringify(await myRequestsWhere(ctx))).toContain("ownerId");
    expect(await listed()).toEqual(expected());
    expect((await c.as.employee.home.summary()).work.openRequests).toBe(3);
  });
});
