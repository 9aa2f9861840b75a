/**
 * npm run bench (second part): launching an access review campaign over a large population on PostgreSQL.
 * Not a test: it prints figures, nothing passes or fails.
 *
 * Seeds BENCH_GRANTS grants (default 200,000) set-based (INSERT ... SELECT generate_series) over people
 * with managers and departments, non-human identities, 20 systems and 2,000 entitlements, then times:
 *   1. launchCampaign (the real service, with the entitlement-owner and the manager strategies: DRAFT → ACTIVE, the snapshot INSERT ... SELECT with reviewer
 *      routing, the evidence, one notification per reviewer, the ledger event; one transaction), and
 *   2. a raw SQL INSERT ... SELECT of the same rows (same joins and columns, the reviewer as a plain
 *      COALESCE) into a scratch table shaped like "ReviewItem" (same indexes and checks, no foreign keys),
 *   3. a plain copy of the launched rows into a second scratch table (the floor: writing the rows at all).
 * Run through scripts/with-postgres.sh (TEST_PG_ADMIN_URL); without it, it says so and exits.
 */
import { createTestDb, type TestDb } from "../server/testing/db";
import setup from "../server/testing/global-setup";
import { loadActor, type ServiceCtx } from "../server/domain/actor";
import { createCampaign } from "../server/domain/campaigns/define";
import { launchCampaign } from "../server/domain/campaigns/launch";
import { ZCreateCampaignInput } from "../server/domain/campaigns/schema";

const GRANTS = Number(process.env.BENCH_GRANTS ?? 200_000);
const PEOPLE = Math.max(1_000, Math.round(GRANTS / 20));
const NHIS = Math.round(PEOPLE / 10);
const SYSTEMS = 20;
const ENTITLEMENTS = 2_000;
const MANAGERS = 100;

