/**
 * The offline verifier of an evidence pack. No database and no portal code: it imports only the pack
 * format (format.ts), the CSV cell rule (server/csv.ts), the ledger hash rule (server/ledger/hash.ts) and,
 * for --witness, the witnessed-checkpoint rule (witness-check.ts, which imports only the first and third).
 * Every check reports how many items it checked, how many passed, and every failure (capped per check,
 * with a count of the rest).
 *
 * Bounded work (docs/evidence-pack.md, "Verification order" and "Limits"): a hostile pack must not keep
 * the verifier busy or make it buffer before it knows the pack is bad. So it
 *   1. reads the zip's central directory only (at most `maxEntries` entries), then manifest.json and
 *      manifest.sig (each under a size limit), and checks the signature: if it fails, nothing else is read;
 *   2. compares every entry's declared uncompressed size (central directory) with the manifest's `bytes`,
 *      and the compression ratio with a limit, BEFORE reading any data: one mismatch and nothing is read;
 *   3. then streams each file, never past the bytes the manifest declares (counted here, whatever the zip
 *      header says), and reads lines and CSV records up to `maxLineBytes` each.
 * Memory stays flat apart from what the cross-references and the completeness check need: grants, requests
 * and review items in compact id tables (IdTable, format.ts), a few dozen bytes each; a pack of a million
 * grants and two million events verifies in under 256 MB (npm run bench).
 */
import { createHash, createPublicKey } from "node:crypto";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { canonicalJson, eventHash, GENESIS_HASH } from "../ledger/hash";
import { csvCellValue } from "../csv";
import {
  CONTROL_IDS,
  FILES,
  GRANT_COLUMNS,
  IdTable,
  RECON_FINDING_COLUMNS,
  RECON_OUTCOME_ACTIONS,
  RECON_RUN_ACTIONS,
  LineTooLongError,
  RowCounter,
  VERIFY_LIMITS,
  checkpointMessage,
  csvRecords,
  isGenesis,
  jsonlTwinOf,
  keyIdOf,
  kindOf,
  lines,
  validateSchema,
  verifyEd25519,
  type Anchor,
  type ControlLine,
  type JsonSchema,
  type LedgerLine,
  type Manifest,
  type PackCheckpoint,
  type VerifyLimits,
} from "./format";
import { checkWitnessed, type WitnessedCheckpoint } from "./witness-check";
// The JSON Schemas published beside docs/evidence-pack.md: data, not code (the verifier's imports stay the three above).
import approvalSchema from "../../docs/evidence-pack/schema/approval.schema.json";
import controlCheckSchema from "../../docs/evidence-pack/schema/control-check.schema.json";
import controlMemberSchema from "../../docs/evidence-pack/schema/control-member.schema.json";
import grantSchema from "../../docs/evidence-pack/schema/grant.schema.json";
import ledgerEventSchema from "../../docs/evidence-pack/schema/ledger-event.schema.json";
import manifestSchema from "../../docs/evidence-pack/schema/manifest.schema.json";
import policyVersionSchema from "../../docs/evidence-pack/schema/policy-version.schema.json";
import provisioningSchema from "../../docs/evidence-pack/schema/provisioning-receipt.schema.json";
import requestSchema from "../../docs/evidence-pack/schema/request.schema.json";
import reviewItemSchema from "../../docs/evidence-pack/schema/review-item.schema.json";
import revocationSchema from "../../docs/evidence-pack/schema/revocation.schema.json";
import scopeExclusionSchema from "../../docs/evidence-pack/schema/scope-exclusion.schema.json";
import reconRunSchema from "../../docs/evidence-pack/schema/reconciliation-run.schema.json";
import reconFindingSchema from "../../docs/evidence-pack/schema/reconciliation-finding.schema.json";

/**
 * The schema of manifest.json and of every JSON Lines row type (docs/evidence-pack/schema/). controls.jsonl
 * holds two row types, told apart by `type`.
 */
export const PACK_SCHEMAS = {
  manifest: manifestSchema as JsonSchema,
  rows: {
    [FILES.grants]: grantSchema as JsonSchema,
    [FILES.requests]: requestSchema as JsonSchema,
    [FILES.approvals]: approvalSchema as JsonSchema,
    [FILES.provisioning]: provisioningSchema as JsonSchema,
    [FILES.reviewItems]: reviewItemSchema as JsonSchema,
    [FILES.revocations]: revocationSchema as JsonSchema,
    [FILES.policyVersions]: policyVersionSchema as JsonSchema,
    [FILES.scopeExclusions]: scopeExclusionSchema as JsonSchema,
    [FILES.reconciliationRuns]: reconRunSchema as JsonSchema,
    [FILES.reconciliationFindings]: reconFindingSchema as JsonSchema,
    [FILES.ledger]: ledgerEventSchema as JsonSchema,
  } as Record<string, JsonSchema>,
  controlCheck: controlCheckSchema as JsonSchema,
  controlMember: controlMemberSchema as JsonSchema,
};

/** The schema a row of `file` must match (null: a file with no row schema, e.g. an unknown .jsonl). */
export function rowSchemaOf(file: string, row: unknown): JsonSchema | null {
  if (file === FILES.controls) return isObject(row) && row.type === "check" ? PACK_SCHEMAS.controlCheck : PACK_SCHEMAS.controlMember;
  return PACK_SCHEMAS.rows[file] ?? null;
}

export type CheckResult = { name: string; passed: number; total: number; failures: string[]; notes?: string[] };

/**
 * What was established:
 * - `VALID`: every check passed and the manifest (and every checkpoint) verified with a key the caller gave
 *   (`--public-key`): the pack is intact AND signed by that key.
 * - `INTEGRITY_ONLY`: every check passed, but no key was given: the pack is consistent with the key inside
 *   it, which anyone could have generated; who signed it is NOT established.
 * - `INVALID`: a check failed (or the verifier refused to read on).
 */
export type Verdict = "VALID" | "INTEGRITY_ONLY" | "INVALID";

export type VerifyResult = {
  /** Every check passed. Alone it does not say who signed the pack: see `verdict` and `authenticity`. */
  ok: boolean;
  verdict: Verdict;
  /** "pinned": the signature verified with a key the caller gave; otherwise "not-established". */
  authenticity: "pinned" | "not-established";
  /** The id of the public key inside the pack (recomputed from the key, null when unreadable). */
  keyId: string | null;
  /** How many readable keys the caller pinned (--public-key); 0 = none, only the key inside the pack was used. */
  keysPinned: number;
  /** Why the verifier stopped before reading the data, or null when it read everything it checks. */
  stopped: string | null;
  /** Uncompressed bytes read from each zip entry (every read counted: some files are read twice). */
  bytesRead: Record<string, number>;
  checks: CheckResult[];
};

const MAX_FAILURES = 200;
/** Detailed CSV mismatches per file; the rest are counted. */
const MAX_CSV_DETAILS = 10;

class Check {
  passed = 0;
  total = 0;
  failures: string[] = [];
  /** Said alongside the result, not failures (e.g. witnessed checkpoints the pack does not cover). */
  notes: string[] = [];
  private dropped = 0;
  constructor(readonly name: string) {}
  pass() {
    this.total++;
    this.passed++;
  }
  fail(msg: string) {
    this.total++;
    this.note(msg);
  }
  /** A failed item reported only in a summary line (see MAX_CSV_DETAILS). */
  failQuietly() {
    this.total++;
  }
  /** A failure that is not one of the items counted (e.g. a file the check needs is missing). */
  note(msg: string) {
    if (this.failures.length < MAX_FAILURES) this.failures.push(msg);
    else this.dropped++;
  }
  get failed() {
    return this.failures.length > 0 || this.dropped > 0 || this.passed !== this.total;
  }
  result(): CheckResult {
    const failures = this.dropped ? [...this.failures, `… and ${this.dropped} more failure(s)`] : this.failures;
    return { name: this.name, passed: this.passed, total: this.total, failures, ...(this.notes.length ? { notes: this.notes } : {}) };
  }
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** A value from the pack quoted for a message: JSON escapes control characters, so nothing reaches the terminal raw. */
const show = (v: unknown, max = 80) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};
/** A seq or key id as printed: a plain token as it is, anything else quoted (and escaped) by `show`. */
const token = (v: unknown) => (typeof v === "string" && /^[0-9A-Za-z_.:-]{1,80}$/.test(v) ? v : show(v));
const seqText = token;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------------------
// Zip access: the central directory first, entries streamed under a byte limit

type EntryInfo = { name: string; compressedSize: number; uncompressedSize: number; entry: yauzl.Entry };

type Pack = {
  entryCount: number;
  entries: Map<string, EntryInfo>;
  duplicates: string[];
  has(name: string): boolean;
  /**
   * Streams an entry and fails as soon as more than `maxBytes` come out, whatever the zip header says
   * (yauzl also holds it to the header's size): a hostile entry is never read past what was declared.
   */
  open(name: string, maxBytes: number): AsyncGenerator<Buffer>;
  read(name: string, maxBytes: number): Promise<Buffer>;
  bytesRead: Record<string, number>;
  close(): void;
};

class TooManyBytesError extends Error {}

function openZip(zipPath: string, limits: VerifyLimits): Promise<Pack> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error("cannot open the zip"));
      const entries = new Map<string, EntryInfo>();
      const duplicates: string[] = [];
      const bytesRead: Record<string, number> = {};
      const openStream = (e: yauzl.Entry) =>
        new Promise<Readable>((res, rej) => zip.openReadStream(e, (er, s) => (er || !s ? rej(er ?? new Error(`cannot read ${e.fileName}`)) : res(s))));
      const open = async function* (name: string, maxBytes: number): AsyncGenerator<Buffer> {
        const info = entries.get(name);
        if (!info) throw new Error(`${name} is not in the pack`);
        const stream = await openStream(info.entry);
        let n = 0;
        try {
          for await (const chunk of stream) {
            const b = chunk as Buffer;
            n += b.length;
            bytesRead[name] = (bytesRead[name] ?? 0) + b.length;
            if (n > maxBytes) throw new TooManyBytesError(`more than the ${maxBytes} bytes allowed for it came out: stopped reading`);
            yield b;
          }
        } finally {
          stream.destroy();
        }
      };
      const pack: Pack = {
        entryCount: zip.entryCount,
        entries,
        duplicates,
        has: (n) => entries.has(n),
        open,
        async read(name, maxBytes) {
          const parts: Buffer[] = [];
          for await (const c of open(name, maxBytes)) parts.push(c);
          return Buffer.concat(parts);
        },
        bytesRead,
        close: () => zip.close(),
      };
      // Too many entries: refuse from the count in the end-of-central-directory record, before reading them.
      if (zip.entryCount > limits.maxEntries) return resolve(pack);
      zip.on("entry", (e: yauzl.Entry) => {
        if (entries.has(e.fileName)) duplicates.push(e.fileName);
        else entries.set(e.fileName, { name: e.fileName, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize, entry: e });
        zip.readEntry();
      });
      zip.on("error", reject);
      zip.on("end", () => resolve(pack));
      zip.readEntry();
    });
  });
}

