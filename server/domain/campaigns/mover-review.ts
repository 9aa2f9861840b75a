/**
 * The mover review: when a person changes manager or department (identities/lifecycle.ts `updatePerson`),
 * a small access review of their grants for the new manager, opened inside the mover's transaction with the
 * ordinary campaign machinery (a campaign launched by launch.ts), so the usual decisions, comments,
 * confirmed revocations, reminders and evidence all apply. Rules:
 * - skipped (null) when the person has no new manager who is an active person, or holds no access in effect;
 * - one campaign per move: the move (person, from, to) is the campaign's `moverKey` (unique), so a feed
 *   repeating the same change opens nothing new (the existing campaign is returned);
 * - scope: only that person's grants; reviewer: their manager (the new one: the move is written first);
 *   fallback reviewer: the admin who made the change when that is an active person other than the mover,
 *   else the first active admin; due in MOVER_REVIEW_DAYS days; undecided items escalate to the fallback;
 * - ledger: "campaign.created" and "campaign.launched" (from launch) plus "campaign.mover_review_opened"
 *   naming the person and the move; the new manager is notified by the launch ("Access review: …").
 */
import { createHash } from "node:crypto";
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { recordEvent } from "../../ledger/ledger";
import { canonicalJson } from "../../ledger/hash";
import { GRANT_IN_EFFECT } from "../grants/status";
import { launchDraftInTx } from "./launch";
import type { CampaignScope } from "./schema";

export const MOVER_REVIEW_DAYS = 14;
const DAY_MS = 86_400_000;

export type MoverReviewInput = {
  identityId: string;
  displayName: string;
  newManagerId: string | null;
  actorId: string;
  now: Date;
  move: { from: { managerId: string | null; department: string | null }; to: { managerId: string | null; department: string | null } };
};

/** The key of one move: the person and where they moved from and to. */
export function moverKey(input: Pick<MoverReviewInput, "identityId" | "move">): string {
  const h = createHash("sha256").update(canonicalJson(input.move), "utf8").digest("hex").slice(0, 32);
  return `${input.identityId}:${h}`;
}

async function activeHuman(tx: Tx, id: string | null): Promise<boolean> {
  if (!id) return false;
  return (await tx.identity.count({ where: { id, kind: "HUMAN", status: "ACTIVE" } })) === 1;
}

/** Opens the review and returns its campaign, or null when there is nothing to review (see the file comment). */
export async function openMoverReview(tx: Tx, input: MoverReviewInput): Promise<{ campaignId: string } | null> {
  const { identityId, newManagerId, now } = input;
  if (!newManagerId || newManagerId === identityId || !(await activeHuman(tx, newManagerId))) return null;
  const held = await tx.grant.count({ where: { identityId, status: { in: GRANT_IN_EFFECT } } });
  if (held === 0) return null;

  const key = moverKey(input);
  const existing = await tx.campaign.findUnique({ where: { moverKey: key }, select: { id: true } });
  if (existing) return { campaignId: existing.id };

  let fallbackId: string | null = input.actorId !== identityId && (await activeHuman(tx, input.actorId)) ? input.actorId : null;
  if (!fallbackId) {
    const admin = await tx.identity.findFirst({
      where: { id: { not: identityId }, kind: "HUMAN", status: "ACTIVE", roles: { some: { role: "ADMIN" } } },
      orderBy: [{ displayName: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    fallbackId = admin?.id ?? newManagerId;
  }
  const [dept, manager] = await Promise.all([
    Promise.resolve(input.move.to.department),
    tx.identity.findUnique({ where: { id: newManagerId }, select: { displayName: true } }),
  ]);
  const scope: CampaignScope = { systemIds: [], entitlementIds: [], privilegedOnly: false, identityKinds: [], identityIds: [identityId] };
  const dueAt = new Date(now.getTime() + MOVER_REVIEW_DAYS * DAY_MS);
  const name = `Mover review: ${input.displayName}`.slice(0, 120);
  const description = `${input.displayName} moved${dept ? ` to ${dept}` : ""}${manager ? `, now reporting to ${manager.displayName}` : ""}. Their new manager decides whether each access they hold still fits the new role.`;
  const c = await tx.campaign.create({
    data: {
      name,
      description,
      ownerId: fallbackId,
      status: "DRAFT",
      scope: scope as unknown as Prisma.InputJsonObject,
      reviewerStrategy: "MANAGER",
      namedReviewerIds: [],
      fallbackReviewerId: fallbackId,
      startsAt: now,
      dueAt,
      reminderDays: [7, 3, 1],
      defaultAction: "ESCALATE",
      recurrence: null,
      moverKey: key,
      createdAt: now,
      updatedAt: now,
    },
  });
  const actor = { actorId: input.actorId, onBehalfOfId: null };
  await recordEvent(tx, {
    ...actor,
    action: "campaign.created",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: { name, description, scope, reviewerStrategy: "MANAGER", namedReviewerIds: [], fallbackReviewerId: fallbackId, startsAt: now.toISOString(), dueAt: dueAt.toISOString(), reminderDays: [7, 3, 1], defaultAction: "ESCALATE", recurrence: null, ownerId: fallbackId },
  });
  const { populationCount } = await launchDraftInTx(tx, c, actor, now);
  await recordEvent(tx, {
    ...actor,
    action: "campaign.mover_review_opened",
    subjectType: "Campaign",
    subjectId: c.id,
    occurredAt: now,
    payload: { identityId, newManagerId, move: input.move, populationCount, moverKey: key },
  });
  return { campaignId: c.id };
}
