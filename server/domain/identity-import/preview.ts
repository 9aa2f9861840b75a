/**
 * The preview of an HR import: the file streams in (never held whole), each row is read (parse.ts), then
 * compared with the directory, and the plan is stored (IdentityImport + IdentityImportRow) so that apply
 * (apply.ts) runs exactly what the admin saw. Callable by ADMIN only. Rules (docs/identity-import.md):
 *
 * - People are matched by work email (lower-case). A person absent from Warrant joins; a person whose
 *   manager or department differs moves (MOVE, with every change); other differences (name, title, …) are
 *   UPDATE; a deprovisioned person marked active returns (REJOIN); `status` leaver makes an active person
 *   a leaver. Only the columns in the header are compared: a file without a title column changes no title.
 * - With `fullList` ("this file is the full list of people"), every active person with an email who is not in
 *   the file is a leaver too (a line-less row). The admin running the import must be in such a file.
 * - Non-human identities (kind ≠ human) are matched by kind and name; they need an owner (an active person,
 *   in Warrant or joining in this file, and not leaving), a purpose, and may carry a credential expiry.
 * - Invalid rows (with their line and reason): broken CSV, missing or bad cells, unknown kind or status, a
 *   second line for the same email (or the same non-human identity), an unknown or leaving manager or owner,
 *   a manager cycle among joiners. A preview with any invalid row can be looked at but never applied.
 * - The fingerprint of what the preview read (the people its rows name, the NHIs it matched, all people for a
 *   full list) is stored: apply refuses when it changed in between.
 *
 * Memory is one batch, not the file and not the directory: the upload is spooled to a temporary file (hashed
 * and size-checked as it arrives, so no transaction is held open while a slow client sends it), then read
 * back BATCH lines at a time; each batch looks its emails and NHI names up with set-based SQL and stores its
 * rows (every line, UNCHANGED ones too). What needs the whole file runs in SQL over the stored rows at the
 * end: duplicate lines (each batch asks the rows stored before it), managers and owners named before or after
 * their own line, manager cycles among joiners, leavers by absence, the apply order, the counts and the
 * fingerprint. The transaction is REPEATABLE READ on PostgreSQL, so every batch and the fingerprint see one
 * snapshot of the directory: a change landing midway is in neither, and apply sees it as stale. (PGlite's
 * adapter leaves it READ COMMITTED, but PGlite has one connection: nothing else commits meanwhile.)
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { readCsvRecords } from "../../csv";
import { badInput, forbidden } from "../../errors";
import type { ServiceCtx } from "../actor";
import { hasRole } from "../actor";
import { readHeader, readRow, type Column, type ParsedRow, type RowResult } from "./parse";
import { emptyCounts, IMPORT_ACTIONS, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, type ImportAction, type ImportCounts } from "./schema";

/** Lines read, looked up and stored together: the preview's memory is about this many rows. */
export const BATCH = 1000;

/** A stored line that changes nothing: counted, never listed, never applied. */
export const UNCHANGED = "UNCHANGED";
type StoredAction = ImportAction | typeof UNCHANGED;

/**
 * What a preview read, so apply can tell whether it still holds: the people named in the file (as rows,
 * managers or owners), the non-human identities it matched by kind and name, and with a full list every
 * person (absence makes leavers). Changes elsewhere in the directory (a SCIM update of someone else) do not
 * make a preview stale. `fromRows`: the names are the keys and references of the import's stored rows;
 * previews stored before that listed them (`emails`, `nhis`).
 */
export type ImportWatch = { allPeople: boolean; fromRows?: true; emails?: string[]; nhis?: string[] };

const FINGERPRINT = Prisma.sql`md5(coalesce(string_agg(json_build_array("id", "kind", "status", "email", "displayName", "department", "title",
      "managerId", "ownerId", "purpose", "credentialExpiresAt", "externalId", "employeeNumber")::text, E'\n' ORDER BY "id"), ''))`;

/**
 * The fingerprint of the watched identities: every field an import reads or writes. Any change to them
 * between preview and apply (an edit, a joiner with a watched email, another import) changes it.
 */
