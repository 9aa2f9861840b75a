/**
 * The one CSV writer of the project. Every CSV Warrant writes (the evidence pack's grants.csv, the campaign
 * completion report, the control-check lists and samples, access as of a date) is built from `csvLine`, so
 * one rule holds everywhere and the pack verifier can check a pack's CSV against its JSON Lines with the same
 * rule. docs/evidence-pack.md ("CSV cells") states it for verifiers written in other languages; change both
 * together. No imports: the offline verifier uses this file.
 *
 * A cell is written in three steps:
 * 1. text: null and undefined → "" (an empty cell; an empty string is also an empty cell: CSV cannot tell
 *    them apart, the pack's JSON Lines can); a string → itself; true / false → "true" / "false"; a finite
 *    number → its shortest round-trip decimal text (the same digits as JSON, e.g. 3, -5, 0.25, 1e+21), a
 *    non-finite number → "" (JSON has none); a bigint → its decimal digits; a Date → ISO 8601 UTC with
 *    milliseconds; anything else (objects, arrays) → its JSON text, bigints inside as decimal strings.
 * 2. neutralise: a text whose first character is `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`, so a
 *    spreadsheet shows it instead of running it as a formula (CSV injection: `=HYPERLINK(…)`, `@SUM(…)`).
 *    Numbers are not exempt: -5 is written '-5. One rule for every cell is what lets a verifier recompute it.
 * 3. quote (RFC 4180): a text holding `"`, `,`, CR or LF is wrapped in double quotes, inner quotes doubled.
 */

/** The first characters a spreadsheet may evaluate: = + - @ TAB CR. */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Step 1: the text of a value (see above). */
export function csvText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? "";
}

/** Step 2: a leading `'` when the text would start a formula. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Step 3: RFC 4180 quoting when the text needs it. */
function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * What a CSV reader gets back for the cell of `v` (after unquoting): neutralise(text(v)). The pack verifier
 * compares each CSV cell with this value computed from the JSON Lines row.
 */
export function csvCellValue(v: unknown): string {
  return neutralise(csvText(v));
}

/** One cell as written: text, neutralised, quoted. */
export function csvCell(v: unknown): string {
  return quote(csvCellValue(v));
}

/**
 * One record: cells joined with commas and the record end. Downloads from the portal end records with CRLF
 * (RFC 4180, what spreadsheets expect); the evidence pack's files use LF (docs/evidence-pack.md).
 */
export function csvLine(cells: readonly unknown[], eol: "\r\n" | "\n" = "\r\n"): string {
  return `${cells.map(csvCell).join(",")}${eol}`;
}
