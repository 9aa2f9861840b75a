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
 * - The fingerprint of what the preview read (ImportWatch: the people it names, the NHIs it matched, all
 *   people for a full list) is stored: apply refuses when it changed in between.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../../db";
import { type Prisma } from "../../db/generated/client";
import { readCsvRecords } from "../../csv";
import { badInput, forbidden } from "../../errors";
import type { ServiceCtx } from "../actor";
import { hasRole } from "../actor";
import { readHeader, readRow, type Column, type ParsedRow } from "./parse";
import { emptyCounts, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, type ImportAction, type ImportCounts } from "./schema";

export type PlannedRow = {
  line: number | null;
  action: ImportAction;
  identityId: string | null;
  email: string | null;
  displayName: string;
  detail: Record<string, unknown>;
  reason: string | null;
};

/**
 * Order apply runs the actions in: managers and owners are active before they are referred to (returning
 * people first, then joiners, manager before report); leavers last.
 */
const APPLY_ORDER: ImportAction[] = ["INVALID", "REJOIN", "JOIN", "MOVE", "UPDATE", "NHI_NEW", "NHI_UPDATE", "LEAVE"];

/**
 * What a preview read, so apply can tell whether it still holds: the people named in the file (as rows,
 * managers or owners), the non-human identities it matched by kind and name, and with a full list every
 * person (absence makes leavers). Changes elsewhere in the directory (a SCIM update of someone else) do not
 * make a preview stale.
 */
export type ImportWatch = { emails: string[]; nhis: string[]; allPeople: boolean };

/**
 * The fingerprint of the watched identities: every field an import reads or writes. Any change to them
 * between preview and apply (an edit, a joiner with a watched email, another import) changes it.
 */
export async function directoryHash(tx: Tx, watch: ImportWatch): Promise<string> {
  const [row] = await tx.$queryRaw<{ h: string }[]>`
    SELECT md5(coalesce(string_agg(json_build_array("id", "kind", "status", "email", "displayName", "department", "title",
      "managerId", "ownerId", "purpose", "credentialExpiresAt", "externalId", "employeeNumber")::text, E'\n' ORDER BY "id"), '')) AS h
    FROM "Identity"
    WHERE ("kind" = 'HUMAN' AND (${watch.allPeople} OR lower("email") = ANY(${watch.emails}::text[])))
       OR ("kind" <> 'HUMAN' AND ("kind"::text || '|' || lower("displayName")) = ANY(${watch.nhis}::text[]))`;
  return row?.h ?? "";
}

/** What a file makes the preview read (from the file alone, so it is known before the directory is read). */
export function watchOf(file: FileRows, fullList: boolean): ImportWatch {
  const emails = new Set<string>();
  const nhis = new Set<string>();
  for (const r of file.rows) {
    for (const e of [r.email, r.managerEmail, r.ownerEmail]) if (e) emails.add(e);
    if (r.kind !== "HUMAN") nhis.add(nhiKey(r.kind, r.displayName));
  }
  return { emails: [...emails].sort(), nhis: [...nhis].sort(), allPeople: fullList };
}

const nhiKey = (kind: string, name: string) => `${kind}|${name.toLowerCase()}`;

type Person = {
  id: string;
  email: string;
  displayName: string;
  department: string | null;
  title: string | null;
  managerId: string | null;
  externalId: string | null;
  employeeNumber: string | null;
  status: string;
};
type Nhi = { id: string; kind: string; displayName: string; ownerId: string | null; purpose: string | null; credentialExpiresAt: Date | null; status: string };

type FileRows = { sha256: string; rows: ParsedRow[]; invalid: PlannedRow[]; columns: Set<Column>; rowCount: number };

