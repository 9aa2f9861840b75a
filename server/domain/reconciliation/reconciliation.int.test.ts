/**
 * Reconciliation against real counterparts: a webhook system's discovery endpoint (a real HTTP server that
 * checks Warrant's signature and serves its list in pages) and a manual system's uploaded access export.
 * A SCIM 2.0 application (a real scimmy-based SCIM server over HTTP, memberships added behind Warrant's back)
 * is reconciled too. The PostgreSQL target (roles changed behind Warrant's back) is in reconciliation.pg.int.test.ts.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startScimServer, type ScimTestServer } from "../../connectors/scim-test-server";
import { startWebhookServer, type WebhookCall } from "../../connectors/webhook-test-server";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import { eventsSince } from "../provisioning/provisioning-test-kit";
import { ONBOARDING_ADOPT_DAYS, reconcileDueSystems, runReconciliation } from "./service";

const SECRET = "recon-webhook-secret-0123456789abcdef";
process.env.WARRANT_CONNECTOR_RECON_SECRET = SECRET;
const SCIM_TOKEN = "recon-scim-token-0123456789abcdef";
process.env.WARRANT_CONNECTOR_RECON_SCIM_TOKEN = SCIM_TOKEN;
const DAY = 86_400_000;

let db: TestDb;
let hook: Awaited<ReturnType<typeof startWebhookServer>>;
let scim: ScimTestServer;
const confirmAtOnce = (call: WebhookCall) => ({ status: 200, json: { status: "done", readBack: { hasAccess: call.body.action !== "REVOKE" } } });

beforeAll(async () => {
  db = await createTestDb();
  hook = await startWebhookServer(SECRET, confirmAtOnce, { pageSize: 2 });
  scim = await startScimServer({ token: SCIM_TOKEN, maxCount: 2 });
});
afterAll(async () => {
  await hook.close();
  await scim.close();
  await db.close();
});

/** Everything a reconciliation or an action could change. */
async function snapshot() {
  const p = db.prisma;
  const [findings, grants, tasks, runs, events] = await Promise.all([
    p.finding.findMany({ orderBy: { id: "asc" } }),
    p.grant.findMany({ orderBy: { id: "asc" } }),
    p.provisioningTask.findMany({ orderBy: { id: "asc" } }),
    p.reconciliationRun.findMany({ orderBy: { id: "asc" } }),
    p.ledgerEvent.count(),
  ]);
  return { findings, grants, tasks, runs, events };
}

async function scene(connector: "WEBHOOK" | "MANUAL" | "SCIM" = "WEBHOOK") {
  const p = db.prisma;
  const admin = await makeHuman(p, { name: "Ada Admin", roles: ["ADMIN"] });
  const security = await makeHuman(p, { name: "Sam Security", roles: ["SECURITY"] });
  const auditor = await makeHuman(p, { name: "Aud Auditor", roles: ["AUDITOR"] });
  const owner = await makeHuman(p, { name: "Sofia Owner" });
  const employee = await makeHuman(p, { name: "Eve Employee" });
  const held = await makeHuman(p, { name: "Hana Held" }); // granted in Warrant and present in the target
  const drifted = await makeHuman(p, { name: "Dan Drift" }); // granted by hand in the target
  const missing = await makeHuman(p, { name: "Mo Missing" }); // granted in Warrant, gone from the target
  const pending = await makeHuman(p, { name: "Pia Pending" }); // being provisioned: in flight, no finding
  const leaver = await makeHuman(p, { name: "Lee Leaver", status: "DEPROVISIONED" });
  const system = await makeSystem(p, owner.id);
  const config = {
    WEBHOOK: { url: hook.url, secretRef: "env:WARRANT_CONNECTOR_RECON_SECRET" },
    SCIM: { baseUrl: scim.baseUrl, tokenRef: "env:WARRANT_CONNECTOR_RECON_SCIM_TOKEN" },
    MANUAL: {},
  }[connector];
  await p.system.update({ where: { id: system.id }, data: { connector, connectorConfig: config } });
  const read = await makeEntitlement(p, system.id, { name: `read-${system.id.slice(0, 6)}` });
  const write = await makeEntitlement(p, system.id, { name: `write-${system.id.slice(0, 6)}` });
  const now = new Date();
  const grant = (identityId: string, entitlementId: string, status: "ACTIVE" | "PENDING_PROVISION" = "ACTIVE") =>
    p.grant.create({ data: { identityId, entitlementId, status, origin: "REQUEST", startsAt: now, expiresAt: new Date(now.getTime() + 30 * DAY) } });
  const heldGrant = await grant(held.id, read.id);
  const missingGrant = await grant(missing.id, write.id);
  await grant(pending.id, read.id, "PENDING_PROVISION");
  const e = (x: { email: string | null }) => x.email!;
  const target = [
    { account: e(held), entitlement: read.name },
    { account: e(drifted).toUpperCase(), entitlement: write.name }, // emails compare lower-case
    { account: "ghost@elsewhere.test", entitlement: read.name },
    { account: e(leaver), entitlement: read.name },
    { account: e(pending), entitlement: read.name },
    { account: e(held), entitlement: "not-in-the-catalog" }, // not managed: ignored
  ];
  const as = (id: string | null, clock?: () => Date) => callerAs(p, id, clock);
  return { admin, security, auditor, owner, employee, held, drifted, missing, pending, leaver, system, read, write, heldGrant, missingGrant, target, as };
}

