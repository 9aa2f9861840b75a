/**
 * The evidence-pack format, shared by the exporter and the offline verifier. Nothing here touches the
 * database: the verifier imports only this file, server/csv.ts (the CSV cell rule) and server/ledger/hash.ts.
 * docs/evidence-pack.md describes the same rules in prose, for verifiers written in other languages.
 */
import { createHash, createPublicKey, verify as edVerify, type KeyObject } from "node:crypto";
import { canonicalJson, GENESIS_HASH } from "../ledger/hash";

export const FORMAT_VERSION = 1;

export const FILES = {
  readme: "README.txt",
  grantsCsv: "grants.csv",
  grants: "grants.jsonl",
  requests: "requests.jsonl",
  approvals: "approvals.jsonl",
  provisioning: "provisioning-receipts.jsonl",
  reviewItems: "review-items.jsonl",
  revocations: "revocations.jsonl",
  policyVersions: "policy-versions.jsonl",
  controls: "controls.jsonl",
  scopeExclusions: "scope-exclusions.jsonl",
  reconciliationRuns: "reconciliation-runs.jsonl",
  reconciliationFindingsCsv: "reconciliation-findings.csv",
  reconciliationFindings: "reconciliation-findings.jsonl",
  checkpoint: "checkpoint.json",
  ledger: "ledger-events.jsonl",
  manifest: "manifest.json",
  signature: "manifest.sig",
} as const;

/** A signed checkpoint as it appears in a pack (seq as a decimal string, times ISO 8601 UTC with ms). */
export type PackCheckpoint = {
  seq: string;
  headHash: string;
  signedAt: string;
  keyId: string;
  /** base64 Ed25519 over UTF-8(JCS({ seq, headHash, signedAt, keyId })). */
  signature: string;
  reason: string;
};

/** The start of the chain when no checkpoint was signed before the period: seq 0, 64 zeros, unsigned. */
export type GenesisAnchor = { seq: "0"; headHash: string; reason: "genesis" };

export type Anchor = PackCheckpoint | GenesisAnchor;

export const GENESIS_ANCHOR: GenesisAnchor = { seq: "0", headHash: GENESIS_HASH, reason: "genesis" };

export function isGenesis(a: Anchor): a is GenesisAnchor {
  return a.reason === "genesis";
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(c: { seq: string; headHash: string; signedAt: string; keyId: string }): Buffer {
  return Buffer.from(canonicalJson({ seq: c.seq, headHash: c.headHash, signedAt: c.signedAt, keyId: c.keyId }), "utf8");
}

/** keyId of a public key: the first 16 hex characters of SHA-256 over its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

export function verifyEd25519(message: Buffer, signatureB64: string, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
    return edVerify(null, message, key, Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
}

export type FileKind = "csv" | "jsonl" | "json" | "text";

export function kindOf(p: string): FileKind {
  if (p.endsWith(".csv")) return "csv";
  if (p.endsWith(".jsonl")) return "jsonl";
  if (p.endsWith(".json")) return "json";
  return "text";
}

export type ManifestFile = {
  path: string;
  sha256: string;
  bytes: number;
  /** JSON Lines: lines; CSV: records after the header; other files: null. */
  rows: number | null;
  description: string;
  /** The SQL (or a description) that produced the rows, with its parameters beside it. */
  query: string | null;
  parameters: unknown[];
};

export type Manifest = {
  formatVersion: number;
  generator: { name: string; version: string };
  generatedAt: string;
  period: { from: string; to: string };
  scope: { systems: { id: string; name: string }[]; campaign: { id: string; name: string; startsAt: string; dueAt: string; launchedAt: string | null; closedAt: string | null } | null };
  ledger: {
    /** First and last seq in ledger-events.jsonl (null when the file is empty). */
    firstSeq: string | null;
    lastSeq: string | null;
    events: number;
    /** The events of the period (occurredAt in [from, to)), a sub-range of the file (null when none). */
    periodFirstSeq: string | null;
    periodLastSeq: string | null;
    /** Where the chain in the file starts: the latest checkpoint signed before the period, or genesis. */
    anchor: Anchor;
    /** Signed at export: the file ends at its seq. */
    checkpoint: PackCheckpoint;
  };
  keyId: string;
  publicKey: string;
  algorithm: "Ed25519";
  /**
   * Public keys of checkpoints in the pack signed by a key other than `keyId` (an anchor signed before a key
   * rotation). Empty when every checkpoint is signed with the manifest's key. Absent in packs made before it existed.
   */
  checkpointKeys?: { keyId: string; publicKey: string }[];
  files: ManifestFile[];
};

