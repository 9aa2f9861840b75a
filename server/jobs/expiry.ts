/**
 * Expiry: grants past their end date are revoked (cause EXPIRY) by the background job, and holders are told
 * three days before, with a link to a one-click extension request. Grants are claimed in batches with
 * `FOR UPDATE SKIP LOCKED`, one transaction per batch holding every change of the batch and its ledger
 * events, so two workers share a backlog and never expire the same grant twice.
 *
 * Extensions: an approved extension is a second grant for the same access, starting where this one ends.
 * While that grant is still being provisioned, this one is not expired (the approved access must not be
 * removed in the target system under it); once it is ACTIVE, this one is retired at its end date with no
 * REVOKE task, because the access continues under the extension.
 */
import type { PrismaClient, Tx } from "../db";
import { recordEvent, withDeferredLedger } from "../ledger/ledger";
import { notifyAll, type NotifyInput } from "../domain/notifications/notify";
import { startRevocations } from "../domain/provisioning/grant-lifecycle";
import { holderRecipients } from "../domain/provisioning/people";
import { BATCH_SIZE, BATCH_TX, inBatches, RUN_CAPS } from "./batches";
import { formatDateTime } from "@/components/ui/format";

/** How long before the end date holders are warned. */
export const EXPIRY_WARNING_MS = 3 * 24 * 3_600_000;

const fmt = formatDateTime;

/**
 * Revokes every ACTIVE grant whose expiresAt <= now: PENDING_REVOKE with a REVOKE task, "grant.expired",
 * holder told. A grant continued by an ACTIVE extension grant goes straight to REVOKED instead, nothing
 * removed in the target ("grant.expired" with continuedByGrantId); one whose extension is still being
 * provisioned waits. Works in batches of `batchSize` (one transaction each) up to `limit` per run.
 */
export async function revokeExpiredGrants(db: PrismaClient, now: Date, limit: number = RUN_CAPS.expiry, batchSize = BATCH_SIZE): Promise<{ processed: number }> {
  const processed = await inBatches(limit, batchSize, (size) => db.$transaction((tx) => withDeferredLedger(tx, () => expireBatch(tx, now, size)), BATCH_TX));
  return { processed };
}

/** Claims up to `size` due grants and expires them; null when none is due. */
async function expireBatch(tx: Tx, now: Date, size: number): Promise<number | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Grant"
     WHERE "status" = 'ACTIVE' AND "expiresAt" IS NOT NULL AND "expiresAt" <= ${now.toISOString()}::timestamp
       AND NOT EXISTS (
         SELECT 1 FROM "Grant" s JOIN "AccessRequest" r ON r."id" = s."requestId"
          WHERE r."extendsGrantId" = "Grant"."id" AND s."status" = 'PENDING_PROVISION')
     ORDER BY "expiresAt", "id"
     LIMIT ${size}
     FOR UPDATE SKIP LOCKED`;
  if (rows.length === 0) return null;
  const ids = rows.map((r) => r.id);
  const grants = await tx.grant.findMany({
    where: { id: { in: ids } },
    select: { id: true, expiresAt: true, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } }, entitlement: { select: { name: true, issuesCredential: true, system: { select: { name: true } } } } },
    orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
  });
  // Extensions already in force: the access continues under them.
  const successors = await tx.grant.findMany({
    where: { status: "ACTIVE", request: { extendsGrantId: { in: ids } } },
    select: { id: true, requestId: true, expiresAt: true, request: { select: { extendsGrantId: true } } },
    orderBy: { id: "asc" },
  });
  const successorOf = new Map<string, (typeof successors)[number]>();
  for (const s of successors) if (s.request?.extendsGrantId && !successorOf.has(s.request.extendsGrantId)) successorOf.set(s.request.extendsGrantId, s);

  // A credential (docs/credentials.md) belongs to its grant: an extension issues a login of its own, so the
  // extended grant's login is dropped at its end like any other, continued or not.
  const continued = (g: (typeof grants)[number]) => successorOf.has(g.id) && !g.entitlement.issuesCredential;
  const toRevoke = grants.filter((g) => !continued(g));
  for (const g of grants) {
    if (!continued(g)) continue;
    const successor = successorOf.get(g.id);
    if (!successor) continue;
    const note = `Reached its end date (${fmt(g.expiresAt!)}); the access continues under the extension grant ${successor.id}, so nothing was removed in the target system.`;
    const retired = await tx.grant.updateMany({ where: { id: g.id, status: "ACTIVE" }, data: { status: "REVOKED", revokedAt: now, revocationCause: "EXPIRY", revocationNote: note } });
    if (retired.count === 0) continue;
    await recordEvent(tx, {
      actorId: null,
      action: "grant.expired",
      subjectType: "Grant",
      subjectId: g.id,
      occurredAt: now,
      payload: { expiresAt: g.expiresAt, identityId: g.identity.id, entitlement: g.entitlement.name, system: g.entitlement.system.name, continuedByGrantId: successor.id, extensionRequestId: successor.requestId, continuedUntil: successor.expiresAt },
    });
  }

  const started = await startRevocations(
    tx,
    toRevoke.map((g) => ({ grantId: g.id, cause: "EXPIRY" as const, actorId: null, note: `Reached its end date (${fmt(g.expiresAt!)}).`, now })),
  );
  const notes: NotifyInput[] = [];
  for (const g of toRevoke) {
    const res = started.get(g.id);
    if (!res) continue;
    await recordEvent(tx, {
      actorId: null,
      action: "grant.expired",
      subjectType: "Grant",
      subjectId: g.id,
      occurredAt: now,
      payload: { expiresAt: g.expiresAt, identityId: g.identity.id, entitlement: g.entitlement.name, system: g.entitlement.system.name, taskId: res.taskId },
    });
    notes.push({
      recipientIds: holderRecipients(g.identity),
      kind: "grant.expired",
      title: `Access expired: ${g.entitlement.name}`,
      body: `${g.identity.displayName}'s access to ${g.entitlement.name} in ${g.entitlement.system.name} reached its end date and is being removed. Request it again if it is still needed.`,
      link: `/requests/new?extend=${g.id}`,
      dedupeKey: `grant-expired:${g.id}`,
    });
  }
  await notifyAll(tx, notes);
  return rows.length;
}

