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
  /** Entries in the zip (a pack has 14). */
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

const utf8Bytes = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/**
 * Yields the CSV records of a byte stream (RFC 4180 quoting; a quoted cell may hold newlines). A record
 * longer than `maxRecordBytes` (UTF-8) throws LineTooLongError instead of being buffered.
 */
export async function* csvRecords(stream: AsyncIterable<Buffer | string>, maxRecordBytes = Number.POSITIVE_INFINITY): AsyncGenerator<string[]> {
  const decoder = new TextDecoder("utf-8");
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let afterQuote = false;
  let pendingCr = false;
  let recordBytes = 0;
  let record = 1;
  const feed = function* (text: string): Generator<string[]> {
    for (const ch of text) {
      recordBytes += utf8Bytes(ch.codePointAt(0)!);
      if (recordBytes > maxRecordBytes) throw new LineTooLongError(record, maxRecordBytes);
      if (pendingCr) {
        pendingCr = false;
        if (ch === "\n") continue;
      }
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else cell += ch;
        continue;
      }
      if (ch === '"') {
        if (afterQuote) cell += '"'; // "" inside a quoted cell
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (ch === ",") {
        row.push(cell);
        cell = "";
      } else if (ch === "\n" || ch === "\r") {
        pendingCr = ch === "\r";
        row.push(cell);
        yield row;
        row = [];
        cell = "";
        recordBytes = 0;
        record++;
      } else cell += ch;
    }
  };
  for await (const chunk of stream) yield* feed(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
  yield* feed(decoder.decode());
  if (cell !== "" || row.length) {
    row.push(cell);
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
