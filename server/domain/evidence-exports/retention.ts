/**
 * Evidence-pack retention (the "evidence-retention" job, registered in server/jobs/registry.ts).
 *
 * 1. Expiry: every DONE export built more than EVIDENCE_RETENTION_DAYS ago becomes EXPIRED (expiredAt = now)
 *    with the ledger event "evidence.export_expired" in the same transaction — a conditional write on
 *    status DONE, with rows taken `FOR UPDATE SKIP LOCKED` in batches, so any number of workers may run it and
 *    an export expires once. The row keeps fileSha256 and byteSize: the hash stays as the record of what was
 *    delivered. The file is deleted after the commit (already gone is fine).
 * 2. Sweep: files in the evidence folder that the portal wrote and no longer needs are removed. Only names the
 *    export job writes are ever touched — `<uuid>.zip` and `<uuid>.zip.<8 hex>.part` — and only:
 *    - a `.zip` whose export is EXPIRED or FAILED;
 *    - a `.part` whose export is not RUNNING, or is RUNNING but its claim ran out (claimedUntil < now): the
 *      leftover of a worker that died. A `.part` of a live claim is never touched;
 *    - either, when its export is not in this database at all (a database reset, a restore), once the file is
 *      older (by its modification time) than the retention for a `.zip`, or than a claim (EXPORT_LEASE_MS)
 *      for a `.part`: a folder shared by mistake with another database keeps that database's fresh files.
 *    Everything else in the folder is left alone; a missing folder is fine.
 */
import { lstat, readdir, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import type { PrismaClient } from "../../db";
import { env } from "../../env";
import { recordEvent } from "../../ledger/ledger";
import { EXPORT_LEASE_MS, evidenceDir } from "./job";

const DAY_MS = 86_400_000;
/** Exports expired per transaction. */
export const RETENTION_BATCH = 100;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A finished pack, as the export job names it. */
const ZIP_NAME = new RegExp(`^(${UUID})\\.zip$`);
/** One attempt's file while it is being written (the export job adds 8 hex characters per attempt). */
const PART_NAME = new RegExp(`^(${UUID})\\.zip\\.[0-9a-f]{8}\\.part$`);

export type RetentionOptions = {
  /** The evidence folder (default EVIDENCE_DIR, else .data/evidence). */
  dir?: string;
  /** Days a pack is kept after it was built (default EVIDENCE_RETENTION_DAYS). */
  retentionDays?: number;
  /** Exports expired per transaction (default 100). */
  batchSize?: number;
};

export type RetentionResult = {
  /** expired + removed (what the worker logs). */
  processed: number;
  /** Exports that became EXPIRED in this run. */
  expired: number;
  /** Files this run deleted (expired packs and swept leftovers). */
  removed: number;
  /** Files that could not be deleted (other than already gone), with the error. Retried by the next run's sweep. */
  failures: string[];
};

export function retentionDays(): number {
  return env().EVIDENCE_RETENTION_DAYS;
}

/** Deletes a file; true when this call removed it, false when it was already gone. Other errors throw. */
async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

type Expired = { id: string; filePath: string | null };

/** Expires up to `limit` DONE exports completed before `cutoff`, in one transaction. */
async function expireBatch(db: PrismaClient, now: Date, cutoff: Date, days: number, limit: number): Promise<{ seen: number; expired: Expired[] }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; filePath: string | null; fileSha256: string | null; byteSize: bigint | null; completedAt: Date | null }[]>`
      SELECT "id", "filePath", "fileSha256", "byteSize", "completedAt" FROM "EvidenceExport"
       WHERE "status" = 'DONE' AND "completedAt" < ${cutoff.toISOString()}::timestamp
       ORDER BY "completedAt", "id"
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED`;
    const expired: Expired[] = [];
    for (const row of rows) {
      const { id } = row;
      // Conditional: only a DONE row expires, and only once.
      const n = await tx.evidenceExport.updateMany({ where: { id, status: "DONE" }, data: { status: "EXPIRED", expiredAt: now } });
      if (n.count !== 1) continue;
      await recordEvent(tx, {
        actorId: null,
        action: "evidence.export_expired",
        subjectType: "EvidenceExport",
        subjectId: id,
        payload: {
          fileSha256: row.fileSha256,
          byteSize: row.byteSize === null ? null : Number(row.byteSize),
          completedAt: row.completedAt?.toISOString() ?? null,
          retentionDays: days,
        },
        occurredAt: now,
      });
      expired.push({ id, filePath: row.filePath });
    }
    return { seen: rows.length, expired };
  });
}

