/**
 * The offline verifier of an evidence pack. No database and no portal code: it imports only the pack
 * format (format.ts) and the ledger hash rule (server/ledger/hash.ts). Every check reports how many items
 * it checked, how many passed, and every failure (capped per check, with a count of the rest).
 */
import { createHash, createPublicKey } from "node:crypto";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { canonicalJson, eventHash, GENESIS_HASH } from "../ledger/hash";
import {
  CONTROL_IDS,
  FILES,
  GRANT_COLUMNS,
  RowCounter,
  checkpointMessage,
  csvRecords,
  isGenesis,
  keyIdOf,
  kindOf,
  lines,
  verifyEd25519,
  type Anchor,
  type ControlLine,
  type LedgerLine,
  type Manifest,
  type PackCheckpoint,
} from "./format";

export type CheckResult = { name: string; passed: number; total: number; failures: string[] };
export type VerifyResult = { ok: boolean; checks: CheckResult[] };

const MAX_FAILURES = 200;

class Check {
  passed = 0;
  total = 0;
  failures: string[] = [];
  private dropped = 0;
  constructor(readonly name: string) {}
  pass() {
    this.total++;
    this.passed++;
  }
  fail(msg: string) {
    this.total++;
    if (this.failures.length < MAX_FAILURES) this.failures.push(msg);
    else this.dropped++;
  }
  /** A failure that is not one of the items counted (e.g. a file the check needs is missing). */
  note(msg: string) {
    if (this.failures.length < MAX_FAILURES) this.failures.push(msg);
    else this.dropped++;
  }
  result(): CheckResult {
    const failures = this.dropped ? [...this.failures, `… and ${this.dropped} more failure(s)`] : this.failures;
    return { name: this.name, passed: this.passed, total: this.total, failures };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Zip access

type Pack = {
  names: string[];
  duplicates: string[];
  has(name: string): boolean;
  open(name: string): Promise<Readable>;
  read(name: string): Promise<Buffer>;
  close(): void;
};

function openZip(zipPath: string): Promise<Pack> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error("cannot open the zip"));
      const entries = new Map<string, yauzl.Entry>();
      const duplicates: string[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        if (entries.has(e.fileName)) duplicates.push(e.fileName);
        else entries.set(e.fileName, e);
        zip.readEntry();
      });
      zip.on("error", reject);
      zip.on("end", () => {
        const open = (name: string) =>
          new Promise<Readable>((res, rej) => {
            const e = entries.get(name);
            if (!e) return rej(new Error(`${name} is not in the pack`));
            zip.openReadStream(e, (er, s) => (er || !s ? rej(er ?? new Error(`cannot read ${name}`)) : res(s)));
          });
        resolve({
          names: [...entries.keys()],
          duplicates,
          has: (n) => entries.has(n),
          open,
          async read(name) {
            const parts: Buffer[] = [];
            for await (const c of await open(name)) parts.push(c as Buffer);
            return Buffer.concat(parts);
          },
          close: () => zip.close(),
        });
      });
      zip.readEntry();
    });
  });
}