export async function directoryHash(tx: Tx, watch: ImportWatch, importId: string): Promise<string> {
  if (!watch.fromRows) {
    const [row] = await tx.$queryRaw<{ h: string }[]>`
      SELECT ${FINGERPRINT} AS h FROM "Identity"
      WHERE ("kind" = 'HUMAN' AND (${watch.allPeople} OR lower("email") = ANY(${watch.emails ?? []}::text[])))
         OR ("kind" <> 'HUMAN' AND ("kind"::text || '|' || lower("displayName")) = ANY(${watch.nhis ?? []}::text[]))`;
    return row?.h ?? "";
  }
  const [row] = await tx.$queryRaw<{ h: string }[]>`
    WITH named AS (
      SELECT substr("key", 2) AS e FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "key" LIKE '@%'
      UNION
      SELECT "ref" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "ref" IS NOT NULL
    ), machines AS (
      SELECT "key" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "key" NOT LIKE '@%'
    )
    SELECT ${FINGERPRINT} AS h FROM "Identity"
    WHERE ("kind" = 'HUMAN' AND (${watch.allPeople} OR lower("email") IN (SELECT e FROM named)))
       OR ("kind" <> 'HUMAN' AND ("kind"::text || '|' || lower("displayName")) IN (SELECT "key" FROM machines))`;
  return row?.h ?? "";
}

const nhiKey = (kind: string, name: string) => `${kind}|${name.toLowerCase()}`;
const keyOf = (r: ParsedRow) => (r.kind === "HUMAN" ? `@${r.email}` : nhiKey(r.kind, r.displayName));

type Person = {
  id: string;
  email: string;
  displayName: string;
  department: string | null;
  title: string | null;
  managerEmail: string | null;
  externalId: string | null;
  employeeNumber: string | null;
  status: string;
};
type Nhi = { id: string; kind: string; displayName: string; ownerEmail: string | null; purpose: string | null; credentialExpiresAt: Date | null };

/** One stored row before its final place: `seq` is minus its line until the plan is ordered (orderPlan). */
type RowData = {
  seq: number;
  line: number | null;
  action: StoredAction;
  identityId: string | null;
  email: string | null;
  displayName: string;
  detail: Record<string, unknown>;
  reason: string | null;
  key: string | null;
  ref: string | null;
  leaver: boolean;
};

type Spooled = { dir: string; file: string; sha256: string };

