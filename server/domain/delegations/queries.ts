/** Delegations the actor gave and received, with their state now; people one may delegate to. */
import type { z } from "zod";
import type { ServiceCtx } from "../actor";
import type { ZDelegateOptionsInput } from "./schema";

export type DelegationState = "ACTIVE" | "UPCOMING" | "ENDED" | "REVOKED";

function stateOf(d: { startsAt: Date; endsAt: Date; revokedAt: Date | null }, now: Date): DelegationState {
  if (d.revokedAt) return "REVOKED";
  if (d.endsAt.getTime() <= now.getTime()) return "ENDED";
  if (d.startsAt.getTime() > now.getTime()) return "UPCOMING";
  return "ACTIVE";
}

export async function listMyDelegations(ctx: ServiceCtx) {
  const now = ctx.now();
  const me = ctx.actor.id;
  const rows = await ctx.db.delegation.findMany({
    where: { OR: [{ fromId: me }, { toId: me }] },
    orderBy: [{ endsAt: "desc" }, { id: "asc" }],
    take: 200,
    include: { from: { select: { id: true, displayName: true } }, to: { select: { id: true, displayName: true } } },
  });
  const view = (d: (typeof rows)[number]) => ({
    id: d.id,
    from: { id: d.from.id, name: d.from.displayName },
    to: { id: d.to.id, name: d.to.displayName },
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    reason: d.reason,
    revokedAt: d.revokedAt,
    state: stateOf(d, now),
  });
  return { now, given: rows.filter((d) => d.fromId === me).map(view), received: rows.filter((d) => d.toId === me).map(view) };
}
export type MyDelegations = Awaited<ReturnType<typeof listMyDelegations>>;

/** Active people (not the actor) matching a search, for the delegate picker. */
export async function delegateOptions(ctx: ServiceCtx, input: z.output<typeof ZDelegateOptionsInput>) {
  const rows = await ctx.db.identity.findMany({
    where: {
      kind: "HUMAN",
      status: "ACTIVE",
      id: { not: ctx.actor.id },
      ...(input.q ? { OR: [{ displayName: { contains: input.q, mode: "insensitive" } }, { email: { contains: input.q, mode: "insensitive" } }] } : {}),
    },
    orderBy: { displayName: "asc" },
    take: 20,
    select: { id: true, displayName: true, email: true, title: true },
  });
  return rows.map((p) => ({ id: p.id, name: p.displayName, email: p.email, title: p.title }));
}