async function* jsonl<T>(pack: Pack, name: string, bad: (line: number, msg: string) => void): AsyncGenerator<{ n: number; row: T }> {
  let n = 0;
  for await (const line of lines(await pack.open(name))) {
    n++;
    if (line === "") continue;
    try {
      yield { n, row: JSON.parse(line) as T };
    } catch {
      bad(n, "not valid JSON");
    }
  }
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------------------------------------------------

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

function checkSignature(manifestBytes: Buffer | null, sig: string | null, manifest: Manifest | null, trusted: Trusted): Check {
  const c = new Check("signature");
  if (!manifestBytes || !manifest) {
    c.fail(`${FILES.manifest} is missing or is not valid JSON`);
    return c;
  }
  if (!sig) {
    c.fail(`${FILES.signature} is missing`);
    return c;
  }
  let packKeyId: string | null = null;
  try {
    packKeyId = keyIdOf(createPublicKey(manifest.publicKey));
  } catch (e) {
    c.fail(`the manifest's public key is not readable: ${errText(e)}`);
  }
  if (packKeyId) {
    if (packKeyId !== manifest.keyId) c.fail(`the manifest's keyId ${manifest.keyId} is not the id of its public key (${packKeyId})`);
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

async function checkFiles(pack: Pack, manifest: Manifest | null): Promise<Check> {
  const c = new Check("files");
  for (const d of pack.duplicates) c.fail(`${d}: appears more than once in the zip`);
  if (!manifest) {
    c.note("no readable manifest: nothing to check the files against");
    return c;
  }
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    if (f.path === FILES.manifest || f.path === FILES.signature) {
      c.fail(`${f.path}: must not be listed in the manifest`);
      continue;
    }
    if (!pack.has(f.path)) {
      c.fail(`${f.path}: listed in the manifest but missing from the pack`);
      continue;
    }
    try {
      const hash = createHash("sha256");
      const rows = new RowCounter(kindOf(f.path));
      let bytes = 0;
      for await (const chunk of await pack.open(f.path)) {
        const b = chunk as Buffer;
        hash.update(b);
        rows.push(b);
        bytes += b.length;
      }
      const problems: string[] = [];
      const sha = hash.digest("hex");
      if (sha !== f.sha256) problems.push(`sha256 ${sha.slice(0, 16)}… does not match the manifest's ${String(f.sha256).slice(0, 16)}…`);
      if (bytes !== f.bytes) problems.push(`${bytes} bytes, the manifest says ${f.bytes}`);
      const r = rows.result();
      if (r !== f.rows) problems.push(`${r ?? "no"} rows, the manifest says ${f.rows ?? "none"}`);
      if (problems.length) c.fail(`${f.path}: ${problems.join("; ")}`);
      else c.pass();
    } catch (e) {
      c.fail(`${f.path}: cannot be read (${errText(e)})`);
    }
  }
  for (const n of pack.names) {
    if (n === FILES.manifest || n === FILES.signature || listed.has(n)) continue;
    c.fail(`${n}: in the pack but not listed in the manifest`);
  }
  return c;
}

type LedgerIndex = {
  /** seq → "subjectType:subjectId" for the events about grants and requests. */
  subjects: Map<string, string>;
  first: LedgerLine | null;
  last: LedgerLine | null;
  count: number;
  anchor: Anchor | null;
  checkpoint: PackCheckpoint | null;
};

async function checkLedger(pack: Pack, manifest: Manifest | null, trusted: Trusted): Promise<{ chain: Check; links: Check; index: LedgerIndex }> {
  const chain = new Check("ledger chain");
  const links = new Check("checkpoints");
  const index: LedgerIndex = { subjects: new Map(), first: null, last: null, count: 0, anchor: null, checkpoint: null };

  // checkpoint.json, and its agreement with the manifest
  let cpFile: { anchor?: Anchor; checkpoint?: PackCheckpoint } | null = null;
  try {
    cpFile = JSON.parse((await pack.read(FILES.checkpoint)).toString("utf8"));
  } catch (e) {
    links.fail(`${FILES.checkpoint}: missing or not valid JSON (${errText(e)})`);
  }
  const anchor = cpFile?.anchor ?? manifest?.ledger.anchor ?? null;
  const checkpoint = cpFile?.checkpoint ?? manifest?.ledger.checkpoint ?? null;
  index.anchor = anchor;
  index.checkpoint = checkpoint;
  if (cpFile && manifest) {
    const same = canonicalJson(cpFile.anchor ?? null) === canonicalJson(manifest.ledger.anchor) && canonicalJson(cpFile.checkpoint ?? null) === canonicalJson(manifest.ledger.checkpoint);
    if (same) links.pass();
    else links.fail(`${FILES.checkpoint} does not match the checkpoints named in ${FILES.manifest}`);
  }
  // The keys the pack carries: its own, and those of older checkpoints (after a key rotation), each checked
  // against its id. With --public-key, only the keys given there are trusted.
  const keyId = manifest?.keyId;
  const packKeys = new Map<string, string>();
  if (manifest?.publicKey && keyId) packKeys.set(keyId, manifest.publicKey);
  for (const k of manifest?.checkpointKeys ?? []) {
    let id: string | null = null;
    try {
      id = keyIdOf(createPublicKey(k.publicKey));
    } catch (e) {
      links.fail(`${FILES.manifest}: the checkpoint key ${k.keyId} is not a readable public key (${errText(e)})`);
      continue;
    }
    if (id !== k.keyId) links.fail(`${FILES.manifest}: the checkpoint key listed as ${k.keyId} is really ${id}`);
    else packKeys.set(id, k.publicKey);
  }
  const checkSigned = (label: string, cp: PackCheckpoint) => {
    if (label === "export" && cp.keyId !== keyId) return links.fail(`${label} checkpoint (seq ${cp.seq}) is signed with key ${cp.keyId}, not the pack's key ${keyId ?? "(unknown)"}`);
    const pem = trusted ? trusted.keys.get(cp.keyId) : packKeys.get(cp.keyId);
    if (!pem) {
      if (trusted)
        return links.fail(
          `${label} checkpoint (seq ${cp.seq}) is signed with key ${cp.keyId}, which is not one of the keys given with --public-key (${idList(trusted)})${packKeys.has(cp.keyId) ? "; the pack carries that key's public half: give it too if you trust it (an earlier key of the organisation)" : ""}`,
        );
      return links.fail(`${label} checkpoint (seq ${cp.seq}) is signed with key ${cp.keyId}, whose public key is not in the pack`);
    }
    if (verifyEd25519(checkpointMessage(cp), cp.signature, pem)) links.pass();
    else links.fail(`${label} checkpoint (seq ${cp.seq}): the signature is not valid`);
  };
  if (!checkpoint) links.fail("no export checkpoint in the pack");
  else checkSigned("export", checkpoint);
  if (!anchor) links.fail("no anchor checkpoint in the pack");
  else if (isGenesis(anchor)) {
    if (anchor.seq === "0" && anchor.headHash === GENESIS_HASH) links.pass();
    else links.fail(`the genesis anchor must be seq 0 with hash ${GENESIS_HASH.slice(0, 8)}…`);
  } else checkSigned("anchor", anchor);

  // the chain itself
  if (!pack.has(FILES.ledger)) {
    chain.note(`${FILES.ledger} is missing`);
    return { chain, links, index };
  }
  let expectedSeq = anchor ? BigInt(anchor.seq) + 1n : null;
  let prevHash = anchor?.headHash ?? null;
  try {
    for await (const { n, row: e } of jsonl<LedgerLine>(pack, FILES.ledger, (line, msg) => chain.fail(`${FILES.ledger} line ${line}: ${msg}`))) {
      index.count++;
      if (!index.first) index.first = e;
      index.last = e;
      if (e.subjectType === "Grant" || e.subjectType === "AccessRequest") index.subjects.set(String(e.seq), `${e.subjectType}:${e.subjectId}`);
      const problems: string[] = [];
      let seq: bigint | null = null;
      try {
        seq = BigInt(e.seq);
      } catch {
        problems.push(`seq "${e.seq}" is not a number`);
      }
      if (seq !== null && expectedSeq !== null && seq !== expectedSeq) problems.push(`sequence gap: expected seq ${expectedSeq}, found ${seq}`);
      if (prevHash !== null && e.prevHash !== prevHash) problems.push(`prevHash does not match the hash of the event before it`);
      const recomputed = eventHash(e.prevHash, {
        seq: String(e.seq),
        occurredAt: e.occurredAt,
        actorId: e.actorId,
        onBehalfOfId: e.onBehalfOfId,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        payload: e.payload,
      });
      if (recomputed !== e.hash) problems.push(`hash mismatch: stored ${String(e.hash).slice(0, 12)}…, recomputed ${recomputed.slice(0, 12)}…`);
      if (problems.length) chain.fail(`${FILES.ledger} line ${n} (seq ${e.seq}): ${problems.join("; ")}`);
      else chain.pass();
      // Carry on from this event, so one broken link is reported once.
      expectedSeq = seq !== null ? seq + 1n : expectedSeq;
      prevHash = e.hash;
    }
  } catch (e) {
    chain.note(`${FILES.ledger}: cannot be read (${errText(e)})`);
  }

  // the links: anchor → first event, last event → export checkpoint, and the manifest's range
  if (anchor && checkpoint) {
    if (index.first) {
      if (index.first.seq === String(BigInt(anchor.seq) + 1n) && index.first.prevHash === anchor.headHash) links.pass();
      else links.fail(`the first event (seq ${index.first.seq}) does not follow the anchor checkpoint (seq ${anchor.seq}): expected seq ${BigInt(anchor.seq) + 1n} with prevHash ${anchor.headHash.slice(0, 12)}…`);
      if (index.last && index.last.seq === checkpoint.seq && index.last.hash === checkpoint.headHash) links.pass();
      else links.fail(`the last event (seq ${index.last?.seq}) is not the export checkpoint's head (seq ${checkpoint.seq}, hash ${checkpoint.headHash.slice(0, 12)}…)`);
    } else if (anchor.seq === checkpoint.seq && anchor.headHash === checkpoint.headHash) {
      links.pass();
    } else {
      links.fail(`${FILES.ledger} is empty but the anchor (seq ${anchor.seq}) is not the export checkpoint (seq ${checkpoint.seq})`);
    }
  }
  if (manifest) {
    const l = manifest.ledger;
    const ok = l.events === index.count && l.firstSeq === (index.first?.seq ?? null) && l.lastSeq === (index.last?.seq ?? null);
    if (ok) links.pass();
    else links.fail(`the manifest's ledger range (${l.firstSeq}–${l.lastSeq}, ${l.events} events) does not match ${FILES.ledger} (${index.first?.seq ?? "-"}–${index.last?.seq ?? "-"}, ${index.count} events)`);
  }
  return { chain, links, index };
}

type Row = Record<string, unknown>;

async function checkReferences(pack: Pack, manifest: Manifest | null, idx: LedgerIndex): Promise<{ refs: Check; inv: Check }> {
  const refs = new Check("cross-references");
  const inv = new Check("invariants");
  const need = (name: string) => {
    if (pack.has(name)) return true;
    refs.note(`${name} is missing: its cross-references were not checked`);
    return false;
  };
  const bad = (name: string) => (line: number, msg: string) => refs.fail(`${name} line ${line}: ${msg}`);
  const anchorSeq = idx.anchor ? BigInt(idx.anchor.seq) : 0n;
  const endSeq = idx.checkpoint ? BigInt(idx.checkpoint.seq) : null;

  /** The row's first ledger event: in the pack when after the anchor; before it = covered by the signed anchor. */
  const hasEvents = (what: string, subjectType: string, r: Row, file: string) => {
    const first = r.firstEventSeq;
    if (first === null || first === undefined) return refs.fail(`${file}: ${what} ${String(r.id)} has no ledger event at all`);
    const seq = BigInt(String(first));
    if (seq <= anchorSeq) return refs.pass(); // predates the anchor checkpoint, which covers it
    // The pack is one snapshot: whatever it lists was recorded at or before its checkpoint.
    if (endSeq !== null && seq > endSeq) return refs.fail(`${file}: ${what} ${String(r.id)}: its first ledger event (seq ${seq}) is after the export checkpoint (seq ${endSeq})`);
    if (idx.subjects.get(seq.toString()) === `${subjectType}:${String(r.id)}`) return refs.pass();
    refs.fail(`${file}: ${what} ${String(r.id)}: its first ledger event (seq ${seq}) is not in ${FILES.ledger} or is about something else`);
  };

  const grants = new Set<string>();
  const grantRequest = new Map<string, string>();
  if (need(FILES.grants)) {
    for await (const { row } of jsonl<Row>(pack, FILES.grants, bad(FILES.grants))) {
      const id = String(row.id);
      grants.add(id);
      if (row.requestId) grantRequest.set(id, String(row.requestId));
      hasEvents("grant", "Grant", row, FILES.grants);
    }
  }
  // grants.csv holds the same rows as grants.jsonl, in the same order.
  if (pack.has(FILES.grantsCsv) && pack.has(FILES.grants)) {
    const json = jsonl<Row>(pack, FILES.grants, () => {});
    let line = 0;
    let mismatch = 0;
    let header = true;
    for await (const rec of csvRecords(await pack.open(FILES.grantsCsv))) {
      if (header) {
        header = false;
        if (rec.join(",") !== GRANT_COLUMNS.join(",")) refs.fail(`${FILES.grantsCsv}: the header is not ${GRANT_COLUMNS.join(",")}`);
        continue;
      }
      line++;
      const next = await json.next();
      if (next.done) {
        mismatch++;
        break;
      }
      const r = next.value.row;
      const expected = GRANT_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? "" : String(r[c])));
      if (expected.join("\u0000") !== rec.join("\u0000")) {
        mismatch++;
        if (mismatch <= 5) refs.note(`${FILES.grantsCsv} record ${line} differs from ${FILES.grants} line ${line}`);
      }
    }
    if (!(await json.next()).done) mismatch++;
    await json.return(undefined);
    if (mismatch) refs.fail(`${FILES.grantsCsv} and ${FILES.grants} differ in ${mismatch} row(s)`);
    else refs.pass();
  }

  const policies = new Set<string>();
  if (need(FILES.policyVersions)) {
    for await (const { row } of jsonl<Row>(pack, FILES.policyVersions, bad(FILES.policyVersions))) {
      policies.add(String(row.id));
      const sha = createHash("sha256").update(String(row.text), "utf8").digest("hex");
      if (sha === row.sha256) refs.pass();
      else refs.fail(`${FILES.policyVersions}: version ${String(row.version)}: the SHA-256 of its text is ${sha.slice(0, 12)}…, not ${String(row.sha256).slice(0, 12)}…`);
    }
  }

  const requests = new Map<string, Row>();
  if (need(FILES.requests)) {
    for await (const { row } of jsonl<Row>(pack, FILES.requests, bad(FILES.requests))) {
      const id = String(row.id);
      requests.set(id, { requesterId: row.requesterId, beneficiaryId: row.beneficiaryId });
      hasEvents("request", "AccessRequest", row, FILES.requests);
      if (policies.has(String(row.policyVersionId))) refs.pass();
      else refs.fail(`${FILES.requests}: request ${id} names policy version ${String(row.policyVersionId)}, which is not in ${FILES.policyVersions}`);
    }
  }
  for (const [grantId, requestId] of grantRequest) {
    if (requests.has(requestId)) refs.pass();
    else refs.fail(`${FILES.grants}: grant ${grantId} came from request ${requestId}, which is not in ${FILES.requests}`);
  }

  if (need(FILES.approvals)) {
    for await (const { row } of jsonl<Row>(pack, FILES.approvals, bad(FILES.approvals))) {
      const req = requests.get(String(row.requestId));
      if (req) refs.pass();
      else refs.fail(`${FILES.approvals}: approval ${String(row.id)} refers to request ${String(row.requestId)}, which is not in ${FILES.requests}`);
      if (row.decidedById) {
        const parties = [row.requesterId, row.beneficiaryId, row.beneficiaryOwnerId, req?.requesterId, req?.beneficiaryId].filter(Boolean);
        if (parties.includes(row.decidedById)) inv.fail(`${FILES.approvals}: approval ${String(row.id)} was decided by ${String(row.decidedById)}, a party to request ${String(row.requestId)} (self-approval)`);
        else inv.pass();
      }
    }
  }

  for (const file of [FILES.provisioning, FILES.revocations] as const) {
    if (!need(file)) continue;
    for await (const { row } of jsonl<Row>(pack, file, bad(file))) {
      if (grants.has(String(row.grantId))) refs.pass();
      else refs.fail(`${file}: ${file === FILES.provisioning ? `task ${String(row.id)}` : "revocation"} refers to grant ${String(row.grantId)}, which is not in ${FILES.grants}`);
    }
  }

  const confirmedRevocations = new Set<string>();
  if (pack.has(FILES.revocations)) {
    for await (const { row } of jsonl<Row>(pack, FILES.revocations, () => {})) if (row.confirmed === true) confirmedRevocations.add(String(row.grantId));
  }
  const exceptions = new Set<string>();
  if (need(FILES.controls)) {
    const declared = new Map<string, { exceptions: number; seen: number }>();
    const orphans: string[] = [];
    for await (const { row } of jsonl<ControlLine>(pack, FILES.controls, bad(FILES.controls))) {
      if (row.type === "check") declared.set(row.id, { exceptions: row.exceptions, seen: 0 });
      else if (row.type === "exception") {
        exceptions.add(`${row.check}:${row.subjectId}`);
        const d = declared.get(row.check);
        if (d) d.seen++;
        else orphans.push(row.check);
      }
    }
    for (const o of new Set(orphans)) refs.fail(`${FILES.controls}: exception lines name check "${o}", which has no check line before them`);
    for (const [id, d] of declared) {
      if (d.seen === d.exceptions) refs.pass();
      else refs.fail(`${FILES.controls}: check "${id}" declares ${d.exceptions} exception(s) but lists ${d.seen}`);
    }
  }

  const generatedAt = manifest ? Date.parse(manifest.generatedAt) : Date.now();
  if (need(FILES.reviewItems)) {
    for await (const { row } of jsonl<Row>(pack, FILES.reviewItems, bad(FILES.reviewItems))) {
      const id = String(row.id);
      if (grants.has(String(row.grantId))) refs.pass();
      else refs.fail(`${FILES.reviewItems}: item ${id} refers to grant ${String(row.grantId)}, which is not in ${FILES.grants}`);
      if (row.decision === "REVOKE") {
        // Revocations start when the campaign closes: a decision in a campaign still open is not due yet.
        if (!row.campaignClosedAt) refs.pass();
        else if (confirmedRevocations.has(String(row.grantId)) || row.remediation === "CONFIRMED") refs.pass();
        else if (exceptions.has(`${CONTROL_IDS.revokeConfirmed}:${id}`)) refs.pass();
        else refs.fail(`${FILES.reviewItems}: item ${id} decided REVOKE in a closed campaign, but grant ${String(row.grantId)} has no confirmed revocation and the item is not an exception in ${FILES.controls}`);
      }
      if (row.decidedById) {
        if (row.decidedById === row.identityId) inv.fail(`${FILES.reviewItems}: item ${id} was decided by the holder of the access (${String(row.identityId)})`);
        else inv.pass();
      }
      if (row.decision && row.decidedAt) {
        const at = Date.parse(String(row.decidedAt));
        const opened = Date.parse(String(row.campaignLaunchedAt ?? row.campaignStartsAt));
        const closed = row.campaignClosedAt ? Date.parse(String(row.campaignClosedAt)) : generatedAt;
        if (at >= opened && at <= closed) inv.pass();
        else inv.fail(`${FILES.reviewItems}: item ${id} was decided at ${String(row.decidedAt)}, outside its campaign's window (${String(row.campaignLaunchedAt ?? row.campaignStartsAt)} to ${row.campaignClosedAt ? String(row.campaignClosedAt) : "generation"})`);
      }
    }
  }
  return { refs, inv };
}

