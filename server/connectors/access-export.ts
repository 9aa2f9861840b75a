/**
 * The access export a manual system's owner uploads for reconciliation: CSV (RFC 4180 quoting, comma
 * separated, CRLF or LF), a header row `account,entitlement`, then one membership per row: the account (the
 * person's email) and the entitlement (its role / group name, the entitlement's externalRef, or its name in
 * the catalog when it has none). Every bad row is reported with its line number and nothing is applied.
 */

export const ACCESS_EXPORT_MAX_BYTES = 20 * 1024 * 1024;
export const ACCESS_EXPORT_MAX_ERRORS = 50;

export type AccessExportRow = { account: string; externalRef: string; line: number };
export type AccessExportError = { line: number; reason: string };

/** Splits CSV text into records of cells, each with the line number it starts on. */
export function* csvRecords(text: string): Generator<{ line: number; cells: string[] }> {
  let i = 0;
  let line = 1;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte-order mark
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    let inQuotes = false;
    for (; i < n; i++) {
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i++;
          } else inQuotes = false;
        } else {
          if (ch === "\n") line++;
          cell += ch;
        }
        continue;
      }
      if (ch === '"' && cell === "" && !quoted) {
        inQuotes = quoted = true;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        quoted = false;
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        i++;
        line++;
        break;
      } else cell += ch;
    }
    cells.push(cell);
    if (inQuotes) cells.push("\u0000unterminated");
    if (!(cells.length === 1 && cells[0] === "")) yield { line: start, cells };
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Parses an access export. Accounts are compared as lower-case emails. Duplicated rows are kept once.
 * Returns the rows sorted by (account, entitlement) (the order reconciliation merges in), or the errors.
 */
export function parseAccessExport(text: string, managedRefs?: ReadonlySet<string>): { ok: true; rows: AccessExportRow[] } | { ok: false; errors: AccessExportError[] } {
  const errors: AccessExportError[] = [];
  if (Buffer.byteLength(text, "utf8") > ACCESS_EXPORT_MAX_BYTES) return { ok: false, errors: [{ line: 1, reason: `The export is larger than ${ACCESS_EXPORT_MAX_BYTES / 1024 / 1024} MB.` }] };
  const rows: AccessExportRow[] = [];
  let header = true;
  for (const { line, cells } of csvRecords(text)) {
    if (header) {
      header = false;
      const h = cells.map((c) => c.trim().toLowerCase());
      if (h.length !== 2 || h[0] !== "account" || h[1] !== "entitlement") {
        errors.push({ line, reason: 'The first line must be the header "account,entitlement".' });
        break;
      }
      continue;
    }
    if (cells.includes("\u0000unterminated")) errors.push({ line, reason: "A quoted cell is not closed." });
    else if (cells.length !== 2) errors.push({ line, reason: `Expected 2 cells (account, entitlement), found ${cells.length}.` });
    else {
      const account = cells[0]!.trim().toLowerCase();
      const ref = cells[1]!.trim();
      if (!EMAIL.test(account)) errors.push({ line, reason: `"${account.slice(0, 80)}" is not an email address.` });
      else if (!ref) errors.push({ line, reason: "The entitlement is empty." });
      else if (ref.length > 200 || account.length > 320) errors.push({ line, reason: "A cell is too long." });
      else if (managedRefs && !managedRefs.has(ref)) errors.push({ line, reason: `"${ref.slice(0, 80)}" is not an entitlement of this system in the catalog.` });
      else rows.push({ account, externalRef: ref, line });
    }
    if (errors.length >= ACCESS_EXPORT_MAX_ERRORS) break;
  }
  if (header) errors.push({ line: 1, reason: 'The export is empty: it needs the header "account,entitlement".' });
  if (errors.length) return { ok: false, errors };
  rows.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.externalRef < b.externalRef ? -1 : a.externalRef > b.externalRef ? 1 : 0));
  return { ok: true, rows };
}

/** Thrown by the manual connector's listAccess when the export has bad rows: the run applies nothing. */
export class AccessExportInvalid extends Error {
  constructor(readonly errors: AccessExportError[]) {
    super(`The access export has ${errors.length} bad row${errors.length === 1 ? "" : "s"}: ${errors.slice(0, 5).map((e) => `line ${e.line}: ${e.reason}`).join("; ")}`);
    this.name = "AccessExportInvalid";
  }
}
