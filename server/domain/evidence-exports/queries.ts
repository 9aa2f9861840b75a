/**
 * Reading evidence exports: the list on /audit/evidence, one export's progress, the form's choices, the
 * download authorization (GET /api/evidence/<id>/download) and the public key (GET /api/evidence/public-key).
 *
 * Who sees an export: the person who requested it, and every ADMIN and AUDITOR. A security officer sees their own.
 */
import { stat } from "node:fs/promises";
import type { PrismaClient, Tx } from "../../db";
import type { EvidenceExport } from "../../db/generated/client";
import { env } from "../../env";
import { forbidden, notFound } from "../../errors";
import { loadSigningKey, registeredKeys } from "../../evidence/keys";
import { hasRole, loadActor, type Actor, type ServiceCtx } from "../actor";
import { EXPORT_ROLES } from "./service";
import { exportFilename, type ExportParams, type ExportRow, type ExportStatusName, type TExportRef } from "./schema";

/** The requester, ADMIN or AUDITOR. */
export function canSeeExport(actor: Actor, exp: { requestedById: string }): boolean {
  return exp.requestedById === actor.id || hasRole(actor, "ADMIN", "AUDITOR");
}

function paramsOf(row: EvidenceExport): ExportParams {
  const p = (row.params ?? {}) as Partial<ExportParams>;
  return { from: p.from ?? "", to: p.to ?? "", systems: p.systems ?? [], systemNames: p.systemNames ?? [], campaignId: p.campaignId ?? null };
}

async function toRows(db: Tx, rows: EvidenceExport[]): Promise<ExportRow[]> {
  const personIds = [...new Set(rows.map((r) => r.requestedById))];
  const campaignIds = [...new Set(rows.map((r) => paramsOf(r).campaignId).filter((c): c is string => Boolean(c)))];
  const [people, campaigns] = await Promise.all([
    personIds.length ? db.identity.findMany({ where: { id: { in: personIds } }, select: { id: true, displayName: true } }) : [],
    campaignIds.length ? db.campaign.findMany({ where: { id: { in: campaignIds } }, select: { id: true, name: true } }) : [],
  ]);
  const name = new Map(people.map((p) => [p.id, p.displayName]));
  const cname = new Map(campaigns.map((c) => [c.id, c.name]));
  return rows.map((r) => {
    const p = paramsOf(r);
    return {
      id: r.id,
      status: r.status as ExportStatusName,
      from: p.from,
      to: p.to,
      systemNames: p.systemNames,
      campaignId: p.campaignId,
      campaignName: p.campaignId ? (cname.get(p.campaignId) ?? null) : null,
      progress: r.progress,
      total: r.total,
      byteSize: r.byteSize === null ? null : Number(r.byteSize),
      fileSha256: r.fileSha256,
      error: r.error,
      requestedById: r.requestedById,
      requestedBy: name.get(r.requestedById) ?? "Unknown",
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
      expiredAt: r.expiredAt,
    };
  });
}

export const MY_EXPORTS_LIMIT = 50;

