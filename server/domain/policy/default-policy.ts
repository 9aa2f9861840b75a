/**
 * The approval policy a fresh Warrant starts with (version 1): a reasonable baseline for a company, to be
 * edited in Admin → Policy. Kept as Cedar text so what is saved, hashed and shown is exactly this.
 */
export const DEFAULT_POLICY_TEXT = `// Warrant approval policy (Cedar).
//
// For every access request Warrant asks five questions, each a Cedar action about the same request:
//   request          may it be requested at all?  (allowed when a permit applies and no forbid does)
//   autoApprove      is it granted at once, without an approver?
//   requireManager   does the beneficiary's manager approve it?
//   requireOwner     does the entitlement's owner approve it?
//   requireSecurity  does the security team approve it?
// The stages run in that order: manager, then owner, then security.
//
// principal = the requester (a Warrant::Person)
// resource  = the entitlement (name, system, risk "LOW".."CRITICAL", riskLevel 1..4, privileged,
//             requestable, maxDurationHours)
// context   = the beneficiary (kind, human or not), the duration in hours, the emergency flag and facts:
//             requesterIsBeneficiary, requesterOwnsBeneficiary, requesterIsManagerOfBeneficiary,
//             requesterSharesDepartment (a different person in the same department), beneficiaryHasManager,
//             relationToBeneficiary ("self", "owner", "manager", "colleague", "agent" or "none"),
//             conflictsWithHeld, conflictingHeld (names of conflicting entitlements held or pending),
//             emergencyMinutesUsed (emergency access to this entitlement in the last 24 hours, counting
//             what is still scheduled), extendsEmergencyAccess (the request extends a break-glass grant).
//             Machine requesters (an API client, a pipeline, an AI agent submitting itself): requesterKind,
//             requesterIsMachine, requesterOwnerIsBeneficiary, requesterOwnerIsManagerOfBeneficiary,
//             requesterOwnerSharesDepartment (its accountable owner's standing towards the beneficiary),
//             onBehalfOfPerson (the beneficiary is a person other than the requester), viaApiClient.
//
// Every policy needs a unique @id. A forbid's @reason is what the requester is told when it applies;
// {conflictingHeld}, {durationHours}, {maxDurationHours}, {entitlement}, {system} and {emergencyUsed}
// are filled in.
//
// The approvers of one request are always distinct people, and none of them may be the requester, the
// beneficiary or the owner of a non-human beneficiary: the approval services and the database enforce
// that for every request, whatever this policy says.

// ---------------------------------------------------------------------------------------------------
// May it be requested?

// Anyone may ask for anything; the forbids below say what is refused, and why.
@id("anyone-may-ask")
@reason("A request may be made for any entitlement not excluded below")
permit (principal, action == Warrant::Action::"request", resource);

// Some catalog entries are granted only by other processes (e.g. birthright access).
@id("requestable-only")
@reason("{entitlement} cannot be requested: it is not marked requestable in the catalog")
forbid (principal, action == Warrant::Action::"request", resource)
unless { resource.requestable };

// The catalog sets a maximum duration per entitlement; nobody may ask for longer.
@id("within-entitlement-maximum")
@reason("{durationHours} hours is longer than the maximum for {entitlement} ({maxDurationHours} hours)")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.durationHours > resource.maxDurationHours };

// Privileged access is never standing access: at most 30 days (720 hours) at a time.
@id("privileged-max-30-days")
@reason("Privileged access is granted for at most 30 days (720 hours) at a time")
forbid (principal, action == Warrant::Action::"request", resource)
when { resource.privileged && context.durationHours > 720 };

// Critical-risk access: at most 7 days (168 hours) at a time.
@id("critical-max-7-days")
@reason("Critical-risk access is granted for at most 7 days (168 hours) at a time")
forbid (principal, action == Warrant::Action::"request", resource)
when { resource.riskLevel >= 4 && context.durationHours > 168 };

// Separation of duties: nobody may hold (or be asking for) both sides of a conflicting pair,
// e.g. initiating and approving refunds. The pairs are kept in the catalog's conflict rules.
@id("separation-of-duties")
@reason("Separation of duties: {entitlement} conflicts with {conflictingHeld}, which the beneficiary already holds or has requested")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.conflictsWithHeld };

// Asking on someone else's behalf: a person's manager may request for them, and so may a colleague in
// the same department; nobody else. (People always may request for themselves.)
@id("on-behalf-manager-or-colleague")
@reason("You can request access for another person only as their manager or as a colleague in their department: ask them, or their manager, to make the request")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.beneficiaryIsHuman && !context.requesterIsBeneficiary && !context.requesterIsManagerOfBeneficiary && !context.requesterSharesDepartment && !context.requesterIsMachine };

// A colleague's request needs the person's manager to approve it; without a manager it cannot proceed.
@id("on-behalf-colleague-needs-manager")
@reason("A request made by a colleague is approved by the person's manager, and this person has no manager in Warrant: ask them to make the request")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.beneficiaryIsHuman && context.relationToBeneficiary == "colleague" && !context.beneficiaryHasManager };

// Emergency (break-glass) access is granted at once, so only the person who needs it may ask for it.
@id("on-behalf-no-emergency")
@reason("Emergency access is requested by the person who needs it, not on their behalf")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.emergency && context.beneficiaryIsHuman && !context.requesterIsBeneficiary };

// A non-human identity (service account, API key, agent, ...) gets access only through a request by its
// accountable owner, so the owner is always involved.
@id("nhi-only-by-its-owner")
@reason("Only the accountable owner of a non-human identity may request access for it")
forbid (principal, action == Warrant::Action::"request", resource)
when { !context.beneficiaryIsHuman && !context.requesterOwnsBeneficiary && !context.requesterIsBeneficiary };

// ---------------------------------------------------------------------------------------------------
// Machine requesters: an API client, a pipeline or an AI agent submitting a request itself (through the
// REST API with the scope requests:write for itself, requests:on-behalf for a person; Warrant checks the
// scopes and that the person is active). An agent is nobody's manager or colleague: it acts with its
// accountable owner's standing, so it may ask for its owner, or for a person its owner manages or works
// beside in the same department; nobody else.
@id("machine-on-behalf-owner-standing")
@reason("A machine requester may act only for its owner, or for a person its owner manages or shares a department with")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.requesterIsMachine && context.onBehalfOfPerson && !context.requesterOwnerIsBeneficiary && !context.requesterOwnerIsManagerOfBeneficiary && !context.requesterOwnerSharesDepartment };

// Agent-initiated access is short: at most 7 days (168 hours), privileged access at most 24 hours.
@id("machine-max-7-days")
@reason("Access requested by a machine requester is granted for at most 7 days (168 hours) at a time")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.requesterIsMachine && context.durationHours > 168 };

@id("machine-privileged-max-24-hours")
@reason("Privileged access requested by a machine requester is granted for at most 24 hours at a time")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.requesterIsMachine && resource.privileged && context.durationHours > 24 };

// Break-glass is for a person in an incident, never for a machine.
@id("machine-no-emergency")
@reason("Emergency access is requested by a person, not by a machine requester")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.requesterIsMachine && context.emergency };

// Emergency (break-glass) access is short by design: at most 4 hours.
@id("emergency-max-4-hours")
@reason("Emergency access is granted for at most 4 hours; request normal access for longer")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.emergency && context.durationHours > 4 };

// Break-glass cannot be chained: emergency access to one entitlement is at most 4 hours in total within
// 24 hours (the hours already used or still scheduled count). Past that, ask for normal access, which
// needs approval. (Warrant also enforces this bound itself, whatever the policy says.)
@id("emergency-no-chaining")
@reason("Emergency access to {entitlement} is at most 4 hours in total within 24 hours, and {emergencyUsed} of it is already used or scheduled: request normal access, which needs approval")
forbid (principal, action == Warrant::Action::"request", resource)
when { context.emergency && context.emergencyMinutesUsed > 0 && context.emergencyMinutesUsed + context.durationHours * 60 > 240 };

// ---------------------------------------------------------------------------------------------------
// Is it granted at once?

// Break-glass: emergency access is granted immediately for up to 4 hours. Security is notified and
// reviews every emergency grant within 24 hours.
@id("emergency-break-glass")
@reason("Emergency access: granted at once for at most 4 hours, reviewed by security afterwards")
permit (principal, action == Warrant::Action::"autoApprove", resource)
when { context.emergency && context.durationHours <= 4 && !context.extendsEmergencyAccess };

// A machine requester's privileged request is never granted at once, whatever permits above say.
@id("machine-privileged-never-auto")
@reason("Privileged access requested by a machine requester always needs a human approval")
forbid (principal, action == Warrant::Action::"autoApprove", resource)
when { context.requesterIsMachine && resource.privileged };

// ---------------------------------------------------------------------------------------------------
// Which approval stages?

// Low risk: the beneficiary's manager decides.
@id("low-risk-manager")
@reason("Low risk: approved by the manager")
permit (principal, action == Warrant::Action::"requireManager", resource)
when { resource.riskLevel == 1 && !resource.privileged };

// Medium risk: the manager, then the entitlement's owner.
@id("medium-risk-manager")
@reason("Medium risk: approved by the manager, then the entitlement owner")
permit (principal, action == Warrant::Action::"requireManager", resource)
when { resource.riskLevel == 2 && !resource.privileged };

@id("medium-risk-owner")
@reason("Medium risk: approved by the manager, then the entitlement owner")
permit (principal, action == Warrant::Action::"requireOwner", resource)
when { resource.riskLevel == 2 && !resource.privileged };

// A machine requester's privileged request: at least one person approves it, the entitlement's owner,
// even if the risk-based stages below are edited away.
@id("machine-privileged-owner")
@reason("Privileged access requested by a machine requester: approved by the entitlement owner")
permit (principal, action == Warrant::Action::"requireOwner", resource)
when { context.requesterIsMachine && resource.privileged };

// An agent acting for a person other than its owner: that person's manager approves it too.
@id("machine-on-behalf-manager")
@reason("Requested by a machine requester for someone other than its owner: their manager approves it")
permit (principal, action == Warrant::Action::"requireManager", resource)
when { context.requesterIsMachine && context.onBehalfOfPerson && !context.requesterOwnerIsBeneficiary && context.beneficiaryHasManager };

// Asked for by a colleague: the person's manager approves it too, first, whatever the risk.
@id("on-behalf-colleague-manager")
@reason("Requested by a colleague on the person's behalf: their manager approves it")
permit (principal, action == Warrant::Action::"requireManager", resource)
when { context.beneficiaryIsHuman && context.relationToBeneficiary == "colleague" };

// High or critical risk, or privileged: the entitlement's owner, then security (distinct people).
@id("high-risk-owner")
@reason("High risk or privileged: approved by the entitlement owner, then security")
permit (principal, action == Warrant::Action::"requireOwner", resource)
when { resource.riskLevel >= 3 || resource.privileged };

@id("high-risk-security")
@reason("High risk or privileged: approved by the entitlement owner, then security")
permit (principal, action == Warrant::Action::"requireSecurity", resource)
when { resource.riskLevel >= 3 || resource.privileged };

// Keeping break-glass access past its emergency is an ordinary request; security, who reviews every
// emergency grant, approves it too.
@id("emergency-extension-security")
@reason("Extends emergency access: security approves keeping it")
permit (principal, action == Warrant::Action::"requireSecurity", resource)
when { context.extendsEmergencyAccess };
`;
