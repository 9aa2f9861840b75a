/**
 * Delegations: a person hands their own approvals to someone else for a window (out of office). The
 * delegate may then decide the stages the delegator is eligible for, and the decision records the
 * delegation as part of its authority. Only one's own approvals can be delegated; the delegator can revoke.
 */
import type { z } from "zod";
import { formatDateTime } from "@/components/ui/format";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { ledgerActor, type ServiceCtx } from "../actor";
import { lockIdentities } from "../locks";
import { notify } from "../notifications/notify";
import type { ZCreateDelegationInput, ZRevokeDelegationInput } from "./schema";

/** Creates a delegation from the actor to an active person (not themselves) for at most 90 days. */
export async function createDelegation(ctx: ServiceCtx, input: z.output<typeof ZCreateDelegationInput>) {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    if (input.toId === ctx.actor.id) throw badInput("You cannot delegate your approvals to yourself.");
    if (ctx.actor.kind !== "HUMAN") throw forbidden("Only people can delegate approvals.");
    // Both people's standing is read below: serialise with a leaver flow for either (server/domain/locks.ts).
    await lockIdentities(tx, [ctx.actor.id, input.toId]);
    const me = await tx.identity.findUnique({ where: { id: ctx.actor.id }, select: { status: true } });
    if (me?.status !== "ACTIVE") throw forbidden("Your account is not active in Warrant.");
    const to = await tx.identity.findUnique({ where: { id: input.toId }, select: { id: true, kind: true, status: true, displayName: true } });
    if (!to) throw notFound("The person you are delegating to");
    if (to.kind !== "HUMAN") throw badInput(`${to.displayName} is a non-human identity: delegate to a person.`);
    if (to.status !== "ACTIVE") throw badInput(`${to.displayName} is not active (${to.status.toLowerCase()}): delegate to an active person.`);
    if (input.endsAt.getTime() <= now.getTime()) throw badInput("The delegation would already be over: choose an end in the future.");
    const d = await tx.delegation.create({ data: { fromId: ctx.actor.id, toId: to.id, startsAt: input.startsAt, endsAt: input.endsAt, reason: input.reason } });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "delegation.created",
      subjectType: "Delegation",
      subjectId: d.id,
      occurredAt: now,
      payload: { fromId: ctx.actor.id, toId: to.id, to: to.displayName, startsAt: d.startsAt, endsAt: d.endsAt, reason: d.reason },
    });
    await notify(tx, {
      recipientIds: [to.id],
      kind: "delegation.created",
      title: `${ctx.actor.displayName} delegated their approvals to you`,
      body: `From ${formatDateTime(d.startsAt)} to ${formatDateTime(d.endsAt)}: ${d.reason}`,
      link: "/delegations",
    });
    return d;
  });
}

/** Revokes one of the actor's own delegations (conditional: not already revoked). */
export async function revokeDelegation(ctx: ServiceCtx, input: z.output<typeof ZRevokeDelegationInput>) {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const d = await tx.delegation.findUnique({ where: { id: input.id } });
    if (!d || (d.fromId !== ctx.actor.id && d.toId !== ctx.actor.id)) throw notFound("The delegation");
    if (d.fromId !== ctx.actor.id) throw forbidden("Only the person who gave a delegation can revoke it.");
    const moved = await tx.delegation.updateMany({ where: { id: d.id, revokedAt: null }, data: { revokedAt: now } });
    if (moved.count === 0) throw conflict("This delegation was already revoked.");
    await recordEvent(tx, { ...ledgerActor(ctx.actor), action: "delegation.revoked", subjectType: "Delegation", subjectId: d.id, occurredAt: now, payload: { fromId: d.fromId, toId: d.toId } });
    return { id: d.id, revokedAt: now };
  });
}
