/**
 * Defining a campaign: create, edit while DRAFT, preview the scope. Each write is one transaction: load →
 * check authority (policy.ts) and rules → conditional write → ledger event → return.
 *
 * Rules: dueAt after startsAt (and in the future); reminder days 0..90, each once; the fallback reviewer
 * an active person; the NAMED strategy needs at least one named reviewer, all active people (other
 * strategies store no named reviewers); every system and entitlement in the scope exists, and entitlements
 * belong to the chosen systems when both are given. Edits carry the updatedAt the editor loaded (CONFLICT
 * when the campaign changed since, or is no longer a draft).
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import type { Campaign, Prisma } from "../../db/generated/client";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { canonicalJson } from "../../ledger/hash";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type Actor, type ServiceCtx } from "../actor";
import { countInScope } from "./launch";
import { canManageCampaign, scopeRefusal } from "./policy";
import { assertCanSeeCampaign } from "./visibility";
import { ZCampaignScope, type CampaignScope, type ZCreateCampaignInput, type ZPreviewScopeInput, type ZUpdateCampaignInput } from "./schema";

/** The next updatedAt of an edited row: now, but always later than the version the editor saw. */
export function nextVersion(current: Date): Date {
  return new Date(Math.max(Date.now(), current.getTime() + 1));
}

/**
 * Authority over a scope (FORBIDDEN: see policy.scopeRefusal), then that it names real things (BAD_INPUT).
 * Used by create, update, preview and launch (a system owner who lost a system cannot launch over it).
 */
export async function checkScope(tx: Tx, actor: Actor, scope: CampaignScope): Promise<void> {
  const [systems, entitlements] = await Promise.all([
    scope.systemIds.length ? tx.system.findMany({ where: { id: { in: scope.systemIds } }, select: { id: true, ownerId: true } }) : [],
    scope.entitlementIds.length ? tx.entitlement.findMany({ where: { id: { in: scope.entitlementIds } }, select: { id: true, systemId: true, name: true } }) : [],
  ]);
  const refusal = scopeRefusal(actor, scope, {
    ownedSystemIds: new Set(systems.filter((s) => s.ownerId === actor.id).map((s) => s.id)),
    entitlementSystemIds: new Map(entitlements.map((e) => [e.id, e.systemId])),
  });
  if (refusal) throw forbidden(refusal);
  const missingSystem = scope.systemIds.find((id) => !systems.some((s) => s.id === id));
  if (missingSystem) throw badInput(`scope.systemIds: no system with id ${missingSystem} exists.`);
  const missingEnt = scope.entitlementIds.find((id) => !entitlements.some((e) => e.id === id));
  if (missingEnt) throw badInput(`scope.entitlementIds: no entitlement with id ${missingEnt} exists.`);
  if (scope.systemIds.length) {
    const outside = entitlements.find((e) => !scope.systemIds.includes(e.systemId));
    if (outside) throw badInput(`scope.entitlementIds: "${outside.name}" is not in one of the chosen systems.`);
  }
}

type Definition = {
  name: string;
  description: string;
  scope: CampaignScope;
  reviewerStrategy: Campaign["reviewerStrategy"];
  namedReviewerIds: string[];
  fallbackReviewerId: string;
  startsAt: Date;
  dueAt: Date;
  reminderDays: number[];
  defaultAction: Campaign["defaultAction"];
  recurrence: string | null;
};

async function assertActiveHumans(tx: Tx, ids: string[], what: string) {
  const rows = await tx.identity.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true, kind: true, status: true } });
  for (const id of ids) {
    const p = rows.find((r) => r.id === id);
    if (!p) throw badInput(`${what} must be an active person: no identity with id ${id} exists.`);
    if (p.kind !== "HUMAN") throw badInput(`${what} must be an active person: "${p.displayName}" is a non-human identity.`);
    if (p.status !== "ACTIVE") throw badInput(`${what} must be an active person: "${p.displayName}" is ${p.status.toLowerCase()}.`);
  }
}

/** The rules of a definition (after authority). Returns it normalised (named reviewers only for NAMED). */
async function validateDefinition(tx: Tx, d: Definition, now: Date): Promise<Definition> {
  if (d.dueAt <= d.startsAt) throw badInput("dueAt: the due date must be after the start.");
  if (d.dueAt <= now) throw badInput("dueAt: the due date must be in the future.");
  if (new Set(d.reminderDays).size !== d.reminderDays.length) throw badInput("reminderDays: each reminder day may appear only once.");
  await assertActiveHumans(tx, [d.fallbackReviewerId], "The fallback reviewer");
  let namedReviewerIds: string[] = [];
  if (d.reviewerStrategy === "NAMED") {
    namedReviewerIds = [...new Set(d.namedReviewerIds)];
    if (namedReviewerIds.length === 0) throw badInput("namedReviewerIds: the named-reviewers strategy needs at least one reviewer.");
    await assertActiveHumans(tx, namedReviewerIds, "Each named reviewer");
  }
  return { ...d, namedReviewerIds, reminderDays: [...d.reminderDays].sort((a, b) => b - a) };
}

