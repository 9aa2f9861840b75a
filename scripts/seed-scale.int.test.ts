/**
 * The scale data set (scripts/lib/scale-data.ts, `npm run seed:scale`) at a small size: its shapes hold (every
 * reference resolves, pending requests have an open stage someone can decide, managers exist, a few managers
 * carry the load, ids are valid UUIDs, the ledger chain is intact) and the portal's own read services work on
 * it. PostgreSQL only (the data set is for PostgreSQL); on PGlite the file skips.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDb, TEST_ENGINE, type TestDb } from "../server/testing/db";
import { callerAs } from "../server/testing/factories";
import { verifyChain } from "../server/ledger/ledger";
import { HEAVY_MANAGERS, loadScaleData, SCALE_EMAIL, scaleCounts, scaleShape, ScaleSeedRefusedError, type ScaleCounts } from "./lib/scale-data";

const GRANTS = 2_000;
const UUID = `'^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'`;

describe.skipIf(TEST_ENGINE !== "postgres")("scale data set (PostgreSQL)", () => {
  let db: TestDb;
  let counts: ScaleCounts;
  const one = async (sql: string) => Number((await db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT (${sql})::int AS n`))[0]!.n);

  beforeAll(async () => {
    db = await createTestDb();
    counts = await loadScaleData(db.url!, db.prisma, GRANTS);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("has the sizes of its shape, proportional to the grants", () => {
    const s = scaleShape(GRANTS);
    expect(counts.grants).toBe(GRANTS);
    expect(counts.people).toBe(s.people);
    expect(counts.nonHumanIdentities).toBe(s.nhis);
    expect(counts.entitlements).toBe(s.entitlements);
    expect(counts.systems).toBe(s.systems);
    expect(counts.requests).toBeGreaterThan(s.requests * 0.95);
    expect(counts.pendingRequests).toBeGreaterThan(s.pending * 0.9);
    expect(counts.reviewItems).toBeGreaterThan(0);
    expect(counts.grantsExpiringIn3Days).toBeGreaterThan(0);
    expect(scaleShape(1_000_000)).toMatchObject({ people: 50_000, nhis: 5_000, entitlements: 2_000, requests: 500_000, pending: 20_000 });
  });

  it("every grant's identity and entitlement exist, and grants from requests match their request", async () => {
    expect(await one(`SELECT count(*) FROM "Grant" g LEFT JOIN "Identity" i ON i."id" = g."identityId" LEFT JOIN "Entitlement" e ON e."id" = g."entitlementId" WHERE i."id" IS NULL OR e."id" IS NULL`)).toBe(0);
    expect(await one(`SELECT count(*) FROM "Grant" g JOIN "AccessRequest" r ON r."id" = g."requestId" WHERE r."status" <> 'APPROVED' OR r."beneficiaryId" <> g."identityId" OR r."entitlementId" <> g."entitlementId"`)).toBe(0);
    // Some expired and revoked, some still active, every revoked one with its cause.
    expect(await one(`SELECT count(*) FROM "Grant" WHERE "status" = 'REVOKED' AND ("revocationCause" IS NULL OR "revokedAt" IS NULL)`)).toBe(0);
    expect(await one(`SELECT count(DISTINCT "revocationCause") FROM "Grant" WHERE "status" = 'REVOKED'`)).toBeGreaterThanOrEqual(3);
    expect(await one(`SELECT count(*) FROM "Grant" WHERE "status" = 'ACTIVE'`)).toBeGreaterThan(GRANTS / 2);
  });

  it("every pending request has an open stage whose approvers are active people, and no party of it", async () => {
    expect(await one(`SELECT count(*) FROM "AccessRequest" r WHERE r."status" = 'PENDING' AND NOT EXISTS (SELECT 1 FROM "ApprovalStep" s WHERE s."requestId" = r."id" AND s."status" = 'OPEN')`)).toBe(0);
    expect(
      await one(`SELECT count(*) FROM "ApprovalStep" s LEFT JOIN "Identity" a ON a."id" = s."eligibleIds"[1]
                 WHERE s."status" = 'OPEN' AND (a."id" IS NULL OR a."kind" <> 'HUMAN' OR a."status" <> 'ACTIVE' OR a."id" IN (s."requesterId", s."beneficiaryId") OR a."id" = s."beneficiaryOwnerId")`),
    ).toBe(0);
    // Every state is there.
    expect(await one(`SELECT count(DISTINCT "status") FROM "AccessRequest"`)).toBe(5);
  });

  it("people have managers and departments, a few managers carry a large share of the inbox, NHIs have owners", async () => {
    expect(await one(`SELECT count(*) FROM "Identity" WHERE "kind" = 'HUMAN' AND "managerId" IS NULL`)).toBe(1);
    expect(await one(`SELECT count(*) FROM "Identity" WHERE "kind" = 'HUMAN' AND "department" IS NULL`)).toBe(0);
    expect(await one(`SELECT count(*) FROM "Identity" WHERE "kind" <> 'HUMAN' AND ("ownerId" IS NULL OR "systemId" IS NULL)`)).toBe(0);
    const perApprover = await db.prisma.$queryRawUnsafe<{ email: string; n: number }[]>(
      `SELECT a."email", count(*)::int AS n FROM "ApprovalStep" s JOIN "Identity" a ON a."id" = s."eligibleIds"[1] WHERE s."status" = 'OPEN' GROUP BY 1 ORDER BY 2 DESC`,
    );
    // The heavy managers hold about 30% of all open stages between the three of them; everyone else a few each.
    const total = perApprover.reduce((a, r) => a + r.n, 0);
    const heavy = perApprover.filter((r) => HEAVY_MANAGERS.map(SCALE_EMAIL).includes(r.email));
    expect(heavy).toHaveLength(3);
    expect(heavy.reduce((a, r) => a + r.n, 0) / total).toBeGreaterThan(0.25);
    const median = perApprover[Math.floor(perApprover.length / 2)]!.n;
    for (const h of heavy) expect(h.n).toBeGreaterThanOrEqual(median * 2);
  });

  it("every id is a valid UUID (what the API's validation accepts)", async () => {
    for (const t of ["Identity", "System", "Entitlement", "Grant", "AccessRequest", "ApprovalStep", "ReviewItem"]) {
      expect(await one(`SELECT count(*) FROM "${t}" WHERE "id"::text !~ ${UUID}`), t).toBe(0);
    }
    const sample = await db.prisma.$queryRawUnsafe<{ id: string }[]>(`(SELECT "id"::text FROM "Grant" LIMIT 50) UNION ALL (SELECT "id"::text FROM "ApprovalStep" LIMIT 50) UNION ALL (SELECT "id"::text FROM "Identity" LIMIT 50)`);
    for (const { id } of sample) expect(z.uuid().safeParse(id).success, id).toBe(true);
  });

  it("the ledger chain is intact and records the load", async () => {
    const v = await verifyChain(db.prisma);
    expect(v.firstBroken).toBeNull();
    expect(await db.prisma.ledgerEvent.count({ where: { action: "seed.scale_loaded" } })).toBe(1);
  });

  it("the portal's read services work on it: a heavy manager's inbox, the directory search, a request, the home page", async () => {
    const heavy = await db.prisma.identity.findUniqueOrThrow({ where: { email: SCALE_EMAIL(HEAVY_MANAGERS[0]!) } });
    const asHeavy = callerAs(db.prisma, heavy.id);
    const inbox = await asHeavy.approvals.inbox({});
    expect(inbox.total).toBeGreaterThan(0);
    expect(inbox.rows.length).toBe(Math.min(25, inbox.total));
    const detail = await asHeavy.requests.byId({ id: inbox.rows[0]!.requestId });
    expect(detail).toBeTruthy();
    const dir = await asHeavy.identities.list({ q: "Ada" });
    expect(dir.total).toBeGreaterThan(0);
    expect(dir.rows.every((r) => JSON.stringify(r).includes("Ada"))).toBe(true);
    const home = await asHeavy.home.summary();
    expect(home).toBeTruthy();
  });

  it("refuses to load into a database that already has data, and changes nothing", async () => {
    const before = await scaleCounts(db.prisma);
    const events = await db.prisma.ledgerEvent.count();
    await expect(loadScaleData(db.url!, db.prisma, GRANTS)).rejects.toBeInstanceOf(ScaleSeedRefusedError);
    expect(await scaleCounts(db.prisma)).toEqual(before);
    expect(await db.prisma.ledgerEvent.count()).toBe(events);
  });
});
