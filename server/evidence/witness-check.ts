/**
 * Witnessed checkpoints, the verifier's side (docs/evidence-pack.md, "Witnessed checkpoints"). Every signed
 * checkpoint is also sent to witnesses outside the database (server/evidence/witnesses.ts); an auditor gives
 * what a witness holds to `npm run evidence:verify -- pack.zip --witness <file or folder>`, and every
 * witnessed checkpoint whose seq the pack's ledger covers must name the same hash at that seq, with a
 * signature that verifies with a trusted key. Whoever holds the signing key can rebuild a self-consistent
 * history, but not one that agrees with what a witness saw before the rewrite.
 *
 * Pure on purpose, like the rest of the verifier: it imports only format.ts, the ledger hash rule and node
 * built-ins, and the portal uses the same line format and file names to write the witnesses.
 */
import { createHash, createPublicKey } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { canonicalJson } from "../ledger/hash";
import { checkpointMessage, keyIdOf, LineTooLongError, lines, verifyEd25519, type PackCheckpoint } from "./format";

/** The fields of a witness line, exactly these and in this order in the docs. */
export const WITNESS_FIELDS = ["seq", "headHash", "signedAt", "keyId", "signature", "reason"] as const;

/** One witness line or file is at most this long (a real one is about 300 bytes). */
export const MAX_WITNESS_LINE_BYTES = 64 * 1024;
/** Entries of a witness folder read at most (an hourly checkpoint for a century is under 900,000). */
export const MAX_WITNESS_FOLDER_ENTRIES = 1_000_000;

/** What a witness holds for one checkpoint: JCS of the six fields, one line (the file kind appends it with "\n"). */
export function witnessLine(cp: PackCheckpoint): string {
  return canonicalJson({ seq: cp.seq, headHash: cp.headHash, signedAt: cp.signedAt, keyId: cp.keyId, signature: cp.signature, reason: cp.reason });
}

/** The name of a checkpoint's file in a witness folder: its seq (20 digits, so names sort by seq) and a digest of its line. */
export function witnessFileName(cp: PackCheckpoint): string {
  return `checkpoint-${cp.seq.padStart(20, "0")}-${createHash("sha256").update(witnessLine(cp), "utf8").digest("hex").slice(0, 16)}.json`;
}

const FOLDER_ENTRY = /^checkpoint-\d{20}-[0-9a-f]{16}\.json$/;

export type WitnessedCheckpoint = PackCheckpoint & {
  /** Where it was read: "<file>:<line>" or "<folder>/<name>". */
  source: string;
};

/** A witness file or folder that cannot be used as it is: the verifier exits 2 with this message. */
export class WitnessSourceError extends Error {}

/** A value from a witness quoted for a message (JSON escapes control characters). */
const show = (v: unknown, max = 80) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/** Parses one witness line (or folder file); a message saying what is wrong when it is not one. */
export function parseWitnessLine(text: string): PackCheckpoint | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !(WITNESS_FIELDS as readonly string[]).includes(k));
  if (extra.length) return `unknown field(s) ${extra.map((k) => show(k, 40)).join(", ")}`;
  const problems: string[] = [];
  if (typeof o.seq !== "string" || !/^(0|[1-9]\d{0,29})$/.test(o.seq)) problems.push(`seq ${show(o.seq)} is not a decimal string`);
  if (typeof o.headHash !== "string" || !/^[0-9a-f]{64}$/.test(o.headHash)) problems.push("headHash is not 64 lowercase hex characters");
  if (typeof o.signedAt !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(o.signedAt) || Number.isNaN(Date.parse(o.signedAt)))
    problems.push(`signedAt ${show(o.signedAt)} is not an ISO 8601 UTC time with milliseconds`);
  if (typeof o.keyId !== "string" || !/^[0-9a-f]{16}$/.test(o.keyId)) problems.push("keyId is not 16 lowercase hex characters");
  if (typeof o.signature !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(o.signature)) problems.push("signature is not a base64 Ed25519 signature");
  if (typeof o.reason !== "string" || o.reason.length > 64) problems.push("reason is not a short string");
  if (problems.length) return problems.join("; ");
  return { seq: o.seq as string, headHash: o.headHash as string, signedAt: o.signedAt as string, keyId: o.keyId as string, signature: o.signature as string, reason: o.reason as string };
}

