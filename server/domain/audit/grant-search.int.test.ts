/**
 * The audit grant search at scale (issue 13): the term is resolved on identities / entitlements / systems
 * first, the count stops at the cap, and the default order can seek (`after`) instead of skipping rows.
 * What must not change: which grants a term finds (holder name, holder email, entitlement name, system name,
 * case-insensitive substring; a UUID as a grant or request id). The reference below is the relation filter
 * the search used before (Prisma's `contains` over the joined tables), run on the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import type { Prisma } from "../../db/generated/client";
import { COUNT_CAP, type TAfter } from "../list";
import { SEARCH_IDS_CAP } from "./grant-search";

let db: TestDb;
let auditor: ReturnType<typeof callerAs>;
const ids = {} as Record<"novak" | "weber" | "svc" | "deployer" | "reader", string>;
const grantIds: string[] = [];

/** The search as it was: the relation filter over holder, entitlement and system, and the id shortcut. */
function oldWhere(q: string): Prisma.GrantWhereInput {
  return {
    OR: [
      { identity: { displayName: { contains: q, mode: "insensitive" } } },
      { identity: { email: { contains: q, mode: "insensitive" } } },
      { entitlement: { name: { contains: q, mode: "insensitive" } } },
      { entitlement: { system: { name: { contains: q, mode: "insensitive" } } } },
      ...(/^[0-9a-f-]{36}$/i.test(q) ? [{ id: q }, { requestId: q }] : []),
    ],
  };
}

/** Every grant of a search, page by page through the portal's page numbers. */
async function allByPages(input: Record<string, unknown>, size = 200): Promise<string[]> {
  const out: string[] = [];
  for (let page = 1; ; page++) {
    const p = await auditor.audit.grants({ ...input, page, size });
    out.push(...p.rows.map((r) => r.id));
    if (p.rows.length < size) return out;
  }
}

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  const me = await makeHuman(p, { name: "Ines Auditor", roles: ["AUDITOR"] });
  auditor = callerAs(p, me.id);
  const novak = await makeHuman(p, { name: "Ada Novak" });
  const weber = await makeHuman(p, { name: "Ben Weber" });
  const svc = await makeNhi(p, weber.id, { name: "nightly-export" });
  const ledger = await makeSystem(p, me.id, { name: "Payments Ledger" });
  const crm = await makeSystem(p, me.id, { name: "CRM" });
  const deployer = await makeEntitlement(p, crm.id, { name: "deployer-prod" });
  const reader = await makeEntitlement(p, ledger.id, { name: "reader" });
  Object.assign(ids, { novak: novak.id, weber: weber.id, svc: svc.id, deployer: deployer.id, reader: reader.id });
  // 150 grants over 3 holders × 2 entitlements, on 6 distinct start times only (25 share each, to the ms).
  const base = Date.UTC(2026, 5, 1, 9, 30, 0, 123);
  const rows: Prisma.GrantCreateManyInput[] = [];
  for (let k = 0; k < 150; k++) {
    const holder = [novak.id, weber.id, svc.id][k % 3]!;
    const ent = [deployer.id, reader.id][k % 2]!;
    rows.push({ id: randomUUID(), identityId: holder, entitlementId: ent, status: k % 5 === 0 ? "REVOKED" : "ACTIVE", origin: "IMPORTED", startsAt: new Date(base + (k % 6) * 3_600_000) });
  }
  await p.grant.createMany({ data: rows });
  grantIds.push(...rows.map((r) => r.id!));
});
afterAll(async () => {
  await db.close();
});

