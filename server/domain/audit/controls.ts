/**
 * Control checks for auditors. Each check states the population it ran over (how many, and how that
 * population was defined), lists its exceptions, and passes when there are none. The same checks go into
 * evidence packs (server/evidence/export.ts).
 *
 * The checks' rules are in control-checks.ts; this file runs them. Each check is stated twice, on purpose,
 * and a test holds the two equal (control-verdicts.int.test.ts):
 * - as rows: a Prisma filter for its population, and each member's verdict (exception? flagged? why?) in
 *   JavaScript over the row (`page`). The population CSV walks these.
 * - as SQL (`sql`): the same population as FROM/WHERE, and the exception and flag verdicts as boolean
 *   expressions. Counting a million grants' verdicts, or finding the first hundred exceptions among them,
 *   is then one statement on the database instead of a walk of every row through the portal (182 s at 1M
 *   grants before; docs/performance-queries.md "Control checks").
 * Where SQL picks the members (the exceptions / flagged lists: the portal, their CSVs, the evidence pack's
 * controls file), the rows are then loaded by id through `page`, and a member whose row verdict disagrees
 * with the SQL verdict stops the read with an error: a drift between the two statements can never silently
 * drop or add an exception.
 *
 * Memory stays flat whatever the size of a population: members are read in pages (keyset pagination by id,
 * `batchSize` rows at a time, 1000 by default) and never more than one page is held.
 * - `summarizeControlCheck`: the counts only (population, exceptions, flagged): one SQL statement.
 * - `controlMembers`: the exceptions / flagged / whole population, one page (array) at a time, in id order.
 * - `controlPopulation`: the whole population with each member's row verdicts (what the equivalence test walks).
 * - `controlChecksOverview`: what the portal shows: per check the counts and the first `limit` exceptions and
 *   flagged members (the rest are in the CSV, `controlMembersCsv`).
 * Only queries on the given client: `db` may be an interactive transaction (the evidence export reads inside
 * one REPEATABLE READ transaction), so nothing here opens a transaction of its own.
 *
 * Read-only. Routers and route handlers expose it to ADMIN, SECURITY and AUDITOR only.
 */
