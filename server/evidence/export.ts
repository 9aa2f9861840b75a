/**
 * Exports an evidence pack: a zip of CSV / JSON Lines files, the ledger events with their link to a signed
 * checkpoint, a manifest (per file: SHA-256, bytes, rows, the query and its parameters) and an Ed25519
 * signature over the manifest. Format: docs/evidence-pack.md.
 *
 * Consistent: every file is read from one read-only REPEATABLE READ snapshot (see exportEvidencePack).
 *
 * Memory stays flat: every file is produced by fetching from a server-side cursor over its query, `EXPORT_BATCH` rows
 * at a time (the control checks' members page by keyset, after one statement counts them); a CSV's JSON Lines twin
 * passes through a temporary spool file so it is read once), streamed through a Transform that hashes, measures and counts it on the way into the
 * zip (yazl), one entry after the other. The manifest is written last, once every file is measured.
 */
import { createHash, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import type { PrismaClient, Tx } from "../db";
import { Prisma } from "../db/generated/client";
import { uuidArray, textArray } from "../db/sql-arrays";
import { packCheckpoint, signHead, storeCheckpoint } from "./checkpoints";
import {
  CONTROL_IDS,
  FILES,
  FORMAT_VERSION,
  GENESIS_ANCHOR,
  GRANT_COLUMNS,
  RECON_FINDING_COLUMNS,
  RECON_OUTCOME_ACTIONS,
  RowCounter,
  kindOf,
  toJsonText,
  type Anchor,
  type ControlLine,
  type Manifest,
  type ManifestFile,
  type PackCheckpoint,
} from "./format";
import { ensureSigningKey, registeredKeys, type SigningKey } from "./keys";
import { csvLine } from "../csv";
import { Spools, type Spool } from "./spool";
import { CONTROL_IDS_IN_ORDER, controlCheckInfo, controlMembers, summarizeControlCheck } from "../domain/audit/controls";

export type ExportParams = { from: Date; to: Date; systems?: string[]; campaignId?: string };
export type ExportOptions = {
  onProgress?: (done: number, total: number) => void;
  now?: Date;
  /** Who produced the pack, e.g. "cli" or "portal" (recorded in the manifest's generator). */
  generator?: string;
  /** Rows per database query (tests use a small one to exercise paging). */
  batchSize?: number;
  /** Sign with this key instead of the configured one (tests of key rotation). */
  key?: SigningKey;
  /** Called inside the snapshot once the ledger head is read (tests write concurrently from here). */
  onSnapshot?: (head: { seq: bigint; hash: string }) => void;
  /** Called as each file is finished, with the time it took (the benchmark prints it). */
  onFile?: (file: ManifestFile, ms: number) => void;
};
export type ExportResult = {
  files: number;
  /** Size of the zip written. */
  bytes: number;
  manifestSha256: string;
  ledgerEvents: number;
  checkpointSeq: string;
  keyId: string;
  rows: number;
  fileStats: ManifestFile[];
};

/** Bad parameters (unknown system or campaign, empty period): the caller's mistake, nothing was written. */
export class EvidenceParamsError extends Error {}

/**
 * Rows per fetch (and per page of the control checks). A fetch of 5,000 rows is a few MB of text; fewer
 * round trips matter more than that (docs/performance.md, "evidence export").
 */
export const EXPORT_BATCH = 5000;

type Row = Record<string, unknown>;

/** One file of the pack: how to count it up front (for progress) and how to stream it. */
type FileSpec = {
  path: string;
  description: string;
  query: string | null;
  parameters: unknown[];
  count: () => Promise<number>;
  chunks: (progress: (n: number) => void, addTotal: (n: number) => void) => AsyncIterable<string | Buffer>;
};

// ---------------------------------------------------------------------------------------------------------
// SQL helpers

const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamp(3)`;

function plain(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  return v;
}
function normalise(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = plain(v);
  return out;
}

function queryText(sql: Prisma.Sql): { query: string; parameters: unknown[] } {
  return { query: sql.text.replace(/\s+/g, " ").trim(), parameters: sql.values.map(plain) };
}

async function countOf(db: Tx, base: Prisma.Sql): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (${base}) q`;
  return rows[0]?.n ?? 0;
}

/** Names the export's cursors (one per file query, unique within the snapshot transaction). */
let cursors = 0;

/**
 * Every row of `query`, `batch` rows at a time, through a server-side cursor in the export's snapshot
 * transaction: the query runs once and PostgreSQL hands its rows over as they are fetched, so memory holds one
 * batch (keyset pages re-ran the whole filter, with its ledger subqueries, for every page).
 */
async function* fetched(db: Tx, query: Prisma.Sql, batch: number): AsyncGenerator<Row[]> {
  const name = `evidence_export_${++cursors}`;
  await db.$executeRaw(Prisma.sql`DECLARE ${Prisma.raw(name)} NO SCROLL CURSOR FOR ${query}`);
  let finished = false;
  try {
    for (;;) {
      const rows = await db.$queryRawUnsafe<Row[]>(`FETCH FORWARD ${batch} FROM ${name}`);
      if (rows.length) yield rows;
      if (rows.length < batch) break;
    }
    finished = true;
  } finally {
    // Left early (the consumer stopped) or failed: close it if the transaction still can; a failed
    // transaction is rolled back with its cursors, and the error that failed it is the one reported.
    await db.$executeRawUnsafe(`CLOSE ${name}`).catch((e: unknown) => {
      if (finished) throw e;
    });
  }
}

/** Every row of `base` in the order of its column `key`, `batch` rows at a time (a cursor: `fetched`). */
function paged(db: Tx, base: Prisma.Sql, key: string, batch: number): AsyncGenerator<Row[]> {
  return fetched(db, Prisma.sql`SELECT * FROM (${base}) q ORDER BY ${Prisma.raw(`q."${key}"`)}`, batch);
}

/**
 * A file query whose columns are already the JSON Lines values: timestamps as ISO 8601 text (`isoSql`), 64-bit
 * integers as text. `columns` is the select list, `from` the FROM and WHERE it reads, `order` the file's order.
 */
type JsonQuery = { columns: Prisma.Sql; from: Prisma.Sql; order: string };

/** The query as the manifest states it (what an auditor runs to get the file's rows). */
const jsonQuerySql = (q: JsonQuery) => Prisma.sql`SELECT ${q.columns} ${q.from} ORDER BY ${Prisma.raw(q.order)}`;

/**
 * The file's lines, `batch` at a time (a cursor: `fetched`): PostgreSQL writes each line (`row_to_json`: the
 * columns in their order, compact, JSON's escapes; a jsonb column as PostgreSQL prints it), so no row becomes
 * an object on the way.
 */
async function* jsonPages(db: Tx, q: JsonQuery, batch: number): AsyncGenerator<string[]> {
  const lines = Prisma.sql`SELECT (SELECT row_to_json(j)::text FROM (SELECT ${q.columns}) j) AS "json" ${q.from} ORDER BY ${Prisma.raw(q.order)}`;
  for await (const rows of fetched(db, lines, batch)) yield rows.map((r) => r.json as string);
}