const open = (systemId: string) => db.prisma.finding.findMany({ where: { subjectType: "System", subjectId: systemId, status: "OPEN" }, orderBy: { kind: "asc" } });

describe("reconciling a webhook system (discovery over its signed list endpoint)", () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeEach(async () => {
    s = await scene();
    hook.setMemberships(s.target);
  });

  it("records unmanaged access, missing access and orphan accounts once each; a re-run keeps them; drift that went away is resolved", async () => {
    const seqBefore = await db.prisma.ledgerEvent.count();
    const res = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: false });
    expect(res.counts).toMatchObject({ UNMANAGED_ACCESS: 1, MISSING_ACCESS: 1, ORPHAN_ACCOUNT: 2, opened: 4, resolved: 0 });
    expect(res.memberships).toBe(5);
    // Every page was signed and checked by the endpoint; the list came in pages of 2.
    expect(hook.listCalls.slice(-3).every((c) => c.signatureOk)).toBe(true);
    const lines = s.target
      .filter((m) => m.entitlement !== "not-in-the-catalog")
      .map((m) => `${m.account.toLowerCase()}\t${m.entitlement}\n`)
      .sort();
    expect(res.snapshotSha256).toBe(createHash("sha256").update(lines.join("")).digest("hex"));

    const f = await open(s.system.id);
    const byKind = (k: string) => f.filter((x) => x.kind === k).map((x) => (x.details as { account: string }).account).sort();
    expect(byKind("UNMANAGED_ACCESS")).toEqual([s.drifted.email!.toLowerCase()]);
    expect(byKind("MISSING_ACCESS")).toEqual([s.missing.email]);
    expect(byKind("ORPHAN_ACCOUNT")).toEqual(["ghost@elsewhere.test", s.leaver.email].sort());
    expect(f.every((x) => x.assigneeId === s.owner.id)).toBe(true);

    const events = await eventsSince(db.prisma, seqBefore);
    const done = events.find((e) => e.action === "reconciliation.completed")!;
    expect(done).toMatchObject({ subjectType: "System", subjectId: s.system.id, actorId: s.owner.id });
    expect(done.payload).toMatchObject({ runId: res.runId, memberships: 5, snapshotSha256: res.snapshotSha256, counts: { UNMANAGED_ACCESS: 1, MISSING_ACCESS: 1, ORPHAN_ACCOUNT: 2 } });
    expect(await db.prisma.reconciliationRun.findUniqueOrThrow({ where: { id: res.runId } })).toMatchObject({ status: "COMPLETED", memberships: 5, snapshotSha256: res.snapshotSha256 });

    // Again, unchanged: the same four findings, nothing new.
    const again = await s.as(s.admin.id).reconciliation.reconcileNow({ systemId: s.system.id });
    expect(again.counts).toMatchObject({ opened: 0, resolved: 0, UNMANAGED_ACCESS: 1, ORPHAN_ACCOUNT: 2, MISSING_ACCESS: 1 });
    expect((await open(s.system.id)).map((x) => x.id).sort()).toEqual(f.map((x) => x.id).sort());

    // The hand-made membership is removed in the target: its finding is resolved (GONE) by the next run.
    hook.setMemberships(s.target.filter((m) => m.account !== s.drifted.email!.toUpperCase()));
    const third = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date() });
    expect(third.counts).toMatchObject({ resolved: 1, UNMANAGED_ACCESS: 0 });
    const gone = await db.prisma.finding.findFirstOrThrow({ where: { subjectId: s.system.id, kind: "UNMANAGED_ACCESS" } });
    expect(gone).toMatchObject({ status: "RESOLVED", details: { outcome: "GONE", goneInRunId: third.runId } });

    // It comes back: a new finding (the resolved one keeps its history).
    hook.setMemberships(s.target);
    const fourth = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date() });
    expect(fourth.counts).toMatchObject({ opened: 1, UNMANAGED_ACCESS: 1 });
    expect(await db.prisma.finding.count({ where: { subjectId: s.system.id, kind: "UNMANAGED_ACCESS" } })).toBe(2);
  });

  it("adopt: an IMPORTED grant ending when asked; the next run finds nothing for it", async () => {
    await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: false });
    const f = (await open(s.system.id)).find((x) => x.kind === "UNMANAGED_ACCESS")!;
    const now = new Date();
    const res = await s.as(s.owner.id, () => now).reconciliation.adopt({ findingId: f.id, days: 30, reason: "Granted by hand during the migration" });
    const g = await db.prisma.grant.findUniqueOrThrow({ where: { id: res.grantId } });
    expect(g).toMatchObject({ identityId: s.drifted.id, entitlementId: s.write.id, status: "ACTIVE", origin: "IMPORTED", requestId: null });
    expect(g.expiresAt!.getTime()).toBe(now.getTime() + 30 * DAY);
    expect(await db.prisma.finding.findUniqueOrThrow({ where: { id: f.id } })).toMatchObject({ status: "RESOLVED", resolvedById: s.owner.id, details: { outcome: "ADOPTED", grantId: g.id } });
    const ev = await db.prisma.ledgerEvent.findMany({ where: { OR: [{ subjectId: f.id }, { subjectId: g.id }] }, orderBy: { seq: "asc" } });
    expect(ev.map((e) => e.action)).toEqual(["grant.imported", "reconciliation.finding_adopted"]);
    const next = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date() });
    expect(next.counts).toMatchObject({ UNMANAGED_ACCESS: 0, opened: 0 });
  });

  it("revoke through the connector: a REVOKE task, and the grant REVOKED only on the endpoint's confirming read-back", async () => {
    await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id });
    const orphan = (await open(s.system.id)).find((x) => x.kind === "ORPHAN_ACCOUNT" && (x.details as { account: string }).account === s.leaver.email)!;
    const res = await s.as(s.security.id).reconciliation.revoke({ findingId: orphan.id, reason: "Leaver still in the system" });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: res.grantId! } })).toMatchObject({ status: "PENDING_REVOKE", origin: "IMPORTED", identityId: s.leaver.id, revocationCause: "MANUAL" });
    await processProvisioningTasks(db.prisma, new Date(), "recon-worker", 10);
    const revokeCall = hook.calls.find((c) => c.body.taskId === res.taskId)!;
    expect(revokeCall.body).toMatchObject({ action: "REVOKE", identity: { id: s.leaver.id } });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: res.taskId! } })).toMatchObject({ status: "DONE", receipt: { confirmed: true } });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: res.grantId! } })).status).toBe("REVOKED");
    const view = await s.as(s.owner.id).reconciliation.forSystem({ systemId: s.system.id, status: "RESOLVED" });
    expect(view.findings.rows.find((r) => r.id === orphan.id)).toMatchObject({ outcome: "REVOKE_REQUESTED", task: { status: "DONE", confirmed: true } });
  });

  it("re-provision missing access: a GRANT task for the active grant, done on the connector's confirmation", async () => {
    await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id });
    const missing = (await open(s.system.id)).find((x) => x.kind === "MISSING_ACCESS")!;
    const res = await s.as(s.admin.id).reconciliation.reprovision({ findingId: missing.id, reason: "Restore after the restore" });
    await processProvisioningTasks(db.prisma, new Date(), "recon-worker", 10);
    expect(hook.calls.find((c) => c.body.taskId === res.taskId)!.body).toMatchObject({ action: "GRANT", identity: { id: s.missing.id } });
    expect(await db.prisma.provisioningTask.findUniqueOrThrow({ where: { id: res.taskId } })).toMatchObject({ status: "DONE", grantId: s.missingGrant.id });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: s.missingGrant.id } })).status).toBe("ACTIVE");
  });

  it("accept: closed with a reason until a date; runs before then leave it closed, a run after it reopens it", async () => {
    const t0 = new Date();
    await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: t0 });
    const ghost = (await open(s.system.id)).find((x) => (x.details as { account: string }).account === "ghost@elsewhere.test")!;
    await s.as(s.owner.id, () => t0).reconciliation.accept({ findingId: ghost.id, days: 7, reason: "Vendor break-fix account, contract ends soon" });
    const during = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date(t0.getTime() + 3 * DAY) });
    expect(during.counts).toMatchObject({ accepted: 1, ORPHAN_ACCOUNT: 1, reopened: 0, resolved: 0 });
    expect((await db.prisma.finding.findUniqueOrThrow({ where: { id: ghost.id } })).status).toBe("RESOLVED");
    const after = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date(t0.getTime() + 8 * DAY) });
    expect(after.counts).toMatchObject({ reopened: 1, ORPHAN_ACCOUNT: 2 });
    expect(await db.prisma.finding.findUniqueOrThrow({ where: { id: ghost.id } })).toMatchObject({ status: "OPEN", resolvedAt: null, details: { previousOutcome: "ACCEPTED" } });
  });

  it("refusals change nothing: wrong role, stale finding, wrong action for the kind, bad input, an orphan with no identity to revoke", async () => {
    await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: false });
    const f = await open(s.system.id);
    const unmanaged = f.find((x) => x.kind === "UNMANAGED_ACCESS")!;
    const missing = f.find((x) => x.kind === "MISSING_ACCESS")!;
    const ghost = f.find((x) => (x.details as { account: string }).account === "ghost@elsewhere.test")!;
    const reason = "Looks fine to me, really";
    const before = await snapshot();
    await expect(s.as(s.employee.id).reconciliation.reconcileNow({ systemId: s.system.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.as(s.security.id).reconciliation.reconcileNow({ systemId: s.system.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.as(s.employee.id).reconciliation.adopt({ findingId: unmanaged.id, days: 30, reason })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.as(s.auditor.id).reconciliation.accept({ findingId: unmanaged.id, days: 30, reason })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.as(s.employee.id).reconciliation.forSystem({ systemId: s.system.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.as(s.owner.id).reconciliation.adopt({ findingId: missing.id, days: 30, reason })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(s.as(s.owner.id).reconciliation.reprovision({ findingId: unmanaged.id, reason })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(s.as(s.owner.id).reconciliation.adopt({ findingId: unmanaged.id, days: 0, reason })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(s.as(s.owner.id).reconciliation.adopt({ findingId: unmanaged.id, days: 400, reason })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(s.as(s.owner.id).reconciliation.accept({ findingId: unmanaged.id, days: 5, reason: "ok" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(s.as(s.owner.id).reconciliation.revoke({ findingId: ghost.id, reason })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(s.as(s.owner.id).reconciliation.adopt({ findingId: "00000000-0000-4000-8000-000000000000", days: 5, reason })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: "yes" as unknown as boolean })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await snapshot()).toEqual(before);

    // Stale: someone adopted it first; the second action is refused and changes nothing.
    await s.as(s.owner.id).reconciliation.adopt({ findingId: unmanaged.id, days: 30, reason });
    const after = await snapshot();
    await expect(s.as(s.admin.id).reconciliation.revoke({ findingId: unmanaged.id, reason })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(s.as(s.admin.id).reconciliation.accept({ findingId: unmanaged.id, days: 3, reason })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await snapshot()).toEqual(after);
  });

  it("a target that cannot be read fails the run (run FAILED, ledgered) and resolves nothing", async () => {
    await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id });
    const openBefore = (await open(s.system.id)).length;
    await db.prisma.system.update({ where: { id: s.system.id }, data: { connectorConfig: { url: "http://127.0.0.1:1/nothing", secretRef: "env:WARRANT_CONNECTOR_RECON_SECRET" } } });
    await expect(s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await open(s.system.id)).length).toBe(openBefore);
    const last = await db.prisma.reconciliationRun.findFirstOrThrow({ where: { systemId: s.system.id }, orderBy: { startedAt: "desc" } });
    expect(last).toMatchObject({ status: "FAILED" });
    expect(last.error).toMatch(/could not be reached/);
    expect(await db.prisma.ledgerEvent.count({ where: { subjectId: s.system.id, action: "reconciliation.failed" } })).toBe(1);
    // The next run may start: the failed one holds no lock.
    await db.prisma.system.update({ where: { id: s.system.id }, data: { connectorConfig: { url: hook.url, secretRef: "env:WARRANT_CONNECTOR_RECON_SECRET" } } });
    await expect(s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id })).resolves.toMatchObject({ counts: { opened: 0, resolved: 0 } });
  });

  it("the scheduled job reconciles a system once per interval", async () => {
    await db.prisma.system.updateMany({ where: { id: { not: s.system.id } }, data: { reconcileEveryHours: 0 } });
    const t0 = new Date();
    expect(await reconcileDueSystems(db.prisma, t0)).toEqual({ processed: 1 });
    expect(await reconcileDueSystems(db.prisma, new Date(t0.getTime() + 3_600_000))).toEqual({ processed: 0 });
    expect(await reconcileDueSystems(db.prisma, new Date(t0.getTime() + 25 * 3_600_000))).toEqual({ processed: 1 });
    expect(await db.prisma.reconciliationRun.count({ where: { systemId: s.system.id, trigger: "SCHEDULED", status: "COMPLETED" } })).toBe(2);
  });
});

describe("onboarding: the first reconciliation of a system brings existing access in as imported grants", () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeEach(async () => {
    s = await scene();
    hook.setMemberships(s.target);
  });

  it("the first run adopts unmanaged access of active identities (ledgered, source onboarding); orphans, leavers, suspended holders and missing access stay findings", async () => {
    const suspended = await makeHuman(db.prisma, { name: "Sue Suspended", status: "SUSPENDED" });
    hook.setMemberships([...s.target, { account: suspended.email!, entitlement: s.write.name }]);
    const seqBefore = await db.prisma.ledgerEvent.count();
    const now = new Date();
    const res = await s.as(s.owner.id, () => now).reconciliation.reconcileNow({ systemId: s.system.id });
    expect(res.onboarding).toBe(true);
    expect(res.counts).toMatchObject({ UNMANAGED_ACCESS: 2, ORPHAN_ACCOUNT: 2, MISSING_ACCESS: 1, adopted: 1 });

    const grants = await db.prisma.grant.findMany({ where: { identityId: s.drifted.id, entitlementId: s.write.id } });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ status: "ACTIVE", origin: "IMPORTED", requestId: null });
    expect(grants[0]!.expiresAt!.getTime()).toBe(now.getTime() + ONBOARDING_ADOPT_DAYS * DAY);
    const adopted = await db.prisma.finding.findFirstOrThrow({ where: { subjectId: s.system.id, kind: "UNMANAGED_ACCESS", status: "RESOLVED" } });
    expect(adopted).toMatchObject({ resolvedById: s.owner.id, details: { outcome: "ADOPTED", grantId: grants[0]!.id, source: "onboarding", onboardingRunId: res.runId } });

    // Still findings: the suspended holder's access, the leaver's and the unknown account, the missing grant.
    const still = await open(s.system.id);
    const accounts = (k: string) => still.filter((f) => f.kind === k).map((f) => (f.details as { account: string }).account).sort();
    expect(accounts("UNMANAGED_ACCESS")).toEqual([suspended.email!.toLowerCase()]);
    expect(accounts("ORPHAN_ACCOUNT")).toEqual(["ghost@elsewhere.test", s.leaver.email!].sort());
    expect(accounts("MISSING_ACCESS")).toEqual([s.missing.email!]);
    expect(await db.prisma.grant.count({ where: { identityId: { in: [suspended.id, s.leaver.id] } } })).toBe(0);

    const events = await eventsSince(db.prisma, seqBefore);
    const imported = events.find((e) => e.action === "grant.imported" && e.subjectId === grants[0]!.id)!;
    expect(imported).toMatchObject({ actorId: s.owner.id, payload: { source: "onboarding", findingId: adopted.id, origin: "IMPORTED", requestId: null } });
    const adoptedEvent = events.find((e) => e.action === "reconciliation.finding_adopted" && e.subjectId === adopted.id)!;
    expect(adoptedEvent).toMatchObject({ actorId: s.owner.id, payload: { source: "onboarding", runId: res.runId, grantId: grants[0]!.id } });
    expect(imported.seq < adoptedEvent.seq).toBe(true);
    const done = events.find((e) => e.action === "reconciliation.completed")!;
    expect(done.payload).toMatchObject({ runId: res.runId, onboarding: true, counts: { adopted: 1 } });
    expect(done.seq > adoptedEvent.seq).toBe(true);

    // The system's page says so and links to a first review of the system.
    const view = await s.as(s.owner.id).reconciliation.forSystem({ systemId: s.system.id });
    expect(view).toMatchObject({ firstRun: false, onboarding: { runId: res.runId, adopted: 1 } });
  });

  it("a second run does not adopt new drift, even when asked to", async () => {
    await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date() });
    expect(await db.prisma.grant.count({ where: { identityId: s.drifted.id, origin: "IMPORTED" } })).toBe(1);
    hook.setMemberships([...s.target, { account: s.employee.email!, entitlement: s.read.name }]);
    const second = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: true });
    expect(second).toMatchObject({ onboarding: false, counts: { UNMANAGED_ACCESS: 1, opened: 1, adopted: 0 } });
    expect(await db.prisma.grant.count({ where: { identityId: s.employee.id } })).toBe(0);
    expect((await open(s.system.id)).filter((f) => f.kind === "UNMANAGED_ACCESS").map((f) => (f.details as { identityId: string }).identityId)).toEqual([s.employee.id]);
  });

  it("unticked (adoptExisting: false), the first run adopts nothing, and no later run onboards", async () => {
    const before = await db.prisma.grant.count();
    const seqBefore = await db.prisma.ledgerEvent.count();
    const res = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: false });
    expect(res).toMatchObject({ onboarding: false, counts: { UNMANAGED_ACCESS: 1, adopted: 0 } });
    expect(await db.prisma.grant.count()).toBe(before);
    expect((await eventsSince(db.prisma, seqBefore)).filter((e) => e.action === "grant.imported" || e.action === "reconciliation.finding_adopted")).toEqual([]);
    const again = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id });
    expect(again).toMatchObject({ onboarding: false, counts: { adopted: 0 } });
    expect(await db.prisma.grant.count()).toBe(before);
    expect((await s.as(s.owner.id).reconciliation.forSystem({ systemId: s.system.id })).onboarding).toBeNull();
  });

  it("adopts in several transactions when there are more findings than a batch", async () => {
    const more = await Promise.all([1, 2, 3, 4, 5].map((i) => makeHuman(db.prisma, { name: `Batch ${i}` })));
    hook.setMemberships([...s.target, ...more.map((m) => ({ account: m.email!, entitlement: s.read.name }))]);
    const res = await runReconciliation(db.prisma, { systemId: s.system.id, trigger: "SCHEDULED", actorId: null, now: new Date(), onboardBatch: 2 });
    expect(res.counts.adopted).toBe(6);
    expect(await db.prisma.grant.count({ where: { identityId: { in: [...more.map((m) => m.id), s.drifted.id] }, origin: "IMPORTED", status: "ACTIVE" } })).toBe(6);
    expect(await db.prisma.finding.count({ where: { subjectId: s.system.id, kind: "UNMANAGED_ACCESS", status: "OPEN" } })).toBe(0);
    // The scheduled job has no person behind it: the events name none.
    expect(await db.prisma.ledgerEvent.count({ where: { action: "reconciliation.finding_adopted", actorId: null, payload: { path: ["runId"], equals: res.runId } } })).toBe(6);
  });
});

