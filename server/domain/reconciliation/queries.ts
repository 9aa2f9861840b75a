/**
 * A system's reconciliation as its page shows it: the last runs with their counts, and its findings (open,
 * or resolved with their outcome and, for removals and re-provisioning, the task's state: confirmed by the
 * connector's read-back or not yet). The system's owner, admins, security officers and auditors.
 */
import type { z } from "zod";
import { connectorFor } from "../../connectors";
import { forbidden, notFound } from "../../errors";
import type { ServiceCtx } from "../actor";
import { RECON_ACTIONS, RECON_KINDS, type ReconKind, type ReconOutcome, type ZSystemReconciliationInput } from "./schema";
import { mayActOnFindings, mayReconcile, maySeeReconciliation, type RunCounts } from "./service";

export type ReconFindingRow = {
  id: string;
  kind: ReconKind;
  status: "OPEN" | "RESOLVED";
  account: string;
  entitlement: string;
  identity: { id: string; name: string; status: string } | null;
  createdAt: Date;
  lastSeenAt: string | null;
  reopenedAt: string | null;
  outcome: ReconOutcome | null;
  reason: string | null;
  acceptedUntil: string | null;
  resolvedAt: Date | null;
  task: { id: string; status: string; confirmed: boolean } | null;
  actions: readonly ("adopt" | "revoke" | "reprovision" | "accept")[];
};

export type ReconRunRow = {
  id: string;
  trigger: string;
  status: string;
  startedAt: Date;
  completedAt: Date | null;
  memberships: number;
  counts: Partial<RunCounts>;
  snapshotSha256: string | null;
  error: string | null;
};

const str = (v: unknown) => (typeof v === "string" ? v : null);

export async function systemReconciliation(ctx: ServiceCtx, input: z.output<typeof ZSystemReconciliationInput>) {
  const system = await ctx.db.system.findUnique({ where: { id: input.systemId }, select: { id: true, name: true, ownerId: true, connector: true, reconcileEveryHours: true } });
  if (!system) throw notFound("The system");
  if (!maySeeReconciliation(ctx.actor, system)) throw forbidden("Only the system's owner, admins, security officers and auditors can see its reconciliation.");
  const where = { subjectType: "System", subjectId: system.id, kind: { in: [...RECON_KINDS] as string[] } };
  const [runs, firstCompleted, openByKind, total, rows] = await Promise.all([
    ctx.db.reconciliationRun.findMany({ where: { systemId: system.id }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: 5 }),
    // The onboarding run: the system's first completed one.
    ctx.db.reconciliationRun.findFirst({ where: { systemId: system.id, status: "COMPLETED" }, orderBy: [{ completedAt: "asc" }, { id: "asc" }], select: { id: true, completedAt: true, counts: true } }),
    ctx.db.finding.groupBy({ by: ["kind"], where: { ...where, status: "OPEN" }, _count: { _all: true } }),
    ctx.db.finding.count({ where: { ...where, status: input.status } }),
    ctx.db.finding.findMany({
      where: { ...where, status: input.status },
      orderBy: input.status === "OPEN" ? [{ createdAt: "desc" }, { id: "asc" }] : [{ resolvedAt: "desc" }, { id: "asc" }],
      skip: (input.page - 1) * input.pageSize,
      take: input.pageSize,
    }),
  ]);
  const det = rows.map((r) => (r.details ?? {}) as Record<string, unknown>);
  const identityIds = [...new Set(det.map((d) => str(d.identityId)).filter((x): x is string => Boolean(x)))];
  const taskIds = [...new Set(det.map((d) => str(d.taskId)).filter((x): x is string => Boolean(x)))];
  const [identities, tasks] = await Promise.all([
    ctx.db.identity.findMany({ where: { id: { in: identityIds } }, select: { id: true, displayName: true, status: true } }),
    ctx.db.provisioningTask.findMany({ where: { id: { in: taskIds } }, select: { id: true, status: true, receipt: true } }),
  ]);
  const idMap = new Map(identities.map((i) => [i.id, i]));
  const taskMap = new Map(tasks.map((t) => [t.id, t]));
  const canAct = mayActOnFindings(ctx.actor, system);
  const findings: ReconFindingRow[] = rows.map((r, i) => {
    const d = det[i]!;
    const who = idMap.get(str(d.identityId) ?? "");
    const task = taskMap.get(str(d.taskId) ?? "");
    return {
      id: r.id,
      kind: r.kind as ReconKind,
      status: r.status,
      account: str(d.account) ?? "",
      entitlement: str(d.entitlement) ?? "",
      identity: who ? { id: who.id, name: who.displayName, status: who.status } : null,
      createdAt: r.createdAt,
      lastSeenAt: str(d.lastSeenAt),
      reopenedAt: str(d.reopenedAt),
      outcome: (str(d.outcome) as ReconOutcome | null) ?? null,
      reason: str(d.reason),
      acceptedUntil: str(d.acceptedUntil),
      resolvedAt: r.resolvedAt,
      task: task ? { id: task.id, status: task.status, confirmed: task.status === "DONE" && (task.receipt as { confirmed?: unknown } | null)?.confirmed !== false } : null,
      // An account with no identity: only a connector that can name it (PostgreSQL, SCIM: revokeAccount) removes it.
      actions: canAct && r.status === "OPEN" ? RECON_ACTIONS[r.kind as ReconKind].filter((a) => a !== "revoke" || who || connectorFor(system.connector).revokeAccount !== undefined) : [],
    };
  });
  const open = Object.fromEntries(RECON_KINDS.map((k) => [k, openByKind.find((g) => g.kind === k)?._count._all ?? 0])) as Record<ReconKind, number>;
  return {
    system: { id: system.id, name: system.name, connector: system.connector, reconcileEveryHours: system.reconcileEveryHours },
    canReconcile: mayReconcile(ctx.actor, system),
    canAct,
    needsUpload: system.connector === "MANUAL",
    /** No completed run yet: the next run is the system's onboarding ("adopt existing access" offered, on by default). */
    firstRun: firstCompleted === null,
    /** What onboarding adopted (the first completed run), when it adopted anything. */
    onboarding:
      firstCompleted && Number((firstCompleted.counts as Partial<RunCounts>).adopted ?? 0) > 0
        ? { runId: firstCompleted.id, at: firstCompleted.completedAt!, adopted: Number((firstCompleted.counts as Partial<RunCounts>).adopted) }
        : null,
    runs: runs.map((r): ReconRunRow => ({ id: r.id, trigger: r.trigger, status: r.status, startedAt: r.startedAt, completedAt: r.completedAt, memberships: r.memberships, counts: r.counts as Partial<RunCounts>, snapshotSha256: r.snapshotSha256, error: r.error })),
    open,
    findings: { rows: findings, total, page: input.page, pageSize: input.pageSize },
  };
}
