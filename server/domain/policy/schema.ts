/**
 * Inputs of the policy area (viewing, validating, trying and saving approval policy versions), shared by
 * the router and the browser. Pure: no server imports except types.
 */
import { z } from "zod";
import { MAX_DB_INT } from "../input-bounds";

export const MAX_POLICY_TEXT = 100_000;
/** The longest duration a sample request may ask for in "Try" (one year). */
export const MAX_SAMPLE_HOURS = 8760;

const ZId = z.uuid({ message: "must be an id (UUID)" });

/** Policy text as typed: Windows line endings become \n, so the same policy always has the same hash. */
export const ZPolicyText = z
  .string({ message: "must be the policy text" })
  .max(MAX_POLICY_TEXT, { message: `must be at most ${MAX_POLICY_TEXT} characters` })
  .transform((s) => s.replace(/\r\n?/g, "\n"));

export const ZPolicyVersionById = z.object({ id: ZId }).strict();

export const ZDiffPolicyVersions = z
  .object({
    /** The newer version. */
    toId: ZId,
    /** The older version; defaults to the version just before `toId`. */
    fromId: ZId.optional(),
  })
  .strict();
export type TDiffPolicyVersions = z.infer<typeof ZDiffPolicyVersions>;

export const ZValidatePolicy = z.object({ text: ZPolicyText }).strict();

export const ZSampleRequest = z
  .object({
    requesterId: ZId,
    beneficiaryId: ZId,
    entitlementId: ZId,
    durationHours: z
      .number({ message: "must be a whole number of hours" })
      .int({ message: "must be a whole number of hours" })
      .min(1, { message: `must be between 1 and ${MAX_SAMPLE_HOURS} hours` })
      .max(MAX_SAMPLE_HOURS, { message: `must be between 1 and ${MAX_SAMPLE_HOURS} hours` }),
    emergency: z.boolean({ message: "must be true or false" }).default(false),
  })
  .strict();
export type TSampleRequest = z.infer<typeof ZSampleRequest>;

export const ZTryPolicy = z.object({ text: ZPolicyText, sample: ZSampleRequest }).strict();
export type TTryPolicy = z.infer<typeof ZTryPolicy>;

export const ZSavePolicyVersion = z
  .object({
    text: ZPolicyText,
    note: z
      .string({ message: "is required: say what changed and why" })
      .trim()
      .min(3, { message: "is required: say what changed and why (at least 3 characters)" })
      .max(500, { message: "must be at most 500 characters" }),
    /** The version the editor started from (0 when none exists yet); a save against a newer one is refused. */
    expectedVersion: z.number({ message: "must be the version you started from" }).int().min(0).max(MAX_DB_INT, { message: "must be the version you started from" }),
  })
  .strict();
export type TSavePolicyVersion = z.infer<typeof ZSavePolicyVersion>;

export const ZSampleOptions = z
  .object({
    q: z.string().trim().max(200).optional(),
    /** Always include these (the current choices), even when the search does not match them. */
    includeIds: z.array(ZId).max(10).optional(),
  })
  .strict();
export type TSampleOptions = z.infer<typeof ZSampleOptions>;

/** One line of a diff between two policy texts. */
export type DiffLine = { op: "same" | "add" | "remove"; text: string; oldLine: number | null; newLine: number | null };

/**
 * Line diff (longest common subsequence). Pure, also used by the browser. Texts of a few thousand lines
 * are fine (O(n·m) memory on the lines left after trimming the common head and tail).
 */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = oldText.split("\n");
  const b = newText.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const n = am.length;
  const m = bm.length;
  // lcs[i][j] = LCS length of am[i..] and bm[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = am[i] === bm[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);

  const out: DiffLine[] = [];
  for (let k = 0; k < head; k++) out.push({ op: "same", text: a[k], oldLine: k + 1, newLine: k + 1 });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      out.push({ op: "same", text: am[i], oldLine: head + i + 1, newLine: head + j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Removed lines before added ones, as diffs usually read.
      out.push({ op: "remove", text: am[i], oldLine: head + i + 1, newLine: null });
      i++;
    } else {
      out.push({ op: "add", text: bm[j], oldLine: null, newLine: head + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) out.push({ op: "same", text: a[a.length - tail + k], oldLine: a.length - tail + k + 1, newLine: b.length - tail + k + 1 });
  return out;
}
