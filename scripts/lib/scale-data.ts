/**
 * The scale data set (issue 13): an organisation at ten times Entra's published tenant limits, loaded set-based
 * (INSERT … SELECT generate_series) into an empty, migrated PostgreSQL database. Used by `npm run seed:scale`
 * (scripts/seed-scale.ts), by bench/http.ts and by its shape test (scripts/seed-scale.int.test.ts).
 *
 * Everything scales with `grants` (1,000,000 = the full set):
 *   people 50 per 1,000 grants (a CEO, 10 directors, line managers with ~10 reports each, and three "heavy"
 *   managers — persons 2, 3 and 4 — with ~4% of all employees each reporting to them directly), non-human
 *   identities 5 per 1,000 (every kind, each owned by a person and running in a system), entitlements 2 per
 *   1,000 over systems of 50 entitlements each (owners: directors and line managers), access requests
 *   500 per 1,000 in every state, 20 per 1,000 of them pending with an open MANAGER stage (30% of them
 *   for the heavy managers' reports, so each heavy manager has thousands in the inbox at 1M), grants: one
 *   per approved request (origin REQUEST, ended by expiry when their time is up) and imported standing
 *   access for the rest (some expiring in the next days, some revoked). Persons 9, 10 and 11 hold ADMIN,
 *   SECURITY and AUDITOR. One launched review campaign (manager strategy, the first system) gives the review
 *   workspace something to show.
 *
 * Ids are valid UUIDs (version 4 layout over an md5 of a name and a number), so rows can refer to each other
 * by number and the API's UUID validation accepts them.
 *
 * The ledger: the hash chain is one serial SHA-256 over every event, which cannot be built set-based cheaply,
 * so the bulk rows have no event each. The policy version (real, through ensureDefaultPolicy), the campaign
 * (real createCampaign/launchCampaign) and one "seed.scale_loaded" event with the counts are written through
 * the ledger; the chain stays valid. Stored policy decisions of the bulk requests are built in SQL in the
 * shape the services store (stages, reasons, policy version and hash) but their inputHash/contentHash are
 * hashes of the seed's own text, not replayable decisions.
 */
import pg from "pg";
import type { PrismaClient } from "../../server/db";
import { recordEvent } from "../../server/ledger/ledger";
import { ensureDefaultPolicy } from "../../server/domain/policy/service";
import { loadActor, type ServiceCtx } from "../../server/domain/actor";
import { createCampaign } from "../../server/domain/campaigns/define";
import { launchCampaign } from "../../server/domain/campaigns/launch";
import { ZCreateCampaignInput } from "../../server/domain/campaigns/schema";

export type ScaleShape = {
  grants: number;
  people: number;
  nhis: number;
  systems: number;
  entitlements: number;
  requests: number;
  pending: number;
  lineManagers: number;
};

/** The sizes of everything for a grant count (the full set is 1,000,000 grants). */
export function scaleShape(grants: number): ScaleShape {
  const f = grants / 1_000_000;
  const people = Math.max(200, Math.round(50_000 * f));
  const entitlements = Math.max(50, Math.round(2_000 * f));
  return {
    grants,
    people,
    nhis: Math.max(20, Math.round(5_000 * f)),
    systems: Math.max(3, Math.round(entitlements / 50)),
    entitlements,
    requests: Math.max(100, Math.round(500_000 * f)),
    pending: Math.max(20, Math.round(20_000 * f)),
    lineManagers: Math.max(10, Math.round(people / 12)),
  };
}

/** Stable, valid (version 4 layout) UUID for the n-th row of a kind: the same formula as the SQL `sid`. */
export const SCALE_EMAIL = (n: number) => `person${n}@scale.example`;
export const HEAVY_MANAGERS = [2, 3, 4];
export const ADMIN_PERSON = 9;
export const SECURITY_PERSON = 10;
export const AUDITOR_PERSON = 11;

export type ScaleCounts = Record<string, number>;
export type Log = (line: string) => void;