function line(label: string, count: number, secs: number, unit = "items/s") {
  console.log(`  ${label.padEnd(66)} ${count.toString().padStart(8)} in ${secs.toFixed(2).padStart(6)} s  = ${Math.round(count / secs).toString().padStart(8)} ${unit}`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

/** The population, set-based. Ids are md5-derived UUIDs so rows can reference each other by number. */
async function seed(db: TestDb) {
  const id = (prefix: string, n: string) => `md5('${prefix}' || ${n})::uuid`;
  await db.rawSql(`
    INSERT INTO "Identity" ("id", "kind", "displayName", "email", "department", "managerId", "updatedAt")
      SELECT ${id("h", "n")}, 'HUMAN', 'Person ' || n, 'person' || n || '@bench.example', 'Dept ' || (n % 50),
        CASE WHEN n > ${MANAGERS} THEN ${id("h", `(1 + n % ${MANAGERS})`)} END, now()
      FROM generate_series(1, ${PEOPLE}) n;
    INSERT INTO "Identity" ("id", "kind", "displayName", "ownerId", "purpose", "updatedAt")
      SELECT ${id("n", "n")}, 'SERVICE_ACCOUNT', 'svc-' || n, ${id("h", `(1 + n % ${PEOPLE})`)}, 'bench', now()
      FROM generate_series(1, ${NHIS}) n;
    INSERT INTO "System" ("id", "name", "ownerId", "updatedAt")
      SELECT ${id("s", "n")}, 'Bench system ' || n, ${id("h", "n")}, now() FROM generate_series(1, ${SYSTEMS}) n;
    INSERT INTO "Entitlement" ("id", "systemId", "name", "risk", "privileged", "ownerId", "updatedAt")
      SELECT ${id("e", "n")}, ${id("s", `(1 + n % ${SYSTEMS})`)}, 'role-' || n,
        (ARRAY['LOW','MEDIUM','HIGH','CRITICAL']::"RiskLevel"[])[1 + n % 4], n % 10 = 0,
        CASE WHEN n % 2 = 0 THEN ${id("h", `(${SYSTEMS} + 1 + n % 500)`)} END, now()
      FROM generate_series(1, ${ENTITLEMENTS}) n;
    INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "startsAt", "updatedAt")
      SELECT ${id("g", "n")},
        CASE WHEN n % 10 = 0 THEN ${id("n", `(1 + n % ${NHIS})`)} ELSE ${id("h", `(1 + (n * 7) % ${PEOPLE})`)} END,
        ${id("e", `(1 + n % ${ENTITLEMENTS})`)},
        (CASE WHEN n % 20 = 0 THEN 'REVOKED' ELSE 'ACTIVE' END)::"GrantStatus", 'IMPORTED', now() - (n % 700) * interval '1 day', now()
      FROM generate_series(1, ${GRANTS}) n;
    INSERT INTO "Identity" ("id", "kind", "displayName", "email", "updatedAt") VALUES
      (gen_random_uuid(), 'HUMAN', 'Bench Admin', 'admin@bench.example', now()),
      (gen_random_uuid(), 'HUMAN', 'Bench Fallback', 'fallback@bench.example', now());
    INSERT INTO "RoleAssignment" ("identityId", "role") SELECT "id", 'ADMIN' FROM "Identity" WHERE "email" = 'admin@bench.example';
    ANALYZE;
  `);
}

const SCRATCH_SELECT = `
  SELECT gen_random_uuid(), md5('bench-campaign')::uuid, g."id", g."identityId", g."entitlementId", i."displayName", i."kind",
    e."name", s."id", s."name", e."risk", e."privileged", g."origin", g."startsAt", g."expiresAt",
    COALESCE(e."ownerId", s."ownerId"), now()
  FROM "Grant" g JOIN "Identity" i ON i."id" = g."identityId" JOIN "Entitlement" e ON e."id" = g."entitlementId" JOIN "System" s ON s."id" = e."systemId"
  WHERE g."status" IN ('ACTIVE', 'PENDING_REVOKE', 'REVOKE_FAILED')`;
const SCRATCH_COLUMNS = `("id", "campaignId", "grantId", "identityId", "entitlementId", "identityName", "identityKind", "entitlementName", "systemId",
  "systemName", "risk", "privileged", "origin", "grantStartsAt", "grantExpiresAt", "reviewerId", "createdAt")`;

async function main() {
  const pgUrl = process.env.TEST_PG_ADMIN_URL;
  console.log(`\nCampaign launch benchmark: ${GRANTS.toLocaleString("en")} grants (BENCH_GRANTS), ${PEOPLE} people, ${NHIS} NHIs, ${ENTITLEMENTS} entitlements. Machine: 2 cores.`);
  if (!pgUrl) {
    console.log("PostgreSQL: skipped (run `npm run bench`, which starts a throwaway cluster).");
    return;
  }
  await setup();
  const db = await createTestDb();
  try {
    const [, seedSecs] = await timed(() => seed(db));
    line("seed grants (generate_series, set-based)", GRANTS, seedSecs, "grants/s");

    const prisma = db.prisma;
    const actor = (await loadActor(prisma, (await prisma.identity.findFirstOrThrow({ where: { email: "admin@bench.example" } })).id))!;
    const fallback = await prisma.identity.findFirstOrThrow({ where: { email: "fallback@bench.example" } });
    const ctx: ServiceCtx = { db: prisma, actor, now: () => new Date() };
    const input = ZCreateCampaignInput.parse({
      name: "Bench quarterly review",
      scope: {},
      reviewerStrategy: "ENTITLEMENT_OWNER",
      fallbackReviewerId: fallback.id,
      startsAt: new Date(Date.now() - 60_000),
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      defaultAction: "KEEP",
    });
    const launch = async (strategy: "ENTITLEMENT_OWNER" | "MANAGER") => {
      const { id } = await createCampaign(ctx, { ...input, name: `Bench review (${strategy})`, reviewerStrategy: strategy });
      const draft = await prisma.campaign.findUniqueOrThrow({ where: { id } });
      const [res, secs] = await timed(() => launchCampaign(ctx, { id, expectedUpdatedAt: draft.updatedAt }));
      line(`launchCampaign, ${strategy.toLowerCase().replace("_", " ")} (whole transaction)`, res.populationCount, secs);
      return { id, res, secs };
    };
    const { id, res, secs: launchSecs } = await launch("ENTITLEMENT_OWNER");
    const reviewers = await prisma.notification.count({ where: { kind: "campaign.launched" } });
    await launch("MANAGER");

    await db.rawSql(`CREATE TABLE bench_scratch (LIKE "ReviewItem" INCLUDING ALL); CREATE TABLE bench_copy (LIKE "ReviewItem" INCLUDING ALL)`);
    const [, rawSecs] = await timed(() => db.rawSql(`INSERT INTO bench_scratch ${SCRATCH_COLUMNS} ${SCRATCH_SELECT}`));
    const rawRows = Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM bench_scratch`))[0]!.n);
    line("raw INSERT ... SELECT of the same rows (scratch table)", rawRows, rawSecs);
    const [, copySecs] = await timed(() => db.rawSql(`INSERT INTO bench_copy SELECT * FROM "ReviewItem" WHERE "campaignId" = '${id}'`));
    line("plain copy of the launched rows (floor)", res.populationCount, copySecs);

    console.log(`  population ${res.populationCount} (raw ${rawRows}: ${rawRows === res.populationCount ? "same" : "DIFFERENT"}), ${reviewers} reviewers notified, scopeHash ${res.scopeHash.slice(0, 16)}…`);
    console.log(`  launch (entitlement owner) / raw INSERT ... SELECT = ${(launchSecs / rawSecs).toFixed(2)}x`);
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