const snapshot = (c: Definition) => ({
  name: c.name,
  description: c.description,
  scope: c.scope,
  reviewerStrategy: c.reviewerStrategy,
  namedReviewerIds: c.namedReviewerIds,
  fallbackReviewerId: c.fallbackReviewerId,
  startsAt: c.startsAt.toISOString(),
  dueAt: c.dueAt.toISOString(),
  reminderDays: c.reminderDays,
  defaultAction: c.defaultAction,
  recurrence: c.recurrence,
});

function toDefinition(c: Campaign): Definition {
  return {
    name: c.name,
    description: c.description,
    scope: ZCampaignScope.parse(c.scope),
    reviewerStrategy: c.reviewerStrategy,
    namedReviewerIds: c.namedReviewerIds,
    fallbackReviewerId: c.fallbackReviewerId,
    startsAt: c.startsAt,
    dueAt: c.dueAt,
    reminderDays: c.reminderDays,
    defaultAction: c.defaultAction,
    recurrence: c.recurrence,
  };
}

/** Creates a DRAFT campaign owned by the caller. Records "campaign.created". */
export async function createCampaign(ctx: ServiceCtx, input: z.output<typeof ZCreateCampaignInput>): Promise<{ id: string }> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await checkScope(tx, ctx.actor, input.scope);
    const d = await validateDefinition(tx, input, now);
    const c = await tx.campaign.create({
      data: { ...d, scope: d.scope as Prisma.InputJsonObject, ownerId: ctx.actor.id, status: "DRAFT", createdAt: now, updatedAt: now },
    });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "campaign.created",
      subjectType: "Campaign",
      subjectId: c.id,
      occurredAt: now,
      payload: { ...snapshot(d), ownerId: ctx.actor.id },
    });
    return { id: c.id };
  });
}

/**
 * Edits a DRAFT campaign: its owner or an ADMIN (a non-admin owner only within systems they own).
 * Conditional on the updatedAt the editor saw and on status DRAFT. Records "campaign.updated" with the
 * changed fields, before and after; nothing is written when nothing changes.
 */
export async function updateCampaign(ctx: ServiceCtx, input: z.output<typeof ZUpdateCampaignInput>): Promise<Campaign> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const c = await tx.campaign.findUnique({ where: { id: input.id } });
    if (!c) throw notFound("The campaign");
    if (!canManageCampaign(ctx.actor, c)) {
      await assertCanSeeCampaign(tx, ctx.actor, c);
      throw forbidden("Only the campaign's owner or an admin can edit it.");
    }
    if (c.status !== "DRAFT") throw conflict(`Only a draft campaign can be edited: this one is ${c.status.toLowerCase()}.`);
    if (c.updatedAt.getTime() !== input.expectedUpdatedAt.getTime()) {
      throw conflict("This campaign was changed by someone else after you opened it. Reload to see the current version, then make your change again.");
    }
    const before = toDefinition(c);
    const { id: _id, expectedUpdatedAt: _e, ...changes } = input;
    const merged: Definition = { ...before };
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    await checkScope(tx, ctx.actor, merged.scope);
    const after = await validateDefinition(tx, merged, now);

    const b = snapshot(before) as Record<string, unknown>;
    const a = snapshot(after) as Record<string, unknown>;
    const diff: Record<string, { before: unknown; after: unknown }> = {};
    for (const k of Object.keys(a)) if (canonicalJson(b[k] ?? null) !== canonicalJson(a[k] ?? null)) diff[k] = { before: b[k] ?? null, after: a[k] ?? null };
    if (Object.keys(diff).length === 0) return c;

    const res = await tx.campaign.updateMany({
      where: { id: c.id, status: "DRAFT", updatedAt: input.expectedUpdatedAt },
      data: { ...after, scope: after.scope as Prisma.InputJsonObject, updatedAt: nextVersion(c.updatedAt) },
    });
    if (res.count !== 1) throw conflict("This campaign was changed by someone else at the same time. Reload to see the current version.");
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "campaign.updated",
      subjectType: "Campaign",
      subjectId: c.id,
      occurredAt: now,
      payload: { name: after.name, changes: diff },
    });
    return tx.campaign.findUniqueOrThrow({ where: { id: c.id } });
  });
}

/** How many grants a scope covers right now. Same authority as defining a campaign over it. */
export async function previewScope(ctx: ServiceCtx, input: z.output<typeof ZPreviewScopeInput>): Promise<{ count: number }> {
  await checkScope(ctx.db, ctx.actor, input.scope);
  return { count: await countInScope(ctx.db, input.scope, ctx.now()) };
}