import type { PrismaClient, Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { badInput } from "../../errors";
import { hasRole, loadActor } from "../actor";
import { csvLine } from "../../csv";
import { CONTROL_IDS, CONTROL_ROWS_SHOWN, ZControlMembersCsvInput, type ControlId, type ControlMemberList } from "./schema";
import { CHECKS, type CheckDef, type ControlRow, type PopRow, type Scope } from "./control-checks";

export type { ControlRow, PopRow } from "./control-checks";

export type ControlScopeOpts = {
  /** Start of the period (inclusive). A YYYY-MM-DD string means 00:00 UTC that day. */
  from?: Date | string;
  /** End of the period (inclusive). A YYYY-MM-DD string means the end of that UTC day. */
  to?: Date | string;
  /** Only these systems (by name). */
  systemNames?: string[];
  /** "Now" for checks about the current state (expiry). Defaults to the wall clock. */
  now?: Date;
};

/** A check's result without its members: what it ran over and how many exceptions / flagged it found. */
export type ControlCheckSummary = {
  id: ControlId;
  title: string;
  description: string;
  population: { count: number; definition: string };
  exceptionCount: number;
  flaggedCount: number;
  passed: boolean;
};

/** The portal's view of a check: the summary, and the first `rowLimit` exceptions and flagged members. */
export type ControlCheckOverview = ControlCheckSummary & {
  /** The first `rowLimit` exceptions in id order (all of them: `exceptionCount`). */
  exceptions: ControlRow[];
  /** Not exceptions, but called out for the auditor (e.g. imported access of unverified origin); first `rowLimit`. */
  flagged: ControlRow[];
  rowLimit: number;
};

type PagingOpts = { batchSize?: number };

export const DEFAULT_CONTROL_BATCH = 1000;

function toScope(o: ControlScopeOpts): Scope {
  const parse = (v: Date | string | undefined, end: boolean) => {
    if (v === undefined) return null;
    if (v instanceof Date) return v;
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T${end ? "23:59:59.999" : "00:00:00.000"}Z`) : new Date(v);
  };
  return { from: parse(o.from, false), to: parse(o.to, true), systemNames: o.systemNames?.length ? o.systemNames : null, now: o.now ?? new Date() };
}

export const CONTROL_CHECKS: readonly Pick<CheckDef, "id" | "title" | "description">[] = CHECKS.map(({ id, title, description }) => ({ id, title, description }));

/** The check ids in their fixed order (the order the portal and the evidence pack list them). */
export const CONTROL_IDS_IN_ORDER: readonly ControlId[] = Object.freeze(CHECKS.map((c) => c.id));

const strip = ({ exception: _e, flag: _f, ...row }: PopRow): ControlRow => row;

function checkDef(id: ControlId): CheckDef {
  const c = CHECKS.find((x) => x.id === id);
  if (!c) throw badInput(`There is no control check "${String(id)}". The checks are: ${CONTROL_IDS.join(", ")}.`);
  return c;
}

function batchOf(o: PagingOpts): number {
  const b = o.batchSize ?? DEFAULT_CONTROL_BATCH;
  if (!Number.isInteger(b) || b < 1) throw badInput(`batchSize must be a positive integer (got ${String(b)}).`);
  return b;
}

/** The population of a check, one page at a time (never empty), in id order, each member with its row verdicts. */
async function* populationPages(db: Tx, c: CheckDef, s: Scope, batch: number): AsyncGenerator<PopRow[]> {
  let after: string | null = null;
  for (;;) {
    const rows = await c.page(db, s, { after }, batch);
    if (rows.length > 0) yield rows;
    if (rows.length < batch) return;
    after = rows[rows.length - 1]!.id;
  }
}

type Verdict = "exception" | "flag";

function fromWhere(c: CheckDef, s: Scope, extra: Prisma.Sql[] = []): Prisma.Sql {
  const { from, where } = c.sql.source(s);
  const all = [...where, ...extra];
  return Prisma.sql`FROM ${from}${all.length ? Prisma.sql` WHERE ${Prisma.join(all, " AND ")}` : Prisma.empty}`;
}

/** The counts of a check, by its SQL verdicts: one statement, whatever the population's size. */
async function tally(db: Tx, c: CheckDef, s: Scope): Promise<{ population: number; exceptions: number; flagged: number }> {
  const [row] = await db.$queryRaw<{ population: number; exceptions: number; flagged: number }[]>`
    SELECT count(*)::int AS "population",
           count(*) FILTER (WHERE ${c.sql.exception})::int AS "exceptions",
           count(*) FILTER (WHERE ${c.sql.flag})::int AS "flagged"
    ${fromWhere(c, s)}`;
  return row!;
}

/**
 * The members SQL gives the verdict to, after `after`, in id order, at most `take`, loaded as rows; each
 * row's own verdict must agree (else an error: the two statements of the check have drifted apart).
 */
async function membersByVerdict(
  db: Tx,
  c: CheckDef,
  s: Scope,
  verdict: Verdict,
  after: string | null,
  take: number,
  plan: "walk-ids" | "filter-first" = "walk-ids",
): Promise<{ rows: PopRow[]; last: string | null }> {
  const members = fromWhere(c, s, [c.sql[verdict], ...(after ? [Prisma.sql`m."id" > ${after}::uuid`] : [])]);
  const ids = (
    await (plan === "walk-ids"
      ? db.$queryRaw<{ id: string }[]>`SELECT m."id"::text AS "id" ${members} ORDER BY m."id" LIMIT ${take}`
      : db.$queryRaw<{ id: string }[]>`WITH x AS MATERIALIZED (SELECT m."id" ${members}) SELECT x."id"::text AS "id" FROM x ORDER BY x."id" LIMIT ${take}`)
  ).map((r) => r.id);
  if (ids.length === 0) return { rows: [], last: null };
  const rows = await c.page(db, s, { ids }, ids.length);
  const disagree = rows.filter((r) => !r[verdict]).map((r) => r.id);
  if (rows.length !== ids.length || disagree.length > 0) {
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    throw new Error(
      `Control check "${c.id}": its SQL and row verdicts disagree (${verdict}): ${[...disagree, ...missing].slice(0, 5).join(", ")}. The check's sql and page must state the same rule.`,
    );
  }
  return { rows, last: ids[ids.length - 1]! };
}

