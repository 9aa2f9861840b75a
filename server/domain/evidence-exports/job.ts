/**
 * The background job that builds queued evidence packs (registered in server/jobs/registry.ts).
 *
 * Claim: QUEUED exports (and RUNNING ones whose lease ran out: their worker died) are claimed with
 * `FOR UPDATE SKIP LOCKED`, set RUNNING with claimedBy / claimedUntil, so any number of workers can run the
 * job at once and an export is built by one. The pack is streamed to `<EVIDENCE_DIR>/<id>.zip.part`
 * (hashed on the way), renamed to `<id>.zip`, and the row becomes DONE with its SHA-256 and size, with the
 * ledger event "evidence.exported" — or FAILED with the error ("evidence.export_failed"). Every write after
 * the claim is conditional on the claim still being ours.
 */
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { resolve, join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { finished } from "node:stream/promises";
import type { PrismaClient } from "../../db";
import type { EvidenceExport } from "../../db/generated/client";
import { env } from "../../env";
import { recordEvent } from "../../ledger/ledger";
import { exportEvidencePack } from "../../evidence/export";
import { packPeriod, type ExportParams } from "./schema";

/** A claim lasts this long past the last sign of life (each progress update extends it). */
export const EXPORT_LEASE_MS = 10 * 60_000;
/** Progress is written at most this often (and at the end). */
export const PROGRESS_EVERY_MS = 500;

export function evidenceDir(): string {
  return resolve(/* turbopackIgnore: true */ process.cwd(), env().EVIDENCE_DIR || ".data/evidence");
}

/** Claims up to `limit` exports for `workerId` and marks them RUNNING. Returns their ids. */
export async function claimExports(db: PrismaClient, now: Date, workerId: string, limit = 1): Promise<string[]> {
  const until = new Date(now.getTime() + EXPORT_LEASE_MS);
  return db.$transaction(async (tx) => {
    // RETURNING keeps no order: the claimed ids come back in the order they were chosen.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      WITH claimed AS (
        UPDATE "EvidenceExport"
           SET "status" = 'RUNNING', "claimedBy" = ${workerId}, "claimedUntil" = ${until.toISOString()}::timestamp,
               "startedAt" = ${now.toISOString()}::timestamp, "progress" = 0
         WHERE "id" IN (
           SELECT "id" FROM "EvidenceExport"
            WHERE "status" = 'QUEUED'
               OR ("status" = 'RUNNING' AND "claimedUntil" < ${now.toISOString()}::timestamp)
            ORDER BY "createdAt", "id"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
        RETURNING "id", "createdAt")
      SELECT "id" FROM claimed ORDER BY "createdAt", "id"`;
    return rows.map((r) => r.id);
  });
}

/** Passes bytes through, hashing and counting them. */
class Sha256Counter extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

function paramsOf(row: EvidenceExport): ExportParams {
  const p = row.params as Partial<ExportParams>;
  return { from: p.from!, to: p.to!, systems: p.systems ?? [], systemNames: p.systemNames ?? [], campaignId: p.campaignId ?? null };
}

export type RunOptions = {
  /** Where packs are written (default EVIDENCE_DIR, else .data/evidence). */
  dir?: string;
  /** Progress writes at most this often (ms). */
  progressEveryMs?: number;
  /** Called after each progress write (tests watch the progress move). */
  onProgressSaved?: (done: number, total: number) => void;
};

/** Builds one claimed export. Never throws for a failed export: that becomes a FAILED row. Returns false when the claim was lost. */
export async function runExport(db: PrismaClient, id: string, now: Date, workerId: string, opts: RunOptions = {}): Promise<boolean> {
  const row = await db.evidenceExport.findUnique({ where: { id } });
  if (!row || row.status !== "RUNNING" || row.claimedBy !== workerId) return false;
  const params = paramsOf(row);
  const dir = opts.dir ?? evidenceDir();
  const finalPath = join(dir, `${id}.zip`);
  // Per attempt: a worker that took over after a lease ran out never writes into the first one's file.
  const partPath = `${finalPath}.${randomUUID().slice(0, 8)}.part`;
  const every = opts.progressEveryMs ?? PROGRESS_EVERY_MS;
  const t0 = Date.now();
  const ours = { id, claimedBy: workerId, status: "RUNNING" as const };

  // Progress: a sync callback from the exporter; writes are throttled and chained (never concurrent, in order).
  let lastWrite = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let latest: { done: number; total: number } | null = null;
  let seenTotal = 0;
  const flush = () => {
    const p = latest;
    if (!p) return;
    latest = null;
    const until = new Date(now.getTime() + (Date.now() - t0) + EXPORT_LEASE_MS);
    chain = chain
      .then(() => db.evidenceExport.updateMany({ where: ours, data: { progress: p.done, total: p.total, claimedUntil: until } }))
      .then((n) => (n.count === 1 ? opts.onProgressSaved?.(p.done, p.total) : undefined))
      .catch(() => undefined);
  };
  const onProgress = (done: number, total: number) => {
    latest = { done, total };
    seenTotal = total;
    const t = Date.now();
    if (t - lastWrite >= every || done >= total) {
      lastWrite = t;
      flush();
    }
  };

  let result: Awaited<ReturnType<typeof exportEvidencePack>> | null = null;
  let error: string | null = null;
  const counter = new Sha256Counter();
  let file: ReturnType<typeof createWriteStream> | null = null;
  try {
    await mkdir(dir, { recursive: true });
    file = createWriteStream(partPath, { mode: 0o600 });
    counter.pipe(file);
    const fileDone = finished(file);
    const period = packPeriod(params.from, params.to);
    // The exporter takes system names: read them now (a system renamed since the request keeps its id).
    const systems = params.systems.length ? await db.system.findMany({ where: { id: { in: params.systems } }, select: { name: true } }) : [];
    if (systems.length !== params.systems.length) throw new Error("A system chosen for this export no longer exists.");
    result = await exportEvidencePack(
      db,
      { from: period.from, to: period.to, systems: systems.length ? systems.map((s) => s.name) : undefined, campaignId: params.campaignId ?? undefined },
      counter,
      { onProgress, now, generator: "portal" },
    );
    if (!counter.writableEnded) counter.end();
    await fileDone;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    counter.destroy();
    if (file && !file.closed) await new Promise<void>((r) => file!.destroy().once("close", () => r()));
    await rm(partPath, { force: true }).catch(() => undefined);
  }
  flush();
  await chain;

  const won = await db.$transaction(async (tx) => {
    const p = { ...params, requestedById: row.requestedById };
    if (error !== null || !result) {
      const n = await tx.evidenceExport.updateMany({ where: ours, data: { status: "FAILED", error: error ?? "The export produced nothing.", completedAt: now, claimedUntil: null } });
      if (n.count !== 1) return false;
      await recordEvent(tx, { actorId: null, action: "evidence.export_failed", subjectType: "EvidenceExport", subjectId: id, payload: { ...p, error }, occurredAt: now });
      return true;
    }
    const fileSha256 = counter.hash.digest("hex");
    const n = await tx.evidenceExport.updateMany({
      where: ours,
      data: { status: "DONE", filePath: finalPath, fileSha256, byteSize: BigInt(counter.bytes), completedAt: now, claimedUntil: null, progress: seenTotal, total: seenTotal },
    });
    // Lost the claim (our lease ran out and another worker took over): its row and file are left alone.
    if (n.count !== 1) return false;
    // Only the worker whose DONE was written puts its file in place (a failed rename rolls the DONE back).
    await rename(partPath, finalPath);
    await recordEvent(tx, {
      actorId: null,
      action: "evidence.exported",
      subjectType: "EvidenceExport",
      subjectId: id,
      payload: {
        ...p,
        manifestSha256: result.manifestSha256,
        fileSha256,
        byteSize: counter.bytes,
        files: result.files,
        ledgerEvents: result.ledgerEvents,
        checkpointSeq: result.checkpointSeq,
      },
      occurredAt: now,
    });
    return true;
  });
  if (!won) await rm(partPath, { force: true }).catch(() => undefined);
  return won;
}

/** The job: claims and builds up to `limit` exports. */
export async function runQueuedExports(db: PrismaClient, now: Date, workerId: string, limit = 1, opts: RunOptions = {}): Promise<{ processed: number }> {
  const ids = await claimExports(db, now, workerId, limit);
  let processed = 0;
  for (const id of ids) if (await runExport(db, id, now, workerId, opts)) processed++;
  return { processed };
}
