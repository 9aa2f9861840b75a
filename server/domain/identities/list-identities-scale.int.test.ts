import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeSystem } from "../../testing/factories";
import { COUNT_CAP } from "../list";

let db: TestDb;
let viewerId: string;
const N = COUNT_CAP + 30;

/** A directory bigger than the count cap: 1,030 "Member nnnn" people (Platform), plus the viewer (an admin). */
beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  viewerId = (await makeHuman(p, { name: "Zed Viewer", department: "Security", roles: ["ADMIN"] })).id;
  await p.identity.createMany({
    data: Array.from({ length: N }, (_, i) => ({
      kind: "HUMAN" as const,
      displayName: `Member ${String(i).padStart(4, "0")}`,
      email: `member-${i}@scale.test`,
      department: "Platform",
    })),
  });
  const sys = await makeSystem(p, viewerId);
  const ent = await makeEntitlement(p, sys.id);
  const ent2 = await makeEntitlement(p, sys.id);
  const m0 = await p.identity.findFirstOrThrow({ where: { displayName: "Member 0000" } });
  await makeGrant(p, m0.id, ent.id);
  await makeGrant(p, m0.id, ent2.id);
});
afterAll(async () => {
  await db.close();
});

const api = () => callerAs(db.prisma, viewerId);

describe("identities.list over more matches than the count cap", () => {
  it("says '1,000+' (a capped total) instead of counting every match, and pages on past it", async () => {
    const first = await api().identities.list({ q: "member" });
    expect(first).toMatchObject({ total: COUNT_CAP, totalCapped: true, page: 1, size: 25 });
    expect(first.rows.map((r) => r.displayName).slice(0, 2)).toEqual(["Member 0000", "Member 0001"]);
    expect(first.rows[0].activeGrantCount).toBe(2);
    expect(first.rows[1].activeGrantCount).toBe(0);
    // The count reaches as far as the page being read: page 41 of 25 (rows 1,001–1,025) still says "more".
    const p41 = await api().identities.list({ q: "member", page: 41 });
    expect(p41).toMatchObject({ total: 41 * 25, totalCapped: true });
    expect(p41.rows.map((r) => r.displayName)[0]).toBe("Member 1000");
    // The last page: the count is exact again.
    const p42 = await api().identities.list({ q: "member", page: 42 });
    expect(p42).toMatchObject({ total: N, totalCapped: false });
    expect(p42.rows.map((r) => r.displayName)).toEqual(Array.from({ length: N - 41 * 25 }, (_, i) => `Member ${1025 + i}`));
  });

  it("counts exactly when the matches are fewer than the cap", async () => {
    expect(await api().identities.list({ q: "member 09" })).toMatchObject({ total: 100, totalCapped: false });
    expect(await api().identities.list({ q: "member-1029@" })).toMatchObject({ total: 1, totalCapped: false });
    // The whole directory (no term) is over the cap too.
    expect(await api().identities.list({})).toMatchObject({ total: COUNT_CAP, totalCapped: true });
    expect(await api().identities.list({ department: "Security" })).toMatchObject({ total: 1, totalCapped: false });
  });
});
