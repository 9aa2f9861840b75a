/**
 * One organisation in which every role has something real to act on, for the authorization matrix and the
 * input fuzz (server/testing/authorization-matrix.ts). People are written by factories (they come from HR);
 * what they do (requests, approvals, break-glass, provisioning, a leaver, campaigns, a delegation, an
 * evidence export) goes through the real router and jobs, so every row is one the portal itself wrote.
 *
 * The eight roles of the matrix:
 * - employee: has a manager, holds grants (one expiring, one standing), owns a non-human identity, has
 *   pending requests (each with an open MANAGER stage) and a break-glass grant; has notifications;
 * - manager: the employee's manager (eligible for those MANAGER stages), gave a delegation (upcoming);
 * - owner: owns the system and its entitlements, reviews the items of the active campaigns, has a manual
 *   provisioning task waiting for confirmation and a failed one, owns two draft campaigns, is the delegate;
 * - security, admin, auditor: one global role each (the auditor requested an evidence export);
 * - signedOut: no session; deprovisioned: a leaver (deprovisioned through the router) with a session.
 * Plus bystanders who are none of those (a director, a peer, a person about to leave) and `adminSecurity`,
 * an admin who is also security: the input fuzz's default caller, never a matrix role.
 *
 * Mutating matrix entries act on objects of their own (one pending request to cancel, another to edit, a
 * campaign to close, a draft to launch, a person to deprovision...), so the entries do not depend on order.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrismaClient } from "../db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { ensureDefaultPolicy } from "../domain/policy/service";
import { DAY, HOUR, JUSTIFICATION, testClock } from "../domain/requests/request-test-kit";
import { reconDedupeKey } from "../domain/reconciliation/service";
import type { ReconKind } from "../domain/reconciliation/schema";
import { loadActor } from "../domain/actor";
import { previewImport } from "../domain/identity-import/preview";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "./factories";
import { newToken } from "../domain/api-tokens/token";
import { ensureWarrantApiSystem } from "../domain/api-clients/system";
import { WARRANT_API_SYSTEM_ID } from "../domain/api-clients/scopes";
import { credentialLoginName } from "../connectors/postgres-login";
import { seal } from "../domain/credentials/sealed";

/** The roles every procedure and route is checked for. */
export const ROLES = ["employee", "manager", "owner", "security", "admin", "auditor", "signedOut", "deprovisioned"] as const;
export type RoleName = (typeof ROLES)[number];