/** Streams the file: hash, records, rows. File-level problems (size, header, row count) throw BAD_INPUT. */
export async function readImportFile(source: AsyncIterable<Uint8Array>, maxBytes = IMPORT_MAX_BYTES): Promise<FileRows> {
  const hash = createHash("sha256");
  let bytes = 0;
  async function* counted() {
    for await (const chunk of source) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) throw badInput(`The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB: split it, or import people and non-human identities separately.`);
      hash.update(chunk);
      yield chunk;
    }
  }
  let header: ReturnType<typeof readHeader> | null = null;
  const rows: ParsedRow[] = [];
  const invalid: PlannedRow[] = [];
  let rowCount = 0;
  for await (const rec of readCsvRecords(counted())) {
    if (!header) {
      header = readHeader(rec);
      if (!header.ok) throw badInput(header.reason);
      continue;
    }
    if (!header.ok) continue;
    rowCount++;
    if (rowCount > IMPORT_MAX_ROWS) throw badInput(`The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en")} rows: split it.`);
    const r = readRow(rec, header);
    if (r.ok) rows.push(r.row);
    else invalid.push({ line: r.line, action: "INVALID", identityId: null, email: r.email, displayName: r.displayName, detail: {}, reason: r.reason });
  }
  if (!header || !header.ok) throw badInput("The file is empty: it needs a header line and one line per person.");
  if (rowCount === 0) throw badInput("The file has a header but no rows.");
  return { sha256: hash.digest("hex"), rows, invalid, columns: new Set(Object.keys(header.index) as Column[]), rowCount };
}

const sameDate = (a: Date | null, b: Date | null) => (a ? a.getTime() : null) === (b ? b.getTime() : null);

/**
 * The plan for a read file against the directory as `tx` sees it (pure apart from the reads), in apply order.
 * Exported for the benchmark and the tests.
 */