describe("reconciling a SCIM 2.0 application (discovery over its Groups and Users)", () => {
  it("finds access added directly in the application; the orphan account is removed from the group through the connector", async () => {
    const s = await scene("SCIM");
    // The application's state, made by its own admins: the managed groups with their members, and one group
    // Warrant does not manage.
    for (const m of s.target) scim.addMember(m.entitlement, m.account);
    // Not as onboarding (its own tests above): the drift stays a finding to act on.
    const res = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, adoptExisting: false });
    expect(res.counts).toMatchObject({ UNMANAGED_ACCESS: 1, MISSING_ACCESS: 1, ORPHAN_ACCOUNT: 2, opened: 4, resolved: 0 });
    expect(res.memberships).toBe(5);
    expect(scim.requests.every((r) => r.authorized)).toBe(true);
    const f = await open(s.system.id);
    const byKind = (k: string) => f.filter((x) => x.kind === k).map((x) => (x.details as { account: string }).account).sort();
    expect(byKind("UNMANAGED_ACCESS")).toEqual([s.drifted.email!.toLowerCase()]);
    expect(byKind("MISSING_ACCESS")).toEqual([s.missing.email]);
    expect(byKind("ORPHAN_ACCOUNT")).toEqual(["ghost@elsewhere.test", s.leaver.email].sort());

    // An account with no identity in Warrant: the SCIM connector can remove it from the group by its userName.
    const ghost = f.find((x) => x.kind === "ORPHAN_ACCOUNT" && (x.details as { account: string }).account === "ghost@elsewhere.test")!;
    const view = await s.as(s.owner.id).reconciliation.forSystem({ systemId: s.system.id, status: "OPEN" });
    expect(view.findings.rows.find((r) => r.id === ghost.id)!.actions).toContain("revoke");
    await s.as(s.security.id).reconciliation.revoke({ findingId: ghost.id, reason: "Nobody we know" });
    expect(scim.membersOf(s.read.name)).not.toContain("ghost@elsewhere.test");

    // Removed behind Warrant's back too: the next run resolves the unmanaged finding.
    const g = scim.groupByName(s.write.name)!;
    g.members = g.members.filter((m) => m.value !== scim.userByName(s.drifted.email!)!.id);
    // By the scheduled job, like PostgreSQL and webhook systems.
    await db.prisma.system.updateMany({ where: { id: { not: s.system.id } }, data: { reconcileEveryHours: 0 } });
    expect(await reconcileDueSystems(db.prisma, new Date(Date.now() + 25 * 3_600_000))).toEqual({ processed: 1 });
    const again = await db.prisma.reconciliationRun.findFirstOrThrow({ where: { systemId: s.system.id, trigger: "SCHEDULED" } });
    expect(again).toMatchObject({ status: "COMPLETED", counts: { UNMANAGED_ACCESS: 0, ORPHAN_ACCOUNT: 1, resolved: 1 } });
  });
});