/** The latest exports the actor may see (their own; all of them for ADMIN and AUDITOR), newest first. */
export async function myExports(svc: ServiceCtx): Promise<ExportRow[]> {
  const all = hasRole(svc.actor, "ADMIN", "AUDITOR");
  const rows = await svc.db.evidenceExport.findMany({
    where: all ? {} : { requestedById: svc.actor.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MY_EXPORTS_LIMIT,
  });
  return toRows(svc.db, rows);
}

/**
 * One export (its progress while it runs). NOT_FOUND for someone else's export too (a security officer sees
 * their own only): the answer must not confirm that the id is an export, as the download route does not.
 */
export async function exportById(svc: ServiceCtx, input: TExportRef): Promise<ExportRow> {
  const row = await svc.db.evidenceExport.findUnique({ where: { id: input.id } });
  if (!row || !canSeeExport(svc.actor, row)) throw notFound("The export");
  return (await toRows(svc.db, [row]))[0];
}

export type ExportFormOptions = {
  systems: { id: string; name: string }[];
  campaigns: { id: string; name: string; status: string; startsAt: Date; dueAt: Date }[];
  /** Days a pack is kept after it is built (EVIDENCE_RETENTION_DAYS): the page states it. */
  retentionDays: number;
};

/** The systems and (launched) campaigns a pack can be scoped to, and how long a built pack is kept. */
export async function exportFormOptions(svc: ServiceCtx): Promise<ExportFormOptions> {
  if (!hasRole(svc.actor, ...EXPORT_ROLES)) throw forbidden("Only auditors, admins and security officers can export evidence packs.");
  const [systems, campaigns] = await Promise.all([
    svc.db.system.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
    svc.db.campaign.findMany({
      where: { status: { not: "DRAFT" } },
      select: { id: true, name: true, status: true, startsAt: true, dueAt: true },
      orderBy: [{ startsAt: "desc" }, { id: "asc" }],
      take: 200,
    }),
  ]);
  return { systems, campaigns, retentionDays: env().EVIDENCE_RETENTION_DAYS };
}

export type EvidenceKeys = {
  keyId: string;
  publicKeyPem: string;
  /** Keys used before a rotation (still needed to verify checkpoints they signed), oldest first. */
  previous: { keyId: string; publicKeyPem: string; registeredAt: string }[];
};

/** The evidence signing key's public half, and the keys used before it: public by design, any signed-in person may read them. */
export async function evidencePublicKey(db: Tx): Promise<EvidenceKeys> {
  const k = await loadSigningKey();
  const all = await registeredKeys(db);
  return {
    keyId: k.keyId,
    publicKeyPem: k.publicKeyPem,
    previous: all.filter((r) => r.keyId !== k.keyId).map((r) => ({ keyId: r.keyId, publicKeyPem: r.publicKeyPem, registeredAt: r.registeredAt.toISOString() })),
  };
}

/** Every key as one PEM file (earlier keys first, the current one last), with a comment line naming each. */
export function keyBundle(keys: EvidenceKeys): string {
  const block = (id: string, pem: string, what: string) => `# Warrant evidence key ${id} (${what})\n${pem.trim()}\n`;
  return [...keys.previous.map((p) => block(p.keyId, p.publicKeyPem, `registered ${p.registeredAt}, used before a rotation`)), block(keys.keyId, keys.publicKeyPem, "current")].join("\n");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type DownloadOutcome =
  | { ok: true; filePath: string; filename: string; byteSize: number; sha256: string | null }
  | { ok: false; status: 401 | 404 | 410; message: string };

/** The answer for an export that does not exist and for one the caller may not see: the same, on purpose. */
export const EXPORT_NOT_FOUND = "The export was not found.";

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The message for a pack whose file the retention job removed (the days as recorded in its ledger event). */
async function expiredMessage(db: PrismaClient, row: EvidenceExport): Promise<string> {
  const ev = await db.ledgerEvent.findFirst({
    where: { subjectType: "EvidenceExport", subjectId: row.id, action: "evidence.export_expired" },
    orderBy: { seq: "desc" },
    select: { payload: true },
  });
  const recorded = (ev?.payload as { retentionDays?: unknown } | null)?.retentionDays;
  const days = typeof recorded === "number" ? recorded : env().EVIDENCE_RETENTION_DAYS;
  const on = row.expiredAt ? ` on ${isoDay(row.expiredAt)}` : "";
  return `This evidence pack expired${on} and its file was removed after ${days} ${days === 1 ? "day" : "days"}; export it again.`;
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * Who may download an export's zip: the requester, ADMIN or AUDITOR (signed in and active). 404 when there is
 * no such export or the caller may not see it (one answer for both), it is not DONE yet (or failed), or its
 * file is missing although it should still be kept; 410 when the retention job removed its file (EXPIRED),
 * told only to those who may see the export.
 */
export async function openExportDownload(db: PrismaClient, identityId: string | null, exportId: string): Promise<DownloadOutcome> {
  if (!identityId) return { ok: false, status: 401, message: "Please sign in." };
  const actor = await loadActor(db, identityId);
  if (!actor) return { ok: false, status: 401, message: "Your account is not active in Warrant." };
  // Missing and not yours answer alike (same status, same words): a download URL is no existence oracle.
  const notFound = { ok: false, status: 404, message: EXPORT_NOT_FOUND } as const;
  if (!UUID.test(exportId)) return notFound;
  let row = await db.evidenceExport.findUnique({ where: { id: exportId } });
  if (!row || !canSeeExport(actor, row)) return notFound;
  if (row.status === "EXPIRED") return { ok: false, status: 410, message: await expiredMessage(db, row) };
  if (row.status !== "DONE" || !row.filePath) return { ok: false, status: 404, message: "The export is not ready (it is still running, or it failed)." };
  if (!(await fileExists(row.filePath))) {
    // The retention job may have expired it a moment ago (the row says EXPIRED before the file goes).
    row = (await db.evidenceExport.findUnique({ where: { id: exportId } })) ?? row;
    if (row.status === "EXPIRED") return { ok: false, status: 410, message: await expiredMessage(db, row) };
    const built = row.completedAt ? ` (built on ${isoDay(row.completedAt)})` : "";
    return {
      ok: false,
      status: 404,
      message: `This evidence pack${built} should still be on the server, but its file is missing from the evidence folder: it is no longer available. Export it again, and tell an administrator (check EVIDENCE_DIR).`,
    };
  }
  return { ok: true, filePath: row.filePath, filename: exportFilename(paramsOf(row)), byteSize: Number(row.byteSize ?? 0), sha256: row.fileSha256 };
}

/** The public key for GET /api/evidence/public-key: any signed-in, active person. */
export async function publicKeyForRoute(db: PrismaClient, identityId: string | null): Promise<({ ok: true } & EvidenceKeys) | { ok: false; status: 401; message: string }> {
  if (!identityId) return { ok: false, status: 401, message: "Please sign in." };
  if (!(await loadActor(db, identityId))) return { ok: false, status: 401, message: "Your account is not active in Warrant." };
  return { ok: true, ...(await evidencePublicKey(db)) };
}