/** Copies the upload to a temporary file, hashing and counting it; over `maxBytes` it throws BAD_INPUT. */
async function spool(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Spooled> {
  const dir = await mkdtemp(path.join(tmpdir(), "warrant-import-"));
  const file = path.join(dir, "upload.csv");
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    const fh = await open(file, "w");
    try {
      for await (const chunk of source) {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) throw badInput(`The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB: split it, or import people and non-human identities separately.`);
        hash.update(chunk);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, file, sha256: hash.digest("hex") };
}

const sameDate = (a: Date | null, b: Date | null) => (a ? a.getTime() : null) === (b ? b.getTime() : null);

/**
 * Reads the stored file, BATCH lines at a time, and stores a row per line. File-level problems (header, row
 * count) throw BAD_INPUT. Returns the number of data rows and the last line read.
 */
async function planLines(tx: Tx, importId: string, source: AsyncIterable<Uint8Array>): Promise<{ rowCount: number; lastLine: number }> {
  let header: ReturnType<typeof readHeader> | null = null;
  let columns = new Set<Column>();
  let rowCount = 0;
  let lastLine = 1;
  let batch: RowResult[] = [];
  for await (const rec of readCsvRecords(source)) {
    if (!header) {
      header = readHeader(rec);
      if (!header.ok) throw badInput(header.reason);
      columns = new Set(Object.keys(header.index) as Column[]);
      continue;
    }
    if (!header.ok) continue;
    rowCount++;
    if (rowCount > IMPORT_MAX_ROWS) throw badInput(`The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en")} rows: split it.`);
    lastLine = rec.line;
    batch.push(readRow(rec, header));
    if (batch.length >= BATCH) {
      await planBatch(tx, importId, batch, columns);
      batch = [];
    }
  }
  if (!header || !header.ok) throw badInput("The file is empty: it needs a header line and one line per person.");
  if (rowCount === 0) throw badInput("The file has a header but no rows.");
  if (batch.length) await planBatch(tx, importId, batch, columns);
  return { rowCount, lastLine };
}

/**
 * One batch of lines against the directory (and the rows stored before it), stored. The checks of a line's
 * manager or owner and of manager cycles wait for the whole file (checkReferences, orderPlan): the line may
 * come before the person it names.
 */
async function planBatch(tx: Tx, importId: string, batch: RowResult[], columns: Set<Column>): Promise<void> {
  const out: RowData[] = [];
  const parsed: ParsedRow[] = [];
  for (const r of batch) {
    if (r.ok) parsed.push(r.row);
    else out.push({ seq: -r.line, line: r.line, action: "INVALID", identityId: null, email: r.email, displayName: r.displayName, detail: {}, reason: r.reason, key: null, ref: null, leaver: false });
  }

  // Duplicates: the later line is the invalid one (a broken line has no key). Earlier batches are stored.
  const keys = [...new Set(parsed.map(keyOf))];
  const earlier = keys.length
    ? await tx.$queryRaw<{ key: string; line: number }[]>`
        SELECT "key", min("line") AS "line" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "key" = ANY(${keys}::text[]) GROUP BY "key"`
    : [];
  const firstLine = new Map(earlier.map((e) => [e.key, Number(e.line)]));
  const humans: ParsedRow[] = [];
  const machines: ParsedRow[] = [];
  const row = (r: ParsedRow, fields: Pick<RowData, "action" | "identityId" | "displayName" | "detail"> & { reason?: string }): RowData => ({
    seq: -r.line,
    line: r.line,
    email: r.email,
    reason: fields.reason ?? null,
    key: keyOf(r),
    ref: r.kind === "HUMAN" ? r.managerEmail : r.ownerEmail,
    leaver: r.status === "leaver",
    ...fields,
  });
  const invalid = (r: ParsedRow, reason: string) => row(r, { action: "INVALID", identityId: null, displayName: r.displayName, detail: {}, reason });
  for (const r of parsed) {
    const first = firstLine.get(keyOf(r));
    if (first !== undefined) {
      out.push(invalid(r, `${r.kind === "HUMAN" ? `The email ${r.email}` : `The ${r.kind.toLowerCase().replace("_", " ")} "${r.displayName}"`} is also on line ${first}: one line per identity.`));
      continue;
    }
    firstLine.set(keyOf(r), r.line);
    (r.kind === "HUMAN" ? humans : machines).push(r);
  }

  const emails = humans.map((r) => r.email!);
  const people = emails.length
    ? await tx.$queryRaw<Person[]>`
        SELECT p."id", lower(p."email") AS "email", p."displayName", p."department", p."title", lower(m."email") AS "managerEmail",
          p."externalId", p."employeeNumber", p."status"::text AS "status"
        FROM "Identity" p LEFT JOIN "Identity" m ON m."id" = p."managerId"
        WHERE p."kind" = 'HUMAN' AND lower(p."email") = ANY(${emails}::text[])`
    : [];
  const byEmail = new Map(people.map((p) => [p.email, p]));
  const nhiKeys = machines.map(keyOf);
  const nhis = nhiKeys.length
    ? await tx.$queryRaw<Nhi[]>`
        SELECT n."id", n."kind"::text AS "kind", n."displayName", lower(o."email") AS "ownerEmail", n."purpose", n."credentialExpiresAt"
        FROM "Identity" n LEFT JOIN "Identity" o ON o."id" = n."ownerId"
        WHERE n."kind" <> 'HUMAN' AND n."status" <> 'DEPROVISIONED' AND (n."kind"::text || '|' || lower(n."displayName")) = ANY(${nhiKeys}::text[])`
    : [];
  const nhiByKey = new Map(nhis.map((n) => [nhiKey(n.kind, n.displayName), n]));

  const cmp = (field: Column, from: string | null, to: string | null, changes: Record<string, { from: unknown; to: unknown }>) => {
    if (columns.has(field) && (from ?? null) !== (to ?? null)) changes[field] = { from, to };
  };
  const unchanged = (r: ParsedRow, identityId: string | null) => row(r, { action: UNCHANGED, identityId, displayName: r.displayName, detail: {} });
  for (const r of humans) {
    const p = byEmail.get(r.email!);
    if (r.status === "leaver") {
      if (p && p.status === "ACTIVE") out.push(row(r, { action: "LEAVE", identityId: p.id, displayName: p.displayName, detail: { reason: "marked leaver in the file" } }));
      else out.push(unchanged(r, p?.id ?? null));
      continue;
    }
    if (!p) {
      const fields = { email: r.email, displayName: r.displayName, department: r.department, title: r.title, managerEmail: r.managerEmail, employeeNumber: r.employeeNumber, externalId: r.externalId };
      out.push(row(r, { action: "JOIN", identityId: null, displayName: r.displayName, detail: fields }));
      continue;
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    cmp("displayName", p.displayName, r.displayName, changes);
    cmp("department", p.department, r.department, changes);
    cmp("title", p.title, r.title, changes);
    cmp("managerEmail", p.managerEmail, r.managerEmail, changes);
    cmp("externalId", p.externalId, r.externalId, changes);
    cmp("employeeNumber", p.employeeNumber, r.employeeNumber, changes);
    const action: ImportAction | null =
      p.status === "DEPROVISIONED" ? "REJOIN" : changes.managerEmail || changes.department ? "MOVE" : Object.keys(changes).length ? "UPDATE" : null;
    out.push(action ? row(r, { action, identityId: p.id, displayName: r.displayName, detail: changes }) : unchanged(r, p.id));
  }

  for (const r of machines) {
    const n = nhiByKey.get(keyOf(r));
    const fields = { kind: r.kind, displayName: r.displayName, ownerEmail: r.ownerEmail, purpose: r.purpose, expiresAt: r.expiresAt?.toISOString() ?? null };
    if (!n) {
      out.push({ ...row(r, { action: "NHI_NEW", identityId: null, displayName: r.displayName, detail: fields }), email: null });
      continue;
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    cmp("ownerEmail", n.ownerEmail, r.ownerEmail, changes);
    cmp("purpose", n.purpose, r.purpose, changes);
    if (columns.has("expiresAt") && !sameDate(n.credentialExpiresAt, r.expiresAt)) changes.expiresAt = { from: n.credentialExpiresAt?.toISOString() ?? null, to: r.expiresAt?.toISOString() ?? null };
    out.push(Object.keys(changes).length ? { ...row(r, { action: "NHI_UPDATE", identityId: n.id, displayName: r.displayName, detail: changes }), email: null } : unchanged(r, n.id));
  }

  // One INSERT of arrays, not createMany: with createMany (Prisma compiles a plan per call, values inlined)
  // the live heap grew ~1.3 MB per batch of 1,000 rows through a 40,000-line file (bench/identity-import.ts);
  // with this it levels off, and a batch is one statement.
  const col = <K extends keyof RowData>(k: K) => out.map((r) => r[k]);
  await tx.$executeRaw`
    INSERT INTO "IdentityImportRow" ("importId", "seq", "line", "action", "identityId", "email", "displayName", "detail", "reason", "key", "ref", "leaver")
    SELECT ${importId}::uuid, t.seq, t.line, t.action, t.identity::uuid, t.email, t.name, t.detail::jsonb, t.reason, t.key, t.ref, t.leaver
    FROM unnest(${col("seq")}::int[], ${col("line")}::int[], ${col("action")}::text[], ${col("identityId")}::text[], ${col("email")}::text[],
      ${col("displayName")}::text[], ${out.map((r) => JSON.stringify(r.detail))}::text[], ${col("reason")}::text[], ${col("key")}::text[],
      ${col("ref")}::text[], ${col("leaver")}::boolean[]) AS t(seq, line, action, identity, email, name, detail, reason, key, ref, leaver)`;
}

/**
 * Managers and owners, once the whole file is stored: who is active after the import is a person in the file
 * marked active (their first line), or one in Warrant, active, not in the file and (with a full list) not
 * absent from it. A leaver line names no one that matters.
 */
async function checkReferences(tx: Tx, importId: string, fullList: boolean): Promise<void> {
  await tx.$executeRaw`
    WITH firsts AS (
      SELECT DISTINCT ON ("key") "key", "leaver" FROM "IdentityImportRow"
      WHERE "importId" = ${importId}::uuid AND "key" LIKE '@%' ORDER BY "key", "line"
    ), verdict AS (
      SELECT r."seq", r."ref", CASE WHEN r."key" LIKE '@%' THEN 'manager' ELSE 'owner' END AS "role",
        CASE
          WHEN f."key" IS NOT NULL THEN CASE WHEN f."leaver" THEN 'leaves' END
          WHEN EXISTS (SELECT 1 FROM "Identity" i WHERE i."kind" = 'HUMAN' AND lower(i."email") = r."ref" AND i."status" = 'ACTIVE')
            THEN CASE WHEN ${fullList} THEN 'leaves' END
          ELSE 'unknown'
        END AS "why"
      FROM "IdentityImportRow" r LEFT JOIN firsts f ON f."key" = '@' || r."ref"
      WHERE r."importId" = ${importId}::uuid AND r."ref" IS NOT NULL AND NOT r."leaver" AND r."action" <> 'INVALID'
    )
    UPDATE "IdentityImportRow" r SET "action" = 'INVALID', "identityId" = NULL, "detail" = '{}'::jsonb,
      "reason" = CASE v."why"
        WHEN 'unknown' THEN 'Unknown ' || v."role" || ' ' || v."ref" || ': not an active person in Warrant and not joining in this file.'
        ELSE 'The ' || v."role" || ' ' || v."ref" || ' leaves in this import.'
      END
    FROM verdict v
    WHERE r."importId" = ${importId}::uuid AND r."seq" = v."seq" AND v."why" IS NOT NULL`;
}

/**
 * The joiners' manager tree: a joiner whose manager is not a joiner of this file is a root; a joiner is one
 * level below their manager. A joiner never reached (a manager cycle, or below one) is not in it.
 */
const joinerDepth = (importId: string) => Prisma.sql`
  joiners AS (
    SELECT "seq", "key", "ref" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "action" = 'JOIN'
  ), depth AS (
    SELECT j."seq", j."key", 0 AS "d" FROM joiners j
    WHERE j."ref" IS NULL OR NOT EXISTS (SELECT 1 FROM joiners m WHERE m."key" = '@' || j."ref")
    UNION ALL
    SELECT j."seq", j."key", depth."d" + 1 FROM joiners j JOIN depth ON '@' || j."ref" = depth."key"
  )`;

/** Order apply runs the actions in: returning people, then joiners (manager before report), …, leavers last. */
const APPLY_RANK = Prisma.sql`CASE r."action" WHEN 'INVALID' THEN 0 WHEN 'REJOIN' THEN 1 WHEN 'JOIN' THEN 2 WHEN 'MOVE' THEN 3
  WHEN 'UPDATE' THEN 4 WHEN 'NHI_NEW' THEN 5 WHEN 'NHI_UPDATE' THEN 6 WHEN 'LEAVE' THEN 7 ELSE 8 END`;

/**
 * Manager cycles among joiners become invalid, then every row gets its place (seq, from 0) in apply order:
 * invalid rows by line, returning people, joiners by depth then line, the rest by line, leavers by absence
 * (by email) after the leaver lines, unchanged lines last.
 */
async function orderPlan(tx: Tx, importId: string): Promise<void> {
  // The planner cannot size a recursive CTE and joins it by nested loops, quadratic in the joiners (51 s for
  // 20,000 of them); hash joins make it linear. For these two statements only.
  await tx.$executeRawUnsafe("SET LOCAL enable_nestloop = off");
  await tx.$executeRaw`
    WITH RECURSIVE ${joinerDepth(importId)}
    UPDATE "IdentityImportRow" r SET "action" = 'INVALID', "detail" = '{}'::jsonb,
      "reason" = 'The manager ' || r."ref" || ' is in a manager cycle among the joiners of this file.'
    WHERE r."importId" = ${importId}::uuid AND r."action" = 'JOIN' AND r."seq" NOT IN (SELECT "seq" FROM depth)`;
  // Temporary seqs are negative and the new ones are not, so no two rows ever share one midway.
  await tx.$executeRaw`
    WITH RECURSIVE ${joinerDepth(importId)}, ordered AS (
      SELECT r."seq", (row_number() OVER (ORDER BY ${APPLY_RANK}, coalesce(depth."d", 0), r."line" NULLS LAST, r."seq" DESC) - 1)::int AS "n"
      FROM "IdentityImportRow" r LEFT JOIN depth ON depth."seq" = r."seq"
      WHERE r."importId" = ${importId}::uuid
    )
    UPDATE "IdentityImportRow" r SET "seq" = o."n" FROM ordered o WHERE r."importId" = ${importId}::uuid AND r."seq" = o."seq"`;
  await tx.$executeRawUnsafe("SET LOCAL enable_nestloop = on");
}

/**
 * A full list: the admin running it must be in it, and not as a leaver; every active person with an email
 * the file does not name becomes a line-less leaver (one INSERT … SELECT).
 */
async function fullListLeavers(tx: Tx, importId: string, actorId: string, lastLine: number): Promise<void> {
  const [me] = await tx.$queryRaw<{ email: string }[]>`
    SELECT lower("email") AS "email" FROM "Identity" WHERE "id" = ${actorId}::uuid AND "kind" = 'HUMAN' AND "email" IS NOT NULL`;
  if (me) {
    const [mine] = await tx.$queryRaw<{ leaver: boolean }[]>`
      SELECT "leaver" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid AND "key" = ${`@${me.email}`} ORDER BY "line" LIMIT 1`;
    if (!mine) throw badInput(`This file is marked as the full list of people but does not include you (${me.email}): an import cannot make the admin running it a leaver.`);
    if (mine.leaver) throw badInput("This file makes you, the admin running the import, a leaver: someone else must import it.");
  }
  await tx.$executeRaw`
    INSERT INTO "IdentityImportRow" ("importId", "seq", "line", "action", "identityId", "email", "displayName", "detail", "reason", "key", "ref", "leaver")
    SELECT ${importId}::uuid, (-(${lastLine}::int + row_number() OVER (ORDER BY lower(p."email"), p."id")))::int, NULL, 'LEAVE', p."id",
      lower(p."email"), p."displayName", '{"reason":"absent from the full list"}'::jsonb, NULL, NULL, NULL, false
    FROM "Identity" p
    WHERE p."kind" = 'HUMAN' AND p."email" IS NOT NULL AND p."status" = 'ACTIVE'
      AND NOT EXISTS (SELECT 1 FROM "IdentityImportRow" r WHERE r."importId" = ${importId}::uuid AND r."key" = '@' || lower(p."email"))`;
}

async function countRows(tx: Tx, importId: string): Promise<ImportCounts> {
  const groups = await tx.$queryRaw<{ action: string; n: number }[]>`
    SELECT "action", count(*)::int AS "n" FROM "IdentityImportRow" WHERE "importId" = ${importId}::uuid GROUP BY "action"`;
  const counts = emptyCounts();
  for (const g of groups) {
    if (g.action === UNCHANGED) counts.unchanged = Number(g.n);
    else if ((IMPORT_ACTIONS as readonly string[]).includes(g.action)) counts[g.action as ImportAction] = Number(g.n);
  }
  return counts;
}

/**
 * Reads, plans and stores an import preview. ADMIN only (FORBIDDEN otherwise, before the file is read).
 * Nothing in the directory changes; the stored rows are what apply runs. A refused file stores nothing.
 */
export async function previewImport(
  ctx: ServiceCtx,
  input: { fileName: string; fullList: boolean; source: AsyncIterable<Uint8Array> },
): Promise<{ id: string; counts: ImportCounts }> {
  if (!hasRole(ctx.actor, "ADMIN")) throw forbidden("Only an admin can import people.");
  const fileName = input.fileName.trim().slice(0, 200) || "import.csv";
  const spooled = await spool(input.source, IMPORT_MAX_BYTES);
  const now = ctx.now();
  try {
    return await ctx.db.$transaction(
      async (tx) => {
        const watch: ImportWatch = { fromRows: true, allPeople: input.fullList };
        const imp = await tx.identityImport.create({
          data: {
            fileName,
            sha256: spooled.sha256,
            fullList: input.fullList,
            rowCount: 0,
            counts: emptyCounts() as unknown as Prisma.InputJsonValue,
            watch: watch as unknown as Prisma.InputJsonValue,
            directoryHash: "",
            createdById: ctx.actor.id,
            createdAt: now,
          },
          select: { id: true },
        });
        const { rowCount, lastLine } = await planLines(tx, imp.id, createReadStream(/*turbopackIgnore: true*/ spooled.file, { highWaterMark: 64 * 1024 }));
        await checkReferences(tx, imp.id, input.fullList);
        if (input.fullList) await fullListLeavers(tx, imp.id, ctx.actor.id, lastLine);
        await orderPlan(tx, imp.id);
        const counts = await countRows(tx, imp.id);
        const hash = await directoryHash(tx, watch, imp.id);
        await tx.identityImport.update({ where: { id: imp.id }, data: { rowCount, counts: counts as unknown as Prisma.InputJsonValue, directoryHash: hash } });
        return { id: imp.id, counts };
      },
      { timeout: 600_000, maxWait: 10_000, isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );
  } finally {
    await rm(spooled.dir, { recursive: true, force: true });
  }
}