// ---------------------------------------------------------------------------------------------------
// Rows

/**
 * The JSON Lines file a CSV file of the pack must agree with, row by row (grants.csv ↔ grants.jsonl): the
 * JSON Lines file is the exact data, the CSV its spreadsheet copy written with server/csv.ts.
 */
export function jsonlTwinOf(csvPath: string): string {
  return csvPath.replace(/\.csv$/, ".jsonl");
}

/** JSON for one line: Dates as ISO 8601, bigint as decimal strings. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Counts rows while bytes stream past, the same way for exporter and verifier: JSON Lines count "\n";
 * CSV counts record ends outside quotes, minus the header; other files have no row count (null).
 */
export class RowCounter {
  private lines = 0;
  private inQuotes = false;
  private lastByte = -1;
  constructor(private readonly kind: FileKind) {}

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    if (this.kind === "jsonl") {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++;
    } else if (this.kind === "csv") {
      for (const b of chunk) {
        if (b === 34) this.inQuotes = !this.inQuotes;
        else if (b === 10 && !this.inQuotes) this.lines++;
      }
    }
    this.lastByte = chunk[chunk.length - 1]!;
  }

  result(): number | null {
    // A last line without its "\n" still counts.
    const records = this.lines + (this.lastByte !== -1 && this.lastByte !== 10 ? 1 : 0);
    if (this.kind === "jsonl") return records;
    if (this.kind === "csv") return Math.max(0, records - 1);
    return null;
  }
}

/**
 * What the verifier will read, at most (docs/evidence-pack.md, "Limits"). A pack is refused, with a FAIL line
 * naming the limit, rather than read past one of these: a hostile pack must not make the verifier work or
 * buffer without bound before it knows the pack is bad.
 */
export const VERIFY_LIMITS = {
  /** Entries in the zip (a pack has 18). */
  maxEntries: 64,
  /** manifest.json, parsed whole. */
  maxManifestBytes: 1024 * 1024,
  /** manifest.sig (88 base64 characters and a newline). */
  maxSignatureBytes: 1024,
  /** Each listed .json file (checkpoint.json), parsed whole. */
  maxJsonFileBytes: 1024 * 1024,
  /**
   * One JSON Lines line or one CSV record, in UTF-8 bytes. The largest value the portal accepts (a policy
   * text, 100,000 characters) encodes to well under 1 MiB, twice over in a ledger event.
   */
  maxLineBytes: 4 * 1024 * 1024,
  /** Uncompressed ÷ compressed size of an entry, for entries larger than `ratioFloorBytes` (zip bombs). */
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};
export type VerifyLimits = typeof VERIFY_LIMITS;

/** A line or record longer than the limit: the reader stops rather than buffer it. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly limit: number,
  ) {
    super(`line ${line} is longer than ${limit} bytes (the verifier's limit per line): not read further`);
  }
}

const QUOTE = Buffer.from('"');

/**
 * Yields the CSV records of a byte stream (RFC 4180 quoting; a quoted cell may hold newlines). A record
 * longer than `maxRecordBytes` (UTF-8) throws LineTooLongError instead of being buffered.
 *
 * Works on bytes, in time linear in the input: the bytes that matter (`"` `,` LF CR) are ASCII and never
 * part of a multi-byte UTF-8 character, so a cell is a list of byte slices between them, decoded once
 * when it ends (a character split across chunks is joined before decoding).
 */
