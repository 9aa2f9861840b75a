/**
 * Who may do what with access review campaigns. Pure functions over the actor (read fresh on every call)
 * and the campaign at hand; services and queries call them, the router does not decide.
 *
 * - Define (create, edit a draft, preview, launch): ADMIN; or a system owner for a scope limited to systems
 *   they own (systemIds non-empty, every system theirs, every entitlementId in those systems). Edits and
 *   launch are also limited to the campaign's owner (its creator) or an ADMIN.
 * - See the whole campaign (progress per reviewer, every item): its owner, ADMIN, SECURITY, AUDITOR.
 * - Reviewers see their own items; nobody else sees a campaign at all (NOT_FOUND).
 * - Decide an item: its current reviewer only. Reassign: the current reviewer, the campaign owner or ADMIN.
 * Auditors never change anything (also refused centrally for every mutation).
 */
import { hasRole, type Actor } from "../actor";
import type { CampaignScope } from "./schema";

/** An admin who is not also an auditor (auditors read only, whatever else they hold). */
export function isAdmin(actor: Actor): boolean {
  return hasRole(actor, "ADMIN") && !hasRole(actor, "AUDITOR");
}

/** May this actor manage (edit, launch, reassign in) this campaign? */
export function canManageCampaign(actor: Actor, campaign: { ownerId: string }): boolean {
  if (hasRole(actor, "AUDITOR")) return false;
  return isAdmin(actor) || campaign.ownerId === actor.id;
}

/** May this actor see the whole campaign (every reviewer's items and progress)? */
export function canSeeWholeCampaign(actor: Actor, campaign: { ownerId: string }): boolean {
  return campaign.ownerId === actor.id || hasRole(actor, "ADMIN", "SECURITY", "AUDITOR");
}

/**
 * The scope rule for a non-admin: a non-empty list of systems, all owned by the actor, and every named
 * entitlement in one of those systems. Returns the reason it fails, or null when allowed.
 */
export function scopeRefusal(
  actor: Actor,
  scope: CampaignScope,
  facts: { ownedSystemIds: Set<string>; entitlementSystemIds: Map<string, string> },
): string | null {
  if (hasRole(actor, "AUDITOR")) return "Auditors have read-only access: they cannot define campaigns.";
  if (isAdmin(actor)) return null;
  const generic = "Only an admin, or a system owner for a scope limited to systems they own, can define a campaign.";
  if (scope.systemIds.length === 0) return generic;
  if (!scope.systemIds.every((id) => facts.ownedSystemIds.has(id))) return `${generic} You do not own every system in this scope.`;
  const systems = new Set(scope.systemIds);
  if (!scope.entitlementIds.every((id) => systems.has(facts.entitlementSystemIds.get(id) ?? ""))) {
    return `${generic} Every entitlement must belong to one of the chosen systems.`;
  }
  return null;
}
