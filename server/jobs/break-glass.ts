/**
 * Break-glass follow-up: an emergency grant must be reviewed by security within its review window
 * (AccessRequest.reviewDueAt). A review still missing after that is escalated once: a finding, security and
 * admins notified, "break_glass.review_escalated" in the ledger. Claimed with SKIP LOCKED.
 */
import type { PrismaClient } from "../db";
import { formatDateTime } from "@/components/ui/format";
import { recordEvent } from "../ledger/ledger";
import { raiseFinding } from "../domain/findings/service";
import { notify } from "../domain/notifications/notify";
import { workKey } from "../domain/notifications/resolve";
import { activeWithRole } from "../domain/provisioning/people";

export async function escalateLateBreakGlassReviews(db: PrismaClient, now: Date, limit = 100): Promise<{ processed: number }> {
  let processed = 0;
  while (processed < limit) {
    const did = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "AccessRequest"
         WHERE "emergency" = true AND "status" = 'APPROVED' AND "reviewedAt" IS NULL AND "reviewEscalatedAt" IS NULL
           AND "reviewDueAt" IS NOT NULL AND "reviewDueAt" < ${now.toISOString()}::timestamp
         ORDER BY "reviewDueAt", "id"
         LIMIT 1
         FOR UPDATE SKIP LOCKED`;
      const id = rows[0]?.id;
      if (!id) return false;
      const moved = await tx.accessRequest.updateMany({ where: { id, reviewedAt: null, reviewEscalatedAt: null }, data: { reviewEscalatedAt: now } });
      if (moved.count === 0) return true;
      const r = await tx.accessRequest.findUniqueOrThrow({
        where: { id },
        select: { id: true, incidentRef: true, reviewDueAt: true, requesterId: true, beneficiary: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } },
      });
      const findingId = await raiseFinding(tx, {
        kind: "BREAK_GLASS_REVIEW_LATE",
        subjectType: "AccessRequest",
        subjectId: id,
        assigneeId: null,
        details: { incidentRef: r.incidentRef, reviewDueAt: r.reviewDueAt, entitlement: r.entitlement.name, system: r.entitlement.system.name, beneficiary: r.beneficiary.displayName },
        dedupeKey: `BREAK_GLASS_REVIEW_LATE:${id}`,
      });
      const recipients = (await activeWithRole(tx, "SECURITY", "ADMIN")).filter((p) => p !== r.requesterId);
      await notify(tx, {
        recipientIds: recipients,
        kind: "break_glass.review_late",
        title: `Break-glass review overdue: ${r.entitlement.name}`,
        body: `The post-incident review of ${r.beneficiary.displayName}'s emergency access to ${r.entitlement.name} (${r.entitlement.system.name}${r.incidentRef ? `, incident ${r.incidentRef}` : ""}) was due ${formatDateTime(r.reviewDueAt)}.`,
        link: "/tasks?view=awaiting",
        dedupeKey: `break-glass-late:${id}`,
        workKey: findingId ? workKey.finding(findingId) : undefined,
      });
      await recordEvent(tx, {
        actorId: null,
        action: "break_glass.review_escalated",
        subjectType: "AccessRequest",
        subjectId: id,
        occurredAt: now,
        payload: { reviewDueAt: r.reviewDueAt, incidentRef: r.incidentRef, notified: recipients },
      });
      return true;
    });
    if (!did) break;
    processed++;
  }
  return { processed };
}
