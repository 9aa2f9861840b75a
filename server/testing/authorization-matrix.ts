/**
 * The authorization matrix: for every tRPC procedure and every route handler, what each role may do, written
 * from the rules (docs/DESIGN "Roles and powers", the services' JSDoc and the area policies), not from what
 * the code happens to do. server/trpc/authorization-matrix.int.test.ts checks every cell against the real
 * router on a real database (authorization-scene.ts), and fails when a procedure or a route has no entry
 * here, so a new one cannot ship without its rule. server/trpc/input-fuzz.int.test.ts reuses the inputs.
 *
 * Outcomes: "ok" (allowed: not refused with UNAUTHORIZED / FORBIDDEN / NOT_FOUND), or the refusal code:
 * - UNAUTHORIZED: signed out, or the session's identity is no longer active (deprovisioned);
 * - FORBIDDEN: the caller may know the thing exists but lacks the power (or the global role);
 * - NOT_FOUND: "missing or not yours": the rule says the caller may not even see it (no existence leak).
 * A note explains a read that is allowed but scoped (what it shows is tested by the area's own tests).
 */
import { DEFAULT_POLICY_TEXT } from "../domain/policy/default-policy";
import { openReportCsv } from "../domain/campaigns/report";
import { openEventsExport } from "../domain/events/export";
import { openControlMembersCsv } from "../domain/audit/controls";
import { openExportDownload, publicKeyForRoute } from "../domain/evidence-exports/queries";
import { uploadImport } from "../domain/identity-import/upload";
import { handleWebhookCallback } from "../domain/provisioning/webhook-callback";
import { DAY } from "../domain/requests/request-test-kit";
import { ROLES, type AuthorizationScene, type RoleName } from "./authorization-scene";
import { callerAs } from "./factories";
import { errorResponse } from "../../app/api/audit/_lib/http";
import { authenticateScimRequest } from "../http/scim-endpoint";
import { authenticateApiRequest } from "../http/api-v1/endpoint";

export { ROLES, type RoleName };
export type Refusal = "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
export type Outcome = "ok" | Refusal;
export type Expectation = Record<RoleName, Outcome>;

export type MatrixEntry = {
  /** A valid input built from the scene (absent: the procedure takes none). */
  input?: (s: AuthorizationScene) => unknown;
  expect: Expectation;
  /** What an allowed read shows, when it is narrowed per viewer (the content rules are tested elsewhere). */
  note?: string;
  /** Allowed roles whose call must change nothing at all (e.g. marking someone else's notifications read). */
  noEffectFor?: RoleName[];
  /** Cells where the code disagrees with the rule today (role → the bug): checked with `it.fails`. */
  knownBugs?: Partial<Record<RoleName, string>>;
  /** Who the input fuzz calls as: a matrix role, or (default) an admin who is also security. */
  fuzzAs?: RoleName | "adminSecurity";
};

// ---------------------------------------------------------------------------------------------------
// Who holds which power (one constant per power, as STYLE.md asks).

const SIGNED_IN: RoleName[] = ["employee", "manager", "owner", "security", "admin", "auditor"];
/** Every signed-in person except an auditor: the ordinary mutations of one's own work. */
const CHANGERS: RoleName[] = ["employee", "manager", "owner", "security", "admin"];
/** ADMIN, SECURITY, AUDITOR: the ledger, the auditor workspace, the policy, findings, evidence packs. */
const READS_EVERYTHING: RoleName[] = ["security", "admin", "auditor"];
const ADMIN: RoleName[] = ["admin"];
/** ADMIN, SECURITY: where the ledger's events are sent (webhook subscriptions). */
const WEBHOOK_MANAGERS: RoleName[] = ["security", "admin"];

/**
 * An expectation: `allowed` get "ok", signed out and deprovisioned UNAUTHORIZED, everyone else `otherwise`;
 * `overrides` for the cells that differ (e.g. NOT_FOUND for those who may not see the object).
 */
function only(allowed: RoleName[], otherwise: Refusal = "FORBIDDEN", overrides: Partial<Expectation> = {}): Expectation {
  const e = Object.fromEntries(ROLES.map((r) => [r, allowed.includes(r) ? "ok" : r === "signedOut" || r === "deprovisioned" ? "UNAUTHORIZED" : otherwise])) as Expectation;
  return { ...e, ...overrides };
}
const everyoneSignedIn = () => only(SIGNED_IN);

const JUSTIFICATION = "I need this to reconcile the settlement batches for the March close";

// ---------------------------------------------------------------------------------------------------
// Procedures