const DEPARTMENTS = ["Engineering", "Sales", "Finance", "Operations", "Customer Success", "Marketing", "Security", "People", "Legal", "Data"];
const FIRST = ["Ada", "Ben", "Chloe", "Dan", "Eva", "Femi", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena", "Milo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vik", "Wen", "Yara", "Zoe"];
const LAST = ["Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Quiroga", "Rossi", "Silva", "Tanaka", "Umar", "Varga", "Weber", "Xu", "Young", "Zhou"];
const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(",")}]`;

export class ScaleSeedRefusedError extends Error {}

async function step(client: pg.Client, log: Log, label: string, sql: string) {
  const t0 = performance.now();
  const res = await client.query(sql);
  // Several statements give several results: report the rows the statements that write rows wrote.
  const results = (Array.isArray(res) ? res : [res]) as pg.QueryResult[];
  const rows = Math.max(0, ...results.filter((r) => ["INSERT", "SELECT", "UPDATE"].includes(r.command)).map((r) => r.rowCount ?? 0));
  log(`  ${label.padEnd(58)} ${String(rows).padStart(9)} rows  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s`);
}

/**
 * Loads the scale data set into `url` (an empty, migrated PostgreSQL database; `prisma` is a client on the
 * same database). Refuses a database that already has identities. Returns the row counts.
 */
export async function loadScaleData(url: string, prisma: PrismaClient, grants: number, log: Log = () => {}): Promise<ScaleCounts> {
  if (!Number.isInteger(grants) || grants < 1000) throw new ScaleSeedRefusedError("--grants must be a whole number, at least 1000.");
  if ((await prisma.identity.count()) > 0) {
    throw new ScaleSeedRefusedError("The database already has identities: the scale data set is loaded into an empty, migrated database only (create a new one).");
  }
  const s = scaleShape(grants);
  const now = new Date();
  const policy = await prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, now));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  let pendingLoaded = 0;
  try {
    await client.query(`SET synchronous_commit = off; SET work_mem = '64MB'; SET maintenance_work_mem = '256MB'`);
    // md5 of a kind and a number, with the UUID version (4) and variant (8) nibbles set: valid for z.uuid().
    await client.query(`CREATE FUNCTION pg_temp.sid(k text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
      $$ SELECT overlay(overlay(md5(k || ':' || n) placing '4' from 13) placing '8' from 17)::uuid $$`);
    const P = s.people;
    const L = s.lineManagers;
    const firstEmp = 12 + L;
    log(`Scale data set: ${grants.toLocaleString("en")} grants, ${P.toLocaleString("en")} people, ${s.nhis.toLocaleString("en")} non-human identities, ${s.systems} systems, ${s.entitlements.toLocaleString("en")} entitlements, ${s.requests.toLocaleString("en")} requests (${s.pending.toLocaleString("en")} pending).`);

    // People: 1 CEO; 2..11 directors; 12..11+L line managers; the rest employees (n % 25 < 3: a heavy manager's
    // direct report, else a line manager's). Every 500th employee has left (DEPROVISIONED).
    await step(client, log, "people (temp table: number, manager, department)", `
      CREATE TEMP TABLE sp AS
      SELECT n, pg_temp.sid('p', n) AS id, mgr, dept, status FROM (
        SELECT n,
          CASE WHEN n = 1 THEN NULL WHEN n <= 11 THEN 1 WHEN n < ${firstEmp} THEN 2 + n % 10
               WHEN n % 25 < 3 THEN 2 + n % 25 ELSE 12 + n % ${L} END AS mgr,
          CASE WHEN n = 1 THEN 'Executive' WHEN n <= 11 THEN (${sqlArray(DEPARTMENTS)})[n - 1]
               WHEN n < ${firstEmp} THEN (${sqlArray(DEPARTMENTS)})[1 + n % 10]
               WHEN n % 25 < 3 THEN (${sqlArray(DEPARTMENTS)})[1 + n % 25]
               ELSE (${sqlArray(DEPARTMENTS)})[1 + (12 + n % ${L}) % 10] END AS dept,
          CASE WHEN n >= ${firstEmp} AND n % 500 = 499 THEN 'DEPROVISIONED' ELSE 'ACTIVE' END AS status
        FROM generate_series(1, ${P}) n) x;
      CREATE UNIQUE INDEX ON sp (n); ANALYZE sp`);
    await step(client, log, "Identity: people", `
      INSERT INTO "Identity" ("id", "kind", "status", "displayName", "email", "department", "title", "managerId", "createdAt", "updatedAt")
      SELECT id, 'HUMAN', status::"IdentityStatus",
        (${sqlArray(FIRST)})[1 + n % ${FIRST.length}] || ' ' || (${sqlArray(LAST)})[1 + (n / ${FIRST.length}) % ${LAST.length}] || ' ' || n,
        'person' || n || '@scale.example', dept,
        CASE WHEN n = 1 THEN 'Chief Executive' WHEN n <= 11 THEN 'Director' WHEN n < ${firstEmp} THEN 'Manager' ELSE 'Specialist' END,
        CASE WHEN mgr IS NOT NULL THEN pg_temp.sid('p', mgr) END, now() - interval '400 days', now()
      FROM sp ORDER BY n`);
    await step(client, log, "RoleAssignment: admin, security, auditor", `
      INSERT INTO "RoleAssignment" ("identityId", "role") VALUES
        (pg_temp.sid('p', ${ADMIN_PERSON}), 'ADMIN'), (pg_temp.sid('p', ${SECURITY_PERSON}), 'SECURITY'), (pg_temp.sid('p', ${AUDITOR_PERSON}), 'AUDITOR')`);
    await step(client, log, "System (owners: directors)", `
      INSERT INTO "System" ("id", "name", "description", "ownerId", "criticality", "updatedAt")
      SELECT pg_temp.sid('s', n), 'System ' || lpad(n::text, 3, '0'), 'Scale data set system ' || n, pg_temp.sid('p', 2 + n % 10),
        (ARRAY['LOW','MEDIUM','HIGH','CRITICAL']::"RiskLevel"[])[1 + n % 4], now()
      FROM generate_series(1, ${s.systems}) n`);
    await step(client, log, "Entitlement (half owned by line managers)", `
      INSERT INTO "Entitlement" ("id", "systemId", "name", "description", "risk", "privileged", "ownerId", "maxDurationDays", "externalRef", "updatedAt")
      SELECT pg_temp.sid('e', n), pg_temp.sid('s', 1 + n % ${s.systems}),
        (ARRAY['reader','writer','admin','operator','auditor','deployer','billing','support'])[1 + n % 8] || '-' || n,
        'Scale data set entitlement ' || n,
        (ARRAY['LOW','LOW','LOW','MEDIUM','MEDIUM','HIGH','CRITICAL']::"RiskLevel"[])[1 + n % 7], n % 20 = 0,
        CASE WHEN n % 2 = 0 THEN pg_temp.sid('p', 12 + n % ${L}) END,
        CASE WHEN n % 7 = 6 THEN 7 WHEN n % 20 = 0 THEN 30 ELSE 90 END, 'role-' || n, now()
      FROM generate_series(1, ${s.entitlements}) n;
      CREATE TEMP TABLE se AS SELECT n, pg_temp.sid('e', n) AS id,
        (ARRAY['LOW','LOW','LOW','MEDIUM','MEDIUM','HIGH','CRITICAL'])[1 + n % 7] AS risk, n % 20 = 0 AS privileged
      FROM generate_series(1, ${s.entitlements}) n;
      CREATE UNIQUE INDEX ON se (n); ANALYZE se`);
    // Non-human identities: owned by line managers and employees (never the CEO, so a MANAGER stage has someone).
    await step(client, log, "Identity: non-human identities (owned by people)", `
      CREATE TEMP TABLE sn AS SELECT n, pg_temp.sid('n', n) AS id, 12 + (n * 13) % (${P} - 12) AS owner FROM generate_series(1, ${s.nhis}) n;
      UPDATE sn SET owner = owner - 1 WHERE owner >= ${firstEmp} AND owner % 500 = 499;
      CREATE UNIQUE INDEX ON sn (n); ANALYZE sn;
      INSERT INTO "Identity" ("id", "kind", "displayName", "ownerId", "purpose", "systemId", "credentialKeyId", "credentialCreatedAt", "credentialExpiresAt", "createdAt", "updatedAt")
      SELECT sn.id, (ARRAY['SERVICE_ACCOUNT','API_KEY','OAUTH_APP','WORKLOAD','AI_AGENT']::"IdentityKind"[])[1 + n % 5],
        (ARRAY['svc','key','app','wl','agent'])[1 + n % 5] || '-' || n, pg_temp.sid('p', owner), 'Scale data set workload ' || n,
        pg_temp.sid('s', 1 + n % ${s.systems}), 'kid-' || n, now() - (n % 300) * interval '1 day', now() + (30 + n % 300) * interval '1 day',
        now() - interval '300 days', now()
      FROM sn ORDER BY n`);

    // Request beneficiaries. Pending: 30% for the heavy managers' reports, 60% for other employees, 10% for
    // NHIs (requested by their owner); pairs (beneficiary, entitlement) are distinct by construction (the
    // one-pending-request index). Decided requests: anyone active, any entitlement.
    await step(client, log, "request beneficiaries (temp tables)", `
      CREATE TEMP TABLE ch AS SELECT row_number() OVER (ORDER BY n) - 1 AS i, n FROM sp WHERE n >= ${firstEmp} AND mgr IN (${HEAVY_MANAGERS.join(",")}) AND status = 'ACTIVE';
      CREATE TEMP TABLE cr AS SELECT row_number() OVER (ORDER BY n) - 1 AS i, n FROM sp WHERE n >= ${firstEmp} AND mgr NOT IN (${HEAVY_MANAGERS.join(",")}) AND status = 'ACTIVE';
      CREATE UNIQUE INDEX ON ch (i); CREATE UNIQUE INDEX ON cr (i); ANALYZE ch; ANALYZE cr`);
    const count = async (t: string) => Number((await client.query(`SELECT count(*)::int AS c FROM ${t}`)).rows[0].c);
    const CH = await count("ch");
    const CR = await count("cr");
    const pendHeavy = Math.round(s.pending * 0.3);
    const pendNhi = Math.round(s.pending * 0.1);
    const pendReg = s.pending - pendHeavy - pendNhi;
    // sr: every request as numbers. b_kind 'p' (person n) or 'n' (NHI n); requester = the person, or the owner.
    await step(client, log, "requests (temp table: who, what, state, when)", `
      CREATE TEMP TABLE sr AS
      SELECT k, b_kind, b_n, e_n, status, created FROM (
        SELECT k, 'p' AS b_kind, (SELECT n FROM ch WHERE i = (k - 1) % ${CH}) AS b_n, 1 + (((k - 1) % ${CH}) * 7 + (k - 1) / ${CH}) % ${s.entitlements} AS e_n,
          'PENDING' AS status, now() - ((k * 37) % 4320) * interval '1 minute' AS created
        FROM generate_series(1, ${pendHeavy}) k
        UNION ALL
        SELECT k, 'p', (SELECT n FROM cr WHERE i = (k - ${pendHeavy} - 1) % ${CR}), 1 + (((k - ${pendHeavy} - 1) % ${CR}) * 7 + (k - ${pendHeavy} - 1) / ${CR}) % ${s.entitlements}, 'PENDING',
          now() - ((k * 37) % 4320) * interval '1 minute'
        FROM generate_series(${pendHeavy} + 1, ${pendHeavy + pendReg}) k
        UNION ALL
        SELECT k, 'n', 1 + (k - ${pendHeavy + pendReg} - 1) % ${s.nhis}, 1 + (((k - ${pendHeavy + pendReg} - 1) % ${s.nhis}) * 7 + (k - ${pendHeavy + pendReg} - 1) / ${s.nhis}) % ${s.entitlements}, 'PENDING', now() - ((k * 37) % 4320) * interval '1 minute'
        FROM generate_series(${pendHeavy + pendReg} + 1, ${s.pending}) k
        UNION ALL
        SELECT k, CASE WHEN k % 10 = 0 THEN 'n' ELSE 'p' END,
          CASE WHEN k % 10 = 0 THEN 1 + (k * 7) % ${s.nhis} ELSE (SELECT n FROM cr WHERE i = (k * 7) % ${CR}) END,
          1 + (k * 13) % ${s.entitlements},
          CASE WHEN k % 100 < 65 THEN 'APPROVED' WHEN k % 100 < 80 THEN 'DENIED' WHEN k % 100 < 90 THEN 'CANCELLED' ELSE 'EXPIRED' END,
          now() - interval '3 days' - ((k::bigint * 7919) % 525600) * interval '1 minute'
        FROM generate_series(${s.pending} + 1, ${s.requests}) k
      ) x;
      -- Pending pairs must be distinct even where the modular walk wraps: keep the first of each pair.
      DELETE FROM sr a USING sr b WHERE a.status = 'PENDING' AND b.status = 'PENDING' AND a.b_kind = b.b_kind AND a.b_n = b.b_n AND a.e_n = b.e_n AND a.k > b.k;
      ALTER TABLE sr ADD COLUMN id uuid, ADD COLUMN req_n int, ADD COLUMN ben uuid, ADD COLUMN mgr_n int, ADD COLUMN hours int, ADD COLUMN risk text, ADD COLUMN privileged boolean;
      UPDATE sr SET id = pg_temp.sid('r', k), hours = 24 * (1 + k % CASE WHEN se.risk = 'CRITICAL' THEN 7 ELSE 30 END), risk = se.risk, privileged = se.privileged,
        req_n = CASE WHEN b_kind = 'p' THEN b_n ELSE (SELECT owner FROM sn WHERE sn.n = sr.b_n) END,
        ben = pg_temp.sid(b_kind, b_n)
        FROM se WHERE se.n = sr.e_n;
      UPDATE sr SET mgr_n = sp.mgr FROM sp WHERE sp.n = sr.req_n;
      -- Ids and hashes once per request, not once per use.
      ALTER TABLE sr ADD COLUMN req uuid, ADD COLUMN mgr uuid, ADD COLUMN ent uuid, ADD COLUMN chash text, ADD COLUMN decided timestamp;
      UPDATE sr SET req = pg_temp.sid('p', req_n), mgr = pg_temp.sid('p', mgr_n), ent = pg_temp.sid('e', e_n),
        chash = encode(sha256(('content:' || k)::bytea), 'hex'),
        decided = CASE WHEN status = 'PENDING' THEN NULL WHEN status = 'EXPIRED' THEN created + interval '14 days' ELSE created + (1 + k % 48) * interval '1 hour' END;
      CREATE UNIQUE INDEX ON sr (k); ANALYZE sr`);
    pendingLoaded = Number((await client.query(`SELECT count(*)::int AS c FROM sr WHERE status = 'PENDING'`)).rows[0].c);
    await step(client, log, "AccessRequest (every state)", `
      INSERT INTO "AccessRequest" ("id", "requesterId", "beneficiaryId", "entitlementId", "justification", "durationHours", "status", "revision",
        "contentHash", "policyVersionId", "policyHash", "policyDecision", "inputHash", "deadlineAt", "decidedAt", "createdAt", "updatedAt")
      SELECT sr.id, req, ben, ent,
        (ARRAY['Quarterly reporting needs read access','On-call rotation for the payments service','Migrating the billing jobs','Audit preparation',
               'New project: customer data platform','Covering for a colleague on leave','Incident follow-up work','Onboarding to the team'])[1 + k % 8] || ' (#' || k || ')',
        hours, status::"RequestStatus", 1,
        chash, '${policy.id}', '${policy.sha256}',
        jsonb_build_object('allowed', true, 'autoApproved', false,
          'stages', CASE WHEN privileged OR risk IN ('HIGH','CRITICAL') THEN '["MANAGER","OWNER"]'::jsonb ELSE '["MANAGER"]'::jsonb END,
          'reasons', '["A request may be made for any entitlement not excluded below"]'::jsonb, 'maxDurationHours', CASE WHEN risk = 'CRITICAL' THEN 168 ELSE 720 END,
          'determining', '["anyone-may-ask"]'::jsonb, 'inputHash', chash,
          'policyVersionId', '${policy.id}', 'policyVersion', ${policy.version}, 'policyHash', '${policy.sha256}',
          'input', jsonb_build_object('requester', jsonb_build_object('id', req), 'beneficiary', jsonb_build_object('id', ben), 'entitlement', jsonb_build_object('id', ent),
            'durationHours', hours, 'emergency', false, 'seeded', 'scale data set: not a replayable input')),
        chash, created + interval '14 days', decided,
        created, created
      FROM sr ORDER BY k`);
    // Steps: MANAGER first (eligible: the requester's manager, i.e. the beneficiary's or the NHI owner's);
    // HIGH/CRITICAL/privileged ones have an OWNER stage after it (waiting while the first is open).
    await step(client, log, "ApprovalStep: manager stage", `
      INSERT INTO "ApprovalStep" ("id", "requestId", "stageOrder", "kind", "status", "eligibleIds", "openedAt", "escalateAt", "requesterId", "beneficiaryId",
        "beneficiaryOwnerId", "decidedById", "decidedAt", "reason", "authority", "boundRevision", "boundContentHash")
      SELECT pg_temp.sid('a', k), sr.id, 1, 'MANAGER',
        (CASE status WHEN 'PENDING' THEN 'OPEN' WHEN 'APPROVED' THEN 'APPROVED' WHEN 'DENIED' THEN 'DENIED' ELSE 'VOID' END)::"StepStatus",
        ARRAY[mgr], created, created + interval '7 days', req, ben,
        CASE WHEN b_kind = 'n' THEN req END,
        CASE WHEN status IN ('APPROVED','DENIED') THEN mgr END,
        CASE WHEN status IN ('APPROVED','DENIED') THEN decided END,
        CASE WHEN status = 'DENIED' THEN 'Not needed for this role' END,
        CASE WHEN status IN ('APPROVED','DENIED') THEN jsonb_build_object('kind', 'MANAGER_OF', 'subject', jsonb_build_object('id', req, 'name', 'person ' || req_n)) END,
        CASE WHEN status IN ('APPROVED','DENIED') THEN 1 END,
        CASE WHEN status IN ('APPROVED','DENIED') THEN chash END
      FROM sr ORDER BY k`);
    await step(client, log, "ApprovalStep: owner stage (high risk, privileged)", `
      INSERT INTO "ApprovalStep" ("id", "requestId", "stageOrder", "kind", "status", "eligibleIds", "requesterId", "beneficiaryId", "beneficiaryOwnerId")
      SELECT pg_temp.sid('o', k), sr.id, 2, 'OWNER', (CASE WHEN status = 'PENDING' THEN 'WAITING' ELSE 'VOID' END)::"StepStatus", '{}',
        req, ben, CASE WHEN b_kind = 'n' THEN req END
      FROM sr WHERE (privileged OR risk IN ('HIGH','CRITICAL')) AND status IN ('PENDING', 'CANCELLED', 'EXPIRED') ORDER BY k`);
    // Grants: one per approved request (ended by expiry once its time is up), then imported standing access.
    await step(client, log, "Grant: from approved requests", `
      INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "requestId", "startsAt", "expiresAt", "revokedAt", "revocationCause", "createdAt", "updatedAt")
      SELECT pg_temp.sid('g', k), ben, ent, (CASE WHEN d + hours * interval '1 hour' < now() THEN 'REVOKED' ELSE 'ACTIVE' END)::"GrantStatus", 'REQUEST', sr.id,
        d, d + hours * interval '1 hour', CASE WHEN d + hours * interval '1 hour' < now() THEN d + hours * interval '1 hour' END,
        CASE WHEN d + hours * interval '1 hour' < now() THEN 'EXPIRY'::"RevocationCause" END, d, d
      FROM (SELECT *, decided AS d FROM sr WHERE status = 'APPROVED') sr ORDER BY k`);
    const fromRequests = Number((await client.query(`SELECT count(*)::int AS c FROM "Grant"`)).rows[0].c);
    const imported = Math.max(0, grants - fromRequests);
    // Imported: 90% people, 10% NHIs. 70% standing, 27% ending within 90 days, 3% within the next 3 days;
    // 8% revoked (review, manual); every grant of a leaver revoked (LEAVER).
    await step(client, log, "Grant: imported standing access", `
      INSERT INTO "Grant" ("id", "identityId", "entitlementId", "status", "origin", "startsAt", "expiresAt", "revokedAt", "revocationCause", "createdAt", "updatedAt")
      SELECT pg_temp.sid('i', n), ident, pg_temp.sid('e', 1 + (n * 31) % ${s.entitlements}),
        (CASE WHEN leaver OR n % 100 < 8 THEN 'REVOKED' ELSE 'ACTIVE' END)::"GrantStatus", 'IMPORTED', starts,
        CASE WHEN n % 100 BETWEEN 70 AND 96 THEN now() + (n % 90) * interval '1 day' + (n % 24) * interval '1 hour'
             WHEN n % 100 > 96 THEN now() + (n % 72) * interval '1 hour' + interval '5 minutes' END,
        CASE WHEN leaver OR n % 100 < 8 THEN now() - (n % 60) * interval '1 day' END,
        (CASE WHEN leaver THEN 'LEAVER' WHEN n % 100 < 4 THEN 'REVIEW' WHEN n % 100 < 8 THEN 'MANUAL' END)::"RevocationCause", starts, now()
      FROM (
        SELECT n, CASE WHEN n % 10 = 0 THEN pg_temp.sid('n', 1 + (n * 7) % ${s.nhis}) ELSE pg_temp.sid('p', 12 + (n * 7) % (${P} - 11)) END AS ident,
          n % 10 <> 0 AND 12 + (n * 7) % (${P} - 11) >= ${firstEmp} AND (12 + (n * 7) % (${P} - 11)) % 500 = 499 AS leaver,
          now() - interval '61 days' - (n % 700) * interval '1 day' AS starts
        FROM generate_series(1, ${imported}) n) g ORDER BY n`);
    await step(client, log, "ANALYZE", `ANALYZE`);
  } finally {
    await client.end();
  }

  // One review campaign, launched through the real services (manager strategy over the first system).
  const admin = await prisma.identity.findUniqueOrThrow({ where: { email: SCALE_EMAIL(ADMIN_PERSON) } });
  const fallback = await prisma.identity.findUniqueOrThrow({ where: { email: SCALE_EMAIL(SECURITY_PERSON) } });
  const system1 = await prisma.system.findFirstOrThrow({ orderBy: { name: "asc" } });
  const actor = (await loadActor(prisma, admin.id))!;
  const ctx: ServiceCtx = { db: prisma, actor, now: () => new Date() };
  const tc = performance.now();
  const { id: campaignId } = await createCampaign(
    ctx,
    ZCreateCampaignInput.parse({
      name: `Quarterly review: ${system1.name}`,
      scope: { systemIds: [system1.id] },
      reviewerStrategy: "MANAGER",
      fallbackReviewerId: fallback.id,
      startsAt: new Date(Date.now() - 60_000),
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      defaultAction: "KEEP",
    }),
  );
  const draft = await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  const launched = await launchCampaign(ctx, { id: campaignId, expectedUpdatedAt: draft.updatedAt });
  log(`  ${"Campaign launched (real service, manager strategy, 1 system)".padEnd(58)} ${String(launched.populationCount).padStart(9)} items ${((performance.now() - tc) / 1000).toFixed(1).padStart(6)} s`);

  const counts = await scaleCounts(prisma);
  await prisma.$transaction((tx) =>
    recordEvent(tx, {
      actorId: null,
      action: "seed.scale_loaded",
      subjectType: "Seed",
      subjectId: "scale",
      payload: { grantsRequested: grants, counts, note: "bulk rows loaded set-based without per-row ledger events" },
    }),
  );
  log(`Loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (pending requests: ${pendingLoaded}).`);
  return counts;
}

/** Row counts of the tables the scale data set fills. */
export async function scaleCounts(prisma: PrismaClient): Promise<ScaleCounts> {
  const rows = await prisma.$queryRawUnsafe<{ name: string; n: number }[]>(`
    SELECT 'people' AS name, count(*)::int AS n FROM "Identity" WHERE "kind" = 'HUMAN'
    UNION ALL SELECT 'nonHumanIdentities', count(*)::int FROM "Identity" WHERE "kind" <> 'HUMAN'
    UNION ALL SELECT 'systems', count(*)::int FROM "System"
    UNION ALL SELECT 'entitlements', count(*)::int FROM "Entitlement"
    UNION ALL SELECT 'grants', count(*)::int FROM "Grant"
    UNION ALL SELECT 'activeGrants', count(*)::int FROM "Grant" WHERE "status" = 'ACTIVE'
    UNION ALL SELECT 'grantsExpiringIn3Days', count(*)::int FROM "Grant" WHERE "status" = 'ACTIVE' AND "expiresAt" < now() + interval '3 days'
    UNION ALL SELECT 'requests', count(*)::int FROM "AccessRequest"
    UNION ALL SELECT 'pendingRequests', count(*)::int FROM "AccessRequest" WHERE "status" = 'PENDING'
    UNION ALL SELECT 'approvalSteps', count(*)::int FROM "ApprovalStep"
    UNION ALL SELECT 'openSteps', count(*)::int FROM "ApprovalStep" WHERE "status" = 'OPEN'
    UNION ALL SELECT 'reviewItems', count(*)::int FROM "ReviewItem"`);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}
