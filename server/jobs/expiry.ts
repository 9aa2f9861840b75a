/**
 * Expiry: grants past their end date are revoked (cause EXPIRY) by the background job, and holders are told
 * three days before, with a link to a one-click extension request. Each grant is claimed with
 * `FOR UPDATE SKIP LOCKED` in its own transaction, so two workers never expire the same grant twice.
 *
 * Extensions: an approved extension is a second grant for the same access, starting where this one ends.
 * While that grant is still being provisioned, this one is not expired (the approved access must not be
 * removed in the target system under it); once it is ACTIVE, this one is retired at its end date with no
 * REVOKE task, because the access continues under the extension.
 */
import type { PrismaClient } from "../db";
import { recordEvent } from "../ledger/ledger";
import { notify } from "../domain/notifications/notify";
import { startRevocation } from "../domain/provisioning/grant-lifecycle";
import { holderRecipients } from "../domain/provisioning/people";
import { formatDateTime } from "@/components/ui/format";

/** How long before the end date holders are warned. */
export const EXPIRY_WARNING_MS = 3 * 24 * 3_600_000;
const BATCH = 200;

const fmt = formatDateTime;

/**
 * Revokes every ACTIVE grant whose expiresAt <= now: PENDING_REVOKE with a REVOKE task, "grant.expired",
 * holder told. A grant continued by an ACTIVE extension grant goes straight to REVOKED instead, nothing
 * removed in the target ("grant.expired" with continuedByGrantId); one whose extension is still being
 * provisioned waits.
 */
export async function revokeExpiredGrants(db: PrismaClient, now: Date, limit = BATCH): Promise<{ processed: number }> {
  let processed = 0;
  while (processed < limit) {
    const did = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Grant"
         WHERE "status" = 'ACTIVE' AND "expiresAt" IS NOT NULL AND "expiresAt" <= ${now.toISOString()}::timestamp
           AND NOT EXISTS (
             SELECT 1 FROM "Grant" s JOIN "AccessRequest" r ON r."id" = s."requestId"
              WHERE r."extendsGrantId" = "Grant"."id" AND s."status" = 'PENDING_PROVISION')
         ORDER BY "expiresAt", "id"
         LIMIT 1
         FOR UPDATE SKIP LOCKED`;
      const id = rows[0]?.id;
      if (!id) return false;
      const g = await tx.grant.findUniqueOrThrow({
        where: { id },
        select: { id: true, expiresAt: true, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } },
      });
      const successor = await tx.grant.findFirst({ where: { status: "ACTIVE", request: { extendsGrantId: id } }, select: { id: true, requestId: true, expiresAt: true } });
      if (successor) {
        const note = `Reached its end date (${fmt(g.expiresAt!)}); the access continues under the extension grant ${successor.id}, so nothing was removed in the target system.`;
        const retired = await tx.grant.updateMany({ where: { id, status: "ACTIVE" }, data: { status: "REVOKED", revokedAt: now, revocationCause: "EXPIRY", revocationNote: note } });
        if (retired.count === 0) return true;
        await recordEvent(tx, {
          actorId: null,
          action: "grant.expired",
          subjectType: "Grant",
          subjectId: id,
          occurredAt: now,
          payload: { expiresAt: g.expiresAt, identityId: g.identity.id, entitlement: g.entitlement.name, system: g.entitlement.system.name, continuedByGrantId: successor.id, extensionRequestId: successor.requestId, continuedUntil: successor.expiresAt },
        });
        return true;
      }
      const res = await startRevocation(tx, { grantId: id, cause: "EXPIRY", actorId: null, note: `Reached its end date (${fmt(g.expiresAt!)}).`, now });
      if (!res) return true;
      await recordEvent(tx, {
        actorId: null,
        action: "grant.expired",
        subjectType: "Grant",
        subjectId: id,
        occurredAt: now,
        payload: { expiresAt: g.expiresAt, identityId: g.identity.id, entitlement: g.entitlement.name, system: g.entitlement.system.name, taskId: res.taskId },
      });
      await notify(tx, {
        recipientIds: holderRecipients(g.identity),
        kind: "grant.expired",
        title: `Access expired: ${g.entitlement.name}`,
        body: `${g.identity.displayName}'s access to ${g.entitlement.name} in ${g.entitlement.system.name} reached its end date and is being removed. Request it again if it is still needed.`,
        link: `/requests/new?extend=${id}`,
        dedupeKey: `grant-expired:${id}`,
      });
      return true;
    });
    if (!did) break;
    processed++;
  }
  return { processed };
}

/**
 * Tells the holder (for a non-human identity: its owner) once per grant that it ends within three days, with
 * a link to request an extension (a new request, with a justification again).
 */
export async function warnExpiringGrants(db: PrismaClient, now: Date, limit = 500): Promise<{ processed: number }> {
  const horizon = new Date(now.getTime() + EXPIRY_WARNING_MS);
  // Grants already warned about carry a notification with the grant's dedupe key: skip them in SQL.
  const due = await db.$queryRaw<{ id: string }[]>`
    SELECT g."id" FROM "Grant" g
     WHERE g."status" = 'ACTIVE' AND g."expiresAt" > ${now.toISOString()}::timestamp AND g."expiresAt" <= ${horizon.toISOString()}::timestamp
       AND NOT EXISTS (SELECT 1 FROM "Notification" n WHERE n."dedupeKey" LIKE 'grant-expiring:' || g."id"::text || ':%')
       AND NOT EXISTS (
         SELECT 1 FROM "Grant" s JOIN "AccessRequest" r ON r."id" = s."requestId"
          WHERE r."extendsGrantId" = g."id" AND s."status" IN ('PENDING_PROVISION', 'ACTIVE'))
     ORDER BY g."expiresAt", g."id"
     LIMIT ${limit}`;
  let processed = 0;
  for (const { id } of due) {
    const sent = await db.$transaction(async (tx) => {
      const g = await tx.grant.findUnique({
        where: { id },
        select: { id: true, status: true, expiresAt: true, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } },
      });
      if (!g || g.status !== "ACTIVE" || !g.expiresAt) return 0;
      return notify(tx, {
        recipientIds: holderRecipients(g.identity),
        kind: "grant.expiring",
        title: `Access ends soon: ${g.entitlement.name}`,
        body: `${g.identity.displayName}'s access to ${g.entitlement.name} in ${g.entitlement.system.name} ends on ${fmt(g.expiresAt)}. If it is still needed, request an extension (a new request with a justification).`,
        link: `/requests/new?extend=${g.id}`,
        dedupeKey: `grant-expiring:${g.id}`,
      });
    });
    if (sent > 0) processed++;
  }
  return { processed };
}