/** The bytes the (signed) manifest declares for each listed file: every read of a data entry stops there. */
type Declared = Map<string, number>;

/**
 * The objects of a JSON Lines file, with their line numbers. Bad lines, an over-long line or a read error
 * are reported through `bad` (the file is not read further after the last two), never thrown.
 */
async function* jsonl<T>(pack: Pack, declared: Declared, limits: VerifyLimits, name: string, bad: (line: number, msg: string) => void): AsyncGenerator<{ n: number; row: T }> {
  let n = 0;
  try {
    for await (const line of lines(pack.open(name, declared.get(name) ?? 0), limits.maxLineBytes)) {
      n++;
      if (line === "") continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        bad(n, "not valid JSON");
        continue;
      }
      if (isObject(row)) yield { n, row: row as T };
      else bad(n, "not a JSON object");
    }
  } catch (e) {
    if (e instanceof LineTooLongError) bad(e.line, e.message.replace(/^line \d+ /, ""));
    else bad(n + 1, `cannot be read further (${errText(e)})`);
  }
}

/** A ledger seq from the pack: a decimal string (or number), else null. */
function toSeq(v: unknown): bigint | null {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return typeof v === "string" && /^\d{1,30}$/.test(v) ? BigInt(v) : null;
}

// ---------------------------------------------------------------------------------------------------------
// 1. The manifest and its signature

/** The keys the verifier was told to trust (--public-key), by key id; null when none was given. */
type Trusted = { keys: Map<string, string>; unreadable: string[] } | null;

function trustedKeys(pems: string[] | undefined): Trusted {
  if (!pems) return null;
  const keys = new Map<string, string>();
  const unreadable: string[] = [];
  for (const pem of pems) {
    try {
      keys.set(keyIdOf(createPublicKey(pem)), pem);
    } catch (e) {
      unreadable.push(errText(e));
    }
  }
  return { keys, unreadable };
}

const idList = (t: NonNullable<Trusted>) => [...t.keys.keys()].join(" or ") || "(none readable)";

function packKeyIdOf(manifest: unknown): string | null {
  if (!isObject(manifest) || typeof manifest.publicKey !== "string") return null;
  try {
    return keyIdOf(createPublicKey(manifest.publicKey));
  } catch {
    return null;
  }
}

function checkSignature(manifestBytes: Buffer, sig: string, manifest: Manifest, trusted: Trusted): Check {
  const c = new Check("signature");
  let packKeyId: string | null = null;
  try {
    packKeyId = keyIdOf(createPublicKey(manifest.publicKey));
  } catch (e) {
    c.fail(`the manifest's public key is not readable: ${errText(e)}`);
  }
  if (packKeyId) {
    if (packKeyId !== manifest.keyId) c.fail(`the manifest's keyId ${token(manifest.keyId)} is not the id of its public key (${packKeyId})`);
    else if (verifyEd25519(manifestBytes, sig, manifest.publicKey)) c.pass();
    else c.fail(`${FILES.signature} is not a valid signature of ${FILES.manifest} by the key in the manifest (${manifest.keyId})`);
  }
  if (trusted) {
    for (const u of trusted.unreadable) c.fail(`a public key given with --public-key is not readable: ${u}`);
    if (!trusted.keys.size) return c;
    if (packKeyId && !trusted.keys.has(packKeyId)) c.note(`the pack was signed with key ${packKeyId}, not the expected key ${idList(trusted)}`);
    if ([...trusted.keys.values()].some((pem) => verifyEd25519(manifestBytes, sig, pem))) c.pass();
    else c.fail(`${FILES.signature} is not a valid signature of ${FILES.manifest} by the expected public key (${idList(trusted)})`);
  }
  return c;
}