describe("reconciling a manual system from an uploaded access export", () => {
  it("bad rows are refused with their line numbers and nothing is applied; a good export records its findings", async () => {
    const s = await scene("MANUAL");
    const before = await snapshot();
    const bad = `account,entitlement\n${s.held.email},${s.read.name}\nnot-an-email,${s.read.name}\n${s.drifted.email},nope-role\n"unterminated,${s.read.name}\n`;
    const err = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, accessExport: bad }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST" });
    expect((err as Error).message).toMatch(/line 3: "not-an-email" is not an email address/);
    expect((err as Error).message).toMatch(/line 4: "nope-role" is not an entitlement of this system/);
    expect((err as Error).message).toMatch(/line 5: A quoted cell is not closed/);
    await expect(s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await snapshot()).toEqual(before);

    const good = ["account,entitlement", ...s.target.filter((m) => m.entitlement !== "not-in-the-catalog").map((m) => `${m.account},${m.entitlement}`)].join("\r\n");
    const res = await s.as(s.owner.id).reconciliation.reconcileNow({ systemId: s.system.id, accessExport: good });
    expect(res.counts).toMatchObject({ UNMANAGED_ACCESS: 1, MISSING_ACCESS: 1, ORPHAN_ACCOUNT: 2 });
  });
});
