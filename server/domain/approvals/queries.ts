/**
 * The approver inbox: open stages of pending requests the actor may decide, directly (listed as eligible
 * when the stage opened) or as an active delegate of someone who is. The decision itself re-checks the
 * authority fresh; this list is what to look at.
 */
import type { z } from "zod";
import type { Prisma } from "../../db/generated/client";
import type { ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import type { ZInboxInput } from "./schema";

export type InboxRow = {
  stepId: string;
  requestId: string;
  revision: number;
  kind: string;
  position: number;
  stageCount: number;
  openedAt: Date | null;
  escalateAt: Date | null;
  escalated: boolean;
  deadlineAt: Date;
  entitlement: { id: string; name: string; risk: string; privileged: boolean };
  system: { id: string; name: string };
  requester: { id: string; name: string };
  beneficiary: { id: string; name: string; kind: string };
  durationHours: number;
  emergency: boolean;
  justification: string;
  /** Null when the actor is eligible themselves; otherwise the people they act for (delegation). */
  onBehalfOf: { id: string; name: string }[] | null;
};

const ORDER = (dir: "asc" | "desc"): Record<string, Prisma.ApprovalStepOrderByWithRelationInput[]> => ({
  openedAt: [{ openedAt: dir }],
  deadlineAt: [{ request: { deadlineAt: dir } }],
  entitlement: [{ request: { entitlement: { name: dir } } }],
  requester: [{ request: { requester: { displayName: dir } } }],
  risk: [{ request: { entitlement: { risk: dir } } }],
});

/** The actor's inbox, with filters (system, risk, stage kind, text) and server-side paging and sorting. */
/**
 * The stages in the actor's inbox, unfiltered: open stages of pending requests they may decide directly or as
 * an active delegate, never one in which they are a party. Shared by the inbox and the home page's counts.
 */
export async function inboxScope(ctx: ServiceCtx): Promise<{ where: Prisma.ApprovalStepWhereInput; delegators: Map<string, string> }> {
  const now = ctx.now();
  const me = ctx.actor.id;
  const delegations = await ctx.db.delegation.findMany({
    where: { toId: me, revokedAt: null, startsAt: { lte: now }, endsAt: { gt: now }, from: { status: "ACTIVE" } },
    select: { fromId: true, from: { select: { displayName: true } } },
  });
  const delegators = new Map(delegations.map((d) => [d.fromId, d.from.displayName]));
  const where: Prisma.ApprovalStepWhereInput = {
    status: "OPEN",
    eligibleIds: { hasSome: [me, ...delegators.keys()] },
    // Never a request in which the actor is a party (a delegate may be one even if the delegator is not).
    requesterId: { not: me },
    beneficiaryId: { not: me },
    OR: [{ beneficiaryOwnerId: null }, { beneficiaryOwnerId: { not: me } }],
    request: { status: "PENDING" },
  };
  return { where, delegators };
}

export async function approvalInbox(ctx: ServiceCtx, input: z.output<typeof ZInboxInput>): Promise<Page<InboxRow>> {
  const me = ctx.actor.id;
  const { where: scope, delegators } = await inboxScope(ctx);
  const q = input.q;
  const where: Prisma.ApprovalStepWhereInput = {
    ...scope,
    request: {
      status: "PENDING",
      ...(input.systemId || input.risk ? { entitlement: { ...(input.systemId ? { systemId: input.systemId } : {}), ...(input.risk ? { risk: input.risk } : {}) } } : {}),
      ...(q
        ? {
            OR: [
              { entitlement: { name: { contains: q, mode: "insensitive" } } },
              { entitlement: { system: { name: { contains: q, mode: "insensitive" } } } },
              { requester: { displayName: { contains: q, mode: "insensitive" } } },
              { beneficiary: { displayName: { contains: q, mode: "insensitive" } } },
              { justification: { contains: q, mode: "insensitive" } },
            ],
          }
        : {}),
    },
    ...(input.kind ? { kind: input.kind } : {}),
  };
  const [total, rows] = await Promise.all([
    ctx.db.approvalStep.count({ where }),
    ctx.db.approvalStep.findMany({
      where,
      orderBy: [...ORDER(input.dir)[input.sort ?? "openedAt"]!, { id: "asc" }],
      ...skipTake(input),
      include: {
        request: {
          select: {
            id: true,
            revision: true,
            deadlineAt: true,
            durationHours: true,
            emergency: true,
            justification: true,
            entitlement: { select: { id: true, name: true, risk: true, privileged: true, system: { select: { id: true, name: true } } } },
            requester: { select: { id: true, displayName: true } },
            beneficiary: { select: { id: true, displayName: true, kind: true } },
            steps: { where: { status: { not: "VOID" } }, select: { id: true }, orderBy: { stageOrder: "asc" } },
          },
        },
      },
    }),
  ]);
  return {
    total,
    page: input.page,
    size: input.size,
    rows: rows.map((s) => {
      const r = s.request;
      const direct = s.eligibleIds.includes(me);
      return {
        stepId: s.id,
        requestId: r.id,
        revision: r.revision,
        kind: s.kind,
        position: r.steps.findIndex((x) => x.id === s.id) + 1,
        stageCount: r.steps.length,
        openedAt: s.openedAt,
        escalateAt: s.escalateAt,
        escalated: Boolean(s.escalatedAt),
        deadlineAt: r.deadlineAt,
        entitlement: { id: r.entitlement.id, name: r.entitlement.name, risk: r.entitlement.risk, privileged: r.entitlement.privileged },
        system: r.entitlement.system,
        requester: { id: r.requester.id, name: r.requester.displayName },
        beneficiary: { id: r.beneficiary.id, name: r.beneficiary.displayName, kind: r.beneficiary.kind },
        durationHours: r.durationHours,
        emergency: r.emergency,
        justification: r.justification,
        onBehalfOf: direct ? null : s.eligibleIds.filter((id) => delegators.has(id)).map((id) => ({ id, name: delegators.get(id)! })),
      };
    }),
  };
}

/** Systems that appear in the actor's inbox (for the system filter). */
export async function inboxFacets(ctx: ServiceCtx) {
  const systems = await ctx.db.system.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
  return { systems };
}