describe(`audit grant search (${TEST_ENGINE})`, () => {
  it("finds the same grants as before for a holder's name or email, an entitlement, a system, in any case, and by id", async () => {
    const one = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantIds[7]! } });
    const email = (await db.prisma.identity.findUniqueOrThrow({ where: { id: ids.novak } })).email!;
    const terms = ["novak", "NOVAK", "ada nov", email.slice(0, 12).toUpperCase(), "deployer", "DEPLOY", "reader", "payments ledger", "crm", "ledger", "nightly", "e", "Weber", "no such thing anywhere", one.id, one.id.toUpperCase(), randomUUID()];
    for (const q of terms) {
      const expected = (await db.prisma.grant.findMany({ where: oldWhere(q), select: { id: true } })).map((g) => g.id).sort();
      const got = await allByPages({ q });
      expect(got.slice().sort(), q).toEqual(expected);
      expect(new Set(got).size, q).toBe(got.length);
      const page = await auditor.audit.grants({ q, size: 200 });
      expect(page.total, q).toBe(expected.length);
    }
    expect((await auditor.audit.grants({ q: one.id })).rows.map((r) => r.id)).toEqual([one.id]);
  });

  it("combines the term with status, origin, holder and entitlement filters as before", async () => {
    const cases: [Record<string, unknown>, Prisma.GrantWhereInput][] = [
      [{ q: "novak", status: "REVOKED" }, { ...oldWhere("novak"), status: "REVOKED" }],
      [{ q: "ledger", origin: "IMPORTED", identityId: ids.weber }, { ...oldWhere("ledger"), origin: "IMPORTED", identityId: ids.weber }],
      [{ q: "e", entitlementId: ids.deployer, status: "ACTIVE" }, { ...oldWhere("e"), entitlementId: ids.deployer, status: "ACTIVE" }],
      [{ origin: "REQUEST" }, { origin: "REQUEST" }],
    ];
    for (const [input, where] of cases) {
      const expected = (await db.prisma.grant.findMany({ where, select: { id: true } })).map((g) => g.id).sort();
      expect((await allByPages(input)).sort(), JSON.stringify(input)).toEqual(expected);
    }
  });

  it("takes % and _ in a term as plain characters", async () => {
    const odd = await makeHuman(db.prisma, { name: "Odd 50%_off" });
    const g = await db.prisma.grant.create({ data: { identityId: odd.id, entitlementId: ids.reader, status: "ACTIVE", origin: "IMPORTED", startsAt: new Date(Date.UTC(2025, 0, 1)) } });
    expect((await auditor.audit.grants({ q: "50%_" })).rows.map((r) => r.id)).toEqual([g.id]);
    // Not a wildcard: "%" alone matches only names with a "%" in them.
    expect((await auditor.audit.grants({ q: "%" })).rows.map((r) => r.id)).toEqual([g.id]);
    await db.prisma.grant.update({ where: { id: g.id }, data: { status: "REVOKED" } });
    grantIds.push(g.id);
  });

  it("orders by start (newest first) with the id as tie-break in the same direction, and pages by number as before", async () => {
    const all = await db.prisma.grant.findMany({ orderBy: [{ startsAt: "desc" }, { id: "desc" }], select: { id: true } });
    expect(await allByPages({}, 7)).toEqual(all.map((g) => g.id));
    const asc = await db.prisma.grant.findMany({ orderBy: [{ startsAt: "asc" }, { id: "asc" }], select: { id: true } });
    expect(await allByPages({ dir: "asc" }, 7)).toEqual(asc.map((g) => g.id));
  });

  it("seeks with `after`: every grant exactly once, in order, though 25 share each start to the millisecond", async () => {
    for (const [dir, input] of [
      ["desc", {}],
      ["asc", {}],
      ["desc", { q: "novak" }],
      ["asc", { status: "ACTIVE", q: "ledger" }],
    ] as const) {
      const expected = await allByPages({ ...input, dir }, 200);
      const seen: string[] = [];
      let after: TAfter | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await auditor.audit.grants({ ...input, dir, size: 6, ...(after ? { after } : {}) });
        seen.push(...page.rows.map((r) => r.id));
        expect(page.nextAfter === null || page.rows.length === 6).toBe(true);
        if (!page.nextAfter) break;
        // The position is the last row's exact start (ms) and id: it round-trips through text.
        const last = page.rows[page.rows.length - 1]!;
        expect(page.nextAfter).toEqual({ key: last.startsAt.toISOString(), id: last.id });
        after = JSON.parse(JSON.stringify(page.nextAfter)) as TAfter;
      }
      expect(seen, `${dir} ${JSON.stringify(input)}`).toEqual(expected);
      expect(expected.length).toBeGreaterThan(6);
    }
  });

  it("refuses `after` with a date that is not exact ISO 8601 UTC, or in an order that cannot seek, and changes nothing", async () => {
    const before = await dbFingerprint(db.prisma);
    const id = grantIds[0]!;
    for (const key of ["2026-06-01", "2026-06-01T09:30:00Z", "2026-06-01T09:30:00.123+02:00", "2026-02-30T09:30:00.000Z", "not a date", "2026-06-01T09:30:00.1234Z"]) {
      await expect(auditor.audit.grants({ after: { key, id } }), key).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(auditor.audit.grants({ sort: "holder", after: { key: "2026-06-01T09:30:00.123Z", id } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(auditor.audit.grants({ after: { key: "2026-06-01T09:30:00.123Z", id: "nope" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectNothingChanged(db.prisma, before, "refused after");
  });

  it("counts at most COUNT_CAP matches beyond the page: says 1,000+ past the cap, exact below it", async () => {
    const holder = await makeHuman(db.prisma, { name: "Many Grants Holder" });
    const start = new Date(Date.UTC(2024, 0, 1));
    await db.prisma.grant.createMany({ data: Array.from({ length: COUNT_CAP + 5 }, () => ({ identityId: holder.id, entitlementId: ids.deployer, status: "ACTIVE" as const, origin: "IMPORTED" as const, startsAt: start })) });
    const capped = await auditor.audit.grants({ q: "many grants holder" });
    expect(capped).toMatchObject({ total: COUNT_CAP, totalCapped: true });
    expect(capped.rows).toHaveLength(25);
    // Past the cap, the bound follows the page being read, so paging on still works, to the exact end.
    expect(await auditor.audit.grants({ q: "many grants holder", page: 40 })).toMatchObject({ total: COUNT_CAP, totalCapped: true, rows: expect.any(Array) });
    const last = await auditor.audit.grants({ q: "many grants holder", page: 41 });
    expect(last).toMatchObject({ total: COUNT_CAP + 5, totalCapped: false });
    expect(last.rows).toHaveLength(5);
    const exact = await auditor.audit.grants({ q: "novak" });
    expect(exact.totalCapped).toBe(false);
    expect(exact.total).toBe(await db.prisma.grant.count({ where: oldWhere("novak") }));
  });

  it(`a term matching more than ${SEARCH_IDS_CAP} holders finds the same grants (filtered by subquery)`, async () => {
    const n = SEARCH_IDS_CAP + 10;
    const people = Array.from({ length: n }, (_, k) => ({ id: randomUUID(), kind: "HUMAN" as const, displayName: `Crowd Member ${k}`, email: `crowd-${k}@example.test` }));
    await db.prisma.identity.createMany({ data: people });
    await db.prisma.grant.createMany({ data: people.filter((_, k) => k % 50 === 0).map((pp) => ({ identityId: pp.id, entitlementId: ids.reader, status: "ACTIVE" as const, origin: "IMPORTED" as const, startsAt: new Date(Date.UTC(2023, 0, 1)) })) });
    for (const q of ["crowd member", "crowd-1"]) {
      const expected = (await db.prisma.grant.findMany({ where: oldWhere(q), select: { id: true } })).map((g) => g.id).sort();
      expect((await allByPages({ q })).sort(), q).toEqual(expected);
    }
  });
});
