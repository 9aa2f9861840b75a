/**
 * Reconciliation: the kinds of finding it raises, its outcomes, and the inputs of its procedures. Pure:
 * client components may import this file.
 */
import { z } from "zod";

export const RECON_KINDS = ["UNMANAGED_ACCESS", "MISSING_ACCESS", "ORPHAN_ACCOUNT"] as const;
export type ReconKind = (typeof RECON_KINDS)[number];
export const RECON_KIND_LABEL: Record<ReconKind, string> = {
  UNMANAGED_ACCESS: "Unmanaged access",
  MISSING_ACCESS: "Missing access",
  ORPHAN_ACCOUNT: "Orphan account",
};

/** How a reconciliation finding ended (kept in its details.outcome). */
export const RECON_OUTCOMES = ["ADOPTED", "REVOKE_REQUESTED", "REVOKED", "REPROVISION_REQUESTED", "ACCEPTED", "GONE"] as const;
export type ReconOutcome = (typeof RECON_OUTCOMES)[number];
export const RECON_OUTCOME_LABEL: Record<ReconOutcome, string> = {
  ADOPTED: "Adopted as imported access",
  REVOKE_REQUESTED: "Removal sent to the system",
  REVOKED: "Removed, confirmed by the system's read-back",
  REPROVISION_REQUESTED: "Provisioning sent again",
  ACCEPTED: "Accepted as an exception",
  GONE: "No longer in the system",
};

/** The actions each kind of finding offers. */
export const RECON_ACTIONS: Record<ReconKind, readonly ("adopt" | "revoke" | "reprovision" | "accept")[]> = {
  UNMANAGED_ACCESS: ["adopt", "revoke", "accept"],
  ORPHAN_ACCOUNT: ["revoke", "accept"],
  MISSING_ACCESS: ["reprovision", "accept"],
};

export const ADOPT_MAX_DAYS = 365;
export const ACCEPT_MAX_DAYS = 365;
export const REASON_MIN = 5;
export const REASON_MAX = 1000;
/** An export travels in the tRPC request, whose body the HTTP edge caps at 1 MB (server/http/limits.ts). */
export const ACCESS_EXPORT_MAX_CHARS = 1_000_000;

const ZId = z.uuid({ message: "must be an id (UUID)" });
const ZReason = z
  .string({ message: "A reason is required" })
  .trim()
  .min(REASON_MIN, { message: `A reason must be at least ${REASON_MIN} characters` })
  .max(REASON_MAX, { message: `A reason must be at most ${REASON_MAX} characters` });
const ZDays = (max: number) => z.number({ message: "A number of days is required" }).int({ message: "Whole days" }).min(1, { message: "At least 1 day" }).max(max, { message: `At most ${max} days` });

export const ZReconcileNowInput = z
  .object({
    systemId: ZId,
    /** For a manual system: the access export (CSV account,entitlement). */
    accessExport: z.string().max(ACCESS_EXPORT_MAX_CHARS, { message: "The export is too large (1 MB at most through the portal)" }).optional(),
    /**
     * Onboarding: on the system's first run (no earlier completed run), adopt the unmanaged access of active
     * identities as imported grants. Unset = yes on the first run; it changes nothing on later runs.
     */
    adoptExisting: z.boolean().optional(),
  })
  .strict();
export type TReconcileNowInput = z.input<typeof ZReconcileNowInput>;

export const ZSystemReconciliationInput = z
  .object({
    systemId: ZId,
    status: z.enum(["OPEN", "RESOLVED"]).default("OPEN"),
    page: z.number().int().min(1).max(10_000).default(1),
    pageSize: z.number().int().min(1).max(100).default(25),
  })
  .strict();

export const ZAdoptFindingInput = z.object({ findingId: ZId, days: ZDays(ADOPT_MAX_DAYS), reason: ZReason }).strict();
export const ZRevokeFindingInput = z.object({ findingId: ZId, reason: ZReason }).strict();
export const ZReprovisionFindingInput = z.object({ findingId: ZId, reason: ZReason }).strict();
export const ZAcceptFindingInput = z.object({ findingId: ZId, days: ZDays(ACCEPT_MAX_DAYS), reason: ZReason }).strict();
export type TAdoptFindingInput = z.input<typeof ZAdoptFindingInput>;
export type TAcceptFindingInput = z.input<typeof ZAcceptFindingInput>;