export const PROCEDURE_MATRIX: Record<string, MatrixEntry> = {
  // me
  "me.current": { expect: only([...SIGNED_IN, "signedOut", "deprovisioned"]), note: "Public: null when signed out or not active." },
  "me.profile": { expect: everyoneSignedIn() },

  // identities: the directory is open to every employee; access details follow accessView (identities/policy.ts).
  "identities.list": { input: () => ({}), expect: everyoneSignedIn(), note: "Emails and access counts only for those who see that identity's access." },
  "identities.facets": { expect: everyoneSignedIn() },
  "identities.byId": { input: (s) => ({ id: s.people.employee.id }), expect: everyoneSignedIn(), note: "Grants and history per accessView: all for self, manager, owner and the three roles; the owned part for catalog owners; none otherwise." },
  "identities.systemOptions": { expect: only(ADMIN) },
  "identities.createNhi": {
    input: (s) => ({ kind: "SERVICE_ACCOUNT", displayName: "svc-march-close", ownerId: s.people.employee.id, purpose: "Runs the March close reconciliation job" }),
    expect: only(ADMIN),
  },
  "identities.updateNhi": {
    input: (s) => ({ id: s.nhi.id, expectedUpdatedAt: s.nhi.updatedAt, purpose: "Settles card batches every night at 02:00" }),
    expect: only(ADMIN),
  },

  // HR import (docs/identity-import.md): admins only.
  "identityImport.byId": { input: (s) => ({ id: s.identityImport.id }), expect: only(ADMIN) },
  "identityImport.rows": { input: (s) => ({ id: s.identityImport.id, action: "INVALID" }), expect: only(ADMIN) },
  "identityImport.applyPreview": { input: (s) => ({ id: s.identityImport.id }), expect: only(ADMIN) },

  // catalog: browsing for everyone, changes for admins (never auditors).
  "catalog.listSystems": { input: () => ({}), expect: everyoneSignedIn() },
  "catalog.systemById": { input: (s) => ({ id: s.system.id }), expect: everyoneSignedIn(), note: "Connector settings only for admin, security, auditor and the system owner." },
  "catalog.listEntitlements": { input: () => ({}), expect: everyoneSignedIn() },
  "catalog.entitlementById": { input: (s) => ({ id: s.ent.reports.id }), expect: everyoneSignedIn(), note: "Holder names only for admin, security, auditor and the owners; others see the count." },
  "catalog.facets": { expect: everyoneSignedIn() },
  "catalog.ownerOptions": { input: () => ({}), expect: only(ADMIN) },
  "catalog.createSystem": { input: (s) => ({ name: "Treasury", ownerId: s.people.owner.id, criticality: "HIGH", connector: "MANUAL" }), expect: only(ADMIN) },
  "catalog.updateSystem": { input: (s) => ({ id: s.system.id, expectedUpdatedAt: s.system.updatedAt, description: "Card settlement and fees" }), expect: only(ADMIN) },
  "catalog.createEntitlement": { input: (s) => ({ systemId: s.system.id, name: "approve-refunds", risk: "HIGH", maxDurationDays: 30 }), expect: only(ADMIN) },
  "catalog.updateEntitlement": {
    input: (s) => ({ id: s.ent.dashboards.id, expectedUpdatedAt: s.ent.dashboards.updatedAt, description: "Read-only dashboards of the ledger" }),
    expect: only(ADMIN),
  },

  // ledger: admins, security and auditors.
  "ledger.status": { expect: only(READS_EVERYTHING) },
  "ledger.list": { input: () => ({}), expect: only(READS_EVERYTHING) },
  "ledger.facets": { expect: only(READS_EVERYTHING) },
  "ledger.feed": { input: () => ({ after: "0", limit: 5 }), expect: only(READS_EVERYTHING) },

  // webhooks: read by the ledger's readers, changed by admin and security (server/domain/webhooks/service.ts).
  "webhooks.list": { expect: only(READS_EVERYTHING) },
  "webhooks.byId": { input: (s) => ({ id: s.webhooks.main }), expect: only(READS_EVERYTHING) },
  "webhooks.create": { input: () => ({ name: "SOC", url: "https://soc.example.test/warrant", eventTypes: ["request.*"] }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.update": { input: (s) => ({ id: s.webhooks.main, url: "https://siem2.example.test/warrant", eventTypes: ["grant.*", "request.*"] }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.rotateSecret": { input: (s) => ({ id: s.webhooks.main, overlapHours: 24 }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.delete": { input: (s) => ({ id: s.webhooks.toDelete }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.setEnabled": { input: (s) => ({ id: s.webhooks.main, enabled: false }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.replayFrom": { input: (s) => ({ id: s.webhooks.main, fromSeq: "1" }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.replayDeadLetter": { input: (s) => ({ deadLetterId: s.webhooks.deadLetterToReplay }), expect: only(WEBHOOK_MANAGERS) },
  "webhooks.skipDeadLetter": { input: (s) => ({ deadLetterId: s.webhooks.deadLetterToSkip }), expect: only(WEBHOOK_MANAGERS) },

  "home.summary": { expect: everyoneSignedIn(), note: "Organisation totals and organisation-wide charts only for admin, security and auditor; others get figures of their own, their reports' and what they own." },

  // search: each kind through its area's own list read (directory, catalog, my requests, campaigns).
  "search.global": { input: () => ({ q: "pay" }), expect: everyoneSignedIn(), note: "Requests: the caller's own (all for admin, security, auditor); campaigns: owner, reviewers and the three roles." },

  // policy: read, validated and tried by admins, security and auditors; saved by admins only.
  "policy.current": { expect: only(READS_EVERYTHING) },
  "policy.versions": { expect: only(READS_EVERYTHING) },
  "policy.byId": { input: (s) => ({ id: s.policyVersion.id }), expect: only(READS_EVERYTHING) },
  "policy.diff": { input: (s) => ({ toId: s.policyVersion.id }), expect: only(READS_EVERYTHING) },
  "policy.sampleOptions": { input: () => ({}), expect: only(READS_EVERYTHING) },
  "policy.validate": { input: () => ({ text: DEFAULT_POLICY_TEXT }), expect: only(READS_EVERYTHING), noEffectFor: READS_EVERYTHING, note: "A mutation only to carry the text in the body: it saves nothing." },
  "policy.try": {
    input: (s) => ({ text: DEFAULT_POLICY_TEXT, sample: { requesterId: s.people.employee.id, beneficiaryId: s.people.employee.id, entitlementId: s.ent.reports.id, durationHours: 24 } }),
    expect: only(READS_EVERYTHING),
    noEffectFor: READS_EVERYTHING,
    note: "Evaluates a draft against a sample request: saves nothing.",
  },
  "policy.save": {
    input: () => ({ text: `${DEFAULT_POLICY_TEXT}\n// Reviewed in March: no change in substance.\n`, note: "Yearly review of the approval policy", expectedVersion: 1 }),
    expect: only(ADMIN),
  },

  // requests: who may see a request is in requests/queries.ts; only the requester cancels or edits.
  "requests.mine": { input: () => ({}), expect: everyoneSignedIn(), note: "Only requests made by, for, or for an NHI owned by the caller." },
  "requests.byId": {
    input: (s) => ({ id: s.requests.pending.id }),
    expect: everyoneSignedIn(),
    note: "Each role has its reason here: requester, eligible manager, entitlement owner, the three roles. Anyone else gets NOT_FOUND (tested in the requests suite).",
  },
  "requests.beneficiaryOptions": { expect: everyoneSignedIn(), note: "Me, my NHIs and my reports only." },
  "requests.searchBeneficiaries": { input: () => ({ q: "an" }), expect: everyoneSignedIn(), note: "Active people in the caller's own department only (a convenience: the policy decides on submit)." },
  "requests.entitlement": { input: (s) => ({ id: s.ent.dashboards.id }), expect: everyoneSignedIn() },
  "requests.extension": {
    input: (s) => ({ grantId: s.grants.expiring.id }),
    expect: only(["employee"], "NOT_FOUND"),
    note: "Only the holder (or the owner of the NHI holding it) opens the extension form; anyone else, admins included, NOT_FOUND.",
  },
  "requests.preview": { input: (s) => ({ entitlementId: s.ent.dashboards.id, durationHours: 24 }), expect: everyoneSignedIn(), note: "For the caller themselves: nothing is written." },
  "requests.submit": { input: (s) => ({ entitlementId: s.ent.dashboards.id, justification: JUSTIFICATION, durationHours: 72 }), expect: only(CHANGERS) },
  "requests.cancel": { input: (s) => ({ id: s.requests.toCancel.id, expectedRevision: 1 }), expect: only(["employee"]), fuzzAs: "employee" },
  "requests.edit": {
    input: (s) => ({ id: s.requests.toEdit.id, expectedRevision: 1, justification: `${JUSTIFICATION}, and the April one` }),
    expect: only(["employee"]),
    fuzzAs: "employee",
  },

  // approvals: the inbox is one's own; a stage is decided by an eligible approver who is no party to it.
  "approvals.inbox": { input: () => ({}), expect: everyoneSignedIn(), note: "Only the stages the caller may decide." },
  "approvals.facets": { expect: everyoneSignedIn() },
  "approvals.decisionFacts": {
    input: (s) => ({ requestId: s.requests.pending.id }),
    expect: everyoneSignedIn(),
    note: "Who may see the request, as requests.byId (requester, eligible manager, entitlement owner, the three roles); anyone else NOT_FOUND.",
  },
  "approvals.decide": {
    input: (s) => ({ requestId: s.requests.pending.id, stepId: s.requests.pending.stepId, decision: "APPROVE", expectedRevision: 1, reason: "Needed for the March close" }),
    expect: only(["manager"]),
    note: "The employee is the requester; owner, security and admin may see the request but are not eligible for its MANAGER stage.",
    fuzzAs: "manager",
  },
  "approvals.decideMany": {
    input: (s) => ({ items: [{ requestId: s.requests.pending.id, stepId: s.requests.pending.stepId, expectedRevision: 1 }], decision: "APPROVE", reason: "Needed for the March close" }),
    expect: only(CHANGERS),
    noEffectFor: ["employee", "owner", "security", "admin"],
    note: "Each stage is refused or decided on its own and reported per stage: only an eligible approver (the manager) changes anything.",
    fuzzAs: "manager",
  },

  // delegations: one's own approvals, revoked by the one who gave them.
  "delegations.mine": { expect: everyoneSignedIn() },
  "delegations.delegateOptions": { input: () => ({}), expect: everyoneSignedIn() },
  "delegations.create": {
    input: (s) => ({ toId: s.people.peer.id, startsAt: new Date(s.clock.now().getTime() + DAY), endsAt: new Date(s.clock.now().getTime() + 3 * DAY), reason: "Offsite for two days" }),
    expect: only(CHANGERS),
  },
  "delegations.revoke": {
    input: (s) => ({ id: s.delegation.id }),
    expect: only(["manager"], "NOT_FOUND", { owner: "FORBIDDEN", auditor: "FORBIDDEN" }),
    note: "The delegate (owner) sees it but cannot revoke it; nobody else sees it.",
    fuzzAs: "manager",
  },

  // grants: revocation by owners, admins and security; leavers by admins; break-glass reviews by security.
  "grants.revocable": { input: (s) => ({ identityId: s.people.employee.id }), expect: everyoneSignedIn(), note: "Only the grants the caller may revoke (none for an auditor)." },
  "grants.revoke": { input: (s) => ({ grantId: s.grants.revocable.id, reason: "No longer reconciles payments" }), expect: only(["owner", "security", "admin"]) },
  "grants.relinquish": {
    input: (s) => ({ grantId: s.grants.expiring.id, reason: "I moved to the risk team" }),
    expect: only(["employee"], "NOT_FOUND", { auditor: "FORBIDDEN" }),
    note: "Only the holder (or the owner of the NHI holding it) gives access up; anyone else, owners and admins included, NOT_FOUND (they revoke instead).",
    fuzzAs: "employee",
  },
  // credentials (docs/credentials.md): the NHI's owner reveals once; the owner or an admin rotates; others: not theirs.
  "credentials.ofIdentity": { input: (s) => ({ identityId: s.nhi.id }), expect: everyoneSignedIn(), note: "The NHI's owner, admins, security and auditors see its credentials (never a password); others an empty list." },
  "credentials.reveal": { input: (s) => ({ credentialId: s.credential.id }), expect: only(["employee"], "NOT_FOUND", { auditor: "FORBIDDEN" }) },
  "credentials.rotate": { input: (s) => ({ credentialId: s.credential.id }), expect: only(["employee", "admin"], "NOT_FOUND", { auditor: "FORBIDDEN" }) },
  "grants.deprovisionIdentity": { input: (s) => ({ identityId: s.people.leaving.id, reason: "Leaves the company today" }), expect: only(ADMIN) },
  "grants.reviewBreakGlass": { input: (s) => ({ requestId: s.requests.breakGlass.id, note: "Incident INC-2041 confirmed, access used as described" }), expect: only(["security"]) },

  // tasks: owners see and act on the tasks of what they own; admins act on all; security and auditors see all.
  "tasks.list": { input: () => ({}), expect: everyoneSignedIn(), note: "Owners see the tasks of what they own; admin, security and auditor all of them." },
  "tasks.breakGlassReviews": { expect: everyoneSignedIn(), note: "Empty for anyone but security, admin and auditor." },
  "tasks.confirm": { input: (s) => ({ taskId: s.tasks.awaiting.id, note: "Added to the db-admin group", outcome: "DONE" }), expect: only(["owner", "admin"]) },
  "tasks.retry": { input: (s) => ({ taskId: s.tasks.failed.id }), expect: only(["owner", "admin"]) },

  // notifications: one's own, and nobody else's.
  "notifications.list": { input: () => ({}), expect: everyoneSignedIn(), note: "The caller's own notifications only." },
  "notifications.unreadCount": { expect: everyoneSignedIn() },
  "notifications.markRead": {
    input: (s) => ({ ids: s.notificationIds }),
    expect: everyoneSignedIn(),
    noEffectFor: ["manager", "owner", "security", "admin", "auditor"],
    note: "Ids of someone else's notifications are accepted and ignored: only the employee's call marks them read.",
    fuzzAs: "employee",
  },

  // findings: read by the three roles, resolved by admins and security.
  "findings.list": { input: () => ({}), expect: only(READS_EVERYTHING) },
  "findings.resolve": { input: (s) => ({ id: s.finding.id, note: "svc-leaver-reports handed to Marcus Manager" }), expect: only(["security", "admin"]) },

  // reconciliation (domain/reconciliation): seen by the system's owner, admins, security and auditors; run by the
  // owner or an admin; its findings acted on by the owner, admins and security.
  "reconciliation.forSystem": { input: (s) => ({ systemId: s.system.id }), expect: only(["owner", "security", "admin", "auditor"]) },
  // adoptExisting: false: the system's first run would otherwise onboard (adopt) the findings the entries below act on.
  "reconciliation.reconcileNow": { input: (s) => ({ systemId: s.system.id, adoptExisting: false, accessExport: ["account,entitlement", ...[s.people.employee, s.people.deprovisioned, s.people.auditor].map((p) => `${p.email},recon-only`)].join("\n") }), expect: only(["owner", "admin"]) },
  "reconciliation.adopt": { input: (s) => ({ findingId: s.recon.unmanaged.id, days: 30, reason: "Granted by hand before Warrant" }), expect: only(["owner", "security", "admin"]) },
  "reconciliation.revoke": { input: (s) => ({ findingId: s.recon.orphan.id, reason: "Leaver still in the system" }), expect: only(["owner", "security", "admin"]) },
  "reconciliation.reprovision": { input: (s) => ({ findingId: s.recon.missing.id, reason: "Lost in the restore of March" }), expect: only(["owner", "security", "admin"]) },
  "reconciliation.accept": { input: (s) => ({ findingId: s.recon.toAccept.id, days: 30, reason: "Auditor's read access, agreed with the CISO" }), expect: only(["owner", "security", "admin"]) },

  // campaign operations (campaigns/policy.ts): manage = the campaign's owner or an admin; the report = those who
  // see the whole campaign; a reviewer sees the campaign; nobody else sees it at all (NOT_FOUND).
  "campaignOps.remind": {
    input: (s) => ({ campaignId: s.campaigns.active.id }),
    expect: only(ADMIN, "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "The owner reviews items here and security sees the whole campaign, but neither manages it.",
  },
  "campaignOps.extendDue": {
    input: (s) => ({ campaignId: s.campaigns.active.id, dueAt: new Date(s.clock.now().getTime() + 21 * DAY) }),
    expect: only(ADMIN, "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
  },
  "campaignOps.close": { input: (s) => ({ campaignId: s.campaigns.toClose.id }), expect: only(ADMIN, "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }) },
  "campaignOps.report": {
    input: (s) => ({ campaignId: s.campaigns.active.id }),
    expect: only(READS_EVERYTHING, "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "The owner is a reviewer: sees the campaign, not the whole report.",
  },

  // campaigns: definition by admins or system owners over their systems; reviewers decide their own items.
  "campaigns.list": { input: () => ({}), expect: everyoneSignedIn(), note: "Only campaigns the caller runs, reviews in, or sees whole (the three roles)." },
  "campaigns.byId": {
    input: (s) => ({ id: s.campaigns.active.id }),
    expect: only(["owner", ...READS_EVERYTHING], "NOT_FOUND"),
    note: "The owner as a reviewer sees their own items only.",
  },
  "campaigns.previewScope": { input: (s) => ({ scope: { systemIds: [s.system.id] } }), expect: only(["owner", "admin"]), note: "The owner: a scope within the systems they own." },
  "campaigns.myItems": { input: () => ({}), expect: everyoneSignedIn(), note: "The caller's own review items." },
  "campaigns.myProgress": { input: () => ({}), expect: everyoneSignedIn() },
  "campaigns.create": {
    input: (s) => ({
      name: "Payments ad-hoc review",
      scope: { systemIds: [s.system.id] },
      reviewerStrategy: "ENTITLEMENT_OWNER",
      fallbackReviewerId: s.people.director.id,
      startsAt: s.clock.now(),
      dueAt: new Date(s.clock.now().getTime() + 14 * DAY),
      defaultAction: "KEEP",
    }),
    expect: only(["owner", "admin"]),
  },
  "campaigns.update": {
    input: (s) => ({ id: s.campaigns.draftToEdit.id, expectedUpdatedAt: s.campaigns.draftToEdit.updatedAt, description: "Monthly look at write access" }),
    expect: only(["owner", "admin"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "A draft: its owner and admins manage it, security and auditors see it, nobody else does.",
  },
  "campaigns.launch": {
    input: (s) => ({ id: s.campaigns.draftToLaunch.id, expectedUpdatedAt: s.campaigns.draftToLaunch.updatedAt }),
    expect: only(["owner", "admin"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
  },
  "campaigns.decide": {
    input: (s) => ({ itemId: s.items.toDecide.id, expectedVersion: s.items.toDecide.version, decision: "KEEP", comment: "Still reconciles the batches" }),
    expect: only(["owner"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "Only the item's current reviewer; admin, security and auditor see the item but do not decide it.",
    fuzzAs: "owner",
  },
  "campaigns.bulkDecide": {
    input: (s) => ({ campaignId: s.campaigns.active.id, items: [{ itemId: s.items.toBulkDecide.id, expectedVersion: s.items.toBulkDecide.version }], decision: "KEEP", comment: "Still needed for the close" }),
    expect: only(["owner"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    fuzzAs: "owner",
  },
  "campaigns.reassign": {
    input: (s) => ({ itemId: s.items.toReassign.id, expectedVersion: s.items.toReassign.version, toId: s.people.director.id, reason: "Dana knows this team better" }),
    expect: only(["owner", "admin"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "The current reviewer, the campaign's owner or an admin; security sees the campaign but may not.",
  },
  "campaigns.bulkReassign": {
    input: (s) => ({ campaignId: s.campaigns.active.id, items: [{ itemId: s.items.toBulkReassign.id, expectedVersion: s.items.toBulkReassign.version }], toId: s.people.director.id, reason: "Dana knows this team better" }),
    expect: only(["owner", "admin"], "FORBIDDEN", { employee: "NOT_FOUND", manager: "NOT_FOUND" }),
    note: "The same rule as campaigns.reassign, per item: the item's reviewer, the campaign's owner or an admin.",
    fuzzAs: "owner",
  },

  // audit workspace: admins, security and auditors.
  "audit.grants": { input: () => ({}), expect: only(READS_EVERYTHING) },
  "audit.lineage": { input: (s) => ({ grantId: s.grants.approved.id }), expect: only(READS_EVERYTHING) },
  "audit.systems": { expect: only(READS_EVERYTHING) },
  "audit.accessAsOf": { input: (s) => ({ systemId: s.system.id, date: "2026-03-01" }), expect: only(READS_EVERYTHING) },
  "audit.accessAsOfCsv": { input: (s) => ({ systemId: s.system.id, date: "2026-03-01" }), expect: only(READS_EVERYTHING) },
  "audit.controlChecks": { expect: only(READS_EVERYTHING) },
  "audit.controls": { input: () => ({}), expect: only(READS_EVERYTHING) },
  "audit.sample": { input: () => ({ check: "approved-access", n: 5, seed: 42 }), expect: only(READS_EVERYTHING) },

  // evidence packs: started and listed by the three roles; one pack is seen by its requester, admins and auditors.
  "evidence.startExport": { input: () => ({ from: "2026-01-01", to: "2026-01-31" }), expect: only(READS_EVERYTHING), note: "The one change an auditor may make." },
  "evidence.myExports": { expect: only(READS_EVERYTHING), note: "Security sees their own; admin and auditor all." },
  "evidence.byId": {
    input: (s) => ({ id: s.evidenceExport.id }),
    expect: only(["admin", "auditor"], "FORBIDDEN", { security: "NOT_FOUND" }),
    note: "The auditor's pack: a security officer sees only their own packs, so this one is missing for them.",
  },
  "evidence.formOptions": { expect: only(READS_EVERYTHING) },

  // SCIM clients (governed API clients, server/domain/api-tokens): admins manage them; security and auditors read.
  "scimClients.list": { expect: only(READS_EVERYTHING), note: "Prefixes, states and dates only: never a token or its hash." },
  "scimClients.create": {
    input: (s) => ({ displayName: "Okta SCIM (matrix)", ownerId: s.people.owner.id, purpose: "Pushes joiners and leavers from the company IdP", expiresAt: new Date(s.clock.now().getTime() + 30 * DAY) }),
    expect: only(ADMIN),
  },
  "scimClients.rotate": { input: (s) => ({ tokenId: s.scimTokens.toRotate, overlapHours: 24 }), expect: only(ADMIN) },
  "scimClients.revoke": { input: (s) => ({ tokenId: s.scimTokens.toRevoke, reason: "Leaked in a support ticket" }), expect: only(ADMIN) },
  "evidence.publicKey": { expect: everyoneSignedIn(), note: "Public by design, for any signed-in person." },

  // API clients of /api/v1 (server/domain/api-clients, api-tokens): the owner (here the employee, who owns the
  // scene's service account) and admins manage tokens; security and auditors read; nobody else sees them.
  "apiClients.mine": { expect: everyoneSignedIn(), note: "Only the caller's own API clients." },
  "apiClients.byId": { input: (s) => ({ id: s.nhi.id }), expect: only(["employee", ...READS_EVERYTHING]), note: "Prefixes, states and dates only: never a token or its hash." },
  "apiClients.issueToken": { input: (s) => ({ identityId: s.apiAgent.id }), expect: only(["employee", "admin"]), note: "A second issue is a CONFLICT (rotate instead): a rule, not an authorization refusal." },
  "apiClients.rotateToken": { input: (s) => ({ tokenId: s.apiTokens.toRotate, overlapHours: 24 }), expect: only(["employee", "admin"]) },
  "apiClients.revokeToken": { input: (s) => ({ tokenId: s.apiTokens.toRevoke, reason: "Pasted in a chat" }), expect: only(["employee", "admin"]) },
};

// ---------------------------------------------------------------------------------------------------
// Route handlers (app/api/**/route.ts). Their session cannot be set in Vitest, so each row probes the domain
// function the route is a thin wrapper of, as each role, and compares the HTTP status it would answer.

export type RouteEntry = {
  methods: ("GET" | "POST" | "PUT" | "PATCH" | "DELETE")[];
  serves: string;
  /** The expected HTTP status per role. */
  expect: Record<RoleName, number> | null;
  /** When `expect` is null: where this route's authorization is proven instead. */
  coveredBy?: string;
  /** The status the route answers for this identity (null: signed out). */
  probe?: (s: AuthorizationScene, identityId: string | null) => Promise<number>;
  knownBugs?: Partial<Record<RoleName, string>>;
};

function statuses(allowed: RoleName[], allowedStatus: number, otherwise: number, overrides: Partial<Record<RoleName, number>> = {}): Record<RoleName, number> {
  const e = Object.fromEntries(ROLES.map((r) => [r, allowed.includes(r) ? allowedStatus : r === "signedOut" || r === "deprovisioned" ? 401 : otherwise])) as Record<RoleName, number>;
  return { ...e, ...overrides };
}
const same = (status: number) => Object.fromEntries(ROLES.map((r) => [r, status])) as Record<RoleName, number>;

/** The status an audit route answers: it calls the audit router as the session's person (app/api/audit/_lib/http.ts). */
async function viaAuditRouter(s: AuthorizationScene, identityId: string | null, call: (api: ReturnType<typeof callerAs>) => Promise<unknown>): Promise<number> {
  try {
    await call(callerAs(s.db, identityId, s.clock.now));
    return 200;
  } catch (e) {
    // The route's own mapping of a refusal: "not allowed" and "not found" answer alike (404).
    return errorResponse(e, "not found").status;
  }
}


export const ROUTE_MATRIX: Record<string, RouteEntry> = {
  "app/api/trpc/[trpc]/route.ts": {
    methods: ["GET", "POST"],
    serves: "Every tRPC procedure",
    expect: null,
    coveredBy: "PROCEDURE_MATRIX (every procedure × role) and the wire checks of server/trpc/input-fuzz.int.test.ts",
  },
  "app/api/auth/[...nextauth]/route.ts": {
    methods: ["GET", "POST"],
    serves: "next-auth's own endpoints (sign-in, OIDC callback, session, sign-out): public by nature",
    expect: null,
    coveredBy: "the e2e sign-in through a real OIDC server (e2e/), and server/auth tests; it grants no power by itself: every procedure reads the identity fresh",
  },
  "app/api/evidence/[id]/download/route.ts": {
    methods: ["GET"],
    serves: "A built evidence pack (the auditor's, in the scene)",
    expect: statuses(["admin", "auditor"], 200, 404),
    probe: async (s, id) => {
      const out = await openExportDownload(s.db, id, s.evidenceExport.id);
      return out.ok ? 200 : out.status;
    },
  },
  "app/api/evidence/public-key/route.ts": {
    methods: ["GET"],
    serves: "The evidence signing key's public half (public by design, for signed-in people)",
    expect: statuses(["employee", "manager", "owner", "security", "admin", "auditor"], 200, 401),
    probe: async (s, id) => {
      const out = await publicKeyForRoute(s.db, id);
      return out.ok ? 200 : out.status;
    },
  },
  "app/api/events/export/route.ts": {
    methods: ["GET"],
    serves: "A seq range of the ledger as JSON Lines, with the checkpoints in range",
    expect: statuses(READS_EVERYTHING, 200, 404),
    probe: async (s, id) => {
      const out = await openEventsExport(s.db, id, new URLSearchParams("from=1&to=3"));
      if (out.ok) await out.body.cancel();
      return out.ok ? 200 : out.status;
    },
  },
  "app/api/campaigns/[id]/report.csv/route.ts": {
    methods: ["GET"],
    serves: "The completion report of the active campaign as CSV",
    // Every route under /api answers "not allowed" like "missing", even to a reviewer who sees the campaign.
    expect: statuses(["security", "admin", "auditor"], 200, 404),
    probe: async (s, id) => {
      const out = await openReportCsv(s.db, id, s.campaigns.active.id, s.clock.now());
      if (out.ok) await out.body.cancel();
      return out.ok ? 200 : out.status;
    },
  },
  "app/api/audit/controls/[check]/route.ts": {
    methods: ["GET"],
    serves: "The exceptions of one control check as CSV",
    expect: statuses(READS_EVERYTHING, 200, 404),
    probe: async (s, id) => {
      const out = await openControlMembersCsv(s.db, id, "approved-access", new URLSearchParams("list=exceptions"), s.clock.now());
      if (out.ok) await out.body.cancel();
      return out.ok ? 200 : out.status;
    },
  },
  "app/api/audit/controls/[check]/sample/route.ts": {
    methods: ["GET"],
    serves: "A reproducible sample of a control check's population as CSV (the audit.sample procedure)",
    expect: statuses(READS_EVERYTHING, 200, 404),
    probe: (s, id) => viaAuditRouter(s, id, (api) => api.audit.sample({ check: "approved-access", n: 5, seed: 7 })),
  },
  "app/api/audit/access-as-of/route.ts": {
    methods: ["GET"],
    serves: "Who held what in a system on a day, as CSV (the audit.accessAsOfCsv procedure)",
    expect: statuses(READS_EVERYTHING, 200, 404),
    probe: (s, id) => viaAuditRouter(s, id, (api) => api.audit.accessAsOfCsv({ systemId: s.system.id, date: "2026-03-01" })),
  },
  "app/api/connectors/webhook/callback/route.ts": {
    methods: ["POST"],
    serves: "A webhook connector's signed callback: a machine, authenticated by its HMAC signature, never by a session",
    expect: same(401),
    probe: async (s) => {
      // An unsigned callback for a real task: refused whoever's browser sends it (the session is never read).
      const res = await handleWebhookCallback(s.db, { rawBody: JSON.stringify({ taskId: s.tasks.awaiting.id, status: "done" }), timestamp: null, signature: null, now: s.clock.now() });
      return res.status;
    },
  },
  "app/scim/v2/[[...path]]/route.ts": {
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    serves: "SCIM 2.0 for identity providers: a machine, authenticated by a SCIM client's bearer token, never by a session",
    expect: same(401),
    probe: async (s) => {
      // A joiner sent from anyone's browser session without a SCIM token: refused (the session is never read).
      // The probe is the route's authorization step; its refusal also counts against the address's rate
      // limit (a write by design, proven in server/http/scim-endpoint.int.test.ts).
      const req = new Request("http://portal.test/scim/v2/Users", { method: "POST", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "matrix@example.test" }) });
      return (await authenticateScimRequest(s.db, req, s.clock.now())) ? 200 : 401;
    },
  },
  "app/api/v1/[...path]/route.ts": {
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    serves: "The REST API for machines: an API client's bearer token, never a session; scopes and roles per operation (server/http/api-v1/contract.int.test.ts)",
    expect: same(401),
    probe: async (s) => {
      // A request submitted from anyone's browser session without an API token: refused (the session is never
      // read). What a token may do per scope and per owner is proven in server/http/api-v1/*.int.test.ts.
      const req = new Request("http://portal.test/api/v1/requests", { method: "POST", body: JSON.stringify({ entitlementId: s.system.id, justification: "matrix probe", durationHours: 1 }) });
      return (await authenticateApiRequest(s.db, req, s.clock.now())) ? 200 : 401;
    },
  },
  "app/api/identity-import/upload/route.ts": {
    methods: ["POST"],
    serves: "Upload of an HR file (CSV of people and NHIs) for a stored preview; admins only",
    // The probe sends a header-only file, so an admin gets past authorization to the reader's refusal (400)
    // and nothing is stored; everyone else is stopped before the file is read.
    expect: statuses(ADMIN, 400, 404),
    probe: async (s, id) => {
      const file = new TextEncoder().encode("email,name\n");
      const source = (async function* () {
        yield file;
      })();
      return (await uploadImport(s.db, id, { fileName: "hr.csv", fullList: false, source }, s.clock.now)).status;
    },
  },
  "app/api/dev/clock/route.ts": {
    methods: ["GET", "POST"],
    serves: "Tests and demos only: moves the business clock; 404 unless CLOCK_CONTROL=true (never set in production)",
    expect: same(404),
    probe: async () => {
      const route = await import("../../app/api/dev/clock/route");
      const noParams = { params: Promise.resolve({}) };
      const post = await route.POST(new Request("http://portal.test/api/dev/clock", { method: "POST", body: JSON.stringify({ advanceMs: 1000 }) }), noParams);
      const get = await route.GET(new Request("http://portal.test/api/dev/clock"), noParams);
      return post.status === get.status ? post.status : -1;
    },
  },
  "app/api/dev/run-jobs/route.ts": {
    methods: ["POST"],
    serves: "Tests and demos only: runs every background job once; 404 unless CLOCK_CONTROL=true",
    expect: same(404),
    probe: async () => (await (await import("../../app/api/dev/run-jobs/route")).POST(new Request("http://portal.test/api/dev/run-jobs", { method: "POST" }), { params: Promise.resolve({}) })).status,
  },
};
