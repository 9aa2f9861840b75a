/**
 * From CSV records to typed rows (no database): the header names the columns (any order, case, spaces,
 * `_` or `-`), each data row is checked on its own (required cells, formats, known kinds and statuses).
 * What needs the directory (unknown manager, duplicates, owners) is the preview's business (preview.ts).
 */
import { unneutralise, type CsvRecord } from "../../csv";
import { NHI_KINDS, type IdentityKindName } from "../identities/schema";

export type RowStatus = "active" | "leaver";

export type ParsedRow = {
  line: number;
  kind: IdentityKindName;
  email: string | null;
  displayName: string;
  department: string | null;
  title: string | null;
  managerEmail: string | null;
  employeeNumber: string | null;
  externalId: string | null;
  status: RowStatus;
  ownerEmail: string | null;
  purpose: string | null;
  expiresAt: Date | null;
};

export type RowResult = { ok: true; row: ParsedRow } | { ok: false; line: number; displayName: string; email: string | null; reason: string };

/** Column → the header names it accepts (compared lower-case with spaces, `_` and `-` removed). */
const COLUMNS = {
  email: ["email", "workemail", "mail", "username"],
  displayName: ["name", "displayname", "fullname"],
  department: ["department", "dept"],
  title: ["title", "jobtitle"],
  managerEmail: ["manageremail", "manager"],
  employeeNumber: ["employeenumber", "employeeid", "employeeno"],
  externalId: ["externalid"],
  status: ["status"],
  kind: ["kind", "type"],
  ownerEmail: ["owneremail", "owner"],
  purpose: ["purpose"],
  expiresAt: ["expires", "expiresat", "credentialexpires", "credentialexpiresat"],
} as const;
export type Column = keyof typeof COLUMNS;

const norm = (h: string) => h.trim().toLowerCase().replace(/[\s_-]+/g, "");

export type HeaderOk = { ok: true; index: Partial<Record<Column, number>>; width: number };
export type Header = HeaderOk | { ok: false; reason: string };

/** Reads the header record: every known column at most once; `email` or `name` must be there. */
export function readHeader(rec: CsvRecord): Header {
  if (rec.error) return { ok: false, reason: `The header line is broken: ${rec.error}.` };
  const index: Partial<Record<Column, number>> = {};
  const unknown: string[] = [];
  rec.cells.forEach((cell, i) => {
    const h = norm(unneutralise(cell));
    const col = (Object.keys(COLUMNS) as Column[]).find((c) => (COLUMNS[c] as readonly string[]).includes(h));
    if (!col) {
      if (h) unknown.push(cell.trim());
      return;
    }
    if (index[col] !== undefined) unknown.push(`${cell.trim()} (a second ${col} column)`);
    else index[col] = i;
  });
  if (unknown.length) return { ok: false, reason: `Unknown columns in the header: ${unknown.slice(0, 5).join(", ")}. See docs/identity-import.md for the column names.` };
  if (index.email === undefined) return { ok: false, reason: "The header has no email column: every person is matched by their work email." };
  if (index.displayName === undefined) return { ok: false, reason: "The header has no name column." };
  return { ok: true, index, width: rec.cells.length };
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/;
const KINDS: Record<string, IdentityKindName> = {
  "": "HUMAN",
  human: "HUMAN",
  person: "HUMAN",
  employee: "HUMAN",
  ...Object.fromEntries(NHI_KINDS.map((k) => [norm(k), k])),
};
const STATUSES: Record<string, RowStatus> = {
  "": "active",
  active: "active",
  leaver: "leaver",
  left: "leaver",
  inactive: "leaver",
  terminated: "leaver",
};
const MAX = { name: 200, short: 200, purpose: 1000 };

/** One data row, checked on its own. */
export function readRow(rec: CsvRecord, header: HeaderOk): RowResult {
  const { index } = header;
  const cell = (c: Column): string => {
    const i = index[c];
    return i === undefined ? "" : unneutralise(rec.cells[i] ?? "").trim();
  };
  const email = cell("email").toLowerCase() || null;
  const displayName = cell("displayName");
  const bad = (reason: string): RowResult => ({ ok: false, line: rec.line, displayName: displayName || email || "(no name)", email, reason });
  if (rec.error) return bad(`The line is broken: ${rec.error}.`);
  if (rec.cells.length !== header.width) return bad(`The line has ${rec.cells.length} cells; the header has ${header.width}.`);
  const kind = KINDS[norm(cell("kind"))];
  if (!kind) return bad(`Unknown kind "${cell("kind")}": use human or one of ${NHI_KINDS.map((k) => k.toLowerCase()).join(", ")}.`);
  const status = STATUSES[norm(cell("status"))];
  if (!status) return bad(`Unknown status "${cell("status")}": use active or leaver.`);
  if (!displayName) return bad("The name is missing.");
  if (displayName.length > MAX.name) return bad(`The name is longer than ${MAX.name} characters.`);
  const opt = (c: Column): string | null => cell(c) || null;
  for (const c of ["department", "title", "employeeNumber", "externalId"] as const) {
    if (cell(c).length > MAX.short) return bad(`The ${c} is longer than ${MAX.short} characters.`);
  }
  const managerEmail = cell("managerEmail").toLowerCase() || null;
  const ownerEmail = cell("ownerEmail").toLowerCase() || null;
  const purpose = opt("purpose");
  let expiresAt: Date | null = null;
  if (cell("expiresAt")) {
    const d = new Date(cell("expiresAt"));
    if (!DATE.test(cell("expiresAt")) || Number.isNaN(d.getTime())) return bad(`The expiry "${cell("expiresAt")}" is not a date (YYYY-MM-DD).`);
    expiresAt = d;
  }
  if (kind === "HUMAN") {
    if (!email) return bad("The email is missing.");
    if (!EMAIL.test(email) || email.length > 254) return bad(`"${email}" is not an email address.`);
    if (managerEmail && !EMAIL.test(managerEmail)) return bad(`The manager "${managerEmail}" is not an email address.`);
    if (managerEmail === email) return bad("A person cannot be their own manager.");
    if (ownerEmail || purpose || expiresAt) return bad("Owner, purpose and expiry are for non-human identities only.");
  } else {
    if (email) return bad("A non-human identity has no email: leave the email empty and name its owner.");
    if (managerEmail) return bad("A non-human identity has no manager: name its owner instead.");
    if (!ownerEmail) return bad("The owner is missing: every non-human identity has an accountable person.");
    if (!EMAIL.test(ownerEmail)) return bad(`The owner "${ownerEmail}" is not an email address.`);
    if (!purpose) return bad("The purpose is missing: say what this identity does.");
    if (purpose.length > MAX.purpose) return bad(`The purpose is longer than ${MAX.purpose} characters.`);
    if (status === "leaver") return bad("A non-human identity cannot be a leaver here: deprovision it on its page.");
  }
  return {
    ok: true,
    row: {
      line: rec.line,
      kind,
      email,
      displayName,
      department: opt("department"),
      title: opt("title"),
      managerEmail,
      employeeNumber: opt("employeeNumber"),
      externalId: opt("externalId"),
      status,
      ownerEmail,
      purpose,
      expiresAt,
    },
  };
}
