/**
 * Remediation: following a closed campaign's revocations to their end (run by the worker,
 * server/jobs/campaigns.ts). A revocation is confirmed only by the connector's read-back (the REVOKE
 * ProvisioningTask's receipt), never by the close itself.
 *
 * - An item whose remediation is PENDING and whose grant is now REVOKED → CONFIRMED (remediatedAt = the
 *   grant's revokedAt), "review.remediation_confirmed" with the receipt reference: the REVOKE task id and
 *   its receipt's read-back.
 * - PENDING and the grant is REVOKE_FAILED (its REVOKE task FAILED) → FAILED, "review.remediation_failed",
 *   the campaign owner is told. It stays surfaced (report, FAILED count); when an owner retries the task
 *   from /tasks and the retry is confirmed, the item moves FAILED → CONFIRMED here too.
 * - A REMEDIATING campaign with no PENDING item left → CLOSED (conditional on REMEDIATING),
 *   "campaign.remediation_complete" {confirmed, failed}, and, with a recurrence, the next campaign is drafted.
 *
 * Items and campaigns are claimed with `FOR UPDATE SKIP LOCKED`: two workers never process one twice.
 */
import type { PrismaClient, Tx } from "../../db";
import { recordEvent, withDeferredLedger } from "../../ledger/ledger";
import { notify } from "../notifications/notify";
import { startRevocation } from "../provisioning/grant-lifecycle";
import { createNextCampaign } from "./close";
import { formatDateTime } from "@/components/ui/format";

const BATCH = 50;

type Claimed = { id: string; remediation: "PENDING" | "FAILED"; grantStatus: "REVOKED" | "REVOKE_FAILED" };