async function* verdictPages(db: Tx, c: CheckDef, s: Scope, verdict: Verdict, batch: number): AsyncGenerator<PopRow[]> {
  let after: string | null = null;
  for (;;) {
    const { rows, last } = await membersByVerdict(db, c, s, verdict, after, batch);
    if (rows.length > 0) yield rows;
    if (rows.length < batch) return;
    after = last;
  }
}

function summaryOf(c: CheckDef, s: Scope, t: { population: number; exceptions: number; flagged: number }): ControlCheckSummary {
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    population: { count: t.population, definition: c.definition(s) },
    exceptionCount: t.exceptions,
    flaggedCount: t.flagged,
    passed: t.exceptions === 0,
  };
}

/** A check's counts: one statement on the database (no member is loaded). */
export async function summarizeControlCheck(db: Tx, id: ControlId, opts: ControlScopeOpts & PagingOpts = {}): Promise<ControlCheckSummary> {
  const c = checkDef(id);
  batchOf(opts);
  const s = toScope(opts);
  return summaryOf(c, s, await tally(db, c, s));
}

/**
 * Above this share of the population, the exceptions (or flagged) are listed by walking the population and
 * keeping the members whose row verdict says so: fewer statements than finding them by SQL first (imported
 * access, flagged, is most of the grants in effect). Below it, only they are read.
 */
const DENSE_SHARE = 0.5;

/**
 * The members that are exceptions / flagged / all of them, in id order, one page (array) at a time. The
 * exceptions and the flagged are counted by the check's SQL first (or `counted`, the check's summary already
 * read in the same transaction), then listed; a list that does not come to the count is an error.
 */
export async function* controlMembers(
  db: Tx,
  id: ControlId,
  which: "exception" | "flagged" | "all",
  opts: ControlScopeOpts & PagingOpts & { counted?: ControlCheckSummary; /** Force one way of listing (the equivalence test reads both). */ listBy?: "sql" | "rows" } = {},
): AsyncGenerator<ControlRow[]> {
  const c = checkDef(id);
  const s = toScope(opts);
  const batch = batchOf(opts);
  if (which === "all") {
    for await (const page of populationPages(db, c, s, batch)) yield page.map(strip);
    return;
  }
  const verdict: Verdict = which === "exception" ? "exception" : "flag";
  const counted = opts.counted ?? summaryOf(c, s, await tally(db, c, s));
  const expected = verdict === "exception" ? counted.exceptionCount : counted.flaggedCount;
  if (expected === 0) return;
  let listed = 0;
  if (opts.listBy === "rows" || (opts.listBy === undefined && expected > counted.population.count * DENSE_SHARE)) {
    for await (const page of populationPages(db, c, s, batch)) {
      const kept = page.filter((r) => r[verdict]).map(strip);
      listed += kept.length;
      if (kept.length > 0) yield kept;
    }
  } else {
    for await (const page of verdictPages(db, c, s, verdict, batch)) {
      listed += page.length;
      yield page.map(strip);
    }
  }
  if (listed !== expected) throw new Error(`Control check "${c.id}": counted ${expected} ${which} members but listed ${listed}. The check's sql and page must state the same rule.`);
}

/**
 * The whole population of a check, one page at a time, each member marked as an exception and/or flagged by
 * its row verdicts (control-verdicts.int.test.ts holds these equal to the SQL verdicts).
 */
export async function* controlPopulation(db: Tx, id: ControlId, opts: ControlScopeOpts & PagingOpts = {}): AsyncGenerator<PopRow[]> {
  yield* populationPages(db, checkDef(id), toScope(opts), batchOf(opts));
}

/**
 * The members at these positions (0-based) of a check's population sorted by id, by position: one statement
 * numbers the population in id order and keeps the positions asked for, then only those members are loaded
 * (a sample of 25 among 640,000 grants reads 25 rows into the portal, not 640,000). A position past the end
 * has no member.
 */