export async function planImport(
  tx: Tx,
  file: FileRows,
  opts: { fullList: boolean; actorId: string },
): Promise<{ rows: PlannedRow[]; counts: ImportCounts }> {
  const people = await tx.$queryRaw<Person[]>`
    SELECT "id", "email", "displayName", "department", "title", "managerId", "externalId", "employeeNumber", "status"::text AS "status"
    FROM "Identity" WHERE "kind" = 'HUMAN' AND "email" IS NOT NULL`;
  const nhis = await tx.$queryRaw<Nhi[]>`
    SELECT "id", "kind"::text AS "kind", "displayName", "ownerId", "purpose", "credentialExpiresAt", "status"::text AS "status"
    FROM "Identity" WHERE "kind" <> 'HUMAN' AND "status" <> 'DEPROVISIONED'`;
  const byEmail = new Map(people.map((p) => [p.email.toLowerCase(), p]));
  const emailOf = new Map(people.map((p) => [p.id, p.email.toLowerCase()]));
  const nhiByKey = new Map(nhis.map((n) => [nhiKey(n.kind, n.displayName), n]));

  const out: PlannedRow[] = [...file.invalid];
  const counts = emptyCounts();
  const invalid = (r: ParsedRow, reason: string) => out.push({ line: r.line, action: "INVALID", identityId: null, email: r.email, displayName: r.displayName, detail: {}, reason });

  // Duplicates first: the later line is the invalid one (a broken line has no key).
  const seen = new Map<string, number>();
  const humans: ParsedRow[] = [];
  const machines: ParsedRow[] = [];
  for (const r of file.rows) {
    const key = r.kind === "HUMAN" ? `@${r.email}` : nhiKey(r.kind, r.displayName);
    const first = seen.get(key);
    if (first !== undefined) {
      invalid(r, `${r.kind === "HUMAN" ? `The email ${r.email}` : `The ${r.kind.toLowerCase().replace("_", " ")} "${r.displayName}"`} is also on line ${first}: one line per identity.`);
      continue;
    }
    seen.set(key, r.line);
    (r.kind === "HUMAN" ? humans : machines).push(r);
  }

  // Who is active after the import (for managers and owners): in the file as active, or in Warrant, active,
  // not a leaver in the file and (with a full list) not absent from it.
  const fileStatus = new Map(humans.map((r) => [r.email!, r.status]));
  const activeAfter = (email: string): "yes" | "leaves" | "unknown" => {
    const st = fileStatus.get(email);
    if (st) return st === "active" ? "yes" : "leaves";
    const p = byEmail.get(email);
    if (!p || p.status !== "ACTIVE") return "unknown";
    return opts.fullList ? "leaves" : "yes";
  };
  const refCheck = (role: "manager" | "owner", email: string): string | null => {
    const a = activeAfter(email);
    if (a === "unknown") return `Unknown ${role} ${email}: not an active person in Warrant and not joining in this file.`;
    if (a === "leaves") return `The ${role} ${email} leaves in this import.`;
    return null;
  };

  if (opts.fullList) {
    const me = [...emailOf.entries()].find(([id]) => id === opts.actorId)?.[1];
    if (me && !fileStatus.has(me)) throw badInput(`This file is marked as the full list of people but does not include you (${me}): an import cannot make the admin running it a leaver.`);
    if (me && fileStatus.get(me) === "leaver") throw badInput("This file makes you, the admin running the import, a leaver: someone else must import it.");
  }

  const joins: PlannedRow[] = [];
  const joinManager = new Map<string, string | null>();
  const rest: PlannedRow[] = [];
  const cmp = (field: Column, from: string | null, to: string | null, changes: Record<string, { from: unknown; to: unknown }>) => {
    if (file.columns.has(field) && (from ?? null) !== (to ?? null)) changes[field] = { from, to };
  };
  for (const r of humans) {
    const p = byEmail.get(r.email!);
    if (r.status === "leaver") {
      if (p && p.status === "ACTIVE") rest.push({ line: r.line, action: "LEAVE", identityId: p.id, email: r.email, displayName: p.displayName, detail: { reason: "marked leaver in the file" }, reason: null });
      else counts.unchanged++;
      continue;
    }
    if (r.managerEmail) {
      const why = refCheck("manager", r.managerEmail);
      if (why) {
        invalid(r, why);
        continue;
      }
    }
    if (!p) {
      const fields = { email: r.email, displayName: r.displayName, department: r.department, title: r.title, managerEmail: r.managerEmail, employeeNumber: r.employeeNumber, externalId: r.externalId };
      joins.push({ line: r.line, action: "JOIN", identityId: null, email: r.email, displayName: r.displayName, detail: fields, reason: null });
      joinManager.set(r.email!, r.managerEmail);
      continue;
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    cmp("displayName", p.displayName, r.displayName, changes);
    cmp("department", p.department, r.department, changes);
    cmp("title", p.title, r.title, changes);
    cmp("managerEmail", p.managerId ? (emailOf.get(p.managerId) ?? null) : null, r.managerEmail, changes);
    cmp("externalId", p.externalId, r.externalId, changes);
    cmp("employeeNumber", p.employeeNumber, r.employeeNumber, changes);
    const action: ImportAction | null =
      p.status === "DEPROVISIONED" ? "REJOIN" : changes.managerEmail || changes.department ? "MOVE" : Object.keys(changes).length ? "UPDATE" : null;
    if (!action) counts.unchanged++;
    else rest.push({ line: r.line, action, identityId: p.id, email: r.email, displayName: r.displayName, detail: changes, reason: null });
  }

  // Joiners whose manager joins too come after that manager; a cycle among joiners is invalid.
  const placed = new Set<string>();
  let pending = joins;
  const orderedJoins: PlannedRow[] = [];
  while (pending.length) {
    const next: PlannedRow[] = [];
    for (const j of pending) {
      const m = joinManager.get(j.email!);
      if (!m || !joinManager.has(m) || placed.has(m)) {
        orderedJoins.push(j);
        placed.add(j.email!);
      } else next.push(j);
    }
    if (next.length === pending.length) {
      for (const j of next) out.push({ ...j, action: "INVALID", detail: {}, reason: `The manager ${joinManager.get(j.email!)} is in a manager cycle among the joiners of this file.` });
      break;
    }
    pending = next;
  }

  for (const r of machines) {
    const why = refCheck("owner", r.ownerEmail!);
    if (why) {
      invalid(r, why);
      continue;
    }
    const n = nhiByKey.get(nhiKey(r.kind, r.displayName));
    const fields = { kind: r.kind, displayName: r.displayName, ownerEmail: r.ownerEmail, purpose: r.purpose, expiresAt: r.expiresAt?.toISOString() ?? null };
    if (!n) {
      rest.push({ line: r.line, action: "NHI_NEW", identityId: null, email: null, displayName: r.displayName, detail: fields, reason: null });
      continue;
    }
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    cmp("ownerEmail", n.ownerId ? (emailOf.get(n.ownerId) ?? null) : null, r.ownerEmail, changes);
    cmp("purpose", n.purpose, r.purpose, changes);
    if (file.columns.has("expiresAt") && !sameDate(n.credentialExpiresAt, r.expiresAt)) changes.expiresAt = { from: n.credentialExpiresAt?.toISOString() ?? null, to: r.expiresAt?.toISOString() ?? null };
    if (Object.keys(changes).length) rest.push({ line: r.line, action: "NHI_UPDATE", identityId: n.id, email: null, displayName: r.displayName, detail: changes, reason: null });
    else counts.unchanged++;
  }

  if (opts.fullList) {
    for (const p of people) {
      const email = p.email.toLowerCase();
      if (p.status === "ACTIVE" && !fileStatus.has(email)) {
        rest.push({ line: null, action: "LEAVE", identityId: p.id, email, displayName: p.displayName, detail: { reason: "absent from the full list" }, reason: null });
      }
    }
  }

  const all = [...out, ...orderedJoins, ...rest];
  const rank = (a: ImportAction) => APPLY_ORDER.indexOf(a);
  // Stable: within an action, joiners keep their manager-first order, the rest their file order.
  const sorted = all
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r.action) - rank(b.r.action) || (a.r.action === "JOIN" ? a.i - b.i : (a.r.line ?? Infinity) - (b.r.line ?? Infinity) || a.i - b.i))
    .map((x) => x.r);
  for (const r of sorted) counts[r.action]++;
  return { rows: sorted, counts };
}

