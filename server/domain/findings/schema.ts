/**
 * Inputs of the findings list and the resolve action, shared by the router and the browser. Pure: client
 * components may import this file.
 */
import { z } from "zod";
import { ZAfter, ZListBase } from "../list";

export const FINDING_KINDS = ["NHI_OWNER_LEFT", "PROVISIONING_FAILED", "BREAK_GLASS_REVIEW_LATE", "CONNECTOR_TARGET_CHANGED", "WITNESS_DELIVERY_FAILED", "UNMANAGED_ACCESS", "MISSING_ACCESS", "ORPHAN_ACCOUNT"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const FINDING_KIND_LABEL: Record<FindingKind, string> = {
  NHI_OWNER_LEFT: "NHI owner left",
  PROVISIONING_FAILED: "Provisioning failed",
  BREAK_GLASS_REVIEW_LATE: "Late break-glass review",
  CONNECTOR_TARGET_CHANGED: "Connector target changed",
  WITNESS_DELIVERY_FAILED: "Checkpoint witness unreachable",
  // Reconciliation (server/domain/reconciliation): the target differs from Warrant.
  UNMANAGED_ACCESS: "Unmanaged access",
  MISSING_ACCESS: "Missing access",
  ORPHAN_ACCOUNT: "Orphan account",
};

/**
 * Findings that check an admin's change: only security may resolve them, and never the person who made
 * the change (an admin who is also a security officer cannot sign off their own connector change).
 */
export const SECURITY_CHECKED_KINDS: readonly FindingKind[] = ["CONNECTOR_TARGET_CHANGED"];

export const FINDING_STATUSES = ["OPEN", "RESOLVED"] as const;
export const FINDING_STATUS_LABEL: Record<(typeof FINDING_STATUSES)[number], string> = { OPEN: "Open", RESOLVED: "Resolved" };

export const FINDING_SORTS = ["createdAt", "kind", "status", "resolvedAt"] as const;
export const ZListFindingsInput = ZListBase.extend({
  kind: z.enum(FINDING_KINDS).optional(),
  status: z.enum(FINDING_STATUSES).optional(),
  sort: z.enum(FINDING_SORTS).optional(),
  dir: z.enum(["asc", "desc"]).default("desc"),
  /** Keyset paging in the default order (by creation): the rows after this one (server/domain/list.ts). */
  after: ZAfter.optional(),
}).strict();
export type TListFindingsInput = z.input<typeof ZListFindingsInput>;

export const RESOLVE_NOTE_MIN = 5;
export const RESOLVE_NOTE_MAX = 1000;

export const ZResolveFindingInput = z
  .object({
    id: z.uuid({ message: "must be an id (UUID)" }),
    note: z
      .string({ message: "A note is required" })
      .trim()
      .min(RESOLVE_NOTE_MIN, { message: `A note must be at least ${RESOLVE_NOTE_MIN} characters: say what was done` })
      .max(RESOLVE_NOTE_MAX, { message: `A note must be at most ${RESOLVE_NOTE_MAX} characters` }),
  })
  .strict();
export type TResolveFindingInput = z.input<typeof ZResolveFindingInput>;