export async function* csvRecords(stream: AsyncIterable<Buffer | string>, maxRecordBytes = Number.POSITIVE_INFINITY): AsyncGenerator<string[]> {
  let row: string[] = [];
  let cell: Buffer[] = [];
  let cellBytes = 0;
  let quoted = false;
  let afterQuote = false;
  let pendingCr = false;
  let recordBytes = 0;
  let record = 1;
  const add = (b: Buffer) => {
    cell.push(b);
    cellBytes += b.length;
  };
  const endCell = () => {
    row.push(cell.length === 1 ? cell[0]!.toString("utf8") : Buffer.concat(cell).toString("utf8"));
    cell = [];
    cellBytes = 0;
  };
  const count = (n: number) => {
    recordBytes += n;
    if (recordBytes > maxRecordBytes) throw new LineTooLongError(record, maxRecordBytes);
  };
  for await (const c of stream) {
    const chunk = typeof c === "string" ? Buffer.from(c, "utf8") : c;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (pendingCr) {
        pendingCr = false;
        if (chunk[i] === 10) {
          i++;
          continue;
        }
      }
      let j: number;
      if (quoted) {
        j = chunk.indexOf(34, i);
        if (j === -1) j = n;
      } else {
        j = i;
        while (j < n) {
          const b = chunk[j];
          if (b === 34 || b === 44 || b === 10 || b === 13) break;
          j++;
        }
      }
      if (j > i) {
        count(j - i);
        add(chunk.subarray(i, j));
        if (!quoted) afterQuote = false;
      }
      if (j >= n) break;
      const b = chunk[j]!;
      count(1);
      i = j + 1;
      if (quoted) {
        quoted = false; // the closing quote (or the first of a doubled one)
        afterQuote = true;
        continue;
      }
      if (b === 34) {
        if (afterQuote) add(QUOTE); // "" inside a quoted cell
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      endCell();
      if (b === 44) continue;
      pendingCr = b === 13;
      yield row;
      row = [];
      recordBytes = 0;
      record++;
    }
  }
  if (cellBytes || row.length) {
    endCell();
    yield row;
  }
}

/**
 * Yields the lines of a byte stream (without the "\n"), each decoded as UTF-8. Works on bytes, so a line is
 * never split inside a character; a line longer than `maxLineBytes` throws LineTooLongError instead of
 * being buffered.
 */
export async function* lines(stream: AsyncIterable<Buffer | string>, maxLineBytes = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let pending = 0;
  let n = 0;
  for await (const c of stream) {
    const chunk = typeof c === "string" ? Buffer.from(c, "utf8") : c;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      n++;
      if (pending + piece.length > maxLineBytes) throw new LineTooLongError(n, maxLineBytes);
      yield (pending ? Buffer.concat([...parts, piece]) : piece).toString("utf8");
      parts = [];
      pending = 0;
      start = nl + 1;
    }
    const tail = chunk.subarray(start);
    if (tail.length) {
      if (pending + tail.length > maxLineBytes) throw new LineTooLongError(n + 1, maxLineBytes);
      parts.push(tail);
      pending += tail.length;
    }
  }
  if (pending) yield Buffer.concat(parts).toString("utf8");
}

// ---------------------------------------------------------------------------------------------------
// Row shapes (documented in docs/evidence-pack.md)

export type LedgerLine = {
  seq: string;
  occurredAt: string;
  actorId: string | null;
  onBehalfOfId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payload: unknown;
  prevHash: string;
  hash: string;
};

export const GRANT_COLUMNS = [
  "id",
  "identityId",
  "identityName",
  "identityKind",
  "identityEmail",
  "entitlementId",
  "entitlementName",
  "systemId",
  "systemName",
  "risk",
  "privileged",
  "status",
  "origin",
  "requestId",
  "startsAt",
  "expiresAt",
  "revokedAt",
  "revocationCause",
  "revokedById",
  "revocationNote",
  "createdAt",
  "firstEventSeq",
  "ledgerEvents",
] as const;

/** reconciliation-runs.jsonl: one reconciliation of a system (server/domain/reconciliation), in this column order. */
export const RECON_RUN_COLUMNS = [
  "id",
  "systemId",
  "systemName",
  "trigger",
  "status",
  "startedById",
  "startedByName",
  "startedAt",
  "completedAt",
  "memberships",
  "counts",
  "snapshotSha256",
  "error",
  "ledgerEventSeq",
] as const;

/** reconciliation-findings.jsonl / .csv: one reconciliation finding and its outcome, in this column order. */
export const RECON_FINDING_COLUMNS = [
  "id",
  "systemId",
  "systemName",
  "kind",
  "account",
  "entitlementId",
  "entitlementName",
  "identityId",
  "grantId",
  "status",
  "openedAt",
  "firstSeenRunId",
  "lastSeenRunId",
  "outcome",
  "resolvedAt",
  "resolvedById",
  "resolvedByName",
  "reason",
  "acceptedUntil",
  "adoptedUntil",
  "taskId",
  "receipt",
  "resolvedInRunId",
  "outcomeEventSeq",
  "ledgerEventSeqs",
] as const;

