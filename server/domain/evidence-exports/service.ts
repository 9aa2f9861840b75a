/**
 * Starting an evidence-pack export from the portal. Admins, security officers and auditors may start one
 * (for an auditor it is the only change Warrant lets them make: the router marks it `auditorMayCall`).
 * The request is queued; the background job (./job.ts) builds the pack and records "evidence.exported".
 */
import type { ServiceCtx } from "../actor";
import { hasRole, ledgerActor } from "../actor";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { lockKeys } from "../locks";
import { recordEvent } from "../../ledger/ledger";
import { MAX_EXPORT_DAYS, MAX_OPEN_EXPORTS, MAX_OPEN_EXPORTS_PER_PERSON, periodBounds, type ExportParams, type TStartExport } from "./schema";

export const EXPORT_ROLES = ["ADMIN", "SECURITY", "AUDITOR"] as const;

const DAY = 86_400_000;

export async function startExport(svc: ServiceCtx, input: TStartExport): Promise<{ id: string }> {
  const { actor } = svc;
  if (!hasRole(actor, ...EXPORT_ROLES)) throw forbidden("Only auditors, admins and security officers can export evidence packs.");
  const { from, to } = periodBounds(input.from, input.to);
  if (from.getTime() > to.getTime()) throw badInput("The period must start on or before the day it ends.");
  const days = Math.round((to.getTime() + 1 - from.getTime()) / DAY);
  if (days > MAX_EXPORT_DAYS) throw badInput(`The period is ${days} days long; one pack covers at most two years (${MAX_EXPORT_DAYS} days). Export it in parts.`);
  const systemIds = [...new Set(input.systems ?? [])];

  return svc.db.$transaction(async (tx) => {
    // Building a pack is the heaviest work a person can start: a few at a time per person, and a bound for
    // everyone together, counted under a lock so parallel starts cannot all see room (server/domain/locks.ts).
    await lockKeys(tx, ["exports:all", `exports:${actor.id}`]);
    const systems = systemIds.length ? await tx.system.findMany({ where: { id: { in: systemIds } }, select: { id: true, name: true } }) : [];
    if (systems.length !== systemIds.length) {
      const found = new Set(systems.map((s) => s.id));
      throw notFound(`The system ${systemIds.find((id) => !found.has(id))}`);
    }
    let campaignName: string | null = null;
    if (input.campaignId) {
      const c = await tx.campaign.findUnique({ where: { id: input.campaignId }, select: { name: true } });
      if (!c) throw notFound("The campaign");
      campaignName = c.name;
    }
    const open = await tx.evidenceExport.groupBy({ by: ["requestedById"], where: { status: { in: ["QUEUED", "RUNNING"] } }, _count: { _all: true } });
    const mine = open.find((o) => o.requestedById === actor.id)?._count._all ?? 0;
    if (mine >= MAX_OPEN_EXPORTS_PER_PERSON) {
      throw conflict(`You already have ${mine} evidence packs being built; at most ${MAX_OPEN_EXPORTS_PER_PERSON} at a time. Start this one when one of them is done.`);
    }
    const all = open.reduce((n, o) => n + o._count._all, 0);
    if (all >= MAX_OPEN_EXPORTS) throw conflict(`${all} evidence packs are being built right now, the most the portal builds at once. Try again when one of them is done.`);
    const byId = new Map(systems.map((s) => [s.id, s.name]));
    const params: ExportParams = {
      from: input.from,
      to: input.to,
      systems: systemIds,
      systemNames: systemIds.map((id) => byId.get(id)!),
      campaignId: input.campaignId ?? null,
    };
    const row = await tx.evidenceExport.create({ data: { requestedById: actor.id, params, status: "QUEUED", createdAt: svc.now() } });
    await recordEvent(tx, {
      ...ledgerActor(actor),
      action: "evidence.export_requested",
      subjectType: "EvidenceExport",
      subjectId: row.id,
      payload: { ...params, campaignName },
      occurredAt: svc.now(),
    });
    return { id: row.id };
  });
}