/**
 * Reads, plans and stores an import preview. ADMIN only (FORBIDDEN otherwise, before the file is read).
 * Nothing in the directory changes; the stored rows are what apply runs.
 */
export async function previewImport(
  ctx: ServiceCtx,
  input: { fileName: string; fullList: boolean; source: AsyncIterable<Uint8Array> },
): Promise<{ id: string; counts: ImportCounts }> {
  if (!hasRole(ctx.actor, "ADMIN")) throw forbidden("Only an admin can import people.");
  const fileName = input.fileName.trim().slice(0, 200) || "import.csv";
  const file = await readImportFile(input.source);
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      // The fingerprint first, then the plan: a change landing in between is in the plan but not in the
      // fingerprint, so apply refuses the preview as stale; a plan is never applied over a directory it did not see.
      const watch = watchOf(file, input.fullList);
      const hash = await directoryHash(tx, watch);
      const { rows, counts } = await planImport(tx, file, { fullList: input.fullList, actorId: ctx.actor.id });
      const imp = await tx.identityImport.create({
        data: {
          fileName,
          sha256: file.sha256,
          fullList: input.fullList,
          rowCount: file.rowCount,
          counts: counts as unknown as Prisma.InputJsonValue,
          watch: watch as unknown as Prisma.InputJsonValue,
          directoryHash: hash,
          createdById: ctx.actor.id,
          createdAt: now,
        },
        select: { id: true },
      });
      for (let i = 0; i < rows.length; i += 2000) {
        await tx.identityImportRow.createMany({
          data: rows.slice(i, i + 2000).map((r, k) => ({
            importId: imp.id,
            seq: i + k,
            line: r.line,
            action: r.action,
            identityId: r.identityId,
            email: r.email,
            displayName: r.displayName,
            detail: r.detail as Prisma.InputJsonValue,
            reason: r.reason,
          })),
        });
      }
      return { id: imp.id, counts };
    },
    { timeout: 600_000, maxWait: 10_000 },
  );
}