/**
 * The ledger action that records each outcome of a reconciliation finding (subject `Finding`); `RESOLVED`
 * stands for a finding closed by hand on the findings page (outcome null). GONE (no longer in the target) is
 * recorded by the run that saw it gone (`reconciliation.completed`), named by the row's `resolvedInRunId`.
 */
export const RECON_OUTCOME_ACTIONS: Record<string, string> = {
  ADOPTED: "reconciliation.finding_adopted",
  REVOKE_REQUESTED: "reconciliation.finding_revoked",
  REVOKED: "reconciliation.finding_revoked",
  REPROVISION_REQUESTED: "reconciliation.finding_reprovisioned",
  ACCEPTED: "reconciliation.finding_accepted",
  RESOLVED: "finding.resolved",
};

/** Ledger actions that end a reconciliation run (subject `System`, `payload.runId`). */
export const RECON_RUN_ACTIONS: Record<string, string> = { COMPLETED: "reconciliation.completed", FAILED: "reconciliation.failed" };

/**
 * A row of scope-exclusions.jsonl: a subject the ledger says the pack must explain (docs/evidence-pack.md,
 * "Completeness and scope") that is not in the pack because its system is outside `scope.systems`.
 */
export type ScopeExclusionRow = { subjectType: "Grant" | "AccessRequest" | "ReviewItem"; subjectId: string; systemId: string };

export type GrantRow = { [K in (typeof GRANT_COLUMNS)[number]]: string | number | boolean | null };

export type ControlLine =
  | { type: "check"; id: string; title: string; description: string; population: number; definition: string; exceptions: number; flagged: number; passed: boolean }
  | { type: "exception" | "flagged"; check: string; subjectType: string; subjectId: string; subject: string; detail: string; reason: string | null };

/** The control checks (ids as in server/domain/audit/controls.ts). */
export const CONTROL_IDS = {
  grantHasApproval: "approved-access",
  revokeConfirmed: "revocations-executed",
  noSelfApproval: "no-self-approval",
  nhiHasOwner: "nhi-owned",
  noExpiredActive: "no-expired-active",
} as const;

// ---------------------------------------------------------------------------------------------------
// JSON Schema (the subset the pack's schemas use: docs/evidence-pack/schema/*.schema.json)

/**
 * A JSON Schema in the subset this project uses: `type` (one or a list; "integer" too), `properties`,
 * `required`, `additionalProperties: false`, `enum`, `const`, `pattern`, `format: "date-time"`, `minimum`,
 * `items`, `anyOf` and local `$ref` ("#/$defs/name"). Anything else in a schema is refused by
 * `schemaProblems` (so a schema cannot silently use a keyword the validator ignores).
 */
export type JsonSchema = {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  $defs?: Record<string, JsonSchema>;
  $ref?: string;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: "date-time";
  minimum?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};
type JsonType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

const SCHEMA_KEYWORDS = new Set(["$schema", "$id", "title", "description", "$defs", "$ref", "type", "properties", "required", "additionalProperties", "enum", "const", "pattern", "format", "minimum", "items", "anyOf"]);
/** ISO 8601 UTC with milliseconds, as every timestamp in a pack is written. */
export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Keywords outside the supported subset, by where they are in the schema (empty = usable). */
export function schemaProblems(schema: JsonSchema, at = "#"): string[] {
  const out: string[] = [];
  for (const k of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(k)) out.push(`${at}: unsupported keyword "${k}"`);
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) out.push(`${at}: additionalProperties may only be false`);
  if (schema.format !== undefined && schema.format !== "date-time") out.push(`${at}: unsupported format "${schema.format}"`);
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...schemaProblems(s, `${at}/properties/${k}`));
  for (const [k, s] of Object.entries(schema.$defs ?? {})) out.push(...schemaProblems(s, `${at}/$defs/${k}`));
  if (schema.items) out.push(...schemaProblems(schema.items, `${at}/items`));
  (schema.anyOf ?? []).forEach((s, i) => out.push(...schemaProblems(s, `${at}/anyOf/${i}`)));
  return out;
}