/** A timestamp column as the JSON Lines write it (what `Date.toISOString` gives): ISO 8601 UTC, milliseconds. */
const isoSql = (column: string) => Prisma.raw(`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

function jsonlFile(db: Tx, o: { path: string; description: string; base: Prisma.Sql; key?: string; batch: number; note?: string; map?: (rows: Row[]) => Promise<Row[]> | Row[] }): FileSpec {
  const q = queryText(o.base);
  return {
    path: o.path,
    description: o.description,
    query: `${q.query}${o.note ? ` -- ${o.note}` : ""}`,
    parameters: q.parameters,
    count: () => countOf(db, o.base),
    async *chunks(progress) {
      for await (const page of paged(db, o.base, o.key ?? "id", o.batch)) {
        const rows = o.map ? await o.map(page) : page;
        progress(rows.length);
        yield rows.map((r) => `${toJsonText(normalise(r))}\n`).join("");
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scope

type Scope = {
  from: Date;
  to: Date;
  /** The export's snapshot head: only events up to it count (the pack's ledger file ends there). */
  endSeq: bigint;
  systems: { id: string; name: string }[];
  campaign: { id: string; name: string; startsAt: Date; dueAt: Date; launchedAt: Date | null; closedAt: Date | null } | null;
};

async function resolveScope(db: Tx, p: ExportParams, endSeq: bigint): Promise<Scope> {
  if (!(p.from instanceof Date) || Number.isNaN(p.from.getTime())) throw new EvidenceParamsError("The start of the period (from) is not a valid date.");
  if (!(p.to instanceof Date) || Number.isNaN(p.to.getTime())) throw new EvidenceParamsError("The end of the period (to) is not a valid date.");
  if (p.from.getTime() >= p.to.getTime()) throw new EvidenceParamsError(`The period is empty: from (${p.from.toISOString()}) must be before to (${p.to.toISOString()}).`);
  const names = [...new Set((p.systems ?? []).map((s) => s.trim()).filter(Boolean))];
  let systems: { id: string; name: string }[] = [];
  if (names.length) {
    systems = await db.system.findMany({ where: { name: { in: names } }, select: { id: true, name: true }, orderBy: { name: "asc" } });
    const missing = names.filter((n) => !systems.some((s) => s.name === n));
    if (missing.length) {
      const known = await db.system.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 50 });
      throw new EvidenceParamsError(`Unknown system${missing.length > 1 ? "s" : ""}: ${missing.map((m) => `"${m}"`).join(", ")}. Systems: ${known.map((k) => k.name).join(", ") || "(none)"}.`);
    }
  }
  let campaign: Scope["campaign"] = null;
  if (p.campaignId) {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(p.campaignId);
    const c = isUuid
      ? await db.campaign.findUnique({ where: { id: p.campaignId }, select: { id: true, name: true, startsAt: true, dueAt: true, launchedAt: true, closedAt: true } })
      : null;
    if (!c) throw new EvidenceParamsError(`No campaign with id "${p.campaignId}".`);
    campaign = c;
  }
  return { from: p.from, to: p.to, endSeq, systems, campaign };
}

const GRANT_FROM = Prisma.sql`"Grant" g
  JOIN "Identity" i ON i."id" = g."identityId"
  JOIN "Entitlement" e ON e."id" = g."entitlementId"
  JOIN "System" s ON s."id" = e."systemId"`;

/**
 * Ids (as text) of the subjects of `subjectType` with a ledger event in the period, up to the snapshot head:
 * what the ledger says happened in the period must be in the pack (docs/evidence-pack.md, "Completeness and scope").
 */
const eventSubjects = (sc: Scope, subjectType: string) =>
  Prisma.sql`SELECT le."subjectId" FROM "LedgerEvent" le WHERE le."subjectType" = ${subjectType} AND le."occurredAt" >= ${ts(sc.from)} AND le."occurredAt" < ${ts(sc.to)} AND le."seq" <= ${sc.endSeq.toString()}::bigint`;

/**
 * The grant population: in the systems (if given) and, for a campaign, its review items' grants; otherwise
 * held during the period, or with a ledger event in the period, or the grant of a review item with one.
 */
function grantWhere(sc: Scope): Prisma.Sql {
  const conds: Prisma.Sql[] = [];
  if (sc.systems.length) conds.push(Prisma.sql`e."systemId" = ANY(${uuidArray(sc.systems.map((s) => s.id))})`);
  if (sc.campaign) conds.push(Prisma.sql`g."id" IN (SELECT ri."grantId" FROM "ReviewItem" ri WHERE ri."campaignId" = ${sc.campaign.id}::uuid)`);
  else
    conds.push(
      Prisma.sql`((g."startsAt" < ${ts(sc.to)} AND (g."revokedAt" IS NULL OR g."revokedAt" >= ${ts(sc.from)})) OR g."id"::text IN (${eventSubjects(sc, "Grant")}) OR g."id" IN (SELECT ri."grantId" FROM "ReviewItem" ri WHERE ri."id"::text IN (${eventSubjects(sc, "ReviewItem")})))`,
    );
  return Prisma.join(conds, " AND ");
}
const grantIds = (sc: Scope) => Prisma.sql`SELECT g."id" FROM ${GRANT_FROM} WHERE ${grantWhere(sc)}`;

const REQUEST_FROM = Prisma.sql`"AccessRequest" r
  JOIN "Entitlement" e ON e."id" = r."entitlementId"
  JOIN "System" s ON s."id" = e."systemId"
  JOIN "PolicyVersion" pv ON pv."id" = r."policyVersionId"`;

/** Requests: of the population's grants, plus (without a campaign) those created or decided in the period. */
function requestWhere(sc: Scope): Prisma.Sql {
  const ofGrants = Prisma.sql`r."id" IN (SELECT g."requestId" FROM ${GRANT_FROM} WHERE ${grantWhere(sc)} AND g."requestId" IS NOT NULL)`;
  const conds: Prisma.Sql[] = [];
  if (sc.systems.length) conds.push(Prisma.sql`e."systemId" = ANY(${uuidArray(sc.systems.map((s) => s.id))})`);
  if (sc.campaign) conds.push(ofGrants);
  else
    conds.push(
      Prisma.sql`((r."createdAt" >= ${ts(sc.from)} AND r."createdAt" < ${ts(sc.to)}) OR (r."decidedAt" >= ${ts(sc.from)} AND r."decidedAt" < ${ts(sc.to)}) OR r."id"::text IN (${eventSubjects(sc, "AccessRequest")}) OR ${ofGrants})`,
    );
  return Prisma.join(conds, " AND ");
}
const requestIds = (sc: Scope) => Prisma.sql`SELECT r."id" FROM ${REQUEST_FROM} WHERE ${requestWhere(sc)}`;

function reviewItemWhere(sc: Scope): Prisma.Sql {
  const conds: Prisma.Sql[] = [Prisma.sql`ri."grantId" IN (${grantIds(sc)})`];
  if (sc.campaign) conds.push(Prisma.sql`ri."campaignId" = ${sc.campaign.id}::uuid`);
  else conds.push(Prisma.sql`((ri."createdAt" < ${ts(sc.to)} AND (ri."decidedAt" IS NULL OR ri."decidedAt" >= ${ts(sc.from)})) OR ri."id"::text IN (${eventSubjects(sc, "ReviewItem")}))`);
  return Prisma.join(conds, " AND ");
}

// ---------------------------------------------------------------------------------------------------------
// Files

/**
 * A row's ledger references, as a join in its file's query: `firstEventSeq`, the seq of the first event about
 * the row (any seq, as text), and `ledgerEvents`, how many there are up to the export's head. `id` is the row's
 * id column; `le."firstEventSeq"` and `le."ledgerEvents"` are then in scope.
 */
const ledgerRefsJoin = (subjectType: string, id: string, endSeq: bigint) =>
  Prisma.sql`LEFT JOIN LATERAL (SELECT min(x."seq")::text AS "firstEventSeq", (count(*) FILTER (WHERE x."seq" <= ${endSeq.toString()}::bigint))::int AS "ledgerEvents"
      FROM "LedgerEvent" x WHERE x."subjectType" = ${subjectType} AND x."subjectId" = ${Prisma.raw(id)}::text) le ON true`;

/** One page of a CSV / JSON Lines twin: the same rows as JSON Lines and as CSV records. */
type TwinPage = { rows: number; jsonl: string; csv: string };

/** A twin page from row objects: each line holds `columns` in order (missing ones null). */
function twinPageOfRows(rows: Row[], columns: readonly string[]): TwinPage {
  return {
    rows: rows.length,
    jsonl: rows.map((r) => `${toJsonText(Object.fromEntries(columns.map((c) => [c, r[c] ?? null])))}\n`).join(""),
    csv: rows.map((r) => csvLine(columns.map((c) => r[c]), "\n")).join(""),
  };
}

/** A twin page from JSON lines written by the database (`jsonPages`): the CSV cells are their values. */
function twinPageOfJson(lines: string[], columns: readonly string[]): TwinPage {
  let csv = "";
  for (const line of lines) {
    const r = JSON.parse(line) as Row;
    csv += csvLine(columns.map((c) => r[c]), "\n");
  }
  return { rows: lines.length, jsonl: `${lines.join("\n")}\n`, csv };
}

/**
 * A CSV file and its JSON Lines twin over the same rows (grants, reconciliation findings): the JSON Lines
 * hold the exact values; the CSV is the same rows and columns written with the project's one CSV rule
 * (server/csv.ts: formulas neutralised), LF record ends, header first.
 */
function twinFiles(o: {
  csv: { path: string; description: string };
  jsonl: { path: string; description: string };
  columns: readonly string[];
  base: Prisma.Sql;
  note: string;
  count: () => Promise<number>;
  pages: (progress: (n: number) => void) => AsyncGenerator<TwinPage>;
  spools: Spools;
}): FileSpec[] {
  const q = queryText(o.base);
  // One pass over the rows: the CSV goes into the zip as it is made, its JSON Lines twin into a spool that
  // becomes the next entry. The count is made once for both.
  let counted: Promise<number> | null = null;
  const count = () => (counted ??= o.count());
  let twin: Spool | null = null;
  return [
    {
      ...o.csv,
      query: `${q.query} -- ${o.note}`,
      parameters: q.parameters,
      count,
      async *chunks(progress) {
        const spool = (twin = o.spools.create());
        yield csvLine(o.columns, "\n");
        for await (const page of o.pages(progress)) {
          await spool.write(page.jsonl);
          yield page.csv;
        }
      },
    },
    {
      ...o.jsonl,
      query: `${q.query} -- ${o.note}`,
      parameters: q.parameters,
      count,
      async *chunks(progress) {
        if (!twin) throw new Error(`${o.jsonl.path} is written from the pass that wrote ${o.csv.path}, which has not run`);
        for await (const c of twin.read()) {
          progress(c.lines);
          yield c.bytes;
        }
      },
    },
  ];
}

function grantFiles(db: Tx, sc: Scope, endSeq: bigint, batch: number, spools: Spools): FileSpec[] {
  // The columns are GRANT_COLUMNS, in that order (db-lines.int.test.ts holds the lines to the JavaScript
  // way of writing them); every value is its JSON Lines value, so the database writes each line (jsonPages).
  const query: JsonQuery = {
    columns: Prisma.sql`g."id", g."identityId", i."displayName" AS "identityName", i."kind"::text AS "identityKind", i."email" AS "identityEmail",
    g."entitlementId", e."name" AS "entitlementName", s."id" AS "systemId", s."name" AS "systemName", e."risk"::text AS "risk", e."privileged",
    g."status"::text AS "status", g."origin"::text AS "origin", g."requestId", ${isoSql(`g."startsAt"`)} AS "startsAt", ${isoSql(`g."expiresAt"`)} AS "expiresAt",
    ${isoSql(`g."revokedAt"`)} AS "revokedAt", g."revocationCause"::text AS "revocationCause", g."revokedById", g."revocationNote", ${isoSql(`g."createdAt"`)} AS "createdAt",
    le."firstEventSeq", le."ledgerEvents"`,
    from: Prisma.sql`FROM ${GRANT_FROM} ${ledgerRefsJoin("Grant", `g."id"`, endSeq)} WHERE ${grantWhere(sc)}`,
    order: `g."id"`,
  };
  const base = jsonQuerySql(query);
  return twinFiles({
    spools,
    csv: { path: FILES.grantsCsv, description: "The grant population (same rows as grants.jsonl), one CSV record per grant, header first." },
    jsonl: { path: FILES.grants, description: "The grant population: every grant in scope held at some time in the period (or in the campaign)." },
    columns: GRANT_COLUMNS,
    base,
    note: `firstEventSeq = min(seq) of LedgerEvent with subjectType 'Grant' and subjectId = id (any seq); ledgerEvents = their count with seq <= ${endSeq}`,
    count: () => countOf(db, Prisma.sql`SELECT 1 FROM ${GRANT_FROM} WHERE ${grantWhere(sc)}`),
    pages: async function* (progress) {
      for await (const lines of jsonPages(db, query, batch)) {
        progress(lines.length);
        yield twinPageOfJson(lines, GRANT_COLUMNS);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reconciliation: runs and findings of the systems in scope (server/domain/reconciliation)

const RECON_KIND_LIST = ["UNMANAGED_ACCESS", "MISSING_ACCESS", "ORPHAN_ACCOUNT"];

/**
 * reconciliation-runs.jsonl and reconciliation-findings.jsonl / .csv. The period and the systems bound them
 * (a campaign scope does not narrow them): runs that overlap the period (started before `to`, not completed
 * before `from`) or whose ending event (reconciliation.completed / failed, payload.runId) is in the period;
 * reconciliation findings open at some time in the period (opened before `to`, not resolved before `from`)
 * or with a ledger event about them (subject `Finding`) in the period. Each row carries the seqs of its
 * ledger events, so the verifier can hold every outcome to the event that recorded it.
 */
function reconFiles(db: Tx, sc: Scope, endSeq: bigint, batch: number, spools: Spools): FileSpec[] {
  const end = endSeq.toString();
  const systems = sc.systems.length ? Prisma.sql`s."id" = ANY(${uuidArray(sc.systems.map((x) => x.id))})` : Prisma.sql`true`;
  const runEvents = Prisma.sql`SELECT le."payload"->>'runId' FROM "LedgerEvent" le WHERE le."subjectType" = 'System' AND le."action" IN ('reconciliation.completed', 'reconciliation.failed')
    AND le."occurredAt" >= ${ts(sc.from)} AND le."occurredAt" < ${ts(sc.to)} AND le."seq" <= ${end}::bigint`;
  const runs = Prisma.sql`SELECT r."id", r."systemId", s."name" AS "systemName", r."trigger", r."status"::text AS "status", r."actorId" AS "startedById", a."displayName" AS "startedByName",
    r."startedAt", r."completedAt", r."memberships", r."counts", r."snapshotSha256", r."error"
    FROM "ReconciliationRun" r JOIN "System" s ON s."id" = r."systemId" LEFT JOIN "Identity" a ON a."id" = r."actorId"
    WHERE ${systems} AND ((r."startedAt" < ${ts(sc.to)} AND (r."completedAt" IS NULL OR r."completedAt" >= ${ts(sc.from)})) OR r."id"::text IN (${runEvents}))`;
  const resolved = (expr: string) => Prisma.raw(`CASE WHEN f."status" = 'RESOLVED' THEN ${expr} END`);
  const findings = Prisma.sql`SELECT f."id", s."id" AS "systemId", s."name" AS "systemName", f."kind", coalesce(f."details"->>'account', '') AS "account",
    f."details"->>'entitlementId' AS "entitlementId", coalesce(f."details"->>'entitlement', '') AS "entitlementName", f."details"->>'identityId' AS "identityId",
    f."details"->>'grantId' AS "grantId", f."status"::text AS "status", f."createdAt" AS "openedAt", f."details"->>'firstSeenRunId' AS "firstSeenRunId",
    f."details"->>'lastSeenRunId' AS "lastSeenRunId", ${resolved(`f."details"->>'outcome'`)} AS "outcome", f."resolvedAt", f."resolvedById", ri."displayName" AS "resolvedByName",
    ${resolved(`coalesce(f."details"->>'reason', f."details"->>'resolutionNote')`)} AS "reason", ${resolved(`f."details"->>'acceptedUntil'`)} AS "acceptedUntil",
    ${resolved(`f."details"->>'adoptedUntil'`)} AS "adoptedUntil", ${resolved(`f."details"->>'taskId'`)} AS "taskId", ${resolved(`f."details"->'receipt'`)} AS "receipt",
    ${resolved(`f."details"->>'goneInRunId'`)} AS "resolvedInRunId"
    FROM "Finding" f JOIN "System" s ON s."id"::text = f."subjectId" LEFT JOIN "Identity" ri ON ri."id" = f."resolvedById"
    WHERE f."subjectType" = 'System' AND f."kind" = ANY(${textArray(RECON_KIND_LIST)}) AND ${systems}
      AND ((f."createdAt" < ${ts(sc.to)} AND (f."resolvedAt" IS NULL OR f."resolvedAt" >= ${ts(sc.from)})) OR f."id"::text IN (${eventSubjects(sc, "Finding")}))`;
  const outcomeActions = textArray(Object.values(RECON_OUTCOME_ACTIONS));
  const findingRows = async function* (progress: (n: number) => void) {
    for await (const page of paged(db, findings, "id", batch)) {
      const refs = await db.$queryRaw<{ subjectId: string; seqs: string[]; last: bigint | null }[]>`
        SELECT "subjectId", array_agg("seq"::text ORDER BY "seq") AS seqs, max("seq") FILTER (WHERE "action" = ANY(${outcomeActions})) AS last
          FROM "LedgerEvent" WHERE "subjectType" = 'Finding' AND "subjectId" = ANY(${textArray(page.map((r) => String(r.id)))}) AND "seq" <= ${end}::bigint GROUP BY "subjectId"`;
      const by = new Map(refs.map((r) => [r.subjectId, r]));
      const rows = page.map((r) => {
        const ref = by.get(String(r.id));
        const acted = r.status === "RESOLVED" && r.outcome !== "GONE";
        return normalise({ ...r, outcomeEventSeq: acted && ref?.last != null ? ref.last.toString() : null, ledgerEventSeqs: ref?.seqs ?? [] });
      });
      progress(rows.length);
      yield rows;
    }
  };
  return [
    jsonlFile(db, {
      path: FILES.reconciliationRuns,
      description:
        "Reconciliation runs of the systems in scope that overlap the period (or ended in it): who started them, the memberships read, counts per kind, the SHA-256 of the target's sorted memberships, and the seq of the ledger event that ended each (reconciliation.completed / reconciliation.failed).",
      base: runs,
      batch,
      note: `paged by id; ledgerEventSeq = max(seq) <= ${end} of LedgerEvent with subjectType 'System', subjectId = systemId, action reconciliation.completed or reconciliation.failed and payload.runId = id`,
      map: async (rows) => {
        if (!rows.length) return rows;
        const seqs = await db.$queryRaw<{ runId: string; seq: bigint }[]>`
          SELECT le."payload"->>'runId' AS "runId", max(le."seq") AS seq FROM "LedgerEvent" le
           WHERE le."subjectType" = 'System' AND le."subjectId" = ANY(${textArray([...new Set(rows.map((r) => String(r.systemId)))])}) AND le."action" IN ('reconciliation.completed', 'reconciliation.failed')
             AND le."payload"->>'runId' = ANY(${textArray(rows.map((r) => String(r.id)))}) AND le."seq" <= ${end}::bigint GROUP BY 1`;
        const by = new Map(seqs.map((x) => [x.runId, x.seq.toString()]));
        return rows.map((r) => normalise({ ...r, ledgerEventSeq: by.get(String(r.id)) ?? null }));
      },
    }),
    ...twinFiles({
      spools,
      csv: { path: FILES.reconciliationFindingsCsv, description: "Reconciliation findings (same rows as reconciliation-findings.jsonl), one CSV record per finding, header first." },
      jsonl: {
        path: FILES.reconciliationFindings,
        description:
          "Reconciliation findings of the systems in scope open at some time in the period (or with a ledger event in it), with their outcome: who acted, when, why, until when, the receipt, and the seqs of the ledger events about them.",
      },
      columns: RECON_FINDING_COLUMNS,
      base: findings,
      note: `paged by id; ledgerEventSeqs = seqs <= ${end} of LedgerEvent with subjectType 'Finding' and subjectId = id; outcomeEventSeq = the largest of them whose action records an outcome (RESOLVED findings other than GONE)`,
      count: () => countOf(db, findings),
      pages: async function* (progress) {
        for await (const rows of findingRows(progress)) yield twinPageOfRows(rows, RECON_FINDING_COLUMNS);
      },
    }),
  ];
}

function dataFiles(db: Tx, sc: Scope, endSeq: bigint, batch: number): FileSpec[] {
  const requests = Prisma.sql`SELECT r."id", r."requesterId", r."beneficiaryId", r."entitlementId", e."name" AS "entitlementName", s."id" AS "systemId", s."name" AS "systemName",
    r."justification", r."durationHours", r."ticketUrl", r."emergency", r."incidentRef", r."status"::text AS "status", r."revision", r."contentHash",
    r."policyVersionId", pv."version" AS "policyVersion", r."policyHash", r."inputHash", r."policyDecision"->'determining' AS "determining", r."policyDecision",
    r."createdAt", r."decidedAt", r."deadlineAt", r."extendsGrantId", r."reviewDueAt", r."reviewedAt", r."reviewedById", r."reviewNote",
    le."firstEventSeq", le."ledgerEvents"
    FROM ${REQUEST_FROM} ${ledgerRefsJoin("AccessRequest", `r."id"`, endSeq)} WHERE ${requestWhere(sc)}`;
  const approvals = Prisma.sql`SELECT st."id", st."requestId", st."stageOrder", st."kind"::text AS "kind", st."status"::text AS "status", COALESCE(st."eligibleIds"::text[], '{}') AS "eligibleIds",
    st."openedAt", st."escalateAt", st."escalatedAt", st."requesterId", st."beneficiaryId", st."beneficiaryOwnerId",
    st."decidedById", d."displayName" AS "decidedByName", st."decidedAt", st."reason", st."authority", st."boundRevision", st."boundContentHash"
    FROM "ApprovalStep" st LEFT JOIN "Identity" d ON d."id" = st."decidedById"
    WHERE st."requestId" IN (${requestIds(sc)})`;
  const tasks = Prisma.sql`SELECT t."id", t."grantId", t."action"::text AS "action", t."connector"::text AS "connector", t."status"::text AS "status", t."attempts",
    t."lastError", t."receipt", t."confirmedById", t."confirmNote", t."doneAt", t."createdAt", t."updatedAt"
    FROM "ProvisioningTask" t WHERE t."grantId" IN (${grantIds(sc)})`;
  const items = Prisma.sql`SELECT ri."id", ri."campaignId", c."name" AS "campaignName", c."status"::text AS "campaignStatus", c."startsAt" AS "campaignStartsAt",
    c."launchedAt" AS "campaignLaunchedAt", c."dueAt" AS "campaignDueAt", c."closedAt" AS "campaignClosedAt",
    ri."grantId", ri."identityId", ri."identityName", ri."identityKind"::text AS "identityKind", ri."entitlementId", ri."entitlementName", ri."systemId", ri."systemName",
    ri."risk"::text AS "risk", ri."privileged", ri."origin"::text AS "origin", ri."reviewerId", ri."routedFromId", ri."routingReason",
    ri."decision"::text AS "decision", ri."comment", ri."decidedAt", ri."decidedById", ri."defaulted", ri."remediation"::text AS "remediation",
    ri."remediatedAt", ri."escalatedAt", ri."createdAt"
    FROM "ReviewItem" ri JOIN "Campaign" c ON c."id" = ri."campaignId" WHERE ${reviewItemWhere(sc)}`;
  const revocations = Prisma.sql`SELECT g."id" AS "grantId", g."identityId", g."entitlementId", g."status"::text AS "grantStatus", g."revocationCause"::text AS "cause",
    g."revokedAt", g."revokedById", g."revocationNote", (g."status" = 'REVOKED' AND g."revokedAt" IS NOT NULL) AS "confirmed",
    t."id" AS "taskId", t."status"::text AS "taskStatus", t."connector"::text AS "connector", t."receipt", t."doneAt", t."confirmedById"
    FROM "Grant" g
    LEFT JOIN LATERAL (SELECT pt.* FROM "ProvisioningTask" pt WHERE pt."grantId" = g."id" AND pt."action" = 'REVOKE' ORDER BY pt."createdAt" DESC, pt."id" DESC LIMIT 1) t ON true
    WHERE g."id" IN (${grantIds(sc)}) AND (g."revokedAt" IS NOT NULL OR g."status" IN ('PENDING_REVOKE', 'REVOKE_FAILED', 'REVOKED') OR t."id" IS NOT NULL)`;
  const policies = Prisma.sql`SELECT pv."id", pv."version", pv."sha256", pv."note", pv."createdById", pv."createdAt", pv."text" FROM "PolicyVersion" pv`;
  return [
    jsonlFile(db, {
      path: FILES.requests,
      description: "Access requests: of the population's grants, and (without a campaign) created or decided in the period; with justification, ticket, the policy version, policy hash, input hash and determining policies.",
      base: requests,
      batch,
      note: `paged by id; firstEventSeq / ledgerEvents as for grants, subjectType 'AccessRequest'`,
    }),
    jsonlFile(db, { path: FILES.approvals, description: "Every approval stage of those requests, with the decider and their authority (JSON).", base: approvals, batch, note: "paged by id" }),
    jsonlFile(db, { path: FILES.provisioning, description: "Provisioning tasks (grant and revoke) of the population's grants, with the connector's receipt.", base: tasks, batch, note: "paged by id" }),
    jsonlFile(db, { path: FILES.reviewItems, description: "Access-review items of the population's grants (the campaign's items for a campaign scope), with the campaign window.", base: items, batch, note: "paged by id" }),
    jsonlFile(db, { path: FILES.revocations, description: "Revocations of the population's grants: cause, who, when, confirmed (grant REVOKED), and the latest revoke task with its receipt.", base: revocations, key: "grantId", batch, note: "paged by grantId" }),
    jsonlFile(db, { path: FILES.policyVersions, description: "Every approval-policy version: Cedar text and its SHA-256 (hex of UTF-8 text).", base: policies, batch, note: "paged by id" }),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Scope exclusions: what the ledger says the pack must explain, left out because its system is out of scope

/**
 * scope-exclusions.jsonl: every grant, request and review item the verifier's "nothing missing" rule requires
 * (docs/evidence-pack.md, "Completeness and scope") that is not in the pack because its system (that of the
 * entitlement of the request, of the grant, of the review item's grant) is not in `scope.systems`. Without a
 * campaign: the subjects with an event in the period (the selection of `eventSubjects`). With a campaign: the
 * review items an event in the pack's ledger file names as the campaign's (`payload.campaignId`), and the
 * grants those events name (`payload.grantId`). Empty when the pack has no systems. Sorted by subjectId.
 */
function exclusionsFile(db: Tx, sc: Scope, anchorSeq: bigint, batch: number): FileSpec {
  const systems = uuidArray(sc.systems.map((s) => s.id));
  let subjects: Prisma.Sql;
  if (sc.campaign) {
    const named = Prisma.sql`SELECT le."subjectId", le."payload"->>'grantId' AS "grantId" FROM "LedgerEvent" le
      WHERE le."subjectType" = 'ReviewItem' AND le."payload"->>'campaignId' = ${sc.campaign.id} AND le."seq" > ${anchorSeq.toString()}::bigint AND le."seq" <= ${sc.endSeq.toString()}::bigint`;
    subjects = Prisma.sql`SELECT 'ReviewItem' AS "subjectType", ri."id" AS "subjectId", e."systemId" FROM "ReviewItem" ri JOIN "Grant" g ON g."id" = ri."grantId" JOIN "Entitlement" e ON e."id" = g."entitlementId"
        WHERE ri."id"::text IN (SELECT n."subjectId" FROM (${named}) n)
      UNION ALL
      SELECT 'Grant', g."id", e."systemId" FROM "Grant" g JOIN "Entitlement" e ON e."id" = g."entitlementId"
        WHERE g."id"::text IN (SELECT n."grantId" FROM (${named}) n)`;
  } else {
    subjects = Prisma.sql`SELECT 'Grant' AS "subjectType", g."id" AS "subjectId", e."systemId" FROM "Grant" g JOIN "Entitlement" e ON e."id" = g."entitlementId"
        WHERE g."id"::text IN (${eventSubjects(sc, "Grant")})
      UNION ALL
      SELECT 'AccessRequest', r."id", e."systemId" FROM "AccessRequest" r JOIN "Entitlement" e ON e."id" = r."entitlementId"
        WHERE r."id"::text IN (${eventSubjects(sc, "AccessRequest")})
      UNION ALL
      SELECT 'ReviewItem', ri."id", e."systemId" FROM "ReviewItem" ri JOIN "Grant" g ON g."id" = ri."grantId" JOIN "Entitlement" e ON e."id" = g."entitlementId"
        WHERE ri."id"::text IN (${eventSubjects(sc, "ReviewItem")})`;
  }
  const base = Prisma.sql`SELECT x."subjectType", x."subjectId", x."systemId" FROM (${subjects}) x
    WHERE cardinality(${systems}) > 0 AND x."systemId" <> ALL(${systems})`;
  return jsonlFile(db, {
    path: FILES.scopeExclusions,
    description:
      "Grants, requests and review items the ledger says the pack must explain (an event in the period; with a campaign, the campaign's items named in the ledger file and their grants) that are not in it because their system is outside scope.systems. Empty without systems.",
    base,
    key: "subjectId",
    batch,
    note: "paged by subjectId",
  });
}

// ---------------------------------------------------------------------------------------------------------
// Control checks: the same checks the auditor workspace runs (server/domain/audit/controls.ts)

/** What each check's population rows are. */
const CONTROL_SUBJECT: Record<string, string> = {
  [CONTROL_IDS.grantHasApproval]: "Grant",
  [CONTROL_IDS.revokeConfirmed]: "ReviewItem",
  [CONTROL_IDS.noSelfApproval]: "ApprovalStep",
  [CONTROL_IDS.nhiHasOwner]: "Identity",
  [CONTROL_IDS.noExpiredActive]: "Grant",
};

function controlsFile(db: Tx, sc: Scope, now: Date, batch: number): FileSpec {
  // The checks take an inclusive end: the pack's period ends just before `to`.
  const opts = { from: sc.from, to: new Date(sc.to.getTime() - 1), systemNames: sc.systems.map((s) => s.name), now };
  const paging = { ...opts, batchSize: batch };
  const toLine = (check: string, type: "exception" | "flagged", r: { id: string; subject: string; detail: string; reason: string | null }) =>
    `${toJsonText({ type, check, subjectType: CONTROL_SUBJECT[check] ?? "unknown", subjectId: r.id, subject: r.subject, detail: r.detail, reason: r.reason })}\n`;
  return {
    path: FILES.controls,
    description:
      'Control-check results (the auditor workspace\'s checks over the period and systems): per check a "check" line, then one "exception" line per exception and one "flagged" line per flagged member.',
    query:
      "for each check in order: summarizeControlCheck(db, check, parameters[0]) (its counts, one SQL statement), then controlMembers(db, check, \"exception\") and controlMembers(db, check, \"flagged\") from server/domain/audit/controls.ts; each check line states how its population was defined",
    parameters: [{ from: opts.from.toISOString(), to: opts.to.toISOString(), systemNames: opts.systemNames, now: now.toISOString() }],
    // Not counted up front: each check adds its lines to the progress total when it has been counted.
    count: async () => 0,
    async *chunks(progress, addTotal) {
      // Per check: its counts (SQL), the check line, then its exception lines and its flagged lines, a page at a
      // time (controlMembers: found by the check's SQL when few, by walking the population when most members
      // are listed).
      for (const id of CONTROL_IDS_IN_ORDER) {
        const info = controlCheckInfo(id, opts);
        const summary = await summarizeControlCheck(db, id, paging);
        addTotal(1 + summary.exceptionCount + summary.flaggedCount);
        const head: ControlLine = {
          type: "check",
          id: info.id,
          title: info.title,
          description: info.description,
          population: summary.population.count,
          definition: info.definition,
          exceptions: summary.exceptionCount,
          flagged: summary.flaggedCount,
          passed: summary.passed,
        };
        progress(1);
        yield `${toJsonText(head)}\n`;
        // One REPEATABLE READ transaction: the count and the list see the same rows (controlMembers fails if the
        // list does not come to the count).
        for (const which of ["exception", "flagged"] as const) {
          for await (const page of controlMembers(db, id, which, { ...paging, counted: summary })) {
            progress(page.length);
            yield page.map((r) => toLine(id, which, r)).join("");
          }
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Ledger

function ledgerFile(db: Tx, fromSeq: bigint, toSeq: bigint, batch: number): FileSpec {
  // LedgerLine's fields in its order; the database writes each line (jsonPages). The payload is the stored
  // JSON as PostgreSQL prints it: the verifier hashes what it parses (JCS), never the line's bytes.
  const query: JsonQuery = {
    columns: Prisma.sql`le."seq"::text AS "seq", ${isoSql(`le."occurredAt"`)} AS "occurredAt", le."actorId", le."onBehalfOfId", le."action", le."subjectType", le."subjectId",
    le."payload", le."prevHash", le."hash"`,
    from: Prisma.sql`FROM "LedgerEvent" le WHERE le."seq" BETWEEN ${fromSeq.toString()}::bigint AND ${toSeq.toString()}::bigint`,
    order: `le."seq"`,
  };
  const q = queryText(jsonQuerySql(query));
  return {
    path: FILES.ledger,
    description: `Every ledger event from seq ${fromSeq} to ${toSeq} (the anchor checkpoint + 1 to the export checkpoint), in seq order, with every field needed to recompute its hash.`,
    query: q.query,
    parameters: q.parameters,
    count: async () => (toSeq >= fromSeq ? Number(toSeq - fromSeq + 1n) : 0),
    async *chunks(progress) {
      for await (const lines of jsonPages(db, query, batch)) {
        progress(lines.length);
        yield `${lines.join("\n")}\n`;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------

function generatorInfo(via: string | undefined): Manifest["generator"] {
  let name = "warrant";
  let version = "unknown";
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(/* turbopackIgnore: true */ process.cwd(), "package.json"), "utf8")) as { name?: string; version?: string };
    name = pkg.name ?? name;
    version = pkg.version ?? version;
  } catch {
    /* not run from the repository: keep the defaults */
  }
  return via ? { name: `${name} (${via})`, version } : { name, version };
}

function readme(m: Pick<Manifest, "period" | "scope" | "keyId" | "generatedAt">, checkpointSeq: string, anchor: Anchor): string {
  const scope = [m.scope.systems.length ? `systems: ${m.scope.systems.map((s) => s.name).join(", ")}` : "all systems", m.scope.campaign ? `campaign: ${m.scope.campaign.name} (${m.scope.campaign.id})` : null]
    .filter(Boolean)
    .join("; ");
  return `Warrant evidence pack
=====================

Period: ${m.period.from} to ${m.period.to} (start inclusive, end exclusive)
Scope:  ${scope}
Generated: ${m.generatedAt}
Signing key id: ${m.keyId} (Ed25519; the public key is in manifest.json)

How to verify
-------------
1. Get the organisation's public key from a source you trust (the portal's Evidence packs page or the
   key file your administrator gave you), then run, from a Warrant checkout (no database needed):
     npm run evidence:verify -- <this-pack.zip> --public-key <public-key.pem>
   Every check prints "name: passed/total valid" and each failure; the exit code is non-zero on any failure.
   Without --public-key the verifier only shows that the pack agrees with the key inside it (anyone can
   sign a pack with a key of their own): it says so, prints that key's id and exits 3.
