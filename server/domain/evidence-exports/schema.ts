/**
 * Inputs of the evidence-export API (shared with the client form). A period is a pair of calendar days in
 * UTC, both included: from 00:00:00.000Z on `from` to 23:59:59.999Z on `to`.
 */
import { z } from "zod";

/** The longest period one pack may cover. */
export const MAX_EXPORT_DAYS = 731;
/** Packs one person may have queued or being built at once. */
export const MAX_OPEN_EXPORTS_PER_PERSON = 2;
/** Packs queued or being built at once, for everyone together. */
export const MAX_OPEN_EXPORTS = 10;

const ZDay = z.iso.date({ message: "must be a date (YYYY-MM-DD)" });
const ZUuid = z.uuid({ message: "must be an id" });

export const ZStartExport = z
  .object({
    from: ZDay,
    to: ZDay,
    /** System ids; empty or absent = every system. */
    systems: z.array(ZUuid).max(200, { message: "at most 200 systems" }).optional(),
    /** One campaign instead of (or narrowing) the systems. */
    campaignId: ZUuid.optional(),
  })
  .strict();
export type TStartExport = z.infer<typeof ZStartExport>;

export const ZExportRef = z.object({ id: ZUuid }).strict();
export type TExportRef = z.infer<typeof ZExportRef>;

/** What an EvidenceExport row's `params` holds (days as given; system ids and names at the time of the request). */
export type ExportParams = { from: string; to: string; systems: string[]; systemNames: string[]; campaignId: string | null };

/** EXPIRED: the pack was built, then its file was removed after the retention period (EVIDENCE_RETENTION_DAYS). */
export type ExportStatusName = "QUEUED" | "RUNNING" | "DONE" | "FAILED" | "EXPIRED";

/** One export as the page shows it. */
export type ExportRow = {
  id: string;
  status: ExportStatusName;
  from: string;
  to: string;
  systemNames: string[];
  campaignId: string | null;
  campaignName: string | null;
  progress: number;
  total: number;
  byteSize: number | null;
  fileSha256: string | null;
  error: string | null;
  requestedById: string;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** When the retention job removed the file (EXPIRED); fileSha256 and byteSize stay as the record of what was delivered. */
  expiredAt: Date | null;
};

/** The first and last instant of a period given as days (UTC, both days included). */
export function periodBounds(from: string, to: string): { from: Date; to: Date } {
  return { from: new Date(`${from}T00:00:00.000Z`), to: new Date(`${to}T23:59:59.999Z`) };
}

/** The same period as the pack exporter takes it: [from 00:00Z, the day after `to` 00:00Z). */
export function packPeriod(from: string, to: string): { from: Date; to: Date } {
  return { from: new Date(`${from}T00:00:00.000Z`), to: new Date(new Date(`${to}T00:00:00.000Z`).getTime() + 86_400_000) };
}

/** The download's file name: warrant-evidence-<from>-<to>.zip. */
export function exportFilename(p: { from: string; to: string }): string {
  return `warrant-evidence-${p.from}-${p.to}.zip`;
}

export const isActive = (s: ExportStatusName) => s === "QUEUED" || s === "RUNNING";