async function readWitnessFile(file: string): Promise<WitnessedCheckpoint[]> {
  const out: WitnessedCheckpoint[] = [];
  let n = 0;
  try {
    for await (const line of lines(createReadStream(file), MAX_WITNESS_LINE_BYTES)) {
      n++;
      // A blank line (or a lone "\r") carries nothing; the writer never writes one, but it is not evidence of anything either.
      if (line.trim() === "") continue;
      const cp = parseWitnessLine(line);
      if (typeof cp === "string") throw new WitnessSourceError(`${file} line ${n}: not a witness line (${cp}). The witness file must hold one JSON object per line with exactly ${WITNESS_FIELDS.join(", ")}.`);
      out.push({ ...cp, source: `${file}:${n}` });
    }
  } catch (e) {
    if (e instanceof WitnessSourceError) throw e;
    if (e instanceof LineTooLongError) throw new WitnessSourceError(`${file} line ${e.line}: longer than ${MAX_WITNESS_LINE_BYTES} bytes: not a witness line.`);
    throw new WitnessSourceError(`Cannot read the witness file ${file}: ${(e as Error).message}`);
  }
  return out;
}

async function readWitnessFolder(dir: string): Promise<WitnessedCheckpoint[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => FOLDER_ENTRY.test(n)).sort();
  } catch (e) {
    throw new WitnessSourceError(`Cannot read the witness folder ${dir}: ${(e as Error).message}`);
  }
  if (names.length > MAX_WITNESS_FOLDER_ENTRIES) throw new WitnessSourceError(`${dir} holds ${names.length} checkpoint files, more than the ${MAX_WITNESS_FOLDER_ENTRIES} the verifier reads.`);
  const out: WitnessedCheckpoint[] = [];
  const buf = Buffer.alloc(MAX_WITNESS_LINE_BYTES + 1);
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      const st = await lstat(file);
      if (!st.isFile()) throw new Error("not a regular file");
      const fh = await open(file, "r");
      try {
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        if (bytesRead > MAX_WITNESS_LINE_BYTES) throw new Error(`longer than ${MAX_WITNESS_LINE_BYTES} bytes`);
        text = buf.subarray(0, bytesRead).toString("utf8");
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw new WitnessSourceError(`${file}: cannot be read as a witness file (${(e as Error).message}).`);
    }
    const cp = parseWitnessLine(text.replace(/\n$/, ""));
    if (typeof cp === "string") throw new WitnessSourceError(`${file}: not a witnessed checkpoint (${cp}).`);
    if (witnessFileName(cp) !== name) throw new WitnessSourceError(`${file}: its name does not match its content (expected ${witnessFileName(cp)}).`);
    out.push({ ...cp, source: file });
  }
  return out;
}

/**
 * Reads what a witness holds: a JSON Lines file (kind "file") or a folder of checkpoint files (kind
 * "folder"). Throws WitnessSourceError, with a message for a person, when it is missing or malformed.
 */
