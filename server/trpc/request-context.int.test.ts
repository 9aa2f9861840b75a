/**
 * One request, one read of the actor: an HTTP batch to /api/trpc and a server render (layout, page and their
 * components) share a context whose actor (identity and roles) is read by the first procedure call and reused by
 * the others (server/trpc/context.ts withActorOnce). What each call may do is unchanged, and the next request
 * reads the roles afresh. A caller kept across requests (tests, scripts) still reads the actor on every call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs, makeHuman } from "../testing/factories";
import { createCallerFactory } from "./init";
import { appRouter } from "./root";
import { withActorOnce } from "./context";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

/** The test database, counting the statements that read an actor (server/domain/actor.ts loadActor). */
function countingActorReads(db: PrismaClient) {
  let reads = 0;
  const proxy = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "$queryRaw") {
        return (strings: TemplateStringsArray, ...values: unknown[]) => {
          if (strings.join("?").includes(`LEFT JOIN "RoleAssignment" r ON r."identityId" = i."id"`)) reads++;
          return (value as (s: TemplateStringsArray, ...v: unknown[]) => unknown).call(target, strings, ...values);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy as PrismaClient, reads: () => reads };
}

/** A caller whose context lives for one request, as /api/trpc and serverCaller give it. */
const oneRequest = (db: PrismaClient, identityId: string | null) => createCallerFactory(appRouter)(withActorOnce({ db, identityId, now: () => new Date() }));

describe(`one request's context (${TEST_ENGINE})`, () => {
  it("reads the actor once for all of a request's calls, side by side or one after another, with the same answers", async () => {
    const p = await makeHuman(t.prisma, { roles: ["AUDITOR"] });
    const counted = countingActorReads(t.prisma);
    const api = oneRequest(counted.db, p.id);
    const [profile, mine] = await Promise.all([api.me.profile(), api.requests.mine({})]);
    const summary = await api.home.summary();
    expect(counted.reads()).toBe(1);
    // The same as three requests of their own, each reading the actor.
    const plain = countingActorReads(t.prisma);
    const each = callerAs(plain.db, p.id);
    expect(await each.me.profile()).toEqual(profile);
    expect(await each.requests.mine({})).toEqual(mine);
    expect((await each.home.summary()).me).toEqual(summary.me);
    expect(plain.reads()).toBe(3);
  });

  it("what the actor may do is checked on every call with the actor it read: an auditor's mutation is still refused", async () => {
    const auditor = await makeHuman(t.prisma, { roles: ["AUDITOR"] });
    const other = await makeHuman(t.prisma);
    const api = oneRequest(t.prisma, auditor.id);
    await api.me.profile();
    const before = await t.prisma.delegation.count();
    await expect(
      api.delegations.create({ toId: other.id, startsAt: new Date(), endsAt: new Date(Date.now() + 86_400_000), reason: "Holiday cover for two weeks" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await t.prisma.delegation.count()).toBe(before);
  });

  it("someone no longer active is refused on every call of the request, and signed-out calls read no actor", async () => {
    const leaver = await makeHuman(t.prisma, { status: "SUSPENDED" });
    const counted = countingActorReads(t.prisma);
    const api = oneRequest(counted.db, leaver.id);
    await expect(api.me.profile()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(api.home.summary()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(counted.reads()).toBe(1);
    const anon = countingActorReads(t.prisma);
    await expect(oneRequest(anon.db, null).home.summary()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(anon.reads()).toBe(0);
  });

  it("the next request reads the roles afresh: a role taken away between two requests is gone in the second", async () => {
    const p = await makeHuman(t.prisma, { roles: ["AUDITOR"] });
    expect((await oneRequest(t.prisma, p.id).me.profile())?.roles).toEqual(["AUDITOR"]);
    await t.prisma.roleAssignment.deleteMany({ where: { identityId: p.id } });
    expect((await oneRequest(t.prisma, p.id).me.profile())?.roles).toEqual([]);
  });
});
