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

// ---------------------------------------------------------------------------------------------------
// Reading (RFC 4180), streamed: the HR import (server/domain/identity-import) reads files of 100k rows
// chunk by chunk, never holding the whole file.

/** One record read back: the physical line it starts on (1 = the header), its cells, or why it is broken. */
export type CsvRecord = { line: number; cells: string[]; error?: string };

export type CsvReadLimits = { maxCells: number; maxCellChars: number };
const READ_LIMITS: CsvReadLimits = { maxCells: 64, maxCellChars: 10_000 };

/**
 * The inverse of `csvCellValue` for one cell: a cell Warrant wrote with the formula guard (`'=…`) reads back
 * as the text it guarded, so a file exported from Warrant imports unchanged. Any other cell is itself.
 */
export function unneutralise(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * An incremental RFC 4180 reader: `push` text as it arrives (any chunking, even inside a quoted cell or a
 * CRLF), get the complete records back; `end` flushes the last one. Accepts LF or CRLF record ends, a UTF-8
 * byte-order mark, quoted cells holding commas, quotes (doubled) and line breaks. A quote inside an unquoted
 * cell, text after a closing quote, an unterminated quote, or a record past the limits is a broken record
 * (`error`, with the line it starts on), never a silent guess. Blank lines are skipped.
 */
export class CsvReader {
  private cells: string[] = [];
  private cell = "";
  private quoted = false;
  private inQuotes = false;
  private afterQuote = false;
  private pendingQuote = false;
  private pendingCr = false;
  private error: string | undefined;
  private line = 1;
  private startLine = 1;
  private started = false;
  private first = true;
  constructor(private readonly limits: CsvReadLimits = READ_LIMITS) {}

  private fail(message: string) {
    if (!this.error) this.error = message;
  }

  private endCell() {
    if (this.cells.length >= this.limits.maxCells) this.fail(`more than ${this.limits.maxCells} cells`);
    else this.cells.push(this.cell);
    this.cell = "";
    this.quoted = false;
    this.afterQuote = false;
  }

  private endRecord(out: CsvRecord[]) {
    const blank = this.cells.length === 0 && this.cell === "" && !this.quoted && !this.error;
    if (this.started && !blank) {
      this.endCell();
      out.push(this.error ? { line: this.startLine, cells: this.cells, error: this.error } : { line: this.startLine, cells: this.cells });
    }
    this.cells = [];
    this.cell = "";
    this.quoted = false;
    this.afterQuote = false;
    this.error = undefined;
    this.started = false;
  }

  private add(ch: string) {
    if (this.cell.length >= this.limits.maxCellChars) this.fail(`a cell longer than ${this.limits.maxCellChars} characters`);
    else this.cell += ch;
  }

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let s = text;
    if (this.first && s.length) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === "\n") continue; // the LF of a CRLF already ended the record
      }
      if (!this.started) {
        this.started = true;
        this.startLine = this.line;
      }
      if (this.inQuotes) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (ch === '"') {
            this.add('"');
            continue;
          }
          this.inQuotes = false;
          this.afterQuote = true;
          // fall through: this character follows a closing quote
        } else if (ch === '"') {
          this.pendingQuote = true;
          continue;
        } else {
          if (ch === "\n") this.line++;
          this.add(ch);
          continue;
        }
      }
      if (ch === ",") {
        this.endCell();
      } else if (ch === "\n" || ch === "\r") {
        this.line++;
        if (ch === "\r") this.pendingCr = true;
        this.endRecord(out);
      } else if (ch === '"') {
        if (this.cell === "" && !this.quoted && !this.afterQuote) {
          this.quoted = true;
          this.inQuotes = true;
        } else {
          this.fail("a quote inside a cell that is not quoted");
          this.add(ch);
        }
      } else {
        if (this.afterQuote) this.fail("text after a closing quote");
        this.add(ch);
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.inQuotes && this.pendingQuote) {
      this.pendingQuote = false;
      this.inQuotes = false;
      this.afterQuote = true;
    }
    if (this.inQuotes) {
      this.fail("a quoted cell that never ends");
      this.inQuotes = false;
    }
    this.endRecord(out);
    return out;
  }
}

/** Every record of a byte stream (UTF-8), as it arrives. */
export async function* readCsvRecords(source: AsyncIterable<Uint8Array>, limits?: CsvReadLimits): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder("utf-8");
  const reader = new CsvReader(limits);
  for await (const chunk of source) yield* reader.push(decoder.decode(chunk, { stream: true }));
  yield* reader.push(decoder.decode());
  yield* reader.end();
}
