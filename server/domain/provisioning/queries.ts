/**
 * Reads of the provisioning area: the task list (/tasks), the break-glass reviews due, and which grants the
 * caller may revoke (for the Revoke buttons). Owners see the tasks of what they own; admins, security
 * officers and auditors see all; only owners and admins can act on them.
 */
import type { z } from "zod";
import type { Prisma } from "../../db/generated/client";
import { hasRole, type ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import { isGrantOwnerOrAdmin } from "./people";
import { mayRevoke } from "./service";
import type { TASK_VIEWS, ZListTasksInput, ZRevocableGrantsInput } from "./schema";

type View = (typeof TASK_VIEWS)[number];

export const VIEW_WHERE: Record<View, Prisma.ProvisioningTaskWhereInput> = {
  awaiting: { status: "AWAITING_CONFIRMATION", connector: "MANUAL" },
  failed: { status: "FAILED" },
  open: { OR: [{ status: "PENDING" }, { status: "AWAITING_CONFIRMATION", connector: { not: "MANUAL" } }] },
  done: { status: "DONE" },
};

/** The tasks the actor sees: all for admins, security and auditors; an owner's for what they own. */
export function visibleTasks(ctx: ServiceCtx): Prisma.ProvisioningTaskWhereInput {
  if (hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR")) return {};
  const me = ctx.actor.id;
  return { grant: { entitlement: { OR: [{ ownerId: me }, { system: { ownerId: me } }] } } };
}

export type TaskRow = {
  id: string;
  action: "GRANT" | "REVOKE";
  connector: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  doneAt: Date | null;
  confirmNote: string | null;
  receipt: unknown;
  grant: { id: string; status: string; expiresAt: Date | null; revocationCause: string | null; revocationNote: string | null };
  identity: { id: string; displayName: string; kind: string };
  entitlement: { id: string; name: string; externalRef: string | null };
  system: { id: string; name: string; instructions: string | null };
  /** The caller may confirm (manual, awaiting) or retry (failed) this task. */
  canAct: boolean;
};

const ORDER: Record<string, (dir: "asc" | "desc") => Prisma.ProvisioningTaskOrderByWithRelationInput[]> = {
  createdAt: (dir) => [{ createdAt: dir }],
  nextAttemptAt: (dir) => [{ nextAttemptAt: dir }],
  attempts: (dir) => [{ attempts: dir }],
  entitlement: (dir) => [{ grant: { entitlement: { name: dir } } }],
};

/** One page of tasks in a view (awaiting confirmation, failed, in progress, done), with counts per view. */
export async function listTasks(ctx: ServiceCtx, input: z.output<typeof ZListTasksInput>): Promise<Page<TaskRow> & { counts: Record<View, number> }> {
  const visible = visibleTasks(ctx);
  const search: Prisma.ProvisioningTaskWhereInput = input.q
    ? {
        OR: [
          { grant: { identity: { displayName: { contains: input.q, mode: "insensitive" } } } },
          { grant: { entitlement: { name: { contains: input.q, mode: "insensitive" } } } },
          { grant: { entitlement: { system: { name: { contains: input.q, mode: "insensitive" } } } } },
        ],
      }
    : {};
  const where: Prisma.ProvisioningTaskWhereInput = { AND: [visible, search, VIEW_WHERE[input.view]] };
  const sort = input.sort ?? (input.view === "done" ? "createdAt" : "createdAt");
  const dir = input.sort ? input.dir : input.view === "done" ? "desc" : "asc";
  const [rows, total, ...counts] = await Promise.all([
    ctx.db.provisioningTask.findMany({
      where,
      orderBy: [...ORDER[sort]!(dir), { id: "asc" }],
      ...skipTake(input),
      include: {
        grant: {
          select: {
            id: true,
            status: true,
            expiresAt: true,
            revocationCause: true,
            revocationNote: true,
            identityId: true,
            identity: { select: { id: true, displayName: true, kind: true, ownerId: true } },
            entitlement: { select: { id: true, name: true, externalRef: true, ownerId: true, system: { select: { id: true, name: true, ownerId: true, connectorConfig: true } } } },
          },
        },
      },
    }),
    ctx.db.provisioningTask.count({ where }),
    ...(Object.keys(VIEW_WHERE) as View[]).map((v) => ctx.db.provisioningTask.count({ where: { AND: [visible, VIEW_WHERE[v]] } })),
  ]);
  const views = Object.keys(VIEW_WHERE) as View[];
  return {
    rows: rows.map((t) => {
      const g = t.grant;
      const owner = isGrantOwnerOrAdmin(ctx.actor, { systemOwnerId: g.entitlement.system.ownerId, entitlementOwnerId: g.entitlement.ownerId });
      const holder = ctx.actor.id === g.identityId || (g.identity.kind !== "HUMAN" && g.identity.ownerId === ctx.actor.id && !hasRole(ctx.actor, "ADMIN"));
      const actionable = (t.status === "AWAITING_CONFIRMATION" && t.connector === "MANUAL" && !holder) || t.status === "FAILED";
      const cfg = g.entitlement.system.connectorConfig as { instructions?: unknown };
      return {
        id: t.id,
        action: t.action,
        connector: t.connector,
        status: t.status,
        attempts: t.attempts,
        nextAttemptAt: t.nextAttemptAt,
        lastError: t.lastError,
        createdAt: t.createdAt,
        doneAt: t.doneAt,
        confirmNote: t.confirmNote,
        receipt: t.receipt,
        grant: { id: g.id, status: g.status, expiresAt: g.expiresAt, revocationCause: g.revocationCause, revocationNote: g.revocationNote },
        identity: { id: g.identity.id, displayName: g.identity.displayName, kind: g.identity.kind },
        entitlement: { id: g.entitlement.id, name: g.entitlement.name, externalRef: g.entitlement.externalRef },
        system: { id: g.entitlement.system.id, name: g.entitlement.system.name, instructions: typeof cfg?.instructions === "string" ? cfg.instructions : null },
        canAct: owner && actionable && !hasRole(ctx.actor, "AUDITOR"),
      };
    }),
    total,
    page: input.page,
    size: input.size,
    counts: Object.fromEntries(views.map((v, i) => [v, counts[i] ?? 0])) as Record<View, number>,
  };
}

export type BreakGlassReviewRow = {
  requestId: string;
  requester: { id: string; displayName: string };
  beneficiary: { id: string; displayName: string };
  entitlement: { id: string; name: string; system: string };
  incidentRef: string | null;
  justification: string;
  grantedAt: Date | null;
  reviewDueAt: Date | null;
  escalatedAt: Date | null;
  /** Past its review due time (business clock). */
  late: boolean;
  canReview: boolean;
};

/**
 * Break-glass access not yet reviewed (security, admins and auditors; others get an empty list). Read in due order
 * from the partial index of unreviewed emergency requests (migration break_glass_unreviewed_index).
 */
export async function breakGlassReviewsDue(ctx: ServiceCtx): Promise<BreakGlassReviewRow[]> {
  if (!hasRole(ctx.actor, "SECURITY", "ADMIN", "AUDITOR")) return [];
  const rows = await ctx.db.accessRequest.findMany({
    where: { emergency: true, status: "APPROVED", reviewedAt: null },
    orderBy: [{ reviewDueAt: "asc" }, { id: "asc" }],
    take: 200,
    select: {
      id: true,
      incidentRef: true,
      justification: true,
      decidedAt: true,
      reviewDueAt: true,
      reviewEscalatedAt: true,
      requester: { select: { id: true, displayName: true } },
      beneficiary: { select: { id: true, displayName: true } },
      entitlement: { select: { id: true, name: true, system: { select: { name: true } } } },
    },
  });
  const security = hasRole(ctx.actor, "SECURITY") && !hasRole(ctx.actor, "AUDITOR");
  const now = ctx.now();
  return rows.map((r) => ({
    requestId: r.id,
    requester: r.requester,
    beneficiary: r.beneficiary,
    entitlement: { id: r.entitlement.id, name: r.entitlement.name, system: r.entitlement.system.name },
    incidentRef: r.incidentRef,
    justification: r.justification,
    grantedAt: r.decidedAt,
    reviewDueAt: r.reviewDueAt,
    escalatedAt: r.reviewEscalatedAt,
    late: r.reviewDueAt !== null && r.reviewDueAt < now,
    canReview: security && ctx.actor.id !== r.requester.id && ctx.actor.id !== r.beneficiary.id,
  }));
}

/** Ids of the grants (of one identity or one entitlement) that are active and the caller may revoke. */
export async function revocableGrantIds(ctx: ServiceCtx, input: z.output<typeof ZRevocableGrantsInput>): Promise<string[]> {
  if (hasRole(ctx.actor, "AUDITOR")) return [];
  if (!input.identityId && !input.entitlementId) return [];
  const grants = await ctx.db.grant.findMany({
    where: { status: { in: ["ACTIVE", "REVOKE_FAILED", "PROVISION_FAILED"] }, ...(input.identityId ? { identityId: input.identityId } : {}), ...(input.entitlementId ? { entitlementId: input.entitlementId } : {}) },
    select: { id: true, entitlement: { select: { ownerId: true, system: { select: { ownerId: true } } } } },
    take: 1000,
  });
  return grants.filter((g) => mayRevoke(ctx.actor, { systemOwnerId: g.entitlement.system.ownerId, entitlementOwnerId: g.entitlement.ownerId })).map((g) => g.id);
}