/** The latest REVOKE task of each grant (the one whose outcome decided the grant's status). */
async function latestRevokeTasks(tx: Tx, grantIds: string[]) {
  const tasks = await tx.provisioningTask.findMany({
    where: { grantId: { in: grantIds }, action: "REVOKE" },
    select: { id: true, grantId: true, status: true, connector: true, receipt: true, lastError: true, doneAt: true, attempts: true, createdAt: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const byGrant = new Map<string, (typeof tasks)[number]>();
  for (const t of tasks) byGrant.set(t.grantId, t);
  return byGrant;
}

/** The reference to a receipt kept in the ledger: what the target system's read-back showed. */
export function readBackOf(receipt: unknown): unknown {
  if (receipt && typeof receipt === "object" && "readBack" in receipt) return (receipt as { readBack: unknown }).readBack ?? null;
  return null;
}

/** One batch of claimed items in one transaction. Returns how many items moved. */
async function settleBatch(db: PrismaClient, now: Date): Promise<number> {
  return db.$transaction((tx) => withDeferredLedger(tx, async () => {
    const claimed = await tx.$queryRaw<Claimed[]>`
      SELECT i."id", i."remediation"::text AS "remediation", g."status"::text AS "grantStatus"
        FROM "ReviewItem" i JOIN "Grant" g ON g."id" = i."grantId"
       WHERE (i."remediation" = 'PENDING' AND g."status" IN ('REVOKED', 'REVOKE_FAILED'))
          OR (i."remediation" = 'FAILED' AND g."status" = 'REVOKED')
       ORDER BY i."id"
       LIMIT ${BATCH}
       FOR UPDATE OF i SKIP LOCKED`;
    if (claimed.length === 0) return 0;
    const items = await tx.reviewItem.findMany({
      where: { id: { in: claimed.map((c) => c.id) } },
      select: {
        id: true,
        campaignId: true,
        grantId: true,
        identityName: true,
        entitlementName: true,
        systemName: true,
        campaign: { select: { id: true, name: true, ownerId: true } },
        grant: { select: { status: true, revokedAt: true } },
      },
         orderBy: { id: "asc" },
    });
    const tasks = await latestRevokeTasks(tx, items.map((i) => i.grantId));
    let moved = 0;
    for (const it of items) {
      const from = claimed.find((c) => c.id === it.id)!.remediation;
      const task = tasks.get(it.grantId) ?? null;
      if (it.grant.status === "REVOKED") {
        const remediatedAt = it.grant.revokedAt ?? now;
        const res = await tx.reviewItem.updateMany({ where: { id: it.id, remediation: from }, data: { remediation: "CONFIRMED", remediatedAt, version: { increment: 1 } } });
        if (res.count === 0) continue;
        moved++;
        await recordEvent(tx, {
          actorId: null,
          action: "review.remediation_confirmed",
          subjectType: "ReviewItem",
          subjectId: it.id,
          occurredAt: now,
          payload: {
            campaignId: it.campaignId,
            grantId: it.grantId,
            revokedAt: remediatedAt,
            taskId: task?.id ?? null,
            connector: task?.connector ?? null,
            readBack: task ? (readBackOf(task.receipt) as object | null) : null,
            ...(from === "FAILED" ? { afterFailure: true } : {}),
          },
        });
      } else {
        const res = await tx.reviewItem.updateMany({ where: { id: it.id, remediation: "PENDING" }, data: { remediation: "FAILED", version: { increment: 1 } } });
        if (res.count === 0) continue;
        moved++;
        await recordEvent(tx, {
          actorId: null,
          action: "review.remediation_failed",
          subjectType: "ReviewItem",
          subjectId: it.id,
          occurredAt: now,
          payload: { campaignId: it.campaignId, grantId: it.grantId, taskId: task?.id ?? null, connector: task?.connector ?? null, attempts: task?.attempts ?? null, error: task?.lastError ?? null },
        });
        await notify(tx, {
          recipientIds: [it.campaign.ownerId],
          kind: "campaign.remediation_failed",
          title: `Revocation failed: ${it.entitlementName} for ${it.identityName}`,
          body: `The access review "${it.campaign.name}" decided to revoke ${it.entitlementName} (${it.systemName}) from ${it.identityName}, but the revocation failed${task?.lastError ? `: ${task.lastError.slice(0, 300)}` : ""}. The access is still there: fix the cause and retry the task from Tasks.`,
          link: `/campaigns/${it.campaignId}`,
          dedupeKey: `review-remediation-failed:${it.id}:${task?.id ?? "none"}`,
        });
      }
    }
    return moved;
  }));
}

/**
 * Starts the revocations a close deferred (items PENDING whose grant is still ACTIVE: a started revocation
 * moves the grant to PENDING_REVOKE at once, so nothing else is in this state), BATCH per transaction, with
 * the person who closed the campaign as the revoking actor. Run before the provisioning job in a tick.
 */
export async function startDeferredRevocations(db: PrismaClient, now: Date, limit = 2000): Promise<{ processed: number }> {
  let processed = 0;
  let claimedTotal = 0;
  while (claimedTotal < limit) {
    const n = await db.$transaction((tx) => withDeferredLedger(tx, async () => {
      const claimed = await tx.$queryRaw<{ id: string }[]>`
        SELECT i."id" FROM "ReviewItem" i JOIN "Grant" g ON g."id" = i."grantId"
         WHERE i."remediation" = 'PENDING' AND i."decision" = 'REVOKE' AND g."status" = 'ACTIVE'
         ORDER BY i."id"
         LIMIT ${BATCH}
         FOR UPDATE OF i SKIP LOCKED`;
      if (claimed.length === 0) return { claimed: 0, started: 0 };
      const items = await tx.reviewItem.findMany({
        where: { id: { in: claimed.map((c) => c.id) } },
        select: { grantId: true, comment: true, campaign: { select: { name: true, closedById: true } } },
             orderBy: { id: "asc" },
      });
      let started = 0;
      for (const it of items) {
        const note = `Access review ${it.campaign.name}: ${it.comment?.trim() || "revoked"}`.slice(0, 1000);
        if (await startRevocation(tx, { grantId: it.grantId, cause: "REVIEW", actorId: it.campaign.closedById, note, now })) started++;
      }
      return { claimed: claimed.length, started };
    }));
    if (n.claimed === 0) break;
    claimedTotal += n.claimed;
    processed += n.started;
  }
  return { processed };
}

/** Moves PENDING (and retried FAILED) remediations to CONFIRMED / FAILED. */
export async function settleRemediations(db: PrismaClient, now: Date, limit = 1000): Promise<{ processed: number }> {
  let processed = 0;
  while (processed < limit) {
    const n = await settleBatch(db, now);
    if (n === 0) break;
    processed += n;
  }
  return { processed };
}

/** REMEDIATING campaigns with nothing PENDING left → CLOSED. */
export async function completeRemediatingCampaigns(db: PrismaClient, now: Date, limit = 100): Promise<{ processed: number }> {
  let processed = 0;
  while (processed < limit) {
    const did = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT c."id" FROM "Campaign" c
         WHERE c."status" = 'REMEDIATING'
           AND NOT EXISTS (SELECT 1 FROM "ReviewItem" i WHERE i."campaignId" = c."id" AND i."remediation" = 'PENDING')
         ORDER BY c."closedAt", c."id"
         LIMIT 1
         FOR UPDATE OF c SKIP LOCKED`;
      const id = rows[0]?.id;
      if (!id) return false;
      const moved = await tx.campaign.updateMany({ where: { id, status: "REMEDIATING" }, data: { status: "CLOSED" } });
      if (moved.count === 0) return true;
      const c = await tx.campaign.findUniqueOrThrow({ where: { id } });
      const counts = await tx.reviewItem.groupBy({ by: ["remediation"], where: { campaignId: id, remediation: { in: ["CONFIRMED", "FAILED"] } }, _count: { _all: true } });
      const count = (r: string) => counts.find((x) => x.remediation === r)?._count._all ?? 0;
      const confirmed = count("CONFIRMED");
      const failed = count("FAILED");
      await recordEvent(tx, {
        actorId: null,
        action: "campaign.remediation_complete",
        subjectType: "Campaign",
        subjectId: id,
        occurredAt: now,
        payload: { confirmed, failed },
      });
      await notify(tx, {
        recipientIds: [c.ownerId],
        kind: "campaign.closed",
        title: `Access review closed: ${c.name}`,
        body: `Every revocation of "${c.name}" has been followed up (${formatDateTime(now)}): ${confirmed} confirmed${failed ? `, ${failed} failed and still to be fixed` : ""}.`,
        link: `/campaigns/${id}`,
        dedupeKey: `campaign-closed:${id}`,
      });
      await createNextCampaign(tx, c, now, null);
      return true;
    });
    if (!did) break;
    processed++;
  }
  return { processed };
}