2. Or verify by hand (docs/evidence-pack.md has the exact rules):
   - manifest.sig is the base64 Ed25519 signature of the exact bytes of manifest.json;
   - every file listed in manifest.json has the SHA-256, byte size and row count given there;
   - ledger-events.jsonl is a hash chain: hash = SHA-256(prevHash || JCS(body)) for every event; its first
     event follows the anchor (seq ${anchor.seq}, ${anchor.reason === "genesis" ? "the genesis of the chain" : "a checkpoint signed before the period"}) and its last event is
     the checkpoint signed at export (seq ${checkpointSeq}), whose signature is in checkpoint.json.

Files
-----
manifest.json                 format version, scope, period, generator, ledger range, checkpoints, public key,
                              and for every file: SHA-256, bytes, rows, the query and its parameters
manifest.sig                  Ed25519 signature (base64) over manifest.json
grants.csv / grants.jsonl     the grant population (same rows, CSV for spreadsheets; a CSV cell starting
                              with = + - @ TAB or CR has a ' in front so no spreadsheet runs it as a formula,
                              grants.jsonl holds the exact values)
requests.jsonl                access requests with justification, ticket, policy version and hashes
approvals.jsonl               approval stages with the approver and their authority
provisioning-receipts.jsonl   provisioning tasks and the connectors' receipts
review-items.jsonl            access-review decisions with the campaign window
revocations.jsonl             revocations: cause, who, when, confirmation and receipt
policy-versions.jsonl         every approval-policy version (Cedar text + SHA-256)
controls.jsonl                control checks: population, exceptions (one line each)
scope-exclusions.jsonl        grants, requests and review items the ledger names for the period but whose
                              system is outside the pack's systems (empty without systems)