const typeOf = (v: unknown): JsonType => (v === null ? "null" : Array.isArray(v) ? "array" : (typeof v as JsonType));
const regexCache = new Map<string, RegExp>();
const short = (v: unknown) => JSON.stringify(v)?.slice(0, 40);

/**
 * Validates `value` against `schema` (the subset above); returns the problems, each with the JSON path of
 * the value (e.g. `.files[3].sha256`; `(row)` for the value itself), at most `max` of them. Called for
 * every row of a pack (millions), so it allocates nothing on the happy path: no closures, and a value's
 * path is only spelled out when something fails or the value has children.
 */
export function validateSchema(schema: JsonSchema, value: unknown, max = 5): string[] {
  const out: string[] = [];
  validateAt(schema, value, "", null, schema, out, max);
  return out;
}

const pathOf = (parent: string, key: string | number | null) => (key === null ? parent : typeof key === "number" ? `${parent}[${key}]` : `${parent}.${key}`);
const failAt = (out: string[], max: number, parent: string, key: string | number | null, msg: string) => {
  if (out.length < max) out.push(`${pathOf(parent, key) || "(row)"}: ${msg}`);
};

function typeMatches(want: JsonType, t: JsonType, value: unknown): boolean {
  if (want === t) return want !== "number" || Number.isFinite(value);
  return want === "integer" && t === "number" && Number.isInteger(value);
}