export async function authorizationScene(db: PrismaClient) {
  const clock = testClock();
  const now = clock.now();
  await db.$transaction((tx) => ensureDefaultPolicy(tx, null, now));
  const policyVersion = await db.policyVersion.findFirstOrThrow({ orderBy: { version: "desc" } });

  // People (from HR: factories).
  const director = await makeHuman(db, { name: "Dana Director", department: "Finance" });
  const manager = await makeHuman(db, { name: "Marcus Manager", department: "Finance", managerId: director.id });
  const employee = await makeHuman(db, { name: "Priya Employee", department: "Finance", managerId: manager.id });
  const peer = await makeHuman(db, { name: "Pete Peer", department: "Finance", managerId: manager.id });
  const leaver = await makeHuman(db, { name: "Lee Leaver", department: "Finance", managerId: manager.id });
  const leaving = await makeHuman(db, { name: "Tom Leaving", department: "Finance", managerId: manager.id });
  const owner = await makeHuman(db, { name: "Sofia Owner", department: "Platform", managerId: director.id });
  const security = await makeHuman(db, { name: "Omar Security", department: "Security", roles: ["SECURITY"] });
  const admin = await makeHuman(db, { name: "Grace Admin", department: "IT", roles: ["ADMIN"] });
  const auditor = await makeHuman(db, { name: "Ruth Auditor", department: "Audit", roles: ["AUDITOR"] });
  const adminSecurity = await makeHuman(db, { name: "Ada AdminSecurity", department: "IT", roles: ["ADMIN", "SECURITY"] });
  const nhi = await makeNhi(db, employee.id, { name: "svc-settlement" });
  const leaverNhi = await makeNhi(db, leaver.id, { name: "svc-leaver-reports" });

  // The catalog: one system (manual connector) owned by the owner, entitlements without owners of their own.
  const system = await makeSystem(db, owner.id, { name: "Payments Ledger" });
  const ent = {
    reports: await makeEntitlement(db, system.id, { name: "read-reports", risk: "LOW" }),
    dashboards: await makeEntitlement(db, system.id, { name: "view-dashboards", risk: "LOW" }),
    batches: await makeEntitlement(db, system.id, { name: "write-batches", risk: "MEDIUM" }),
    statements: await makeEntitlement(db, system.id, { name: "export-statements", risk: "MEDIUM" }),
    fees: await makeEntitlement(db, system.id, { name: "adjust-fees", risk: "MEDIUM" }),
    periods: await makeEntitlement(db, system.id, { name: "close-periods", risk: "MEDIUM" }),
    reconcile: await makeEntitlement(db, system.id, { name: "reconcile", risk: "MEDIUM" }),
    dbAdmin: await makeEntitlement(db, system.id, { name: "db-admin", risk: "HIGH", privileged: true, maxDurationDays: 30 }),
  };

  // Standing access (imported: the scene).
  const expiringGrant = await makeGrant(db, employee.id, ent.reports.id, { expiresAt: new Date(now.getTime() + 10 * DAY) });
  const revocableGrant = await makeGrant(db, employee.id, ent.reconcile.id);
  await makeGrant(db, peer.id, ent.reports.id);
  await makeGrant(db, peer.id, ent.batches.id);
  await makeGrant(db, nhi.id, ent.reports.id);
  await makeGrant(db, leaver.id, ent.reports.id);
  await makeGrant(db, leaving.id, ent.reports.id);

  const as = (p: { id: string }) => callerAs(db, p.id, clock.now);
  const submit = (who: { id: string }, entitlementId: string, extra: Record<string, unknown> = {}) =>
    as(who).requests.submit({ entitlementId, justification: JUSTIFICATION, durationHours: 72, ...extra });
  const openStep = async (requestId: string) => db.approvalStep.findFirstOrThrow({ where: { requestId, status: "OPEN" } });

  // A request taken through both stages; its manual task is then reported as not done (a failed task).
  const approved = await submit(employee, ent.batches.id);
  await as(manager).approvals.decide({ requestId: approved.id, stepId: (await openStep(approved.id)).id, decision: "APPROVE", expectedRevision: 1, reason: "Part of the batch team" });
  await as(owner).approvals.decide({ requestId: approved.id, stepId: (await openStep(approved.id)).id, decision: "APPROVE", expectedRevision: 1, reason: "Write access for the batch fix" });
  const approvedGrant = await db.grant.findUniqueOrThrow({ where: { requestId: approved.id } });

  // Break-glass: granted at once, reviewed by security afterwards.
  const breakGlass = await submit(employee, ent.dbAdmin.id, { durationHours: 2, emergency: true, incidentRef: "INC-2041" });
  const breakGlassGrant = await db.grant.findUniqueOrThrow({ where: { requestId: breakGlass.id } });

  // Pending requests, each waiting for the manager: one to read and decide, one to cancel, one to edit.
  const pending = await submit(employee, ent.statements.id);
  const toCancel = await submit(employee, ent.fees.id);
  const toEdit = await submit(employee, ent.periods.id);

  // The manual connector: both grants' tasks wait for the owner; the first is reported as not done.
  await processProvisioningTasks(db, clock.now(), "scene-worker");
  const failedTask = await db.provisioningTask.findFirstOrThrow({ where: { grantId: approvedGrant.id, action: "GRANT" } });
  await as(owner).tasks.confirm({ taskId: failedTask.id, outcome: "FAILED", note: "The target group is locked by the vendor" });
  const awaitingTask = await db.provisioningTask.findFirstOrThrow({ where: { grantId: breakGlassGrant.id, action: "GRANT", status: "AWAITING_CONFIRMATION" } });

  // Out of office next week: the manager's approvals go to the owner then (not yet in force).
  const delegation = await as(manager).delegations.create({ toId: owner.id, startsAt: new Date(now.getTime() + 7 * DAY), endsAt: new Date(now.getTime() + 14 * DAY), reason: "On leave the week after next" });

  // A leaver: deprovisioned by an admin, which raises a finding for the non-human identity they owned.
  await as(admin).grants.deprovisionIdentity({ identityId: leaver.id, reason: "Left the company on 28 February" });
  const finding = await db.finding.findFirstOrThrow({ where: { kind: "NHI_OWNER_LEFT", subjectId: leaverNhi.id } });

  // Reconciliation findings of the system, as a run over its access export leaves them (server/domain/reconciliation):
  // access the employee holds in the target only, a leaver's account still there, a grant of the manager's the
  // target lacks, and one more to accept. Their entitlement is held by nobody in Warrant but the manager. The
  // matrix's reconcileNow uploads the export they came from, so a run finds the same four again.
  const reconEnt = await makeEntitlement(db, system.id, { name: "recon-only", risk: "LOW" });
  const missingGrant = await db.grant.create({ data: { identityId: manager.id, entitlementId: reconEnt.id, status: "ACTIVE", origin: "IMPORTED", startsAt: now, expiresAt: new Date(now.getTime() + 30 * DAY) } });
  const reconFinding = async (kind: string, who: { id: string; email: string | null }, grantId: string | null = null) =>
    db.finding.create({
      data: {
        kind,
        subjectType: "System",
        subjectId: system.id,
        assigneeId: owner.id,
        dedupeKey: reconDedupeKey(system.id, kind as ReconKind, who.email!.toLowerCase(), reconEnt.name),
        details: { systemId: system.id, system: system.name, account: who.email!.toLowerCase(), externalRef: reconEnt.name, entitlementId: reconEnt.id, entitlement: reconEnt.name, identityId: who.id, grantId },
      },
    });
  const recon = {
    unmanaged: await reconFinding("UNMANAGED_ACCESS", employee),
    orphan: await reconFinding("ORPHAN_ACCOUNT", leaver),
    missing: await reconFinding("MISSING_ACCESS", manager, missingGrant.id),
    toAccept: await reconFinding("UNMANAGED_ACCESS", auditor),
  };

  // Campaigns over the system: two active ones run by the admin (reviewed by the owner), two drafts of the owner's.
  const definition = (name: string) => ({
    name,
    scope: { systemIds: [system.id], entitlementIds: [], privilegedOnly: false, identityKinds: [] },
    reviewerStrategy: "ENTITLEMENT_OWNER" as const,
    fallbackReviewerId: director.id,
    startsAt: new Date(now.getTime() - HOUR),
    dueAt: new Date(now.getTime() + 14 * DAY),
    defaultAction: "KEEP" as const,
  });
  const launch = async (who: { id: string }, name: string) => {
    const { id } = await as(who).campaigns.create(definition(name));
    const draft = await db.campaign.findUniqueOrThrow({ where: { id } });
    await as(who).campaigns.launch({ id, expectedUpdatedAt: draft.updatedAt });
    return db.campaign.findUniqueOrThrow({ where: { id } });
  };
  const campaign = await launch(admin, "Q1 payments access review");
  const campaignToClose = await launch(admin, "Q1 payments access review (second pass)");
  const items = await db.reviewItem.findMany({ where: { campaignId: campaign.id, reviewerId: owner.id }, orderBy: [{ identityName: "asc" }, { entitlementName: "asc" }] });
  if (items.length < 4) throw new Error(`The scene needs 4 review items for the owner, got ${items.length}`);
  const draftToEdit = await db.campaign.findUniqueOrThrow({ where: { id: (await as(owner).campaigns.create(definition("Payments monthly review (draft)"))).id } });
  const draftToLaunch = await db.campaign.findUniqueOrThrow({ where: { id: (await as(owner).campaigns.create(definition("Payments quarterly review (draft)"))).id } });

  // An evidence pack the auditor asked for; the scene marks it built (the export job has its own tests).
  const exportDir = mkdtempSync(join(tmpdir(), "warrant-authz-"));
  const { id: exportId } = await as(auditor).evidence.startExport({ from: "2026-01-01", to: "2026-02-28" });
  const packFile = join(exportDir, `${exportId}.zip`);
  writeFileSync(packFile, "PK scene pack");
  await db.evidenceExport.update({ where: { id: exportId }, data: { status: "DONE", filePath: packFile, fileSha256: "ab".repeat(32), byteSize: 13n, completedAt: clock.now() } });

  // SCIM clients: one token to rotate, one to revoke.
  const scimClient = (name: string) =>
    as(admin).scimClients.create({ displayName: name, ownerId: owner.id, purpose: "Pushes joiners and leavers from the company IdP", expiresAt: new Date(now.getTime() + 90 * DAY) });
  const scimTokens = { toRotate: (await scimClient("Okta SCIM (scene)")).tokenId, toRevoke: (await scimClient("Entra SCIM (scene)")).tokenId };

  // API clients (/api/v1): the employee's service account and an AI agent of theirs hold the scope
  // catalog:read (granted directly; the request flow is tested in server/domain/api-clients), with a credential
  // expiry. The service account has two tokens (to rotate, to revoke); the agent none yet (to issue).
  await db.$transaction((tx) => ensureWarrantApiSystem(tx, { ownerId: admin.id, actorId: null, now }));
  const catalogRead = await db.entitlement.findFirstOrThrow({ where: { systemId: WARRANT_API_SYSTEM_ID, externalRef: "catalog:read" } });
  const apiAgent = await makeNhi(db, employee.id, { kind: "AI_AGENT", name: "triage-agent (scene)" });
  for (const id of [nhi.id, apiAgent.id]) {
    await db.identity.update({ where: { id }, data: { credentialExpiresAt: new Date(now.getTime() + 180 * DAY) } });
    await db.grant.create({ data: { identityId: id, entitlementId: catalogRead.id, status: "ACTIVE", origin: "IMPORTED", startsAt: new Date(now.getTime() - DAY), expiresAt: new Date(now.getTime() + 150 * DAY) } });
  }
  const apiToken = async () => {
    const t = newToken();
    const row = await db.apiToken.create({ data: { identityId: nhi.id, scope: "api", prefix: t.prefix, hash: t.hash, createdAt: now, createdById: employee.id, expiresAt: new Date(now.getTime() + 60 * DAY) }, select: { id: true } });
    return row.id;
  };
  const apiTokens = { toRotate: await apiToken(), toRevoke: await apiToken() };

  // An HR import preview: one joiner (an email nothing else in the scene uses, so it stays fresh).
  const identityImport = await previewImport(
    { db, actor: (await loadActor(db, admin.id))!, now: clock.now },
    { fileName: "hr.csv", fullList: false, source: (async function* () {
      yield new TextEncoder().encode("email,name\nnew.joiner@example.test,New Joiner\n");
    })() },
  );

  // Webhook subscriptions: one to toggle, replay, edit and rotate, one to delete, two paused on an open dead letter (one to replay, one to
  // skip). The dead letters are marked here as the delivery job would leave them (the job has its own tests).
  const webhook = async (name: string) => (await as(admin).webhooks.create({ name, url: "https://siem.example.test/warrant", eventTypes: ["grant.*"] })).id;
  const deadLettered = async (name: string) => {
    const id = await webhook(name);
    await db.webhookSubscription.update({ where: { id }, data: { pausedAt: clock.now(), attempts: 8, lastError: "HTTP 503" } });
    return (await db.webhookDeadLetter.create({ data: { subscriptionId: id, fromSeq: 1n, toSeq: 2n, events: 2, attempts: 8, lastError: "HTTP 503" } })).id;
  };
  const webhooks = { main: await webhook("SIEM (scene)"), deadLetterToReplay: await deadLettered("GRC (scene)"), deadLetterToSkip: await deadLettered("Data lake (scene)"), toDelete: await webhook("Old SIEM (scene)") };
  // A credential issued to the employee's NHI (docs/credentials.md), written as issuance leaves it: its password
  // sealed for the owner to reveal once. Its own entitlement, held by nobody else.
  const credEnt = await makeEntitlement(db, system.id, { name: "svc-login", risk: "LOW" });
  const credGrant = await makeGrant(db, nhi.id, credEnt.id, { expiresAt: new Date(now.getTime() + 10 * DAY), origin: "REQUEST" });
  const credentialRow = await db.credential.create({
    data: { grantId: credGrant.id, login: credentialLoginName(credGrant.id), fingerprint: `sha256:${"0".repeat(64)}`, validUntil: credGrant.expiresAt!, issuedAt: now },
  });
  await db.credential.update({ where: { id: credentialRow.id }, data: { ciphertext: seal("scene-password-not-a-secret", credentialRow.id) } });

  const notifications = await db.notification.findMany({ where: { recipientId: employee.id, readAt: null }, select: { id: true } });
  if (notifications.length === 0) throw new Error("The scene needs unread notifications for the employee");

  const stepOf = async (r: { id: string }) => ({ id: r.id, stepId: (await openStep(r.id)).id, revision: 1 });
  const people = { employee, manager, owner, security, admin, auditor, deprovisioned: leaver, director, peer, leaving, adminSecurity };

  return {
    db,
    clock,
    people,
    /** The identity behind each matrix role (null: signed out). */
    identityOf: { employee: employee.id, manager: manager.id, owner: owner.id, security: security.id, admin: admin.id, auditor: auditor.id, signedOut: null, deprovisioned: leaver.id } satisfies Record<RoleName, string | null>,
    nhi: { id: nhi.id, updatedAt: (await db.identity.findUniqueOrThrow({ where: { id: nhi.id } })).updatedAt },
    system: await db.system.findUniqueOrThrow({ where: { id: system.id } }),
    ent,
    policyVersion,
    grants: { expiring: expiringGrant, revocable: revocableGrant, approved: approvedGrant, breakGlass: breakGlassGrant },
    requests: { pending: await stepOf(pending), toCancel: await stepOf(toCancel), toEdit: await stepOf(toEdit), breakGlass: { id: breakGlass.id } },
    tasks: { awaiting: awaitingTask, failed: failedTask },
    delegation,
    finding,
    recon,
    campaigns: { active: campaign, toClose: campaignToClose, draftToEdit, draftToLaunch },
    items: { toDecide: items[0]!, toBulkDecide: items[1]!, toReassign: items[2]!, toBulkReassign: items[3]! },
    evidenceExport: { id: exportId, dir: exportDir },
    identityImport: { id: identityImport.id },
    notificationIds: notifications.map((n) => n.id),
    scimTokens,
    apiTokens,
    apiAgent: { id: apiAgent.id },
    webhooks,
    credential: { id: credentialRow.id },
  };
}
export type AuthorizationScene = Awaited<ReturnType<typeof authorizationScene>>;

/**
 * Every id in the scene (for the fuzz: ids that exist, of every kind, beside random ones), in the order the
 * scene object lists them, so a seed picks the same objects on every run (their uuids differ).
 */
export function sceneIds(s: AuthorizationScene): string[] {
  const ids = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) ids.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object" && !(v instanceof Date) && v !== s.db) Object.values(v).forEach(walk);
  };
  walk({ ...s, db: undefined, clock: undefined });
  return [...ids];
}