/**
 * The job: expires DONE exports older than the retention and deletes their files, then sweeps the evidence
 * folder for leftovers (see the file comment). Called by the worker with the business clock's `now`; safe to
 * run in several workers at once (each export expires once, with one ledger event).
 */
export async function expireEvidenceExports(db: PrismaClient, now: Date, opts: RetentionOptions = {}): Promise<RetentionResult> {
  const dir = opts.dir ?? evidenceDir();
  const days = opts.retentionDays ?? retentionDays();
  const limit = opts.batchSize ?? RETENTION_BATCH;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const out: RetentionResult = { processed: 0, expired: 0, removed: 0, failures: [] };

  const remove = async (path: string) => {
    try {
      if (await removeFile(path)) out.removed++;
    } catch (e) {
      out.failures.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  for (;;) {
    const { seen, expired } = await expireBatch(db, now, cutoff, days, limit);
    out.expired += expired.length;
    // After the commit: the row says EXPIRED before the file goes, so a download never finds DONE without its file.
    for (const e of expired) {
      const own = join(dir, `${e.id}.zip`);
      await remove(own);
      // Written under another EVIDENCE_DIR: removed too, but only a file named as the export job names it.
      if (e.filePath && e.filePath !== own && basename(e.filePath) === `${e.id}.zip`) await remove(e.filePath);
    }
    // A short batch means nothing is left (or the rest is being expired by another worker right now).
    if (seen < limit || expired.length === 0) break;
  }

  await sweep(db, now, dir, days, remove);
  out.processed = out.expired + out.removed;
  if (out.failures.length) console.error(`[evidence-retention] could not remove ${out.failures.length} file(s): ${out.failures.join("; ")}`);
  return out;
}

/** Removes the portal's own leftovers from `dir` (see the file comment for exactly which). */
async function sweep(db: PrismaClient, now: Date, dir: string, days: number, remove: (path: string) => Promise<void>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const candidates: { name: string; id: string; kind: "zip" | "part" }[] = [];
  for (const name of names) {
    const zip = ZIP_NAME.exec(name);
    const part = zip ? null : PART_NAME.exec(name);
    if (zip) candidates.push({ name, id: zip[1], kind: "zip" });
    else if (part) candidates.push({ name, id: part[1], kind: "part" });
  }
  if (!candidates.length) return;

  const ids = [...new Set(candidates.map((c) => c.id))];
  const rows = new Map<string, { status: string; claimedUntil: Date | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db.evidenceExport.findMany({ where: { id: { in: ids.slice(i, i + 500) } }, select: { id: true, status: true, claimedUntil: true } });
    for (const r of found) rows.set(r.id, r);
  }

  for (const c of candidates) {
    const row = rows.get(c.id);
    if (row) {
      const stale =
        c.kind === "zip"
          ? // DONE is being served; QUEUED / RUNNING may be in the middle of putting its file in place.
            row.status === "EXPIRED" || row.status === "FAILED"
          : // An attempt's file is only needed while its claim is live (a worker extends its claim as it writes).
            row.status !== "RUNNING" || (row.claimedUntil !== null && row.claimedUntil.getTime() < now.getTime());
      if (!stale) continue;
    }
    const path = join(dir, c.name);
    // Only plain files: never follow a link or remove a folder that happens to carry such a name.
    const st = await lstat(path).catch(() => null);
    if (!st?.isFile()) continue;
    if (!row) {
      // No such export in this database. Removed only once the file is old by the wall clock (not the business
      // clock): longer than the retention for a pack, longer than a claim for a part. So a folder shared by
      // mistake with another database (a test run, a second portal) loses nothing that database still needs.
      const age = Date.now() - st.mtimeMs;
      if (age < (c.kind === "zip" ? days * DAY_MS : EXPORT_LEASE_MS)) continue;
    }
    await remove(path);
  }
}