export async function readWitnessSource(p: string): Promise<WitnessedCheckpoint[]> {
  let st;
  try {
    st = await lstat(p);
  } catch (e) {
    throw new WitnessSourceError(`Cannot read the witness ${p}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) return readWitnessFolder(p);
  if (st.isFile()) return readWitnessFile(p);
  throw new WitnessSourceError(`${p} is neither a witness file nor a witness folder.`);
}

export type WitnessOutcome = {
  /** One per distinct witnessed checkpoint the pack covers: null when it agrees, else why not. */
  covered: { cp: WitnessedCheckpoint; failure: string | null }[];
  /** Distinct witnessed checkpoints outside the pack's ledger (not a failure: this pack cannot speak for them). */
  notCovered: WitnessedCheckpoint[];
};

/** The pack's ledger range: the anchor (its seq and hash are fixed by the pack too) and the last event. */
export type PackRange = { anchorSeq: bigint; anchorHash: string; lastSeq: bigint };

/**
 * Compares witnessed checkpoints with a pack's ledger. `events` yields the pack's ledger events in file
 * order ({seq, hash} as they are in the file: the chain check proves them); it is read only as far as the
 * highest witnessed seq the pack covers. `keys`: the public keys to trust, by key id (the pinned ones, or
 * the pack's own when none were pinned).
 */
export async function checkWitnessed(witnessed: WitnessedCheckpoint[], range: PackRange, events: AsyncIterable<{ seq: unknown; hash: unknown }>, keys: Map<string, string>): Promise<WitnessOutcome> {
  // At-least-once delivery, and the same checkpoint given through several witnesses: count each once.
  const distinct = new Map<string, WitnessedCheckpoint>();
  for (const w of witnessed) {
    const k = witnessLine(w);
    if (!distinct.has(k)) distinct.set(k, w);
  }
  const covered: WitnessOutcome["covered"] = [];
  const notCovered: WitnessedCheckpoint[] = [];
  const wanted = new Map<string, WitnessedCheckpoint[]>();
  for (const w of distinct.values()) {
    const seq = BigInt(w.seq);
    if (seq < range.anchorSeq || seq > range.lastSeq) notCovered.push(w);
    else wanted.set(w.seq, [...(wanted.get(w.seq) ?? []), w]);
  }
  const hashAt = new Map<string, string>();
  if (wanted.has(range.anchorSeq.toString())) hashAt.set(range.anchorSeq.toString(), range.anchorHash);
  let highest = -1n;
  for (const s of wanted.keys()) if (BigInt(s) > highest) highest = BigInt(s);
  if (highest > range.anchorSeq) {
    for await (const e of events) {
      const seq = typeof e.seq === "string" && /^\d{1,30}$/.test(e.seq) ? e.seq : null;
      if (seq === null) continue;
      if (wanted.has(seq) && !hashAt.has(seq)) hashAt.set(seq, String(e.hash));
      if (BigInt(seq) >= highest) break;
    }
  }
  const publicKeys = new Map<string, ReturnType<typeof createPublicKey>>();
  for (const [id, pem] of keys) {
    try {
      const k = createPublicKey(pem);
      if (keyIdOf(k) === id) publicKeys.set(id, k);
    } catch {
      // an unreadable key trusts nothing; the signature check reports it
    }
  }
  const sorted = [...wanted.values()].flat().sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  for (const w of sorted) {
    const problems: string[] = [];
    const key = publicKeys.get(w.keyId);
    if (!key) problems.push(`it is signed with key ${w.keyId}, which is not a trusted key (${[...publicKeys.keys()].join(" or ") || "none readable"})`);
    else if (!verifyEd25519(checkpointMessage(w), w.signature, key)) problems.push("its signature is not valid");
    const actual = hashAt.get(w.seq);
    if (actual === undefined) problems.push(`the pack's ledger has no event at seq ${w.seq}`);
    else if (actual !== w.headHash) problems.push(`the pack's ledger has hash ${/^[0-9a-f]{64}$/.test(actual) ? `${actual.slice(0, 12)}…` : show(actual)} at seq ${w.seq}, the witness saw ${w.headHash.slice(0, 12)}… (signed ${w.signedAt}): the history up to seq ${w.seq} was rewritten after the witness saw it`);
    covered.push({ cp: w, failure: problems.length ? `witnessed checkpoint seq ${w.seq} (${w.source}): ${problems.join("; ")}` : null });
  }
  return { covered, notCovered };
}