/**
 * Tells the holder (for a non-human identity: its owner) once per grant that it ends within three days, with
 * a link to request an extension (a new request, with a justification again). "Once" is the notification's
 * dedupe key, `grant-expiring:<grant>:<recipient>`, looked up exactly (the unique index), so a second run or
 * a second worker sends nothing new. Works in batches, one statement of notifications each.
 */
export async function warnExpiringGrants(db: PrismaClient, now: Date, limit: number = RUN_CAPS.warnings, batchSize = 500): Promise<{ processed: number }> {
  const horizon = new Date(now.getTime() + EXPIRY_WARNING_MS);
  const processed = await inBatches(limit, batchSize, async (size) => {
    // The recipient is computed as holderRecipients does, so the dedupe key is known exactly.
    const due = await db.$queryRaw<{ id: string; expiresAt: Date; identityId: string; kind: string; ownerId: string | null; displayName: string; entitlement: string; system: string }[]>`
      SELECT g."id", g."expiresAt", i."id" AS "identityId", i."kind"::text AS "kind", i."ownerId", i."displayName", e."name" AS "entitlement", s."name" AS "system"
        FROM "Grant" g
        JOIN "Identity" i ON i."id" = g."identityId"
        JOIN "Entitlement" e ON e."id" = g."entitlementId"
        JOIN "System" s ON s."id" = e."systemId"
       WHERE g."status" = 'ACTIVE' AND g."expiresAt" > ${now.toISOString()}::timestamp AND g."expiresAt" <= ${horizon.toISOString()}::timestamp
         AND (i."kind" = 'HUMAN' OR i."ownerId" IS NOT NULL)
         AND NOT EXISTS (
           SELECT 1 FROM "Notification" n
            WHERE n."dedupeKey" = 'grant-expiring:' || g."id"::text || ':' || (CASE WHEN i."kind" = 'HUMAN' THEN i."id" ELSE i."ownerId" END)::text)
         AND NOT EXISTS (
           SELECT 1 FROM "Grant" x JOIN "AccessRequest" r ON r."id" = x."requestId"
            WHERE r."extendsGrantId" = g."id" AND x."status" IN ('PENDING_PROVISION', 'ACTIVE'))
       ORDER BY g."expiresAt", g."id"
       LIMIT ${size}`;
    if (due.length === 0) return null;
    const sent = await notifyAll(
        db,
        due.map((g) => ({
          recipientIds: holderRecipients({ id: g.identityId, kind: g.kind, ownerId: g.ownerId }),
          kind: "grant.expiring",
          title: `Access ends soon: ${g.entitlement}`,
          body: `${g.displayName}'s access to ${g.entitlement} in ${g.system} ends on ${fmt(g.expiresAt)}. If it is still needed, request an extension (a new request with a justification).`,
          link: `/requests/new?extend=${g.id}`,
          dedupeKey: `grant-expiring:${g.id}`,
        })),
    );
    // Nothing new written: another worker warned these at the same moment; its run (or the next) goes on.
    return sent === 0 ? null : sent;
  });
  return { processed };
}
