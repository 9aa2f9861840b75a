/**
 * Test helpers for evidence packs: a throwaway signing key, export to a temp file, and rewriting a pack's
 * entries (to tamper with it the way an attacker would, or a dishonest exporter holding the real key).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import yauzl from "yauzl";
import { ZipFile } from "yazl";
import type { PrismaClient } from "../db";
import { followCampaignRemediation } from "../jobs/campaigns";
import { processProvisioningTasks } from "../jobs/provisioning";
import { DAY, HOUR, requestCast, submitInput, type RequestCast } from "../domain/requests/request-test-kit";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { exportEvidencePack, type ExportOptions, type ExportParams } from "./export";
import { GRANT_COLUMNS, RECON_FINDING_COLUMNS, RowCounter, keyIdOf as keyIdLocal, kindOf, type Manifest } from "./format";
import { csvLine } from "../csv";

export const packDir = () => mkdtempSync(path.join(tmpdir(), "warrant-evidence-"));

/** Writes a fresh Ed25519 key and points EVIDENCE_KEY_FILE at it (call before anything reads the env). */
export function useTempKey(dir: string): { file: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const file = path.join(dir, "evidence-key.pem");
  writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  process.env.EVIDENCE_KEY_FILE = file;
  return { file, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export async function exportTo(db: PrismaClient, file: string, params: ExportParams, opts: ExportOptions = {}) {
  const out = createWriteStream(file);
  return exportEvidencePack(db, params, out, opts);
}

/** Every entry of a zip, in order. */
export function readZip(file: string): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: { name: string; data: Buffer }[] = [];
      zip.on("entry", (e: yauzl.Entry) => {
        zip.openReadStream(e, (er, s) => {
          if (er || !s) return reject(er);
          const parts: Buffer[] = [];
          s.on("data", (c: Buffer) => parts.push(c));
          s.on("end", () => {
            out.push({ name: e.fileName, data: Buffer.concat(parts) });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

/** An entry given as a stream (e.g. 200 MB of zeros that a test should not hold in memory). */
export type StreamedEntry = { name: string; stream: () => Readable };

export function writeZip(file: string, entries: ({ name: string; data: Buffer } | StreamedEntry)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const out = createWriteStream(file);
    zip.outputStream.pipe(out).on("close", resolve).on("error", reject);
    for (const e of entries) {
      if ("data" in e) zip.addBuffer(e.data, e.name);
      else zip.addReadStream(e.stream(), e.name);
    }
    zip.end();
  });
}

/** `bytes` zeros, streamed one MiB at a time: deflated to about a thousandth of their size (a zip bomb's payload). */
export function zeros(bytes: number): Readable {
  const mib = Buffer.alloc(1024 * 1024);
  return Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= mib.length) yield left >= mib.length ? mib : mib.subarray(0, left);
    })(),
  );
}

/**
 * Rewrites the uncompressed size the zip's central directory declares for `name` (the size a verifier sees
 * before reading), leaving the data as it is: a zip header that lies about what the entry inflates to.
 */
export function patchDeclaredSize(file: string, name: string, size: number): void {
  const zip = readFileSync(file);
  // End of central directory (no zip comment: yazl writes none): entry count at +10, directory offset at +16.
  const eocd = zip.length - 22;
  if (zip.readUInt32LE(eocd) !== 0x06054b50) throw new Error(`${file}: no end-of-central-directory record`);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString("utf8", at + 46, at + 46 + nameLength) === name) {
      zip.writeUInt32LE(size, at + 24); // uncompressed size
      writeFileSync(file, zip);
      return;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${name}: not in ${file}`);
}

/** Copies `src` to `dst` with `edit` applied to the entries (change, drop, add, reorder). */
export async function tamper(src: string, dst: string, edit: (entries: { name: string; data: Buffer }[]) => { name: string; data: Buffer }[] | void) {
  const entries = await readZip(src);
  const edited = edit(entries) ?? entries;
  await writeZip(dst, edited);
}

export function entry(entries: { name: string; data: Buffer }[], name: string) {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`${name} not in pack`);
  return e;
}

/**
 * Brings the manifest's sha256 / bytes / rows of every listed file in line with the entries (or with
 * `measured`, for an entry the test streams instead of holding) and signs it again with the private key in
 * `keyFile`: the pack a dishonest exporter holding the real key would write, so that only the checks of the
 * files' contents can catch what was changed. `ownKey`: also put that key's public half in the manifest, as
 * anyone re-signing a pack with a key of their own would.
 */
export function reseal(
  entries: { name: string; data: Buffer }[],
  keyFile: string,
  opts: { measured?: Record<string, { sha256: string; bytes: number; rows: number | null }>; ownKey?: boolean } = {},
) {
  const measured = opts.measured ?? {};
  const key = createPrivateKey(readFileSync(keyFile));
  const m = entry(entries, "manifest.json");
  const manifest = JSON.parse(m.data.toString("utf8")) as Manifest;
  if (opts.ownKey) {
    manifest.publicKey = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
    manifest.keyId = keyIdLocal(manifest.publicKey);
  }
  for (const f of manifest.files) {
    const e = entries.find((x) => x.name === f.path);
    if (measured[f.path]) Object.assign(f, measured[f.path]);
    else if (e) {
      const rows = new RowCounter(kindOf(f.path));
      rows.push(e.data);
      Object.assign(f, { sha256: createHash("sha256").update(e.data).digest("hex"), bytes: e.data.length, rows: rows.result() });
    }
  }
  m.data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  entry(entries, "manifest.sig").data = Buffer.from(`${sign(null, m.data, key).toString("base64")}\n`);
}

/** Re-signs manifest.json with another key (as an attacker with their own key would). */
export function resign(entries: { name: string; data: Buffer }[], withPublicKeyInManifest: boolean) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const m = entry(entries, "manifest.json");
  if (withPublicKeyInManifest) {
    const manifest = JSON.parse(m.data.toString("utf8"));
    manifest.publicKey = publicKey.export({ type: "spki", format: "pem" }).toString();
    manifest.keyId = keyIdLocal(publicKey);
    m.data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  }
  entry(entries, "manifest.sig").data = Buffer.from(`${sign(null, m.data, privateKey).toString("base64")}\n`);
}

/** The period of `runLifecycle` (on the request cast's test clock, from 2026-03-02 09:01). */
export const LIFECYCLE_PERIOD = { from: new Date("2026-03-02T09:00:30Z"), to: new Date("2026-03-10T00:00:00Z") };

/**
 * A whole access lifecycle through the real routers, on a fresh database: a first export (so later packs
 * have a signed anchor before the period), a request approved in two stages, manual provisioning confirmed,
 * then a campaign in which the owner decides REVOKE, the admin closes it and the revocation is confirmed.
 * Every pack file then has rows: requests, approvals, tasks, a review item and a revocation. `otherSystem`:
 * also a request approved and provisioned in a second system during the period (returned as `other`).
 */
export async function runLifecycle(db: PrismaClient, dir: string, opts: { otherSystem?: boolean } = {}) {
  const c: RequestCast = await requestCast(db);
  const first = await exportTo(db, path.join(dir, `before-${Date.now()}.zip`), { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") });
  c.clock.advance(60_000);
  const { request: r, grant, task } = await approvedAndProvisioned(db, c, c.medium.id, "Added Priya to write-batches in the console");
  // The same in a second system (owned by the same person), outside the campaign: a pack scoped to the first
  // system must account for it in scope-exclusions.jsonl.
  let other: { systemId: string; requestId: string; grantId: string } | null = null;
  if (opts.otherSystem) {
    const system = await makeSystem(db, c.owner.id, { name: "People Directory" });
    const ent = await makeEntitlement(db, system.id, { name: "edit-profiles", risk: "MEDIUM" });
    c.clock.advance(60_000);
    const o = await approvedAndProvisioned(db, c, ent.id, "Added Priya to edit-profiles");
    other = { systemId: system.id, requestId: o.request.id, grantId: o.grant.id };
  }

  const created = await c.as.admin.campaigns.create({
    name: "March payments review",
    scope: { systemIds: [c.system.id], entitlementIds: [], privilegedOnly: false, identityKinds: [] },
    reviewerStrategy: "ENTITLEMENT_OWNER",
    fallbackReviewerId: c.security.id,
    startsAt: c.clock.now(),
    dueAt: new Date(c.clock.now().getTime() + 7 * DAY),
    reminderDays: [1],
    defaultAction: "KEEP",
  });
  const campaignId = created.id;
  const draft = await db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  await c.as.admin.campaigns.launch({ id: campaignId, expectedUpdatedAt: draft.updatedAt });
  const item = await db.reviewItem.findFirstOrThrow({ where: { campaignId, grantId: grant.id } });
  c.clock.advance(HOUR);
  await c.as.owner.campaigns.decide({ itemId: item.id, expectedVersion: item.version, decision: "REVOKE", comment: "Not needed after the batch fix" });
  c.clock.advance(HOUR);
  await c.as.admin.campaignOps.close({ campaignId });
  await processProvisioningTasks(db, c.clock.now(), "w-evidence", 50);
  const revoke = await db.provisioningTask.findFirstOrThrow({ where: { grantId: grant.id, action: "REVOKE" } });
  await c.as.owner.tasks.confirm({ taskId: revoke.id, note: "Removed Priya from write-batches", outcome: "DONE" });
  await followCampaignRemediation(db, c.clock.advance(HOUR));
  return { cast: c, first, other, requestId: r.id, grantId: grant.id, grantTaskId: task.id, revokeTaskId: revoke.id, campaignId, itemId: item.id };
}

/** A reason a spreadsheet would run as a formula: exact in the JSON Lines, neutralised in the CSV. */
export const FORMULA_REASON = '=HYPERLINK("http://x","y") vendor break-fix account';

/**
 * After `runLifecycle`, on its clock (inside LIFECYCLE_PERIOD): a manual system "Vendor Portal" reconciled for
 * the first time from an access export, which onboards one membership (adopted as an imported grant); the
 * unknown account is accepted with FORMULA_REASON and the missing grant re-provisioned. Every outcome the
 * pack's reconciliation files carry, with its ledger events.
 */
export async function runReconciliationScene(db: PrismaClient, c: RequestCast) {
  const system = await makeSystem(db, c.owner.id, { name: "Vendor Portal" });
  await db.system.update({ where: { id: system.id }, data: { connector: "MANUAL" } });
  const ent = await makeEntitlement(db, system.id, { name: "vendor-admin" });
  const found = await makeHuman(db, { name: "Fay Found" });
  const gone = await makeHuman(db, { name: "Gus Gone" });
  await db.grant.create({ data: { identityId: gone.id, entitlementId: ent.id, status: "ACTIVE", origin: "IMPORTED", startsAt: c.clock.now(), expiresAt: new Date(c.clock.now().getTime() + 30 * DAY) } });
  c.clock.advance(60_000);
  const run = await c.as.owner.reconciliation.reconcileNow({ systemId: system.id, accessExport: `account,entitlement\n${found.email},vendor-admin\nghost@elsewhere.test,vendor-admin\n` });
  const open = await db.finding.findMany({ where: { subjectId: system.id, status: "OPEN" } });
  const orphan = open.find((f) => f.kind === "ORPHAN_ACCOUNT")!;
  const missing = open.find((f) => f.kind === "MISSING_ACCESS")!;
  c.clock.advance(60_000);
  await c.as.owner.reconciliation.accept({ findingId: orphan.id, days: 7, reason: FORMULA_REASON });
  await c.as.owner.reconciliation.reprovision({ findingId: missing.id, reason: "Lost in the March restore" });
  return { system, found, gone, run, orphan, missing };
}

/** A request for `entitlementId` by the employee, approved by manager and owner, provisioned and confirmed by the owner. */
async function approvedAndProvisioned(db: PrismaClient, c: RequestCast, entitlementId: string, note: string) {
  const request = await c.as.employee.requests.submit(submitInput(entitlementId));
  const steps = () => db.approvalStep.findMany({ where: { requestId: request.id }, orderBy: { stageOrder: "asc" } });
  await c.as.manager.approvals.decide({ requestId: request.id, stepId: (await steps())[0]!.id, decision: "APPROVE", expectedRevision: 1 });
  await c.as.owner.approvals.decide({ requestId: request.id, stepId: (await steps())[1]!.id, decision: "APPROVE", reason: "Fine for the batch fix", expectedRevision: 1 });
  const grant = await db.grant.findUniqueOrThrow({ where: { requestId: request.id } });
  await processProvisioningTasks(db, c.clock.now(), "w-evidence", 50);
  const task = await db.provisioningTask.findFirstOrThrow({ where: { grantId: grant.id, action: "GRANT" } });
  await c.as.owner.tasks.confirm({ taskId: task.id, note, outcome: "DONE" });
  return { request, grant, task };
}

type Entries = { name: string; data: Buffer }[];

/** The rows of a JSON Lines entry (blank lines skipped). */
export function rowsOf(entries: Entries, name: string): Record<string, unknown>[] {
  return entry(entries, name)
    .data.toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The JSON Lines files with a CSV twin, and the twin's columns. */
const CSV_TWINS: Record<string, { csv: string; columns: readonly string[] }> = {
  "grants.jsonl": { csv: "grants.csv", columns: GRANT_COLUMNS },
  "reconciliation-findings.jsonl": { csv: "reconciliation-findings.csv", columns: RECON_FINDING_COLUMNS },
};

/**
 * Replaces the rows of a JSON Lines entry (written as the exporter writes them, keys in the given order);
 * for a file with a CSV twin (grants, reconciliation findings), the CSV too, so the twin still agrees and
 * only the deeper checks can notice.
 */
export function setRows(entries: Entries, name: string, rows: Record<string, unknown>[]): void {
  entry(entries, name).data = Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const twin = CSV_TWINS[name];
  if (twin) entry(entries, twin.csv).data = Buffer.from([csvLine(twin.columns, "\n"), ...rows.map((r) => csvLine(twin.columns.map((c) => r[c]), "\n"))].join(""));
}

/** The manifest of a pack's entries, edited in place by `edit` (call `reseal` afterwards to sign it again). */
export function editManifest(entries: Entries, edit: (m: Manifest) => void): void {
  const m = entry(entries, "manifest.json");
  const manifest = JSON.parse(m.data.toString("utf8")) as Manifest;
  edit(manifest);
  m.data = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * A dishonest exporter holding the real key: copies `src` to `dst` with `edit` applied, then re-measures
 * every file and re-signs the manifest with the key in `keyFile` (see `reseal`), so the signature, sizes and
 * hashes all pass and only the deeper checks can catch the change.
 */
export async function tamperResealed(src: string, dst: string, keyFile: string, edit: (entries: Entries) => void): Promise<void> {
  await tamper(src, dst, (es) => {
    edit(es);
    reseal(es, keyFile);
  });
}
