/**
 * The HR import's vocabulary, shared with the client: actions of a preview, their words, the inputs.
 * docs/identity-import.md is the operator's description of the columns and the rules.
 */
import { z } from "zod";
import { ZListBase } from "../list";

export const IMPORT_ACTIONS = ["JOIN", "MOVE", "UPDATE", "REJOIN", "LEAVE", "NHI_NEW", "NHI_UPDATE", "INVALID"] as const;
export type ImportAction = (typeof IMPORT_ACTIONS)[number];

export const IMPORT_ACTION_LABEL: Record<ImportAction, string> = {
  JOIN: "Joiners",
  MOVE: "Movers",
  UPDATE: "Other changes",
  REJOIN: "Returning",
  LEAVE: "Leavers",
  NHI_NEW: "New non-human identities",
  NHI_UPDATE: "Changed non-human identities",
  INVALID: "Invalid rows",
};

/** Counts per action, plus rows that change nothing. */
export type ImportCounts = Record<ImportAction, number> & { unchanged: number };

export const emptyCounts = (): ImportCounts => ({ JOIN: 0, MOVE: 0, UPDATE: 0, REJOIN: 0, LEAVE: 0, NHI_NEW: 0, NHI_UPDATE: 0, INVALID: 0, unchanged: 0 });

/** Limits checked while the file streams in: over them, nothing is stored. */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 200_000;

const ZId = z.uuid({ message: "must be an id (UUID)" });
export const ZImportId = z.object({ id: ZId }).strict();
export const ZApplyImportInput = z.object({ id: ZId }).strict();
export const ZImportRowsInput = ZListBase.extend({
  id: ZId,
  action: z.enum(IMPORT_ACTIONS, { message: `must be one of ${IMPORT_ACTIONS.join(", ")}` }),
}).strict();
export type TImportRowsInput = z.input<typeof ZImportRowsInput>;
