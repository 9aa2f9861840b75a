/**
 * The facts a policy decision is made on, read from the database: who asks, for whom, what, for how long,
 * and what the beneficiary already holds that conflicts with it (separation of duties).
 */
import type { Tx } from "../../db";
import type { GrantStatus, IdentityKind, RiskLevel } from "../../db/generated/client";
import { notFound } from "../../errors";
import { GRANT_IN_EFFECT } from "../grants/status";
import { EMERGENCY_MAX_HOURS, EMERGENCY_WINDOW_HOURS } from "../requests/schema";
import { currentApiCall } from "../api-clients/call-context";
import type { PolicyInput } from "./types";

export type PolicyInputArgs = {
  requesterId: string;
  beneficiaryId: string;
  entitlementId: string;
  durationHours: number;
  emergency: boolean;
  /** The grant an extension request extends, if any. */
  extendsGrantId?: string | null;
  /** Business time of the decision: the emergency window is counted back from it. */
  now: Date;
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
 * Minutes of emergency (break-glass) access to `entitlementId` the beneficiary has had, has, or is
 * scheduled to have, inside the window that ends now and reaches EMERGENCY_WINDOW_HOURS back: for every
 * break-glass grant of that pair that was ever provisioned, the part of [start, end) after the window's
 * start, where end is the grant's expiry or its revocation when earlier. Overlapping grants count twice,
 * which only errs on the side of less emergency access. Rounded up to whole minutes.
 */
export async function emergencyMinutesUsed(tx: Tx, beneficiaryId: string, entitlementId: string, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - EMERGENCY_WINDOW_HOURS * 3_600_000);
  const grants = await tx.grant.findMany({
    where: {
      identityId: beneficiaryId,
      entitlementId,
      origin: "BREAK_GLASS",
      status: { not: "PROVISION_FAILED" },
      OR: [{ expiresAt: null }, { expiresAt: { gt: windowStart } }],
    },
    select: { startsAt: true, expiresAt: true, revokedAt: true },
  });
  let ms = 0;
  for (const g of grants) {
    // A break-glass grant always has an expiry; one without is counted as using the whole bound.
    if (!g.expiresAt) return EMERGENCY_MAX_HOURS * 60;
    const end = g.revokedAt && g.revokedAt < g.expiresAt ? g.revokedAt : g.expiresAt;
    const start = g.startsAt > windowStart ? g.startsAt : windowStart;
    if (end > start) ms += end.getTime() - start.getTime();
  }
  return Math.ceil(ms / 60_000);
}

async function isEmergencyGrant(tx: Tx, grantId: string): Promise<boolean> {
  const g = await tx.grant.findUnique({ where: { id: grantId }, select: { origin: true } });
  return g?.origin === "BREAK_GLASS";
}

/**
 * Builds the PolicyInput for a request from the database. NOT_FOUND for an unknown requester,
 * beneficiary or entitlement. Reads only; pass the transaction the decision is taken in.
 */
export type RequesterRow = {
  id: string;
  department: string | null;
  kind?: IdentityKind;
  ownerId?: string | null;
  /** A machine requester's owner (a person): their department and whether they manage the beneficiary. */
  owner?: { id: string; department: string | null } | null;
};

export type KnownPolicyRows = {
  requester: RequesterRow;
  beneficiary: { id: string; kind: IdentityKind; ownerId: string | null; managerId: string | null; department: string | null };
  entitlement: { id: string; name: string; systemId: string; system: { name: string }; risk: RiskLevel; privileged: boolean; requestable: boolean; maxDurationDays: number };
};

/** Two different people in the same named department (an empty or missing department is nobody's). */
export function sharesDepartment(requester: { id: string; department: string | null }, beneficiary: { id: string; kind: IdentityKind; department: string | null }): boolean {
  const a = requester.department?.trim().toLowerCase();
  const b = beneficiary.department?.trim().toLowerCase();
  return beneficiary.kind === "HUMAN" && requester.id !== beneficiary.id && Boolean(a) && a === b;
}

export async function buildPolicyInput(tx: Tx, args: PolicyInputArgs, known?: KnownPolicyRows): Promise<PolicyInput> {
  // One after the other: queries inside an interactive transaction share one connection anyway. A caller
  // that has read these rows in the same transaction (submitting) passes them instead of a second read.
  const requester: RequesterRow | null =
    known?.requester ?? (await tx.identity.findUnique({ where: { id: args.requesterId }, select: { id: true, department: true, kind: true, ownerId: true, owner: { select: { id: true, department: true } } } }));
  const beneficiary = known?.beneficiary ?? (await tx.identity.findUnique({ where: { id: args.beneficiaryId }, select: { id: true, kind: true, ownerId: true, managerId: true, department: true } }));
  const entitlement =
    known?.entitlement ??
    (await tx.entitlement.findUnique({
      where: { id: args.entitlementId },
      select: { id: true, name: true, systemId: true, system: { select: { name: true } }, risk: true, privileged: true, requestable: true, maxDurationDays: true },
    }));
  if (!requester) throw notFound("The requester");
  if (!beneficiary) throw notFound("The beneficiary");
  if (!entitlement) throw notFound("The entitlement");
  const machine = requester.kind !== undefined && requester.kind !== "HUMAN";
  const owner = machine ? (requester.owner ?? null) : null;
  return {
    requester: machine ? { id: requester.id, department: requester.department, kind: requester.kind, ownerId: requester.ownerId ?? null } : { id: requester.id, department: requester.department },
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
      requesterSharesDepartment: sharesDepartment(requester, beneficiary),
      conflictingHeld: await conflictingHeld(tx, beneficiary.id, entitlement.id),
      emergencyMinutesUsed: await emergencyMinutesUsed(tx, beneficiary.id, entitlement.id, args.now),
      extendsEmergencyAccess: args.extendsGrantId ? await isEmergencyGrant(tx, args.extendsGrantId) : false,
      ...(machine
        ? {
            requesterIsMachine: true,
            requesterOwnerIsBeneficiary: owner !== null && owner.id === beneficiary.id,
            requesterOwnerIsManagerOfBeneficiary: owner !== null && beneficiary.managerId !== null && beneficiary.managerId === owner.id,
            requesterOwnerSharesDepartment: owner !== null && sharesDepartment(owner, beneficiary),
          }
        : {}),
      ...(currentApiCall() ? { viaApiClient: true } : {}),
    },
  };
}