/** What the rest of the verifier relies on in the manifest; anything else is reported, not trusted blindly. */
function manifestProblems(m: unknown): string[] {
  if (!isObject(m)) return [`${FILES.manifest} is not a JSON object`];
  const out: string[] = [];
  if (!Array.isArray(m.files)) out.push(`${FILES.manifest}: "files" is not a list`);
  else
    m.files.forEach((f: unknown, i) => {
      const at = `${FILES.manifest}: files[${i}]`;
      if (!isObject(f)) return void out.push(`${at} is not an object`);
      if (typeof f.path !== "string" || !f.path) out.push(`${at}.path is not a file name`);
      if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) out.push(`${at}.sha256 is not 64 lowercase hex characters`);
      if (!Number.isSafeInteger(f.bytes) || (f.bytes as number) < 0) out.push(`${at}.bytes is not a whole number of bytes`);
      if (f.rows !== null && (!Number.isSafeInteger(f.rows) || (f.rows as number) < 0)) out.push(`${at}.rows is neither null nor a whole number`);
    });
  const l = m.ledger;
  if (!isObject(l)) out.push(`${FILES.manifest}: "ledger" is not an object`);
  else
    for (const k of ["anchor", "checkpoint"] as const) {
      const cp = l[k];
      if (!isObject(cp) || typeof cp.seq !== "string" || !/^\d{1,30}$/.test(cp.seq) || typeof cp.headHash !== "string" || !/^[0-9a-f]{64}$/.test(cp.headHash))
        out.push(`${FILES.manifest}: ledger.${k} is not a checkpoint (a decimal seq and a 64-hex headHash)`);
    }
  if (m.checkpointKeys !== undefined && (!Array.isArray(m.checkpointKeys) || !m.checkpointKeys.every((k) => isObject(k) && typeof k.keyId === "string" && typeof k.publicKey === "string")))
    out.push(`${FILES.manifest}: "checkpointKeys" is not a list of { keyId, publicKey }`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// 2. Sizes, before reading any data; 3. hashes, sizes and rows, streamed under the declared size

/** Every listed file against the zip's central directory: presence, declared sizes, ratio. Reads nothing. */
function checkLayout(pack: Pack, manifest: Manifest, limits: VerifyLimits, c: Check): void {
  for (const d of pack.duplicates) c.fail(`${token(d)}: appears more than once in the zip`);
  const listed = new Set<string>();
  for (const f of manifest.files) {
    if (listed.has(f.path)) c.fail(`${token(f.path)}: listed more than once in the manifest`);
    listed.add(f.path);
    if (f.path === FILES.manifest || f.path === FILES.signature) {
      c.fail(`${token(f.path)}: must not be listed in the manifest`);
      continue;
    }
    const e = pack.entries.get(f.path);
    if (!e) {
      c.fail(`${token(f.path)}: listed in the manifest but missing from the pack`);
      continue;
    }
    if (e.uncompressedSize !== f.bytes) {
      c.fail(`${token(f.path)}: the zip declares ${e.uncompressedSize} bytes uncompressed, the manifest says ${f.bytes}: refused before reading it`);
      continue;
    }
    if (e.uncompressedSize > limits.ratioFloorBytes && e.uncompressedSize > limits.maxRatio * e.compressedSize) {
      const ratio = e.compressedSize ? Math.round(e.uncompressedSize / e.compressedSize) : "∞";
      c.fail(`${token(f.path)}: ${e.uncompressedSize} bytes compressed into ${e.compressedSize} (ratio ${ratio}:1, the limit is ${limits.maxRatio}:1): refused as a possible zip bomb, not read`);
      continue;
    }
    if (kindOf(f.path) === "json" && f.bytes > limits.maxJsonFileBytes) c.fail(`${token(f.path)}: ${f.bytes} bytes, more than the ${limits.maxJsonFileBytes} bytes a JSON file may have: not read`);
  }
  for (const n of pack.entries.keys()) {
    if (n === FILES.manifest || n === FILES.signature || listed.has(n)) continue;
    c.fail(`${token(n)}: in the pack but not listed in the manifest`);
  }
}

/** SHA-256, byte count and row count of every listed file, each read at most up to its declared size. */
async function checkHashes(pack: Pack, manifest: Manifest, c: Check): Promise<void> {
  for (const f of manifest.files) {
    const hash = createHash("sha256");
    const rows = new RowCounter(kindOf(f.path));
    let bytes = 0;
    try {
      for await (const b of pack.open(f.path, f.bytes)) {
        hash.update(b);
        rows.push(b);
        bytes += b.length;
      }
    } catch (e) {
      c.fail(`${token(f.path)}: ${e instanceof TooManyBytesError ? e.message : `cannot be read (${errText(e)})`}`);
      continue;
    }
    const problems: string[] = [];
    const sha = hash.digest("hex");
    if (sha !== f.sha256) problems.push(`sha256 ${sha.slice(0, 16)}… does not match the manifest's ${f.sha256.slice(0, 16)}…`);
    if (bytes !== f.bytes) problems.push(`${bytes} bytes, the manifest says ${f.bytes}`);
    const r = rows.result();
    if (r !== f.rows) problems.push(`${r ?? "no"} rows, the manifest says ${f.rows ?? "none"}`);
    if (problems.length) c.fail(`${token(f.path)}: ${problems.join("; ")}`);
    else c.pass();
  }
}

// ---------------------------------------------------------------------------------------------------------
// 4. The ledger chain and its checkpoints

/** Flags kept per subject (grant, request, review item, approval stage) in the ledger index's IdTables. */
export const SUBJECT = {
  /** At least one event about it in ledger-events.jsonl. */
  HAS_EVENT: 1,
  /** An event about it with occurredAt in the period. */
  IN_PERIOD: 2,
  /** Grant: a revocation event (REVOCATION_ACTIONS) in the period. */
  REVOKED_IN_PERIOD: 4,
  /** Grant: named by a review item that must be in the pack (so the grant must be too). */
  NEEDED_BY_ITEM: 8,
  /** Review item: an event names the scope's campaign. */
  IN_CAMPAIGN: 16,
  /** Request: named by a grant in the pack. */
  NEEDED_BY_GRANT: 32,
  /** A row for it was read (set by the cross-reference pass; a second row is a duplicate). */
  LISTED: 64,
  /** Grant: a row in revocations.jsonl. */
  REVOCATION_LISTED: 128,
  /** Grant: a review item of the scope's campaign in review-items.jsonl. */
  HAS_CAMPAIGN_ITEM: 256,
  /** A row for it in scope-exclusions.jsonl (its system is outside scope.systems). */
  EXCLUDED: 512,
  /** Reconciliation finding: the ledger file says it must be in the pack (an event about it in the period, of a system in scope). */
  NEEDED_RECON: 1024,
} as const;

/** Ledger actions that mean a grant is being or was revoked: such a grant has a row in revocations.jsonl. */
export const REVOCATION_ACTIONS = new Set(["grant.revocation_requested", "grant.revoked", "grant.revoke_failed", "grant.expired"]);

/** Fields of a subject in an IdTable: flags, events in the file, the smallest seq in the file (low, high 32 bits). */
const F = { flags: 0, count: 1, seqLo: 2, seqHi: 3 } as const;
const TWO32 = 2 ** 32;
const minSeqOf = (f: Uint32Array) => f[F.seqHi]! * TWO32 + f[F.seqLo]!;

type LedgerIndex = {
  /** What the ledger file says about each subject, in compact tables (a million grants fit in tens of MB). */
  grants: IdTable;
  requests: IdTable;
  items: IdTable;
  /** Approval stages named (payload.stepId) by request events in the period, with their request's id. */
  steps: Map<string, string>;
  /** Reconciliation findings named by the ledger file (subject `Finding`, or opened by a run): flags, events, first seq. */
  findings: IdTable;
  /** Every event about a finding, by seq: what the verifier holds each finding row's outcome and ledgerEventSeqs to. */
  findingEvents: Map<string, FindingEvent>;
  /** The event that ended each reconciliation run (reconciliation.completed / failed), by run id. */
  runEvents: Map<string, RunEvent>;
  /** The smallest and largest seq of the events whose occurredAt is in the period (null: none). */
  periodFirst: bigint | null;
  periodLast: bigint | null;
  first: LedgerLine | null;
  last: LedgerLine | null;
  count: number;
  anchor: Anchor;
  checkpoint: PackCheckpoint;
};

/** What the verifier keeps of an event about a finding (a few fields of its payload). */
type FindingEvent = { findingId: string; action: string; actorId: unknown; kind: unknown; systemId: unknown; account: unknown; reason: unknown; grantId: unknown; taskId: unknown; until: unknown; receipt: string | null };
/** What the verifier keeps of the event that ended a reconciliation run. */
type RunEvent = { seq: string; action: string; systemId: string; actorId: unknown; memberships: unknown; snapshotSha256: unknown; counts: string; inPeriod: boolean };
const RECON_KINDS = new Set(["UNMANAGED_ACCESS", "MISSING_ACCESS", "ORPHAN_ACCOUNT"]);
const jcs = (v: unknown) => {
  try {
    return canonicalJson(v ?? null);
  } catch {
    return "(not JSON)";
  }
};

/** Reconciliation events: findings (subject `Finding`), runs that ended and the findings they opened (subject `System`). */
function indexReconEvent(index: LedgerIndex, e: LedgerLine, seq: bigint, inPeriod: boolean, systems: Set<string> | null): void {
  const payload = isObject(e.payload) ? e.payload : {};
  const inScope = (systemId: unknown) => !systems || systems.has(String(systemId));
  if (e.subjectType === "Finding" && typeof e.subjectId === "string") {
    const systemId = payload.systemId ?? (payload.subjectType === "System" ? payload.subjectId : null);
    index.findingEvents.set(seq.toString(), {
      findingId: e.subjectId,
      action: e.action,
      actorId: e.actorId,
      kind: payload.kind,
      systemId,
      account: payload.account,
      reason: payload.reason ?? payload.note ?? null,
      grantId: payload.grantId,
      taskId: payload.taskId,
      until: payload.acceptedUntil ?? payload.expiresAt,
      receipt: payload.receipt === undefined ? null : jcs(payload.receipt),
    });
    const f = index.findings.fields(e.subjectId, true)!;
    const n = Number(seq);
    if (!(f[F.flags]! & SUBJECT.HAS_EVENT) || n < minSeqOf(f)) {
      f[F.seqLo] = n % TWO32;
      f[F.seqHi] = Math.floor(n / TWO32);
    }
    f[F.flags]! |= SUBJECT.HAS_EVENT | (inPeriod ? SUBJECT.IN_PERIOD : 0) | (inPeriod && RECON_KINDS.has(String(payload.kind)) && inScope(systemId) ? SUBJECT.NEEDED_RECON : 0);
    f[F.count]!++;
    return;
  }
  if (e.subjectType !== "System" || typeof payload.runId !== "string") return;
  if (e.action === RECON_RUN_ACTIONS.COMPLETED || e.action === RECON_RUN_ACTIONS.FAILED) {
    index.runEvents.set(payload.runId, {
      seq: seq.toString(),
      action: e.action,
      systemId: String(e.subjectId),
      actorId: e.actorId,
      memberships: payload.memberships,
      snapshotSha256: payload.snapshotSha256,
      counts: jcs(payload.counts),
      inPeriod,
    });
  } else if (e.action === "reconciliation.findings_opened" && inPeriod && inScope(e.subjectId)) {
    for (const list of [payload.opened, payload.reopened]) if (Array.isArray(list)) for (const id of list) if (typeof id === "string") index.findings.fields(id, true)![F.flags]! |= SUBJECT.NEEDED_RECON;
  }
}

/** Records one well-formed event in the index (the scope rule of docs/evidence-pack.md, "Completeness"). */
function indexEvent(index: LedgerIndex, e: LedgerLine, seq: bigint, period: { from: number; to: number }, campaignId: string | null, systems: Set<string> | null): void {
  const at = Date.parse(String(e.occurredAt));
  const inPeriod = at >= period.from && at < period.to;
  if (inPeriod) {
    if (index.periodFirst === null || seq < index.periodFirst) index.periodFirst = seq;
    if (index.periodLast === null || seq > index.periodLast) index.periodLast = seq;
  }
  if (e.subjectType === "Finding" || e.subjectType === "System") return indexReconEvent(index, e, seq, inPeriod, systems);
  const table = e.subjectType === "Grant" ? index.grants : e.subjectType === "AccessRequest" ? index.requests : e.subjectType === "ReviewItem" ? index.items : null;
  if (!table || typeof e.subjectId !== "string") return;
  const f = table.fields(e.subjectId, true)!;
  const n = Number(seq);
  if (!(f[F.flags]! & SUBJECT.HAS_EVENT) || n < minSeqOf(f)) {
    f[F.seqLo] = n % TWO32;
    f[F.seqHi] = Math.floor(n / TWO32);
  }
  f[F.flags]! |= SUBJECT.HAS_EVENT | (inPeriod ? SUBJECT.IN_PERIOD : 0);
  f[F.count]!++;
  const payload = isObject(e.payload) ? e.payload : {};
  if (e.subjectType === "Grant" && inPeriod && REVOCATION_ACTIONS.has(e.action)) f[F.flags]! |= SUBJECT.REVOKED_IN_PERIOD;
  if (e.subjectType === "AccessRequest" && inPeriod && typeof payload.stepId === "string") index.steps.set(payload.stepId, e.subjectId);
  if (e.subjectType === "ReviewItem") {
    const ofCampaign = campaignId !== null && payload.campaignId === campaignId;
    if (ofCampaign) f[F.flags]! |= SUBJECT.IN_CAMPAIGN;
    // The item must be in the pack (in period, or of the campaign): so must its grant.
    if (typeof payload.grantId === "string" && (campaignId !== null ? ofCampaign : inPeriod)) index.grants.fields(payload.grantId, true)![F.flags]! |= SUBJECT.NEEDED_BY_ITEM;
  }
}

async function checkLedger(pack: Pack, declared: Declared, limits: VerifyLimits, manifest: Manifest, trusted: Trusted): Promise<{ chain: Check; links: Check; index: LedgerIndex }> {
  const chain = new Check("ledger chain");
  const links = new Check("checkpoints");
  // The signed manifest's checkpoints (their shape was checked); checkpoint.json must say the same.
  const anchor = manifest.ledger.anchor;
  const checkpoint = manifest.ledger.checkpoint;
  const index: LedgerIndex = {
    grants: new IdTable(4),
    requests: new IdTable(4),
    items: new IdTable(4),
    steps: new Map(),
    findings: new IdTable(4),
    findingEvents: new Map(),
    runEvents: new Map(),
    periodFirst: null,
    periodLast: null,
    first: null,
    last: null,
    count: 0,
    anchor,
    checkpoint,
  };
  const systems = manifest.scope.systems.length ? new Set(manifest.scope.systems.map((x) => x.id)) : null;
  const period = { from: Date.parse(manifest.period.from), to: Date.parse(manifest.period.to) };
  const campaignId = manifest.scope.campaign?.id ?? null;

  let cpFile: unknown = null;
  try {
    cpFile = JSON.parse((await pack.read(FILES.checkpoint, declared.get(FILES.checkpoint) ?? 0)).toString("utf8"));
  } catch (e) {
    links.fail(`${FILES.checkpoint}: missing or not valid JSON (${errText(e)})`);
  }
  if (cpFile !== null) {
    const same = isObject(cpFile) && canonicalJson(cpFile.anchor ?? null) === canonicalJson(anchor) && canonicalJson(cpFile.checkpoint ?? null) === canonicalJson(checkpoint);
    if (same) links.pass();
    else links.fail(`${FILES.checkpoint} does not match the checkpoints named in ${FILES.manifest}`);
  }
  // The keys the pack carries: its own, and those of older checkpoints (after a key rotation), each checked
  // against its id. With --public-key, only the keys given there are trusted.
  const keyId = manifest.keyId;
  const packKeys = new Map<string, string>();
  packKeys.set(keyId, manifest.publicKey);
  for (const k of manifest.checkpointKeys ?? []) {
    let id: string | null = null;
    try {
      id = keyIdOf(createPublicKey(k.publicKey));
    } catch (e) {
      links.fail(`${FILES.manifest}: the checkpoint key ${token(k.keyId)} is not a readable public key (${errText(e)})`);
      continue;
    }
    if (id !== k.keyId) links.fail(`${FILES.manifest}: the checkpoint key listed as ${token(k.keyId)} is really ${token(id)}`);
    else packKeys.set(id, k.publicKey);
  }
  const checkSigned = (label: string, cp: PackCheckpoint) => {
    if (label === "export" && cp.keyId !== keyId) return links.fail(`${label} checkpoint (seq ${cp.seq}) is signed with key ${token(cp.keyId)}, not the pack's key ${keyId}`);
    const pem = trusted ? trusted.keys.get(cp.keyId) : packKeys.get(cp.keyId);
    if (!pem) {
      if (trusted)
        return links.fail(
          `${label} checkpoint (seq ${cp.seq}) is signed with key ${token(cp.keyId)}, which is not one of the keys given with --public-key (${idList(trusted)})${packKeys.has(cp.keyId) ? "; the pack carries that key's public half: give it too if you trust it (an earlier key of the organisation)" : ""}`,
        );
      return links.fail(`${label} checkpoint (seq ${cp.seq}) is signed with key ${token(cp.keyId)}, whose public key is not in the pack`);
    }
    if (verifyEd25519(checkpointMessage(cp), String(cp.signature), pem)) links.pass();
    else links.fail(`${label} checkpoint (seq ${cp.seq}): the signature is not valid`);
  };
  checkSigned("export", checkpoint);
  if (isGenesis(anchor)) {
    if (anchor.seq === "0" && anchor.headHash === GENESIS_HASH) links.pass();
    else links.fail(`the genesis anchor must be seq 0 with hash ${GENESIS_HASH.slice(0, 8)}…`);
  } else checkSigned("anchor", anchor);

  // the chain itself
  if (!pack.has(FILES.ledger)) {
    chain.note(`${FILES.ledger} is missing`);
    return { chain, links, index };
  }
  let expectedSeq = BigInt(anchor.seq) + 1n;
  let prevHash: unknown = anchor.headHash;
  for await (const { n, row: e } of jsonl<LedgerLine>(pack, declared, limits, FILES.ledger, (line, msg) => chain.fail(`${FILES.ledger} line ${line}: ${msg}`))) {
    index.count++;
    if (!index.first) index.first = e;
    index.last = e;
    const problems: string[] = [];
    const seq = toSeq(e.seq);
    if (seq !== null) indexEvent(index, e, seq, period, campaignId, systems);
    if (seq === null) problems.push(`seq ${show(e.seq)} is not a number`);
    else if (seq !== expectedSeq) problems.push(`sequence gap: expected seq ${expectedSeq}, found ${seq}`);
    if (e.prevHash !== prevHash) problems.push(`prevHash does not match the hash of the event before it`);
    try {
      const recomputed = eventHash(String(e.prevHash), {
        seq: String(e.seq),
        occurredAt: e.occurredAt,
        actorId: e.actorId,
        onBehalfOfId: e.onBehalfOfId,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        payload: e.payload,
      });
      if (recomputed !== e.hash) problems.push(`hash mismatch: stored ${token(e.hash).slice(0, 12)}…, recomputed ${recomputed.slice(0, 12)}…`);
    } catch (err) {
      problems.push(`its hash cannot be recomputed (${errText(err)})`);
    }
    if (problems.length) chain.fail(`${FILES.ledger} line ${n} (seq ${seqText(e.seq)}): ${problems.join("; ")}`);
    else chain.pass();
    // Carry on from this event, so one broken link is reported once.
    expectedSeq = seq !== null ? seq + 1n : expectedSeq + 1n;
    prevHash = e.hash;
  }

  // the links: anchor → first event, last event → export checkpoint, and the manifest's range
  if (index.first) {
    if (index.first.seq === String(BigInt(anchor.seq) + 1n) && index.first.prevHash === anchor.headHash) links.pass();
    else links.fail(`the first event (seq ${seqText(index.first.seq)}) does not follow the anchor checkpoint (seq ${anchor.seq}): expected seq ${BigInt(anchor.seq) + 1n} with prevHash ${anchor.headHash.slice(0, 12)}…`);
    if (index.last && index.last.seq === checkpoint.seq && index.last.hash === checkpoint.headHash) links.pass();
    else links.fail(`the last event (seq ${seqText(index.last?.seq)}) is not the export checkpoint's head (seq ${checkpoint.seq}, hash ${checkpoint.headHash.slice(0, 12)}…)`);
  } else if (anchor.seq === checkpoint.seq && anchor.headHash === checkpoint.headHash) {
    links.pass();
  } else {
    links.fail(`${FILES.ledger} is empty but the anchor (seq ${anchor.seq}) is not the export checkpoint (seq ${checkpoint.seq})`);
  }
  const l = manifest.ledger;
  const periodFirst = index.periodFirst?.toString() ?? null;
  const periodLast = index.periodLast?.toString() ?? null;
  if (l.periodFirstSeq === periodFirst && l.periodLastSeq === periodLast) links.pass();
  else
    links.fail(
      `the manifest's period range (periodFirstSeq ${seqText(l.periodFirstSeq)}, periodLastSeq ${seqText(l.periodLastSeq)}) does not match the events of ${FILES.ledger} whose occurredAt is in the period (${periodFirst ?? "none"} to ${periodLast ?? "none"})`,
    );
  const ok = l.events === index.count && l.firstSeq === (index.first?.seq ?? null) && l.lastSeq === (index.last?.seq ?? null);
  if (ok) links.pass();
  else links.fail(`the manifest's ledger range (${seqText(l.firstSeq)}–${seqText(l.lastSeq)}, ${show(l.events)} events) does not match ${FILES.ledger} (${index.first ? seqText(index.first.seq) : "-"}–${index.last ? seqText(index.last.seq) : "-"}, ${index.count} events)`);
  return { chain, links, index };
}

// ---------------------------------------------------------------------------------------------------------
// 5. Every CSV file against its JSON Lines twin, row by row, with the CSV rule of server/csv.ts

type Row = Record<string, unknown>;

/** Does the CSV cell hold what the project's CSV writer makes of `v`? Objects and arrays compare as JSON (JCS). */
function cellMatches(cell: string, v: unknown): boolean {
  if (typeof v !== "object" || v === null) return cell === csvCellValue(v);
  try {
    return canonicalJson(JSON.parse(cell)) === canonicalJson(v);
  } catch {
    return false;
  }
}

async function checkCsv(pack: Pack, declared: Declared, limits: VerifyLimits, manifest: Manifest): Promise<Check> {
  const c = new Check("csv");
  for (const f of manifest.files) {
    if (kindOf(f.path) !== "csv") continue;
    const twin = jsonlTwinOf(f.path);
    if (!declared.has(twin)) {
      c.fail(`${token(f.path)}: there is no ${token(twin)} in the pack to check it against`);
      continue;
    }
    // grants.csv has a documented header; any other CSV file's header is its JSON Lines objects' keys.
    const expectedHeader: readonly string[] | null = f.path === FILES.grantsCsv ? GRANT_COLUMNS : f.path === FILES.reconciliationFindingsCsv ? RECON_FINDING_COLUMNS : null;
    let header: string[] | null = null;
    let row = 0;
    let differ = 0;
    const differs = (msg: string) => {
      differ++;
      if (differ <= MAX_CSV_DETAILS) c.fail(msg);
      else c.failQuietly();
    };
    const json = jsonl<Row>(pack, declared, limits, twin, (line, msg) => differs(`${token(twin)} line ${line}: ${msg}`));
    let readAll = false;
    try {
      for await (const rec of csvRecords(pack.open(f.path, f.bytes), limits.maxLineBytes)) {
        if (!header) {
          header = rec;
          const want = expectedHeader ? expectedHeader.map((h) => csvCellValue(h)) : null;
          if (want && rec.join("\u0000") !== want.join("\u0000")) c.fail(`${token(f.path)}: the header is not ${want.join(",")}`);
          else c.pass();
          continue;
        }
        row++;
        const next = await json.next();
        if (next.done) {
          differs(`${token(f.path)} row ${row}: ${token(twin)} has no line ${row}`);
          continue;
        }
        const { n, row: obj } = next.value;
        const keys = Object.keys(obj);
        if (keys.map((k) => csvCellValue(k)).join("\u0000") !== header.join("\u0000")) {
          differs(`${token(f.path)} row ${row}: the fields of ${token(twin)} line ${n} (${show(keys.join(","))}) are not the CSV header's columns`);
          continue;
        }
        if (rec.length !== keys.length) {
          differs(`${token(f.path)} row ${row}: ${rec.length} cells, the header has ${keys.length}`);
          continue;
        }
        const bad = keys.findIndex((k, i) => !cellMatches(rec[i]!, obj[k]));
        if (bad === -1) c.pass();
        else
          differs(
            `${token(f.path)} row ${row}, column ${token(keys[bad])}: the cell is ${show(rec[bad])}, but ${token(twin)} line ${n} holds ${show(obj[keys[bad]!])}, which the CSV rule writes as ${show(csvCellValue(obj[keys[bad]!]))}`,
          );
      }
      readAll = true;
    } catch (e) {
      c.fail(`${token(f.path)} ${e instanceof LineTooLongError ? `row ${e.line - 1}: ${e.message.replace(/^line \d+ /, "")}` : `cannot be read further (${errText(e)})`}`);
    }
    if (readAll) {
      let extra = 0;
      for (let next = await json.next(); !next.done; next = await json.next()) extra++;
      if (extra) differs(`${token(twin)} has ${extra} line(s) more than ${token(f.path)} has rows`);
    } else await json.return(undefined);
    if (!header) c.fail(`${token(f.path)}: no header record`);
    if (differ > MAX_CSV_DETAILS) c.note(`${token(f.path)}: ${differ} row(s) in all differ from ${token(twin)}`);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// 6. Fields: every row against its JSON Schema

/**
 * Every JSON Lines file, line by line: no blank line, the last line ends with "\n", and every row is a JSON
 * object holding exactly the fields its schema lists (docs/evidence-pack/schema/), with the documented types.
 */
async function checkFields(pack: Pack, declared: Declared, limits: VerifyLimits, manifest: Manifest): Promise<Check> {
  const c = new Check("fields");
  for (const f of manifest.files) {
    if (kindOf(f.path) !== "jsonl") continue;
    if (!rowSchemaOf(f.path, {})) {
      c.note(`${token(f.path)}: no schema for its rows (not a file of this format)`);
      continue;
    }
    let n = 0;
    let lastByte = -1;
    const tracked = async function* () {
      for await (const b of pack.open(f.path, declared.get(f.path) ?? 0)) {
        if (b.length) lastByte = b[b.length - 1]!;
        yield b;
      }
    };
    try {
      for await (const line of lines(tracked(), limits.maxLineBytes)) {
        n++;
        if (line === "") {
          c.fail(`${token(f.path)} line ${n}: a blank line (every line holds one JSON object)`);
          continue;
        }
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          c.fail(`${token(f.path)} line ${n}: not valid JSON`);
          continue;
        }
        const problems = validateSchema(rowSchemaOf(f.path, row)!, row, 3);
        if (problems.length) c.fail(`${token(f.path)} line ${n}: ${problems.join("; ")}`);
        else c.pass();
      }
      if (lastByte !== -1 && lastByte !== 10) c.fail(`${token(f.path)} line ${n}: the last line does not end with "\\n"`);
    } catch (e) {
      c.fail(`${token(f.path)} ${e instanceof LineTooLongError ? `line ${e.line}: ${e.message.replace(/^line \d+ /, "")}` : `cannot be read further (${errText(e)})`}`);
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// 7. Cross-references, invariants, completeness and scope (the rows the ledger says must be there, and no
//    row outside the declared scope), in one pass over each data file

type ScopeRule = {
  systems: Set<string> | null;
  campaignId: string | null;
  from: number;
  to: number;
};

const inPeriod = (v: unknown, sc: ScopeRule) => {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return t >= sc.from && t < sc.to;
};

async function checkReferences(pack: Pack, declared: Declared, limits: VerifyLimits, manifest: Manifest, idx: LedgerIndex): Promise<{ refs: Check; inv: Check; scope: Check }> {
  const refs = new Check("cross-references");
  const inv = new Check("invariants");
  const scope = new Check("completeness");
  const need = (name: string) => {
    if (declared.has(name)) return true;
    refs.note(`${name} is missing: its cross-references were not checked`);
    return false;
  };
  const bad = (name: string) => (line: number, msg: string) => refs.fail(`${name} line ${line}: ${msg}`);
  const rowsOf = <T = Row>(name: string, onBad: (line: number, msg: string) => void = bad(name)) => jsonl<T>(pack, declared, limits, name, onBad);
  const anchorSeq = BigInt(idx.anchor.seq);
  const endSeq = BigInt(idx.checkpoint.seq);
  const sc: ScopeRule = {
    systems: manifest.scope.systems.length ? new Set(manifest.scope.systems.map((s) => s.id)) : null,
    campaignId: manifest.scope.campaign?.id ?? null,
    from: Date.parse(manifest.period.from),
    to: Date.parse(manifest.period.to),
  };
  const inSystems = (systemId: unknown) => !sc.systems || sc.systems.has(String(systemId));

  /**
   * The row's ledger evidence: `firstEventSeq` and `ledgerEvents` against the events about it in the file.
   * After the anchor, the file holds its whole history: the first seq and the count must be exactly those of
   * the file. At or before the anchor (covered by the signed anchor), the file holds only the later ones.
   */
  const hasEvents = (what: string, table: IdTable, r: Row, file: string) => {
    const first = r.firstEventSeq;
    const f = table.fields(String(r.id));
    const inFile = f ? f[F.count]! : 0;
    if (first === null || first === undefined) return refs.fail(`${file}: ${what} ${token(r.id)} has no ledger event at all`);
    const seq = toSeq(first);
    if (seq === null) return refs.fail(`${file}: ${what} ${token(r.id)}: firstEventSeq ${show(first)} is not a seq`);
    const declaredCount = r.ledgerEvents;
    if (!Number.isSafeInteger(declaredCount) || (declaredCount as number) < 0) return refs.fail(`${file}: ${what} ${token(r.id)}: ledgerEvents ${show(declaredCount)} is not a count`);
    if (seq <= anchorSeq) {
      // predates the anchor checkpoint, which covers it; the file holds the events after the anchor
      if ((declaredCount as number) >= inFile + 1) return refs.pass();
      return refs.fail(`${file}: ${what} ${token(r.id)}: ledgerEvents is ${declaredCount}, but ${FILES.ledger} alone holds ${inFile} event(s) about it after its first one (seq ${seq})`);
    }
    // The pack is one snapshot: whatever it lists was recorded at or before its checkpoint.
    if (seq > endSeq) return refs.fail(`${file}: ${what} ${token(r.id)}: its first ledger event (seq ${seq}) is after the export checkpoint (seq ${endSeq})`);
    if (!f || minSeqOf(f) !== Number(seq)) return refs.fail(`${file}: ${what} ${token(r.id)}: its first ledger event (seq ${seq}) is not in ${FILES.ledger} or is about something else`);
    if (declaredCount !== inFile) return refs.fail(`${file}: ${what} ${token(r.id)}: ledgerEvents is ${declaredCount}, but ${FILES.ledger} holds ${inFile} event(s) about it`);
    refs.pass();
  };
  /** Marks a row as read; a second row for the same id is a duplicate. Returns the subject's fields. */
  const listed = (table: IdTable, id: string, file: string, what: string): Uint32Array => {
    const f = table.fields(id, true)!;
    if (f[F.flags]! & SUBJECT.LISTED) scope.fail(`${file}: ${what} ${token(id)} appears more than once`);
    f[F.flags]! |= SUBJECT.LISTED;
    return f;
  };
  const inScope = (ok: boolean, file: string, what: string, id: unknown, why: string) => {
    if (ok) scope.pass();
    else scope.fail(`${file}: ${what} ${token(id)} is outside the declared scope (${why})`);
  };

  if (need(FILES.grants)) {
    for await (const { row } of rowsOf<Row>(FILES.grants)) {
      const id = String(row.id);
      const f = listed(idx.grants, id, FILES.grants, "grant");
      if (row.requestId) idx.requests.fields(String(row.requestId), true)![F.flags]! |= SUBJECT.NEEDED_BY_GRANT;
      hasEvents("grant", idx.grants, row, FILES.grants);
      const flags = f[F.flags]!;
      const held = typeof row.startsAt === "string" && Date.parse(row.startsAt) < sc.to && (row.revokedAt === null || Date.parse(String(row.revokedAt)) >= sc.from);
      if (!inSystems(row.systemId)) inScope(false, FILES.grants, "grant", id, `system ${token(row.systemId)} is not in scope.systems`);
      else if (sc.campaignId) scope.pass(); // checked against the campaign's items below
      else inScope(held || (flags & (SUBJECT.IN_PERIOD | SUBJECT.NEEDED_BY_ITEM)) !== 0, FILES.grants, "grant", id, "not held in the period, no ledger event about it in the period, and no review item of it in the pack");
    }
  }
  const policies = new Set<string>();
  if (need(FILES.policyVersions)) {
    for await (const { row } of rowsOf<Row>(FILES.policyVersions)) {
      policies.add(String(row.id));
      const sha = createHash("sha256").update(String(row.text), "utf8").digest("hex");
      if (sha === row.sha256) refs.pass();
      else refs.fail(`${FILES.policyVersions}: version ${token(row.version)}: the SHA-256 of its text is ${sha.slice(0, 12)}…, not ${token(row.sha256).slice(0, 12)}…`);
    }
  }

  const requests = new Map<string, Row>();
  if (need(FILES.requests)) {
    for await (const { row } of rowsOf<Row>(FILES.requests)) {
      const id = String(row.id);
      const f = listed(idx.requests, id, FILES.requests, "request");
      requests.set(id, { requesterId: row.requesterId, beneficiaryId: row.beneficiaryId });
      hasEvents("request", idx.requests, row, FILES.requests);
      if (policies.has(String(row.policyVersionId))) refs.pass();
      else refs.fail(`${FILES.requests}: request ${token(id)} names policy version ${token(row.policyVersionId)}, which is not in ${FILES.policyVersions}`);
      const flags = f[F.flags]!;
      const ofGrant = (flags & SUBJECT.NEEDED_BY_GRANT) !== 0;
      if (!inSystems(row.systemId)) inScope(false, FILES.requests, "request", id, `system ${token(row.systemId)} is not in scope.systems`);
      else if (sc.campaignId) inScope(ofGrant, FILES.requests, "request", id, "no grant of the campaign came from it");
      else inScope(ofGrant || inPeriod(row.createdAt, sc) || inPeriod(row.decidedAt, sc) || (flags & SUBJECT.IN_PERIOD) !== 0, FILES.requests, "request", id, "not created or decided in the period, no ledger event about it in the period, and no grant in the pack came from it");
    }
  }
  for (const [requestId, f] of idx.requests.entries()) {
    if (!(f[F.flags]! & SUBJECT.NEEDED_BY_GRANT)) continue;
    if (f[F.flags]! & SUBJECT.LISTED) refs.pass();
    else refs.fail(`${FILES.grants}: a grant came from request ${token(requestId)}, which is not in ${FILES.requests}`);
  }

  const stepsListed = new Set<string>();
  if (need(FILES.approvals)) {
    for await (const { row } of rowsOf<Row>(FILES.approvals)) {
      if (stepsListed.has(String(row.id))) scope.fail(`${FILES.approvals}: approval ${token(row.id)} appears more than once`);
      stepsListed.add(String(row.id));
      const req = requests.get(String(row.requestId));
      if (req) refs.pass();
      else refs.fail(`${FILES.approvals}: approval ${token(row.id)} refers to request ${token(row.requestId)}, which is not in ${FILES.requests}`);
      if (row.decidedById) {
        const parties = [row.requesterId, row.beneficiaryId, row.beneficiaryOwnerId, req?.requesterId, req?.beneficiaryId].filter(Boolean);
        if (parties.includes(row.decidedById)) inv.fail(`${FILES.approvals}: approval ${token(row.id)} was decided by ${token(row.decidedById)}, a party to request ${token(row.requestId)} (self-approval)`);
        else inv.pass();
      }
    }
  }

  if (need(FILES.provisioning)) {
    for await (const { row } of rowsOf<Row>(FILES.provisioning)) {
      if ((idx.grants.fields(String(row.grantId))?.[F.flags] ?? 0) & SUBJECT.LISTED) refs.pass();
      else refs.fail(`${FILES.provisioning}: task ${token(row.id)} refers to grant ${token(row.grantId)}, which is not in ${FILES.grants}`);
    }
  }
  const confirmedRevocations = new Set<string>();
  if (need(FILES.revocations)) {
    for await (const { row } of rowsOf<Row>(FILES.revocations)) {
      const g = idx.grants.fields(String(row.grantId));
      if (g && g[F.flags]! & SUBJECT.LISTED) {
        refs.pass();
        if (g[F.flags]! & SUBJECT.REVOCATION_LISTED) scope.fail(`${FILES.revocations}: grant ${token(row.grantId)} appears more than once`);
        g[F.flags]! |= SUBJECT.REVOCATION_LISTED;
      } else refs.fail(`${FILES.revocations}: revocation refers to grant ${token(row.grantId)}, which is not in ${FILES.grants}`);
      if (row.confirmed === true) confirmedRevocations.add(String(row.grantId));
      const revoking = ["REVOKED", "PENDING_REVOKE", "REVOKE_FAILED"].includes(String(row.grantStatus)) || row.revokedAt !== null || row.taskId !== null;
      inScope(revoking, FILES.revocations, "revocation of grant", row.grantId, "the grant is not revoked or being revoked and has no revoke task");
    }
  }
  const exceptions = new Set<string>();
  if (need(FILES.controls)) {
    const checksDeclared = new Map<string, { exceptions: unknown; flagged: unknown; passed: unknown; seenExceptions: number; seenFlagged: number }>();
    const orphans: string[] = [];
    let current: string | null = null;
    for await (const { n, row } of rowsOf<ControlLine>(FILES.controls)) {
      if (row.type === "check") {
        if (checksDeclared.has(String(row.id))) refs.fail(`${FILES.controls} line ${n}: check ${show(row.id)} appears more than once`);
        checksDeclared.set(String(row.id), { exceptions: row.exceptions, flagged: row.flagged, passed: row.passed, seenExceptions: 0, seenFlagged: 0 });
        current = String(row.id);
      } else if (row.type === "exception" || row.type === "flagged") {
        if (row.type === "exception") exceptions.add(`${row.check}:${row.subjectId}`);
        const d = checksDeclared.get(String(row.check));
        // A member line belongs to the check line right before it (and its other members).
        if (d && current === String(row.check)) {
          if (row.type === "exception") d.seenExceptions++;
          else d.seenFlagged++;
        }
        else orphans.push(String(row.check));
      }
    }
    for (const o of new Set(orphans)) refs.fail(`${FILES.controls}: member lines name check ${show(o)}, but do not follow its check line`);
    for (const [id, d] of checksDeclared) {
      if (d.seenExceptions === d.exceptions) refs.pass();
      else refs.fail(`${FILES.controls}: check ${show(id)} declares ${show(d.exceptions)} exception(s) but lists ${d.seenExceptions}`);
      if (d.seenFlagged === d.flagged) refs.pass();
      else refs.fail(`${FILES.controls}: check ${show(id)} declares ${show(d.flagged)} flagged member(s) but lists ${d.seenFlagged}`);
      if (d.passed === (d.exceptions === 0)) refs.pass();
      else refs.fail(`${FILES.controls}: check ${show(id)} says passed: ${show(d.passed)} with ${show(d.exceptions)} exception(s) (passed means no exception)`);
    }
  }

  const generatedAt = Date.parse(String(manifest.generatedAt));
  if (need(FILES.reviewItems)) {
    for await (const { row } of rowsOf<Row>(FILES.reviewItems)) {
      const id = String(row.id);
      const f = listed(idx.items, id, FILES.reviewItems, "item");
      const g = idx.grants.fields(String(row.grantId));
      if (g && g[F.flags]! & SUBJECT.LISTED) refs.pass();
      else refs.fail(`${FILES.reviewItems}: item ${token(id)} refers to grant ${token(row.grantId)}, which is not in ${FILES.grants}`);
      if (sc.campaignId) {
        const ofCampaign = row.campaignId === sc.campaignId;
        if (ofCampaign && g) g[F.flags]! |= SUBJECT.HAS_CAMPAIGN_ITEM;
        inScope(ofCampaign, FILES.reviewItems, "item", id, `campaign ${token(row.campaignId)} is not the scope's campaign`);
      } else {
        const open = typeof row.createdAt === "string" && Date.parse(row.createdAt) < sc.to && (row.decidedAt === null || Date.parse(String(row.decidedAt)) >= sc.from);
        inScope(open || (f[F.flags]! & SUBJECT.IN_PERIOD) !== 0, FILES.reviewItems, "item", id, "not created before the end of the period and undecided or decided in it, and no ledger event about it in the period");
      }
      if (row.decision === "REVOKE") {
        // Revocations start when the campaign closes: a decision in a campaign still open is not due yet.
        if (!row.campaignClosedAt) refs.pass();
        else if (confirmedRevocations.has(String(row.grantId)) || row.remediation === "CONFIRMED") refs.pass();
        else if (exceptions.has(`${CONTROL_IDS.revokeConfirmed}:${id}`)) refs.pass();
        else refs.fail(`${FILES.reviewItems}: item ${token(id)} decided REVOKE in a closed campaign, but grant ${token(row.grantId)} has no confirmed revocation and the item is not an exception in ${FILES.controls}`);
      }
      if (row.decidedById) {
        if (row.decidedById === row.identityId) inv.fail(`${FILES.reviewItems}: item ${token(id)} was decided by the holder of the access (${token(row.identityId)})`);
        else inv.pass();
      }
      if (row.decision && row.decidedAt) {
        const at = Date.parse(String(row.decidedAt));
        const opened = Date.parse(String(row.campaignLaunchedAt ?? row.campaignStartsAt));
        const closed = row.campaignClosedAt ? Date.parse(String(row.campaignClosedAt)) : generatedAt;
        if (at >= opened && at <= closed) inv.pass();
        else inv.fail(`${FILES.reviewItems}: item ${token(id)} was decided at ${token(row.decidedAt)}, outside its campaign's window (${token(row.campaignLaunchedAt ?? row.campaignStartsAt)} to ${row.campaignClosedAt ? token(row.campaignClosedAt) : "generation"})`);
      }
    }
  }
  if (need(FILES.scopeExclusions)) await checkExclusions(rowsOf<Row>(FILES.scopeExclusions), idx, sc, scope);
  await checkReconciliation({ need, rowsOf, idx, sc, anchorSeq, endSeq, refs, scope });
  checkMissing(idx, sc, stepsListed, requests, scope);
  return { refs, inv, scope };
}

/**
 * reconciliation-runs.jsonl and reconciliation-findings.jsonl against the ledger file (docs/evidence-pack.md,
 * "Reconciliation"): every run that ended after the anchor matches its reconciliation.completed / failed event
 * (system, status, memberships, snapshot hash, counts); every finding's outcome matches the event that recorded
 * it (action, who, reason, until when, grant, task, receipt) and its ledgerEventSeqs are exactly the events about
 * it in the file; a finding gone from the target names a completed run of the pack. Scope: each row is of a
 * system in scope and in the period; every run that ended in the period and every finding the period's events
 * name (of a system in scope) has its row.
 */
/** Which counts differ between a run's row and its event (named one by one when both are objects). */
function countsDiffer(mine: unknown, theirsJcs: string): string {
  let theirs: unknown = null;
  try {
    theirs = JSON.parse(theirsJcs);
  } catch {
    /* not JSON: shown as it is below */
  }
  if (!isObject(mine) || !isObject(theirs)) return `counts ${show(mine)}, the event says ${show(theirs)}`;
  const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].filter((k) => jcs(mine[k]) !== jcs(theirs[k]));
  return keys
    .slice(0, 5)
    .map((k) => `counts.${token(k)} is ${show(mine[k] ?? null)}, the event says ${show(theirs[k] ?? null)}`)
    .join("; ");
}

async function checkReconciliation(o: {
  need: (name: string) => boolean;
  rowsOf: <T = Row>(name: string) => AsyncGenerator<{ n: number; row: T }>;
  idx: LedgerIndex;
  sc: ScopeRule;
  anchorSeq: bigint;
  endSeq: bigint;
  refs: Check;
  scope: Check;
}): Promise<void> {
  const { idx, sc, anchorSeq, endSeq, refs, scope } = o;
  const inSystems = (systemId: unknown) => !sc.systems || sc.systems.has(String(systemId));
  const overlaps = (start: unknown, end: unknown) => typeof start === "string" && Date.parse(start) < sc.to && (end === null || Date.parse(String(end)) >= sc.from);
  const RUNS = FILES.reconciliationRuns;
  const FINDINGS = FILES.reconciliationFindings;
  const runs = new Map<string, { status: unknown; completedAt: unknown }>();
  if (o.need(RUNS)) {
    for await (const { row } of o.rowsOf<Row>(RUNS)) {
      const id = String(row.id);
      if (runs.has(id)) scope.fail(`${RUNS}: run ${token(id)} appears more than once`);
      runs.set(id, { status: row.status, completedAt: row.completedAt });
      const ev = idx.runEvents.get(id);
      if (!inSystems(row.systemId)) scope.fail(`${RUNS}: run ${token(id)} is outside the declared scope (system ${token(row.systemId)} is not in scope.systems)`);
      else if (overlaps(row.startedAt, row.completedAt) || ev?.inPeriod) scope.pass();
      else scope.fail(`${RUNS}: run ${token(id)} is outside the declared scope (it neither overlaps the period nor ended in it)`);
      // Its ending event: none while RUNNING; otherwise the one at ledgerEventSeq.
      const at = `${RUNS}: run ${token(id)} (${token(row.status)})`;
      if (row.status === "RUNNING") {
        if (row.ledgerEventSeq === null) refs.pass();
        else refs.fail(`${at} is still running but names the ledger event seq ${token(row.ledgerEventSeq)}`);
        continue;
      }
      const seq = toSeq(row.ledgerEventSeq);
      if (seq === null) {
        refs.fail(`${at} has no ledger event (ledgerEventSeq ${show(row.ledgerEventSeq)})`);
        continue;
      }
      if (seq <= anchorSeq) {
        refs.pass(); // recorded before the anchor checkpoint, which covers it
        continue;
      }
      if (seq > endSeq) {
        refs.fail(`${at}: its ledger event (seq ${seq}) is after the export checkpoint (seq ${endSeq})`);
        continue;
      }
      const problems: string[] = [];
      if (!ev || ev.seq !== seq.toString()) problems.push(`the event at seq ${seq} is not the one that ended this run`);
      else {
        const want = RECON_RUN_ACTIONS[String(row.status)];
        if (ev.action !== want) problems.push(`the event is ${token(ev.action)}, not ${token(want ?? "?")}`);
        if (ev.systemId !== row.systemId) problems.push(`the event is about system ${token(ev.systemId)}, not ${token(row.systemId)}`);
        if (ev.action === RECON_RUN_ACTIONS.COMPLETED) {
          if (ev.memberships !== row.memberships) problems.push(`memberships ${show(row.memberships)}, the event says ${show(ev.memberships)}`);
          if (ev.snapshotSha256 !== row.snapshotSha256) problems.push(`snapshotSha256 ${show(row.snapshotSha256)}, the event says ${show(ev.snapshotSha256)}`);
          if (ev.counts !== jcs(row.counts)) problems.push(countsDiffer(row.counts, ev.counts));
          if ((ev.actorId ?? null) !== (row.startedById ?? null)) problems.push(`started by ${token(row.startedById)}, the event names ${token(ev.actorId)}`);
        }
      }
      if (problems.length) refs.fail(`${at} does not match its ledger event (seq ${seq}): ${problems.join("; ")}`);
      else refs.pass();
    }
    for (const [runId, ev] of idx.runEvents) {
      if (!ev.inPeriod || !inSystems(ev.systemId)) continue;
      if (runs.has(runId)) scope.pass();
      else scope.fail(`${RUNS}: run ${token(runId)} is missing: the ledger has its ${token(ev.action)} event in the period (seq ${ev.seq})`);
    }
  }

  if (o.need(FINDINGS)) {
    for await (const { row } of o.rowsOf<Row>(FINDINGS)) {
      const id = String(row.id);
      const f = idx.findings.fields(id, true)!;
      if (f[F.flags]! & SUBJECT.LISTED) scope.fail(`${FINDINGS}: finding ${token(id)} appears more than once`);
      f[F.flags]! |= SUBJECT.LISTED;
      if (!inSystems(row.systemId)) scope.fail(`${FINDINGS}: finding ${token(id)} is outside the declared scope (system ${token(row.systemId)} is not in scope.systems)`);
      else if (overlaps(row.openedAt, row.resolvedAt) || f[F.flags]! & SUBJECT.IN_PERIOD) scope.pass();
      else scope.fail(`${FINDINGS}: finding ${token(id)} is outside the declared scope (not open in the period, and no ledger event about it in the period)`);

      const at = `${FINDINGS}: finding ${token(id)} (${token(row.kind)}, account ${show(row.account)})`;
      // Its ledger events: those after the anchor are exactly the events about it in the file.
      const seqs = Array.isArray(row.ledgerEventSeqs) ? row.ledgerEventSeqs : [];
      let after = 0;
      const bad: string[] = [];
      for (const v of seqs) {
        const seq = toSeq(v);
        if (seq === null) bad.push(`${show(v)} is not a seq`);
        else if (seq > endSeq) bad.push(`seq ${seq} is after the export checkpoint`);
        else if (seq > anchorSeq) {
          after++;
          if (idx.findingEvents.get(seq.toString())?.findingId !== id) bad.push(`the event at seq ${seq} is not about it`);
        }
      }
      if (!bad.length && after !== f[F.count]!) bad.push(`it lists ${after} event(s) after the anchor, ${FILES.ledger} holds ${f[F.count]!} about it`);
      if (bad.length) refs.fail(`${at}: ledgerEventSeqs: ${bad.slice(0, 3).join("; ")}`);
      else refs.pass();

      // Its outcome against the event that recorded it.
      const outcome = row.status === "RESOLVED" ? (row.outcome ?? "RESOLVED") : null;
      if (outcome === null || outcome === "GONE") {
        if (row.outcomeEventSeq !== null) refs.fail(`${at}: ${outcome === "GONE" ? "gone from the target" : "open"}, but it names an outcome event (seq ${token(row.outcomeEventSeq)})`);
        else if (outcome === "GONE") {
          const run = runs.get(String(row.resolvedInRunId));
          // Resolved by a run after the period: that run is not the pack's to list.
          if (typeof row.resolvedAt === "string" && Date.parse(row.resolvedAt) >= sc.to) refs.pass();
          else if (run && run.status === "COMPLETED") refs.pass();
          else refs.fail(`${at}: resolved as GONE by run ${token(row.resolvedInRunId)}, which is not a completed run in ${RUNS}`);
        } else refs.pass();
        continue;
      }
      const want = RECON_OUTCOME_ACTIONS[String(outcome)];
      const seq = toSeq(row.outcomeEventSeq);
      if (!want) {
        refs.fail(`${at}: unknown outcome ${show(outcome)}`);
        continue;
      }
      if (seq === null) {
        refs.fail(`${at}: outcome ${token(outcome)} has no ledger event (outcomeEventSeq ${show(row.outcomeEventSeq)})`);
        continue;
      }
      if (seq <= anchorSeq) {
        refs.pass(); // recorded before the anchor checkpoint, which covers it
        continue;
      }
      const ev = idx.findingEvents.get(seq.toString());
      if (!ev || ev.findingId !== id) {
        refs.fail(`${at}: outcome ${token(outcome)}: the ledger event at seq ${seq} is not about this finding`);
        continue;
      }
      const problems: string[] = [];
      const differs = (field: string, mine: unknown, theirs: unknown) => problems.push(`${field} is ${show(mine)} in the file but ${show(theirs)} in the event`);
      if (ev.action !== want) problems.push(`the outcome ${token(outcome)} is recorded by ${token(want)}, but the event is ${token(ev.action)}`);
      if ((ev.actorId ?? null) !== (row.resolvedById ?? null)) differs("resolvedById", row.resolvedById, ev.actorId ?? null);
      if ((ev.reason ?? null) !== (row.reason ?? null)) differs("reason", row.reason, ev.reason ?? null);
      if (ev.kind !== row.kind) differs("kind", row.kind, ev.kind);
      if (ev.systemId !== row.systemId) differs("systemId", row.systemId, ev.systemId);
      if (ev.account !== undefined && ev.account !== row.account) differs("account", row.account, ev.account);
      if (outcome === "ACCEPTED" && ev.until !== row.acceptedUntil) differs("acceptedUntil", row.acceptedUntil, ev.until);
      if (outcome === "ADOPTED" && ev.until !== row.adoptedUntil) differs("adoptedUntil", row.adoptedUntil, ev.until);
      if (ev.grantId !== undefined && ev.grantId !== row.grantId) differs("grantId", row.grantId, ev.grantId);
      if (ev.taskId !== undefined && ev.taskId !== row.taskId) differs("taskId", row.taskId, ev.taskId);
      if (ev.receipt !== null && ev.receipt !== jcs(row.receipt)) differs("receipt", row.receipt, ev.receipt);
      if (problems.length) refs.fail(`${at}: its outcome does not match its ledger event (seq ${seq}, ${token(ev.action)}): ${problems.join("; ")}`);
      else refs.pass();
    }
    for (const [id, f] of idx.findings.entries()) {
      if (!(f[F.flags]! & SUBJECT.NEEDED_RECON)) continue;
      if (f[F.flags]! & SUBJECT.LISTED) scope.pass();
      else scope.fail(`${FINDINGS}: finding ${token(id)} is missing: the ledger has an event about it (or opening it) in the period${f[F.flags]! & SUBJECT.HAS_EVENT ? ` (first event in the file: seq ${minSeqOf(f)})` : ""}`);
    }
  }
}

/**
 * What the "nothing missing" rule asks of a subject (docs/evidence-pack.md, "Completeness and scope"): the
 * reason it must be in the pack (or, with systems, in scope-exclusions.jsonl), or null when nothing is asked.
 * Without a campaign: every grant, request and review item with an event in the period, and (without systems,
 * where every subject is in scope) the grant of every review item with one. With a campaign: every item the
 * ledger names as the campaign's, and its grant. With systems, an item's grant is asked for through the item:
 * a listed item's grant must be listed (cross-references), an excluded item's grant is in another system.
 */
function mustExplain(type: "Grant" | "AccessRequest" | "ReviewItem", flags: number, sc: ScopeRule): string | null {
  const periodText = "the ledger has an event about it in the period";
  if (type === "Grant") {
    if ((sc.campaignId || !sc.systems) && flags & SUBJECT.NEEDED_BY_ITEM) return "a review item that must be in the pack is about it";
    return !sc.campaignId && flags & SUBJECT.IN_PERIOD ? periodText : null;
  }
  if (type === "AccessRequest") return !sc.campaignId && flags & SUBJECT.IN_PERIOD ? periodText : null;
  if (sc.campaignId) return flags & SUBJECT.IN_CAMPAIGN ? "the ledger names it as an item of the scope's campaign" : null;
  return flags & SUBJECT.IN_PERIOD ? periodText : null;
}

const EXCLUDABLE = { Grant: FILES.grants, AccessRequest: FILES.requests, ReviewItem: FILES.reviewItems } as const;

/**
 * scope-exclusions.jsonl, read after every data file: each row names a subject the "nothing missing" rule asks
 * for (an exclusion with nothing to explain fails), in a system outside scope.systems, not listed in its own
 * file, and excluded once. Without systems the file must be empty.
 */
async function checkExclusions(rows: AsyncIterable<{ n: number; row: Row }>, idx: LedgerIndex, sc: ScopeRule, scope: Check): Promise<void> {
  for await (const { n, row } of rows) {
    const at = `${FILES.scopeExclusions} line ${n}: ${token(row.subjectType)} ${token(row.subjectId)}`;
    if (!sc.systems) {
      scope.fail(`${at} is excluded, but the pack has no systems in scope (the file must be empty)`);
      continue;
    }
    const type = row.subjectType;
    if (type !== "Grant" && type !== "AccessRequest" && type !== "ReviewItem") {
      scope.fail(`${at}: not a subject type that can be excluded (Grant, AccessRequest, ReviewItem)`);
      continue;
    }
    const table = type === "Grant" ? idx.grants : type === "AccessRequest" ? idx.requests : idx.items;
    // Never created here: an id the ledger does not name costs no memory.
    const f = table.fields(String(row.subjectId));
    const flags = f ? f[F.flags]! : 0;
    const problems: string[] = [];
    if (sc.systems.has(String(row.systemId))) problems.push(`excluded but in scope (system ${token(row.systemId)} is in scope.systems)`);
    if (flags & SUBJECT.LISTED) problems.push(`both in ${EXCLUDABLE[type]} and excluded`);
    if (flags & SUBJECT.EXCLUDED) problems.push("excluded more than once");
    if (mustExplain(type, flags, sc) === null) problems.push("nothing to explain: the ledger file does not ask for it in this pack's period and scope");
    if (f) f[F.flags]! |= SUBJECT.EXCLUDED;
    if (problems.length) scope.fail(`${at}: ${problems.join("; ")}`);
    else scope.pass();
  }
}

/**
 * The other direction: every row the ledger file says must be in the pack is there (docs/evidence-pack.md,
 * "Completeness and scope"), or, with systems in scope, is excluded in scope-exclusions.jsonl (its system is
 * another one). Any scope: every approval stage named by an event of a request in the pack within the period,
 * and a revocation row for every grant in the pack with a revocation event in the period.
 */
function checkMissing(idx: LedgerIndex, sc: ScopeRule, stepsListed: Set<string>, requests: Map<string, Row>, scope: Check): void {
  const firstSeq = (f: Uint32Array) => (f[F.flags]! & SUBJECT.HAS_EVENT ? ` (first event in the file: seq ${minSeqOf(f)})` : "");
  const orExcluded = sc.systems ? ` and it is not in ${FILES.scopeExclusions}` : "";
  for (const type of ["Grant", "AccessRequest", "ReviewItem"] as const) {
    const table = type === "Grant" ? idx.grants : type === "AccessRequest" ? idx.requests : idx.items;
    const what = type === "Grant" ? "grant" : type === "AccessRequest" ? "request" : "item";
    for (const [id, f] of table.entries()) {
      const reason = mustExplain(type, f[F.flags]!, sc);
      if (reason === null) continue;
      if (f[F.flags]! & (SUBJECT.LISTED | SUBJECT.EXCLUDED)) scope.pass();
      else scope.fail(`${EXCLUDABLE[type]}: ${what} ${token(id)} is missing: ${reason}${firstSeq(f)}${orExcluded}`);
    }
  }
  for (const [stepId, requestId] of idx.steps) {
    if (!requests.has(requestId)) continue; // a request outside the scope (or reported missing above)
    if (stepsListed.has(stepId)) scope.pass();
    else scope.fail(`${FILES.approvals}: approval ${token(stepId)} of request ${token(requestId)} is missing: an event of the request in the period names it`);
  }
  for (const [grantId, f] of idx.grants.entries()) {
    const flags = f[F.flags]!;
    if (!(flags & SUBJECT.LISTED)) continue;
    if (flags & SUBJECT.REVOKED_IN_PERIOD) {
      if (flags & SUBJECT.REVOCATION_LISTED) scope.pass();
      else scope.fail(`${FILES.revocations}: the revocation of grant ${token(grantId)} is missing: the ledger has a revocation event about it in the period`);
    }
    if (sc.campaignId) {
      if (flags & SUBJECT.HAS_CAMPAIGN_ITEM) scope.pass();
      else scope.fail(`${FILES.grants}: grant ${token(grantId)} is outside the declared scope (no item of the scope's campaign is about it)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// 8. Witnessed checkpoints (--witness; the rule is in witness-check.ts)

async function checkWitnesses(pack: Pack, declared: Declared, limits: VerifyLimits, manifest: Manifest, idx: LedgerIndex, trusted: Trusted, witnessed: WitnessedCheckpoint[]): Promise<Check> {
  const c = new Check("witnessed checkpoints");
  const keys = trusted ? trusted.keys : new Map([[manifest.keyId, manifest.publicKey], ...(manifest.checkpointKeys ?? []).map((k) => [k.keyId, k.publicKey] as [string, string])]);
  const lastSeq = toSeq(idx.last?.seq) ?? BigInt(idx.anchor.seq);
  const events = (async function* () {
    for await (const { row } of jsonl<LedgerLine>(pack, declared, limits, FILES.ledger, () => undefined)) yield row;
  })();
  const out = await checkWitnessed(witnessed, { anchorSeq: BigInt(idx.anchor.seq), anchorHash: idx.anchor.headHash, lastSeq }, events, keys);
  for (const { failure } of out.covered) {
    if (failure === null) c.pass();
    else c.fail(failure);
  }
  if (out.notCovered.length) {
    const seqs = out.notCovered.map((w) => w.seq);
    c.notes.push(`${out.notCovered.length} witnessed checkpoint(s) outside this pack's ledger (seq ${idx.anchor.seq}–${lastSeq}), not covered: seq ${seqs.slice(0, 20).join(", ")}${seqs.length > 20 ? ", …" : ""}`);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------

/** Where the organisation's key is published, for the message shown when none was pinned. */
const PIN_HOWTO =
  "download the organisation's public key from the portal (Audit → Evidence packs shows its key id; /api/evidence/public-key serves the PEM, ?all=1 every key after a rotation) and run again with --public-key <file>";

/**
 * Verifies a pack offline. `publicKeyPem` / `publicKeyPems`: the keys to trust (from a trusted source); the
 * manifest must be signed with one of them, and so must every checkpoint (an anchor signed before a key
 * rotation needs the earlier key). Without any, the keys inside the pack are used: the pack is then only
 * shown to be consistent with itself (verdict INTEGRITY_ONLY), since anyone can sign a pack with a key of
 * their own. `limits` overrides VERIFY_LIMITS (tests).
 */
export async function verifyPack(
  zipPath: string,
  opts: { publicKeyPem?: string; publicKeyPems?: string[]; limits?: Partial<VerifyLimits>; witnesses?: WitnessedCheckpoint[] } = {},
): Promise<VerifyResult> {
  const limits: VerifyLimits = { ...VERIFY_LIMITS, ...opts.limits };
  const given = [...(opts.publicKeyPem !== undefined ? [opts.publicKeyPem] : []), ...(opts.publicKeyPems ?? [])];
  const trusted = trustedKeys(given.length ? given : undefined);
  const checks: Check[] = [];
  let keyId: string | null = null;
  let stopped: string | null = null;
  let bytesRead: Record<string, number> = {};
  const done = (): VerifyResult => {
    const results = checks.map((c) => c.result());
    const ok = stopped === null && checks.every((c) => !c.failed);
    const sig = checks.find((c) => c.name === "signature");
    // Pinned: a key was given and the manifest verified with it (the checkpoints' keys are held to the given keys in "checkpoints").
    const pinned = !!trusted && trusted.keys.size > 0 && !!sig && !sig.failed;
    return {
      ok,
      verdict: !ok ? "INVALID" : pinned ? "VALID" : "INTEGRITY_ONLY",
      authenticity: pinned ? "pinned" : "not-established",
      keyId,
      keysPinned: trusted?.keys.size ?? 0,
      stopped,
      bytesRead,
      checks: results,
    };
  };
  const stop = (c: Check, msg: string, why: string) => {
    c.fail(msg);
    checks.push(c);
    stopped = why;
    return done();
  };

  let pack: Pack;
  try {
    pack = await openZip(zipPath, limits);
  } catch (e) {
    return stop(new Check("pack"), `${zipPath} is not a readable zip file (${errText(e)})`, "the file is not a readable zip");
  }
  bytesRead = pack.bytesRead;
  try {
    if (pack.entryCount > limits.maxEntries)
      return stop(new Check("pack"), `the zip has ${pack.entryCount} entries; a pack has 18, and the verifier reads at most ${limits.maxEntries}`, "too many entries: nothing was read");

    // 1. The manifest and its signature, each read under a size limit, before any data entry.
    const sigCheck = new Check("signature");
    const notRead = "the manifest could not be read: no data entry was read";
    const manifestEntry = pack.entries.get(FILES.manifest);
    if (!manifestEntry) return stop(sigCheck, `${FILES.manifest} is missing`, notRead);
    if (manifestEntry.uncompressedSize > limits.maxManifestBytes)
      return stop(sigCheck, `${FILES.manifest} is ${manifestEntry.uncompressedSize} bytes, more than the ${limits.maxManifestBytes} the verifier reads: not read`, notRead);
    let manifestBytes: Buffer;
    let manifest: Manifest;
    try {
      manifestBytes = await pack.read(FILES.manifest, limits.maxManifestBytes);
      manifest = JSON.parse(manifestBytes.toString("utf8")) as Manifest;
    } catch (e) {
      return stop(sigCheck, `${FILES.manifest} is not readable JSON (${errText(e)})`, notRead);
    }
    if (!isObject(manifest)) return stop(sigCheck, `${FILES.manifest} is not a JSON object`, notRead);
    keyId = packKeyIdOf(manifest);
    let sig: string;
    try {
      sig = (await pack.read(FILES.signature, limits.maxSignatureBytes)).toString("utf8").trim();
    } catch (e) {
      return stop(sigCheck, `${FILES.signature} is missing or unreadable (${errText(e)})`, notRead);
    }
    const signature = checkSignature(manifestBytes, sig, manifest, trusted);
    checks.push(signature);
    if (signature.failed) {
      stopped = "the manifest's signature did not verify, so nothing it declares can be trusted: no data entry was read";
      return done();
    }
    const shape = manifestProblems(manifest);
    if (!shape.length) shape.push(...validateSchema(PACK_SCHEMAS.manifest, manifest, 20).map((p) => `${FILES.manifest}: ${p.replace(/^\./, "")}`));
    const files = new Check("files");
    if (shape.length) {
      for (const p of shape) files.fail(p);
      checks.push(files);
      stopped = "the manifest is malformed: no data entry was read";
      return done();
    }

    // 2. Every entry's declared size and compression ratio against the manifest, before reading any of them.
    checkLayout(pack, manifest, limits, files);
    checks.push(files);
    if (files.failed) {
      stopped = "the zip does not hold exactly the files the manifest declares, at the sizes it declares: refused before reading any data entry";
      return done();
    }
    const declared: Declared = new Map(manifest.files.map((f) => [f.path, f.bytes]));

    // 3. Hashes, sizes, rows; then what the files say.
    await checkHashes(pack, manifest, files);
    const { chain, links, index } = await checkLedger(pack, declared, limits, manifest, trusted);
    checks.push(chain, links);
    checks.push(await checkCsv(pack, declared, limits, manifest));
    checks.push(await checkFields(pack, declared, limits, manifest));
    const { refs, inv, scope } = await checkReferences(pack, declared, limits, manifest, index);
    checks.push(refs, inv, scope);
    if (opts.witnesses) checks.push(await checkWitnesses(pack, declared, limits, manifest, index, trusted, opts.witnesses));
    return done();
  } catch (e) {
    // Not expected (every read above is guarded); if it happens, say so rather than claim anything.
    return stop(new Check("verifier"), `stopped on an unexpected error: ${errText(e)}`, "the verifier stopped on an unexpected error");
  } finally {
    pack.close();
  }
}

/** The exit status of `npm run evidence:verify` for a verdict: 0 valid against a pinned key, 1 invalid, 3 integrity only (no key pinned). */
export const EXIT_CODES: Record<Verdict, number> = { VALID: 0, INVALID: 1, INTEGRITY_ONLY: 3 };

/** One line per check, then its failures, then the verdict and what it means: what the CLI prints. */
export function formatReport(r: VerifyResult): string {
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${c.name}: ${c.passed}/${c.total} valid${c.failures.length ? ` (${c.failures.length} failure${c.failures.length === 1 ? "" : "s"})` : ""}`);
    for (const f of c.failures) out.push(`  FAIL ${f}`);
    for (const note of c.notes ?? []) out.push(`  note: ${note}`);
  }
  if (r.stopped) out.push(`Stopped: ${r.stopped}.`);
  const id = r.keyId ?? "(unreadable)";
  if (r.verdict === "VALID") {
    out.push("Evidence pack VALID.");
    out.push(`Integrity verified and signed with a pinned key (key id ${token(id)}).`);
  } else if (r.verdict === "INTEGRITY_ONLY") {
    out.push("Evidence pack INTEGRITY VERIFIED, AUTHENTICITY NOT ESTABLISHED.");
    out.push(`No --public-key was given: the pack is consistent with the key inside it (key id ${token(id)}), but anyone can build or re-sign a pack with a key of their own, so who signed it is not established.`);
    out.push(`To establish it, pin the organisation's key: ${PIN_HOWTO}. The portal must show key id ${token(id)} (or list it among its earlier keys); any other id means this pack was not signed with the organisation's key.`);
  } else {
    out.push("Evidence pack INVALID.");
    if (!r.keysPinned) out.push(`(No --public-key was given: the signature was checked against the key inside the pack only, key id ${token(id)}. To check who signed a pack, ${PIN_HOWTO}.)`);
  }
  return out.join("\n");
}