export async function controlMembersAt(db: Tx, id: ControlId, positions: readonly number[], opts: ControlScopeOpts = {}): Promise<Map<number, ControlRow>> {
  const c = checkDef(id);
  const s = toScope(opts);
  if (positions.length === 0) return new Map();
  if (!positions.every((p) => Number.isSafeInteger(p) && p >= 0)) throw badInput("Positions must be non-negative integers.");
  const found = await db.$queryRaw<{ id: string; pos: number }[]>`
    SELECT x."id"::text AS "id", x."pos"::int AS "pos"
      FROM (SELECT m."id", row_number() OVER (ORDER BY m."id") - 1 AS "pos" ${fromWhere(c, s)}) x
     WHERE x."pos" = ANY(${`{${positions.join(",")}}`}::bigint[])`;
  const rows = found.length ? await c.page(db, s, { ids: found.map((f) => f.id) }, found.length) : [];
  if (rows.length !== found.length) throw new Error(`Control check "${c.id}": its SQL population and its rows disagree (${found.length} members numbered, ${rows.length} loaded).`);
  const byId = new Map(rows.map((r) => [r.id, strip(r)]));
  return new Map(found.map((f) => [f.pos, byId.get(f.id)!]));
}

/** How many members a check's population has (one COUNT query; no members loaded). */
export async function countControlPopulation(db: Tx, id: ControlId, opts: ControlScopeOpts = {}): Promise<number> {
  return checkDef(id).count(db, toScope(opts));
}

/** A check's title, and how its population is defined for this scope (no query). */
export function controlCheckInfo(id: ControlId, opts: ControlScopeOpts = {}): { id: ControlId; title: string; description: string; definition: string } {
  const c = checkDef(id);
  return { id: c.id, title: c.title, description: c.description, definition: c.definition(toScope(opts)) };
}

/**
 * Below this share of the population, the first exceptions (or flagged) are found by filtering the whole
 * population and sorting what matched; above it, by walking the members in id order until enough matched.
 * Walking the id index for a verdict few members have reads most of the population in random order (0.9 s
 * for none among 640,000 grants in effect, where the filter-first plan costs the same scan as the counts).
 */
const RARE_SHARE = 0.01;

async function overviewOne(db: Tx, c: CheckDef, s: Scope, limit: number): Promise<ControlCheckOverview> {
  const t = await tally(db, c, s);
  const first = async (verdict: Verdict, count: number) => {
    if (limit === 0 || count === 0) return [];
    const plan = count < t.population * RARE_SHARE ? "filter-first" : "walk-ids";
    return (await membersByVerdict(db, c, s, verdict, null, limit, plan)).rows.map(strip);
  };
  const [exceptions, flagged] = await Promise.all([first("exception", t.exceptions), first("flag", t.flagged)]);
  return { ...summaryOf(c, s, t), exceptions, flagged, rowLimit: limit };
}

/**
 * Every check over the scope, as the portal shows them: the counts, and at most the first `limit`
 * (default CONTROL_ROWS_SHOWN = 100) exceptions and flagged members of each, in id order. Per check, the
 * counts (one statement), then the first exceptions and the first flagged (one statement each, when there
 * are any), and the rows of at most 2 × limit members. The checks run side by side.
 */
export async function controlChecksOverview(db: Tx, opts: ControlScopeOpts & PagingOpts & { limit?: number } = {}): Promise<ControlCheckOverview[]> {
  const s = toScope(opts);
  batchOf(opts);
  const limit = opts.limit ?? CONTROL_ROWS_SHOWN;
  if (!Number.isInteger(limit) || limit < 0) throw badInput(`limit must be a non-negative integer (got ${String(limit)}).`);
  return Promise.all(CHECKS.map((c) => overviewOne(db, c, s, limit)));
}

// ---------------------------------------------------------------------------------------------------------
// CSV of a check's exceptions / flagged members / population (GET /api/audit/controls/<check>)
// ---------------------------------------------------------------------------------------------------------

