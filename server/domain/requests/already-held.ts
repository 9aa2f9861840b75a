/**
 * "Requesting what I already hold" is caught before it reaches approvers: a new (non-extension,
 * non-emergency) request for an entitlement the beneficiary holds already, or is being granted, is refused
 * with what they hold and until when, and what to do instead (extend it). Nothing is written. Emergency
 * requests keep their own rules (the break-glass bound); an extension names the grant it extends.
 * Called from submitRequest inside its transaction, after the beneficiary's lock.
 */
import type { Tx } from "../../db";
import type { GrantStatus } from "../../db/generated/client";
import { conflict } from "../../errors";
import { formatDateTime } from "@/components/ui/format";

/** A grant in these states means the access is there or on its way: asking again would duplicate it. */
export const HELD_OR_COMING: GrantStatus[] = ["ACTIVE", "PENDING_PROVISION"];

export async function assertNotAlreadyHeld(
  tx: Tx,
  o: { beneficiaryId: string; beneficiaryName?: string; entitlementId: string; entitlementName: string; forSelf: boolean; extendsGrantId: string | null; emergency: boolean },
): Promise<void> {
  if (o.extendsGrantId || o.emergency) return;
  const held = await tx.grant.findFirst({
    where: { identityId: o.beneficiaryId, entitlementId: o.entitlementId, status: { in: HELD_OR_COMING } },
    orderBy: [{ expiresAt: { sort: "desc", nulls: "first" } }],
    select: { status: true, expiresAt: true },
  });
  if (!held) return;
  const who = o.forSelf ? "You already have" : `${o.beneficiaryName ?? "This identity"} already has`;
  const until = held.expiresAt ? ` until ${formatDateTime(held.expiresAt)}` : " with no end date";
  const coming = held.status === "PENDING_PROVISION" ? " (it is being set up now)" : "";
  const instead = held.expiresAt ? " Extend it instead of requesting it again." : " There is nothing to request.";
  throw conflict(`${who} ${o.entitlementName}${until}${coming}.${instead}`);
}