function validateAt(schema: JsonSchema, value: unknown, parent: string, key: string | number | null, root: JsonSchema, out: string[], max: number): void {
  if (out.length >= max) return;
  if (schema.$ref) {
    const m = /^#\/\$defs\/([\w-]+)$/.exec(schema.$ref);
    const target = m ? root.$defs?.[m[1]!] : undefined;
    if (!target) return failAt(out, max, parent, key, `the schema's $ref ${schema.$ref} is not defined`);
    return validateAt(target, value, parent, key, root, out, max);
  }
  if (schema.anyOf) {
    const firsts: string[] = [];
    for (const s of schema.anyOf) {
      const o: string[] = [];
      validateAt(s, value, parent, key, root, o, 1);
      if (!o.length) return;
      firsts.push(o[0]!);
    }
    return failAt(out, max, parent, key, `matches none of the allowed shapes (${firsts.join("; or ")})`);
  }
  const t = typeOf(value);
  const want = schema.type;
  if (want !== undefined) {
    const ok = typeof want === "string" ? typeMatches(want, t, value) : want.some((w) => typeMatches(w, t, value));
    if (!ok) {
      const got = t === "string" || t === "number" || t === "boolean" ? `${t} ${short(value)}` : t;
      return failAt(out, max, parent, key, `is ${got}, not ${typeof want === "string" ? want : want.join(" or ")}`);
    }
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) failAt(out, max, parent, key, `is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) failAt(out, max, parent, key, `${short(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (t === "string") {
    const text = value as string;
    if (schema.pattern) {
      let re = regexCache.get(schema.pattern);
      if (!re) regexCache.set(schema.pattern, (re = new RegExp(schema.pattern, "u")));
      if (!re.test(text)) failAt(out, max, parent, key, `${JSON.stringify(text.slice(0, 40))} does not match ${schema.pattern}`);
    }
    if (schema.format === "date-time" && !(ISO_UTC_MS.test(text) && !Number.isNaN(Date.parse(text)))) failAt(out, max, parent, key, `${JSON.stringify(text.slice(0, 40))} is not an ISO 8601 UTC time with milliseconds`);
  } else if (t === "number" && schema.minimum !== undefined && (value as number) < schema.minimum) failAt(out, max, parent, key, `${value as number} is less than ${schema.minimum}`);
  else if (t === "object" && (schema.properties || schema.required || schema.additionalProperties === false)) {
    const obj = value as Record<string, unknown>;
    const props = schema.properties;
    const here = pathOf(parent, key);
    if (schema.required) for (const k of schema.required) if (!(k in obj)) failAt(out, max, here, null, `the field "${k}" is missing`);
    for (const k in obj) {
      const sub = props?.[k];
      if (sub) validateAt(sub, obj[k], here, k, root, out, max);
      else if (schema.additionalProperties === false) failAt(out, max, here, null, `the field ${JSON.stringify(k.slice(0, 40))} is not in the schema`);
      if (out.length >= max) return;
    }
  } else if (t === "array" && schema.items) {
    const arr = value as unknown[];
    const here = pathOf(parent, key);
    for (let i = 0; i < arr.length && out.length < max; i++) validateAt(schema.items, arr[i], here, i, root, out, max);
  }
}

// ---------------------------------------------------------------------------------------------------
// Compact id tables (the verifier's memory for a million rows)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A hash table from ids to `width` unsigned 32-bit fields, all zero at first. Lowercase UUIDs (every id the
 * portal writes) take 16 bytes of key in typed arrays instead of a JavaScript string and a Map entry (about
 * 32 + 4·width bytes a slot at most half full, against 150+ bytes); any other id falls back to a Map. This
 * is what keeps the verifier's completeness check within its memory bound for a million grants.
 */
export class IdTable {
  private keys: Uint32Array;
  /** 1 where a slot holds a key (an all-zero UUID is a valid key). */
  private full: Uint8Array;
  private vals: Uint32Array;
  private cap: number;
  private used = 0;
  private readonly other = new Map<string, Uint32Array>();
  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    this.cap = 1 << Math.max(4, Math.ceil(Math.log2(initialCapacity)));
    this.keys = new Uint32Array(this.cap * 4);
    this.full = new Uint8Array(this.cap);
    this.vals = new Uint32Array(this.cap * width);
  }
  get size(): number {
    return this.used + this.other.size;
  }

  private static words(id: string): [number, number, number, number] | null {
    if (id.length !== 36 || !UUID.test(id)) return null;
    const hex = id.replace(/-/g, "");
    return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0, parseInt(hex.slice(16, 24), 16) >>> 0, parseInt(hex.slice(24, 32), 16) >>> 0];
  }

  private find(w: [number, number, number, number], create: boolean): number {
    let h = Math.imul(w[0] ^ Math.imul(w[1], 0x9e3779b1) ^ Math.imul(w[2], 0x85ebca6b) ^ Math.imul(w[3], 0xc2b2ae35), 0x27d4eb2f);
    h ^= h >>> 15;
    const mask = this.cap - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = i * 4;
      if (!this.full[i]) {
        if (!create) return -1;
        if ((this.used + 1) * 2 > this.cap) {
          this.grow();
          return this.find(w, true);
        }
        this.keys.set(w, k);
        this.full[i] = 1;
        this.used++;
        return i;
      }
      if (this.keys[k] === w[0] && this.keys[k + 1] === w[1] && this.keys[k + 2] === w[2] && this.keys[k + 3] === w[3]) return i;
    }
  }

  private grow(): void {
    const { keys, full, vals, cap, width } = this;
    this.cap = cap * 2;
    this.keys = new Uint32Array(this.cap * 4);
    this.full = new Uint8Array(this.cap);
    this.vals = new Uint32Array(this.cap * width);
    this.used = 0;
    for (let i = 0; i < cap; i++) {
      if (!full[i]) continue;
      const j = this.find([keys[i * 4]!, keys[i * 4 + 1]!, keys[i * 4 + 2]!, keys[i * 4 + 3]!], true);
      this.vals.set(vals.subarray(i * width, (i + 1) * width), j * width);
    }
  }

  /** The fields of `id` (a live view: writes go into the table), or null when absent and `create` is false. */
  fields(id: string, create = false): Uint32Array | null {
    const w = IdTable.words(id);
    if (!w) {
      let v = this.other.get(id);
      if (!v && create) this.other.set(id, (v = new Uint32Array(this.width)));
      return v ?? null;
    }
    const i = this.find(w, create);
    return i === -1 ? null : this.vals.subarray(i * this.width, (i + 1) * this.width);
  }

  has(id: string): boolean {
    return this.fields(id) !== null;
  }

  /** Every id with its fields (UUIDs written back in lowercase). */
  *entries(): Generator<[string, Uint32Array]> {
    for (let i = 0; i < this.cap; i++) {
      const k = i * 4;
      if (!this.full[i]) continue;
      const hex = [this.keys[k]!, this.keys[k + 1]!, this.keys[k + 2]!, this.keys[k + 3]!].map((x) => x.toString(16).padStart(8, "0")).join("");
      yield [`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, this.vals.subarray(i * this.width, (i + 1) * this.width)];
    }
    yield* this.other.entries();
  }
}
