/**
 * "Requesting what I already hold" is caught before it reaches approvers: a new (non-extension,
 * non-emergency) request for an entitlement the beneficiary holds already, or is being granted, is refused
 * with what they hold and until when, and what to do instead (extend it). Nothing is written. Emergency
 * requests keep their own rules (the break-glass bound); an extension names the grant it extends.
 * Checked by submitRequest on the row its facts statement read (heldOrComingSql), after the beneficiary's lock.
 */
import { Prisma, type GrantStatus } from "../../db/generated/client";
import { isoUtc } from "../policy/facts";
import { enumArray } from "../../db/sql-arrays";
import { conflict } from "../../errors";
import { formatDateTime } from "@/components/ui/format";

/** A grant in these states means the access is there or on its way: asking again would duplicate it. */
export const HELD_OR_COMING: GrantStatus[] = ["ACTIVE", "PENDING_PROVISION"];

/** What the beneficiary holds of the entitlement now (the grant that ends last), as heldOrComingSql reads it. */
export type HeldGrant = { status: GrantStatus; expiresAt: string | null };

/** SQL for the HeldGrant JSON of the pair (or NULL): a grant HELD_OR_COMING, the one without an end or ending last. */
export function heldOrComingSql(beneficiaryId: string, entitlementId: string): Prisma.Sql {
  return Prisma.sql`(SELECT json_build_object('status', g."status", 'expiresAt', ${isoUtc(Prisma.sql`g."expiresAt"`)})
      FROM "Grant" g
     WHERE g."identityId" = ${beneficiaryId}::uuid AND g."entitlementId" = ${entitlementId}::uuid AND g."status" = ANY(${enumArray(HELD_OR_COMING, "GrantStatus")})
     ORDER BY g."expiresAt" DESC NULLS FIRST LIMIT 1)`;
}

/** Refuses the request when `held` (read with heldOrComingSql under the beneficiary's lock) says the access is there or coming. */
export function assertNotAlreadyHeld(
  held: HeldGrant | null,
  o: { beneficiaryName?: string; entitlementName: string; forSelf: boolean; extendsGrantId: string | null; emergency: boolean },
): void {
  if (o.extendsGrantId || o.emergency) return;
  if (!held) return;
  const expiresAt = held.expiresAt ? new Date(held.expiresAt) : null;
  const who = o.forSelf ? "You already have" : `${o.beneficiaryName ?? "This identity"} already has`;
  const until = expiresAt ? ` until ${formatDateTime(expiresAt)}` : " with no end date";
  const coming = held.status === "PENDING_PROVISION" ? " (it is being set up now)" : "";
  const instead = expiresAt ? " Extend it instead of requesting it again." : " There is nothing to request.";
  throw conflict(`${who} ${o.entitlementName}${until}${coming}.${instead}`);
}