/**
 * Verifies a pack offline. `publicKeyPem` / `publicKeyPems`: the keys to trust (from a trusted source); the
 * manifest must be signed with one of them, and so must every checkpoint (an anchor signed before a key
 * rotation needs the earlier key). Without any, the keys inside the pack are used: the pack is then only
 * shown to be consistent with itself.
 */
export async function verifyPack(zipPath: string, opts: { publicKeyPem?: string; publicKeyPems?: string[] } = {}): Promise<VerifyResult> {
  const given = [...(opts.publicKeyPem !== undefined ? [opts.publicKeyPem] : []), ...(opts.publicKeyPems ?? [])];
  const trusted = trustedKeys(given.length ? given : undefined);
  let pack: Pack;
  try {
    pack = await openZip(zipPath);
  } catch (e) {
    const c = new Check("pack");
    c.fail(`${zipPath} is not a readable zip file (${errText(e)})`);
    return { ok: false, checks: [c.result()] };
  }
  try {
    let manifestBytes: Buffer | null = null;
    let manifest: Manifest | null = null;
    let sig: string | null = null;
    try {
      manifestBytes = await pack.read(FILES.manifest);
      manifest = JSON.parse(manifestBytes.toString("utf8")) as Manifest;
    } catch {
      manifest = null;
    }
    try {
      sig = (await pack.read(FILES.signature)).toString("utf8").trim();
    } catch {
      sig = null;
    }
    const checks: Check[] = [checkSignature(manifestBytes, sig, manifest, trusted)];
    checks.push(await checkFiles(pack, manifest));
    const { chain, links, index } = await checkLedger(pack, manifest, trusted);
    checks.push(chain, links);
    const { refs, inv } = await checkReferences(pack, manifest, index);
    checks.push(refs, inv);
    const results = checks.map((c) => c.result());
    return { ok: results.every((c) => c.failures.length === 0 && c.passed === c.total), checks: results };
  } finally {
    pack.close();
  }
}

/** One line per check, then its failures: what the CLI prints. */
export function formatReport(r: VerifyResult): string {
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${c.name}: ${c.passed}/${c.total} valid${c.failures.length ? ` (${c.failures.length} failure${c.failures.length === 1 ? "" : "s"})` : ""}`);
    for (const f of c.failures) out.push(`  FAIL ${f}`);
  }
  out.push(r.ok ? "Evidence pack VALID." : "Evidence pack INVALID.");
  return out.join("\n");
}