const LIST_MEMBERS: Record<ControlMemberList, "exception" | "flagged" | "all"> = { exceptions: "exception", flagged: "flagged", population: "all" };
export const CONTROL_CSV_HEADER = ["position", "id", "subject", "why", "detail", "link"];

/**
 * The CSV as a byte stream: a BOM, "#" lines (check, list, population definition, scope, generated at),
 * the header, then the members in id order, one page at a time. Cells are escaped and defused against
 * formula injection (csvLine).
 */
export function controlMembersCsvStream(
  db: Tx,
  input: { check: ControlId; list: ControlMemberList; from?: string; to?: string; systemNames?: string[] },
  now: Date,
  batchSize = DEFAULT_CONTROL_BATCH,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const opts: ControlScopeOpts & PagingOpts = { from: input.from, to: input.to, systemNames: input.systemNames, now, batchSize };
  const info = controlCheckInfo(input.check, opts);
  const pages = controlMembers(db, input.check, LIST_MEMBERS[input.list], opts);
  let position = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          // The "#" lines are one-cell records through the CSV writer too: a system name holding ",=HYPERLINK(…)" stays inside its cell.
          const head = [
            `# Warrant control check: ${info.id} — ${info.title}`,
            `# list: ${input.list}`,
            `# population: ${info.definition}`,
            `# scope: from ${input.from ?? "(any)"} to ${input.to ?? "(any)"}; systems ${input.systemNames?.length ? input.systemNames.join(", ") : "(all)"}`,
            `# generated at: ${now.toISOString()}`,
          ].map((l) => csvLine([l.replace(/[\r\n]+/g, " ")]));
          controller.enqueue(enc.encode(`\uFEFF${head.join("")}${csvLine(CONTROL_CSV_HEADER)}`));
          return;
        }
        const next = await pages.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(enc.encode(next.value.map((r) => csvLine([++position, r.id, r.subject, r.reason, r.detail, r.href])).join("")));
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

export function controlMembersFilename(input: { check: ControlId; list: ControlMemberList; from?: string; to?: string }, now: Date): string {
  const period = input.from || input.to ? `-${input.from ?? "start"}-to-${input.to ?? "end"}` : "";
  return `control-${input.check}-${input.list}${period}-${now.toISOString().slice(0, 10)}.csv`;
}

export type ControlCsvOutcome = { ok: true; filename: string; body: ReadableStream<Uint8Array> } | { ok: false; status: 400 | 401 | 404; message: string };

/**
 * What GET /api/audit/controls/<check>?list=exceptions|flagged|population&from=&to=&system= answers for this
 * session (the route is a thin wrapper). ADMIN, SECURITY or AUDITOR; 401 signed out, 404 anyone else (the
 * same answer whatever the check, as everywhere under /api: "not yours" looks like "missing"), 404 no such
 * check, 400 bad parameters.
 */
export async function openControlMembersCsv(db: PrismaClient, identityId: string | null, check: string, params: URLSearchParams, now: Date): Promise<ControlCsvOutcome> {
  if (!identityId) return { ok: false, status: 401, message: "Please sign in." };
  const actor = await loadActor(db, identityId);
  if (!actor) return { ok: false, status: 401, message: "Your account is not active in Warrant." };
  if (!hasRole(actor, "ADMIN", "SECURITY", "AUDITOR")) return { ok: false, status: 404, message: "The control check was not found." };
  if (!(CONTROL_IDS as readonly string[]).includes(check)) return { ok: false, status: 404, message: `There is no control check "${check}". The checks are: ${CONTROL_IDS.join(", ")}.` };
  const systems = params.getAll("system").filter(Boolean);
  const parsed = ZControlMembersCsvInput.safeParse({
    check,
    ...(params.get("list") ? { list: params.get("list") } : {}),
    ...(params.get("from") ? { from: params.get("from") } : {}),
    ...(params.get("to") ? { to: params.get("to") } : {}),
    ...(systems.length ? { systemNames: systems } : {}),
  });
  if (!parsed.success) return { ok: false, status: 400, message: parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") };
  return { ok: true, filename: controlMembersFilename(parsed.data, now), body: controlMembersCsvStream(db, parsed.data, now) };
}
