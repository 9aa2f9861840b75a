/**
 * The facts a policy decision is made on, read from the database: who asks, for whom, what, for how long,
 * and what the beneficiary already holds that conflicts with it (separation of duties).
 */
import type { Tx } from "../../db";
import { Prisma, type GrantStatus, type IdentityKind, type RiskLevel } from "../../db/generated/client";
import { notFound } from "../../errors";
import { GRANT_IN_EFFECT } from "../grants/status";
import { EMERGENCY_MAX_HOURS, EMERGENCY_WINDOW_HOURS } from "../requests/schema";
import { currentApiCall } from "../api-clients/call-context";
import type { PolicyInput } from "./types";
import { enumArray } from "../../db/sql-arrays";

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

/** A timestamp column as ISO-8601 UTC text inside JSON built by SQL (json_build_object alone drops the zone). */
export const isoUtc = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * SQL for the JSON array of names of the entitlements that conflict with `entitlementId` (a ConflictRule
 * pair, either way round) and that the beneficiary holds (HELD_FOR_SOD) or has a pending request for.
 * One definition for the reader below and for the submit's one-statement facts.
 */
export function conflictingHeldSql(beneficiaryId: string, entitlementId: string): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(json_agg(DISTINCT o."name"), '[]'::json)
      FROM "ConflictRule" c
      JOIN "Entitlement" o ON o."id" = CASE WHEN c."entitlementAId" = ${entitlementId}::uuid THEN c."entitlementBId" ELSE c."entitlementAId" END
     WHERE (c."entitlementAId" = ${entitlementId}::uuid OR c."entitlementBId" = ${entitlementId}::uuid) AND o."id" <> ${entitlementId}::uuid
       AND (EXISTS (SELECT 1 FROM "Grant" g WHERE g."identityId" = ${beneficiaryId}::uuid AND g."entitlementId" = o."id" AND g."status" = ANY(${enumArray(HELD_FOR_SOD, "GrantStatus")}))
         OR EXISTS (SELECT 1 FROM "AccessRequest" r WHERE r."beneficiaryId" = ${beneficiaryId}::uuid AND r."entitlementId" = o."id" AND r."status" = 'PENDING')))`;
}

/** The names conflictingHeldSql returns, as the policy sees them: distinct, sorted. */
export function conflictingNames(names: string[]): string[] {
  return [...new Set(names)].sort();
}

/** Names (sorted) of the entitlements that conflict with `entitlementId` and that the beneficiary holds or has a pending request for. */
export async function conflictingHeld(tx: Tx, beneficiaryId: string, entitlementId: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ names: string[] }[]>`SELECT ${conflictingHeldSql(beneficiaryId, entitlementId)} AS "names"`;
  return conflictingNames(rows[0]!.names);
}

export type EmergencyGrantSpan = { startsAt: string; expiresAt: string | null; revokedAt: string | null };

/**
 * SQL for the JSON array of the break-glass grants of the pair that were ever provisioned and may reach
 * into the emergency window ending `now` (EmergencyGrantSpan, ISO UTC times).
 */
export function emergencyGrantsSql(beneficiaryId: string, entitlementId: string, now: Date): Prisma.Sql {
  const windowStart = new Date(now.getTime() - EMERGENCY_WINDOW_HOURS * 3_600_000);
  return Prisma.sql`(SELECT coalesce(json_agg(json_build_object('startsAt', ${isoUtc(Prisma.sql`g."startsAt"`)}, 'expiresAt', ${isoUtc(Prisma.sql`g."expiresAt"`)}, 'revokedAt', ${isoUtc(Prisma.sql`g."revokedAt"`)})), '[]'::json)
      FROM "Grant" g
     WHERE g."identityId" = ${beneficiaryId}::uuid AND g."entitlementId" = ${entitlementId}::uuid AND g."origin" = 'BREAK_GLASS' AND g."status" <> 'PROVISION_FAILED'
       AND (g."expiresAt" IS NULL OR g."expiresAt" > ${windowStart}))`;
}

/**
 * Minutes of emergency (break-glass) access to the pair the beneficiary has had, has, or is scheduled to
 * have, inside the window that ends now and reaches EMERGENCY_WINDOW_HOURS back: for every grant
 * emergencyGrantsSql found, the part of [start, end) after the window's start, where end is the grant's
 * expiry or its revocation when earlier. Overlapping grants count twice, which only errs on the side of less
 * emergency access. Rounded up to whole minutes.
 */
export function emergencyMinutesOf(grants: EmergencyGrantSpan[], now: Date): number {
  const windowStart = now.getTime() - EMERGENCY_WINDOW_HOURS * 3_600_000;
  let ms = 0;
  for (const g of grants) {
    // A break-glass grant always has an expiry; one without is counted as using the whole bound.
    if (!g.expiresAt) return EMERGENCY_MAX_HOURS * 60;
    const expires = Date.parse(g.expiresAt);
    const revoked = g.revokedAt ? Date.parse(g.revokedAt) : null;
    const end = revoked !== null && revoked < expires ? revoked : expires;
    const start = Math.max(Date.parse(g.startsAt), windowStart);
    if (end > start) ms += end - start;
  }
  return Math.ceil(ms / 60_000);
}

/** emergencyMinutesOf for the pair, read now. */
export async function emergencyMinutesUsed(tx: Tx, beneficiaryId: string, entitlementId: string, now: Date): Promise<number> {
  const rows = await tx.$queryRaw<{ grants: EmergencyGrantSpan[] }[]>`SELECT ${emergencyGrantsSql(beneficiaryId, entitlementId, now)} AS "grants"`;
  return emergencyMinutesOf(rows[0]!.grants, now);
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
  /** Read by the caller with conflictingHeldSql and emergencyGrantsSql in the same transaction. */
  conflictingNames?: string[];
  emergencyGrants?: EmergencyGrantSpan[];
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
      conflictingHeld: known?.conflictingNames ? conflictingNames(known.conflictingNames) : await conflictingHeld(tx, beneficiary.id, entitlement.id),
      emergencyMinutesUsed: known?.emergencyGrants ? emergencyMinutesOf(known.emergencyGrants, args.now) : await emergencyMinutesUsed(tx, beneficiary.id, entitlement.id, args.now),
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
