/**
 * Findings: exceptions that need a person (an NHI whose owner left, a late break-glass review, a
 * provisioning action that kept failing). Written inside the transaction of the change that raised them.
 */
import type { Tx } from "../../db";

export type FindingInput = {
  kind: "NHI_OWNER_LEFT" | "BREAK_GLASS_REVIEW_LATE" | "PROVISIONING_FAILED";
  subjectType: string;
  subjectId: string;
  assigneeId: string | null;
  details: Record<string, unknown>;
  /** Same key = the same finding: raising it twice keeps one. */
  dedupeKey?: string;
};

/** Opens a finding; returns its id, or null when one with the same dedupe key exists already. */
export async function raiseFinding(tx: Tx, f: FindingInput): Promise<string | null> {
  if (f.dedupeKey) {
    const existing = await tx.finding.findUnique({ where: { dedupeKey: f.dedupeKey }, select: { id: true } });
    if (existing) return null;
  }
  const row = await tx.finding.create({
    data: { kind: f.kind, subjectType: f.subjectType, subjectId: f.subjectId, assigneeId: f.assigneeId, details: f.details as object, dedupeKey: f.dedupeKey ?? null },
    select: { id: true },
  });
  return row.id;
}
