/**
 * "Remove my access": the holder of a grant (or the accountable owner of the non-human identity holding it)
 * gives it up. No approval is needed to have less access. One transaction: load → the actor must be the
 * holder or the NHI's owner (anyone else: NOT_FOUND, nothing about the grant revealed) → the same
 * revocation path as an owner's revoke (conditional ACTIVE → PENDING_REVOKE, a REVOKE task, the
 * "grant.revocation_requested" ledger event with requestedBy HOLDER and the actor) → the entitlement's
 * owners are told. CONFLICT when the access is not active any more.
 */
import type { z } from "zod";
import { notFound } from "../../errors";
import type { ServiceCtx } from "../actor";
import { lockIdentities } from "../locks";
import { notify } from "../notifications/notify";
import { startRevocationOrConflict } from "./grant-lifecycle";
import type { ZRelinquishGrantInput } from "./schema";

export async function relinquishGrant(ctx: ServiceCtx, input: z.output<typeof ZRelinquishGrantInput>) {
  return ctx.db.$transaction(async (tx) => {
    const g = await tx.grant.findUnique({
      where: { id: input.grantId },
      select: { id: true, identityId: true, identity: { select: { id: true, kind: true, ownerId: true, displayName: true } }, entitlement: { select: { name: true, ownerId: true, system: { select: { name: true, ownerId: true } } } } },
    });
    const mine = g && (g.identityId === ctx.actor.id || (g.identity.kind !== "HUMAN" && g.identity.ownerId === ctx.actor.id));
    if (!g || !mine) throw notFound("The access");
    // Serialised with the leaver flow and submits for the same holder (server/domain/locks.ts).
    await lockIdentities(tx, [g.identityId]);
    const now = ctx.now();
    const res = await startRevocationOrConflict(tx, { grantId: g.id, cause: "MANUAL", actorId: ctx.actor.id, note: input.reason, now, requestedBy: "HOLDER" });
    const owners = [g.entitlement.system.ownerId, ...(g.entitlement.ownerId ? [g.entitlement.ownerId] : [])].filter((id) => id !== ctx.actor.id);
    await notify(tx, {
      recipientIds: owners,
      kind: "grant.relinquished",
      title: `Access given up: ${g.entitlement.name}`,
      body: `${ctx.actor.displayName} gave up ${g.identity.id === ctx.actor.id ? "their" : `${g.identity.displayName}'s`} access to ${g.entitlement.name} in ${g.entitlement.system.name}: ${input.reason}`,
      link: `/identities/${g.identity.id}`,
    });
    return { grantId: g.id, taskId: res.taskId };
  });
}