reconciliation-runs.jsonl     reconciliations of the systems: who, when, counts, target snapshot SHA-256
reconciliation-findings.csv / reconciliation-findings.jsonl
                              what reconciliation found (unmanaged / missing access, orphan accounts) and
                              its outcome: adopted, revoked, re-provisioned, accepted (reason, until), gone
checkpoint.json               the anchor checkpoint and the checkpoint signed at export
ledger-events.jsonl           the ledger events from the anchor to the export checkpoint
`;
}

/** Measures what passes: SHA-256, bytes and rows (the manifest's figures; bench/evidence-verify.ts uses it too). */
export class Measure extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  readonly rows: RowCounter;
  constructor(p: string) {
    super();
    this.rows = new RowCounter(kindOf(p));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.rows.push(chunk);
    cb(null, chunk);
  }
}

/** How long an export's snapshot transaction may stay open. */
export const EXPORT_TX_TIMEOUT_MS = 6 * 60 * 60_000;

/**
 * Deflate level of the pack's files. Level 1 (fastest): the files are CSV and JSON Lines, which level 1
 * still shrinks about sixfold, and deflate at the default level 6 was the export's largest single cost
 * (docs/performance.md, "evidence export"). Any level is a plain zip to every reader and the verifier.
 */
const ZIP_LEVEL = 1;

/**
 * Writes the pack to `out`. Everything is read in ONE read-only REPEATABLE READ transaction, so every file,
 * the control checks and the ledger describe the same instant even while the portal keeps writing (on
 * PostgreSQL other writers are not held up; on the embedded database, which has a single connection, other
 * queries wait until the export is done). The checkpoint signed for the pack is the head of that snapshot;
 * it is stored (with its "checkpoint.signed" event) once the snapshot is closed.
 */
export async function exportEvidencePack(db: PrismaClient, params: ExportParams, out: NodeJS.WritableStream, opts: ExportOptions = {}): Promise<ExportResult> {
  const now = new Date(Math.floor((opts.now ?? new Date()).getTime()));
  const key = await ensureSigningKey(db, now, opts.key);
  const { result, checkpoint } = await db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      // Every cursor is read to its end: plan for all of its rows, not for the first few.
      await tx.$executeRawUnsafe("SET LOCAL cursor_tuple_fraction = 1");
      return writePack(tx, key, params, out, opts, now);
    },
    { maxWait: 10_000, timeout: EXPORT_TX_TIMEOUT_MS },
  );
  await storeCheckpoint(db, checkpoint);
  return result;
}

async function writePack(
  db: Tx,
  key: SigningKey,
  params: ExportParams,
  out: NodeJS.WritableStream,
  opts: ExportOptions,
  now: Date,
): Promise<{ result: ExportResult; checkpoint: PackCheckpoint }> {
  const batch = opts.batchSize ?? EXPORT_BATCH;
  const spools = new Spools();
  try {
    return await writeFiles(db, key, params, out, opts, now, batch, spools);
  } finally {
    spools.disposeAll();
  }
}

async function writeFiles(
  db: Tx,
  key: SigningKey,
  params: ExportParams,
  out: NodeJS.WritableStream,
  opts: ExportOptions,
  now: Date,
  batch: number,
  spools: Spools,
): Promise<{ result: ExportResult; checkpoint: PackCheckpoint }> {

  // The head of the snapshot ends the pack's ledger file; it is signed here and stored after the snapshot.
  const headRow = (await db.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT "seq", "hash" FROM "LedgerHead" WHERE "id" = 1`)[0];
  if (!headRow) throw new Error("ledger head row is missing: were the migrations applied?");
  const endSeq = BigInt(headRow.seq);
  const sc = await resolveScope(db, params, endSeq);
  opts.onSnapshot?.({ seq: endSeq, hash: headRow.hash });
  const end = signHead(key, { seq: endSeq, hash: headRow.hash }, now, "export");
  const period = await db.ledgerEvent.aggregate({ _min: { seq: true }, _max: { seq: true }, where: { occurredAt: { gte: sc.from, lt: sc.to }, seq: { lte: endSeq } } });
  const periodFirst = period._min.seq;
  const bound = periodFirst ?? endSeq + 1n;
  // The anchor may be signed by an earlier key (before a rotation): the pack then carries that key's public half.
  const keys = new Map((await registeredKeys(db)).map((k) => [k.keyId, k.publicKeyPem]));
  const anchorRow = await db.checkpoint.findFirst({ where: { seq: { lt: bound, lte: endSeq }, keyId: { in: [...keys.keys()] } }, orderBy: [{ seq: "desc" }, { signedAt: "desc" }] });
  const anchor: Anchor = anchorRow ? packCheckpoint(anchorRow) : GENESIS_ANCHOR;
  const checkpointKeys = anchorRow && anchorRow.keyId !== key.keyId ? [{ keyId: anchorRow.keyId, publicKey: keys.get(anchorRow.keyId)! }] : [];
  const firstSeq = BigInt(anchor.seq) + 1n;

  const generatedAt = now.toISOString();
  const scope: Manifest["scope"] = {
    systems: sc.systems,
    campaign: sc.campaign
      ? {
          id: sc.campaign.id,
          name: sc.campaign.name,
          startsAt: sc.campaign.startsAt.toISOString(),
          dueAt: sc.campaign.dueAt.toISOString(),
          launchedAt: sc.campaign.launchedAt?.toISOString() ?? null,
          closedAt: sc.campaign.closedAt?.toISOString() ?? null,
        }
      : null,
  };
  const periodOut = { from: sc.from.toISOString(), to: sc.to.toISOString() };
  const checkpointJson = `${JSON.stringify({ anchor, checkpoint: end }, null, 2)}\n`;

  const specs: FileSpec[] = [
    {
      path: FILES.readme,
      description: "How to verify this pack and what each file holds.",
      query: null,
      parameters: [],
      count: async () => 0,
      async *chunks() {
        yield readme({ period: periodOut, scope, keyId: key.keyId, generatedAt }, end.seq, anchor);
      },
    },
    ...grantFiles(db, sc, endSeq, batch, spools),
    ...dataFiles(db, sc, endSeq, batch),
    controlsFile(db, sc, now, batch),
    exclusionsFile(db, sc, BigInt(anchor.seq), batch),
    ...reconFiles(db, sc, endSeq, batch, spools),
    {
      path: FILES.checkpoint,
      description:
        "The anchor (latest checkpoint signed with a registered key before the period's first event, or the genesis of the chain) and the checkpoint of the export's snapshot head.",
      query: `SELECT * FROM "Checkpoint" WHERE "keyId" IN (SELECT "keyId" FROM "SigningKey") AND "seq" < $1 ORDER BY "seq" DESC, "signedAt" DESC LIMIT 1 -- anchor; the export checkpoint signs the head of the export's snapshot`,
      parameters: [bound.toString()],
      count: async () => 0,
      async *chunks() {
        yield checkpointJson;
      },
    },
    ledgerFile(db, firstSeq, endSeq, batch),
  ];

  let total = 0;
  for (const s of specs) total += await s.count();
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(Math.min(done, total), total);
  };
  opts.onProgress?.(0, total);

  const zip = new ZipFile();
  let zipBytes = 0;
  const counter = new PassThrough();
  counter.on("data", (c: Buffer) => (zipBytes += c.length));
  const written = pipeline(zip.outputStream, counter, out as NodeJS.WritableStream);
  // If the output fails (a full disk, a closed download), the file being read is stopped too: without this the
  // export would wait forever for the zip to take its next bytes, holding its snapshot open.
  let reading: Readable | null = null;
  written.catch((err: Error) => reading?.destroy(err));
  const mtime = now;
  const stats: ManifestFile[] = [];
  try {
    for (const s of specs) {
      const m = new Measure(s.path);
      const started = performance.now();
      zip.addReadStream(m, s.path, { mtime, compressionLevel: ZIP_LEVEL });
      reading = Readable.from(s.chunks(progress, (n) => (total += n)), { objectMode: false });
      await pipeline(reading, m);
      const stat: ManifestFile = { path: s.path, sha256: m.hash.digest("hex"), bytes: m.bytes, rows: m.rows.result(), description: s.description, query: s.query, parameters: s.parameters };
      stats.push(stat);
      opts.onFile?.(stat, performance.now() - started);
    }
    const ledgerStat = stats.find((f) => f.path === FILES.ledger)!;
    const events = ledgerStat.rows ?? 0;
    const manifest: Manifest = {
      formatVersion: FORMAT_VERSION,
      generator: generatorInfo(opts.generator),
      generatedAt,
      period: periodOut,
      scope,
      ledger: {
        firstSeq: events ? firstSeq.toString() : null,
        lastSeq: events ? endSeq.toString() : null,
        events,
        periodFirstSeq: periodFirst?.toString() ?? null,
        periodLastSeq: period._max.seq?.toString() ?? null,
        anchor,
        checkpoint: end,
      },
      keyId: key.keyId,
      publicKey: key.publicKeyPem,
      algorithm: "Ed25519",
      checkpointKeys,
      files: stats,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
    const signature = sign(null, manifestBytes, key.privateKey).toString("base64");
    zip.addBuffer(manifestBytes, FILES.manifest, { mtime, compressionLevel: ZIP_LEVEL });
    zip.addBuffer(Buffer.from(`${signature}\n`, "utf8"), FILES.signature, { mtime, compress: false });
    zip.end();
    await written;
    opts.onProgress?.(total, total);
    const result: ExportResult = {
      files: stats.length + 2,
      bytes: zipBytes,
      manifestSha256: createHash("sha256").update(manifestBytes).digest("hex"),
      ledgerEvents: events,
      checkpointSeq: end.seq,
      keyId: key.keyId,
      rows: stats.reduce((n, f) => n + (f.rows ?? 0), 0),
      fileStats: stats,
    };
    return { result, checkpoint: end };
  } catch (err) {
    (zip.outputStream as Readable).destroy(err as Error);
    await written.catch(() => {});
    throw err;
  }
}
