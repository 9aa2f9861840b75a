/**
 * The facts a policy decision is made on, read from the database: who asks, for whom, what, for how long,
 * and what the beneficiary already holds that conflicts with it (separation of duties).
 */
import type { Tx } from "../../db";
import type { GrantStatus } from "../../db/generated/client";
import { notFound } from "../../errors";
import { GRANT_IN_EFFECT } from "../grants/status";
import type { PolicyInput } from "./types";

export type PolicyInputArgs = {
  requesterId: string;
  beneficiaryId: string;
  entitlementId: string;
  durationHours: number;
  emergency: boolean;
};

/** Access that counts as held for separation of duties: in effect, or granted and being provisioned. */
export const HELD_FOR_SOD: GrantStatus[] = [...GRANT_IN_EFFECT, "PENDING_PROVISION"];

/**
 * Names (sorted) of the entitlements that conflict with `entitlementId` (a ConflictRule pair, either way
 * round) and that the beneficiary holds (HELD_FOR_SOD) or has a pending request for.
 */
export async function conflictingHeld(tx: Tx, beneficiaryId: string, entitlementId: string): Promise<string[]> {
  const rules = await tx.conflictRule.findMany({
    where: { OR: [{ entitlementAId: entitlementId }, { entitlementBId: entitlementId }] },
    select: { entitlementAId: true, entitlementBId: true },
  });
  const others = [...new Set(rules.map((r) => (r.entitlementAId === entitlementId ? r.entitlementBId : r.entitlementAId)))].filter((id) => id !== entitlementId);
  if (others.length === 0) return [];
  const held = await tx.entitlement.findMany({
    where: {
      id: { in: others },
      OR: [
        { grants: { some: { identityId: beneficiaryId, status: { in: HELD_FOR_SOD } } } },
        { requests: { some: { beneficiaryId, status: "PENDING" } } },
      ],
    },
    select: { name: true },
  });
  return [...new Set(held.map((e) => e.name))].sort();
}

/**
 * Builds the PolicyInput for a request from the database. NOT_FOUND for an unknown requester,
 * beneficiary or entitlement. Reads only; pass the transaction the decision is taken in.
 */
export async function buildPolicyInput(tx: Tx, args: PolicyInputArgs): Promise<PolicyInput> {
  // One after the other: queries inside an interactive transaction share one connection anyway.
  const requester = await tx.identity.findUnique({ where: { id: args.requesterId }, select: { id: true, department: true } });
  const beneficiary = await tx.identity.findUnique({ where: { id: args.beneficiaryId }, select: { id: true, kind: true, ownerId: true, managerId: true } });
  const entitlement = await tx.entitlement.findUnique({
    where: { id: args.entitlementId },
    select: { id: true, name: true, systemId: true, system: { select: { name: true } }, risk: true, privileged: true, requestable: true, maxDurationDays: true },
  });
  if (!requester) throw notFound("The requester");
  if (!beneficiary) throw notFound("The beneficiary");
  if (!entitlement) throw notFound("The entitlement");
  return {
    requester: { id: requester.id, department: requester.department },
    beneficiary: { id: beneficiary.id, kind: beneficiary.kind, ownerId: beneficiary.ownerId, managerId: beneficiary.managerId },
    entitlement: {
      id: entitlement.id,
      name: entitlement.name,
      systemId: entitlement.systemId,
      systemName: entitlement.system.name,
      risk: entitlement.risk,
      privileged: entitlement.privileged,
      requestable: entitlement.requestable,
      maxDurationDays: entitlement.maxDurationDays,
    },
    durationHours: args.durationHours,
    emergency: args.emergency,
    facts: {
      requesterIsBeneficiary: requester.id === beneficiary.id,
      requesterOwnsBeneficiary: beneficiary.ownerId !== null && beneficiary.ownerId === requester.id,
      requesterIsManagerOfBeneficiary: beneficiary.managerId !== null && beneficiary.managerId === requester.id,
      conflictingHeld: await conflictingHeld(tx, beneficiary.id, entitlement.id),
    },
  };
}
