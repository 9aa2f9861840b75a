/** Reads of issued credentials (docs/credentials.md). Never the password: only whether one waits to be revealed. */
import { z } from "zod";
import { hasRole, type ServiceCtx } from "../actor";

export const ZIdentityCredentialsInput = z.object({ identityId: z.uuid() }).strict();

/**
 * The credentials issued to a non-human identity, newest first: for its owner, admins, security and auditors;
 * an empty list for anyone else (nothing about them revealed). `revealable` only for the owner (the one who
 * may reveal), `canRotate` for the owner and admins.
 */
export async function identityCredentials(ctx: ServiceCtx, input: z.output<typeof ZIdentityCredentialsInput>) {
  const identity = await ctx.db.identity.findUnique({ where: { id: input.identityId }, select: { kind: true, ownerId: true } });
  if (!identity || identity.kind === "HUMAN") return [];
  const owner = identity.ownerId === ctx.actor.id;
  if (!owner && !hasRole(ctx.actor, "ADMIN", "SECURITY", "AUDITOR")) return [];
  const rows = await ctx.db.credential.findMany({
    where: { grant: { identityId: input.identityId } },
    orderBy: [{ issuedAt: "desc" }, { id: "asc" }],
    take: 50,
    select: {
      id: true,
      grantId: true,
      login: true,
      status: true,
      version: true,
      fingerprint: true,
      validUntil: true,
      issuedAt: true,
      rotatedAt: true,
      revealedAt: true,
      rotateDueAt: true,
      rotateRequestedById: true,
      lastError: true,
      revokedAt: true,
      ciphertext: true,
      grant: { select: { status: true, entitlement: { select: { name: true, credentialRotateHours: true, system: { select: { name: true } } } } } },
    },
  });
  const mayRotate = owner || hasRole(ctx.actor, "ADMIN");
  return rows.map(({ ciphertext, grant, ...c }) => ({
    ...c,
    entitlement: grant.entitlement.name,
    system: grant.entitlement.system.name,
    rotateEveryHours: grant.entitlement.credentialRotateHours,
    waitingToBeRevealed: ciphertext !== null,
    revealable: owner && ciphertext !== null && c.status === "ACTIVE",
    canRotate: mayRotate && c.status === "ACTIVE" && grant.status === "ACTIVE" && c.rotateRequestedById === null,
  }));
}

export type IdentityCredential = Awaited<ReturnType<typeof identityCredentials>>[number];
