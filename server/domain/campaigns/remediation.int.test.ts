import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { completeRemediatingCampaigns, followCampaignRemediation, settleRemediations, startDeferredRevocations } from "../../jobs/campaigns";
import { loadActor } from "../actor";
import { closeCampaign } from "./close";
import { JOBS } from "../../jobs/registry";
import { campaignCast, DAY, eventsSince, grantAndItem, makeCampaign, type Cast } from "./campaign-test-kit";

let db: TestDb;
let cast: Cast;

beforeAll(async () => {
  db = await createTestDb();
  cast = await campaignCast(db.prisma, { connector: "MANUAL" });
});
afterAll(async () => {
  await db.close();
});

const campaign = (o: Partial<Parameters<typeof makeCampaign>[1]> = {}) => makeCampaign(db.prisma, { ownerId: cast.owner.id, fallbackReviewerId: cast.fallback.id, systemIds: [cast.system.id], ...o });

/** Runs the outbox for the grant's REVOKE task (MANUAL: it waits for the owner) and returns the task. */
async function runOutbox(grantId: string, now: Date) {
  await processProvisioningTasks(db.prisma, now, "test-worker", 50);
  return db.prisma.provisioningTask.findFirstOrThrow({ where: { grantId, action: "REVOKE" }, orderBy: { createdAt: "desc" } });
}

describe("remediation: a REVOKE decision ends in a confirmed revocation", () => {
  it("close → PENDING_REVOKE → connector task confirmed with its read-back → item CONFIRMED with the receipt in the ledger → campaign CLOSED", async () => {
    const c = await campaign({ defaultAction: "KEEP" });
    const x = await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id, { decision: "REVOKE", comment: "moved teams" });
    await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id, { decision: "KEEP" });
    const t0 = new Date();
    expect(await cast.as(cast.owner.id, () => t0).campaignOps.close({ campaignId: c.id })).toMatchObject({ status: "REMEDIATING", revocationsRequested: 1 });

    // Nothing is confirmed before the connector says so: the job leaves the item PENDING.
    expect(await followCampaignRemediation(db.prisma, t0)).toEqual({ processed: 0 });
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("REMEDIATING");

    const task = await runOutbox(x.grant.id, t0);
    expect(task.status).toBe("AWAITING_CONFIRMATION");
    const t1 = new Date(t0.getTime() + 3_600_000);
    await cast.as(cast.owner.id, () => t1).tasks.confirm({ taskId: task.id, outcome: "DONE", note: "Dropped the role in the database" });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: x.grant.id } })).toMatchObject({ status: "REVOKED", revokedAt: t1 });

    const before = await db.prisma.ledgerEvent.count();
    const t2 = new Date(t1.getTime() + 60_000);
    expect(await followCampaignRemediation(db.prisma, t2)).toEqual({ processed: 2 });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } })).toMatchObject({ remediation: "CONFIRMED", remediatedAt: t1 });
    expect(await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: "CLOSED", closedAt: t0 });
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["review.remediation_confirmed", "campaign.remediation_complete"]);
    expect(events[0]).toMatchObject({ subjectType: "ReviewItem", subjectId: x.item.id, actorId: null });
    expect(events[0]!.payload).toMatchObject({ campaignId: c.id, grantId: x.grant.id, taskId: task.id, connector: "MANUAL", readBack: { confirmedBy: cast.owner.id, note: "Dropped the role in the database" } });
    expect(events[1]!.payload).toMatchObject({ confirmed: 1, failed: 0 });

    // The report shows the confirmation and its receipt.
    const report = await cast.as(cast.auditor.id).campaignOps.report({ campaignId: c.id });
    const row = report.rows.find((r) => r.itemId === x.item.id)!;
    expect(row).toMatchObject({ decision: "REVOKE", remediation: "CONFIRMED", revocationConfirmedAt: t1, receipt: { taskId: task.id, status: "DONE" } });
    expect(row.receipt!.summary).toBe("Confirmed by Sofia Owner: Dropped the role in the database");
    expect(report.totals).toMatchObject({ revocationsRequested: 1, revocationsConfirmed: 1, revocationsFailed: 0, revocationsPending: 0 });

    // Running again changes nothing.
    const n = await db.prisma.ledgerEvent.count();
    expect(await followCampaignRemediation(db.prisma, t2)).toEqual({ processed: 0 });
    expect(await db.prisma.ledgerEvent.count()).toBe(n);
  });

  it("a failed revocation: the item is FAILED and surfaced (owner told, report), the campaign closes; a confirmed retry turns it CONFIRMED", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    const x = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.privileged.id, cast.reviewer.id);
    const t0 = new Date();
    await cast.as(cast.owner.id, () => t0).campaignOps.close({ campaignId: c.id });
    const task = await runOutbox(x.grant.id, t0);
    await cast.as(cast.owner.id, () => t0).tasks.confirm({ taskId: task.id, outcome: "FAILED", note: "The database refused: role is in use" });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: x.grant.id } })).status).toBe("REVOKE_FAILED");

    const before = await db.prisma.ledgerEvent.count();
    expect(await settleRemediations(db.prisma, t0)).toEqual({ processed: 1 });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } })).toMatchObject({ remediation: "FAILED", remediatedAt: null });
    expect(await completeRemediatingCampaigns(db.prisma, t0)).toEqual({ processed: 1 });
    expect((await db.prisma.campaign.findUniqueOrThrow({ where: { id: c.id } })).status).toBe("CLOSED");
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["review.remediation_failed", "campaign.remediation_complete"]);
    expect(events[0]!.payload).toMatchObject({ taskId: task.id, error: expect.stringMatching(/role is in use/) });
    expect(events[1]!.payload).toMatchObject({ confirmed: 0, failed: 1 });
    const note = await db.prisma.notification.findFirstOrThrow({ where: { kind: "campaign.remediation_failed", recipientId: cast.owner.id } });
    expect(note.body).toMatch(/role is in use/);
    const report = await cast.as(cast.security.id).campaignOps.report({ campaignId: c.id });
    expect(report.rows[0]).toMatchObject({ remediation: "FAILED", revocationConfirmedAt: null, receipt: { taskId: task.id, status: "FAILED" } });
    expect(report.totals).toMatchObject({ revocationsRequested: 1, revocationsConfirmed: 0, revocationsFailed: 1 });

    // The owner fixes the cause and retries; once confirmed, the item is CONFIRMED.
    await cast.as(cast.owner.id, () => t0).tasks.retry({ taskId: task.id });
    const again = await runOutbox(x.grant.id, t0);
    const t1 = new Date(t0.getTime() + DAY);
    await cast.as(cast.owner.id, () => t1).tasks.confirm({ taskId: again.id, outcome: "DONE", note: "Reassigned objects, dropped the role" });
    expect(await settleRemediations(db.prisma, t1)).toEqual({ processed: 1 });
    expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } })).toMatchObject({ remediation: "CONFIRMED", remediatedAt: t1 });
    expect((await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "review.remediation_confirmed", subjectId: x.item.id } })).payload).toMatchObject({ afterFailure: true });
  });

  it("a close with more revocations than it starts at once marks the rest PENDING; the worker starts them (once), with the closer as actor", async () => {
    const c = await campaign({ defaultAction: "REVOKE" });
    const xs = [];
    for (const [who, ent] of [[cast.employee, cast.entitlement], [cast.holder, cast.entitlement], [cast.reviewer2, cast.privileged]] as const) {
      xs.push(await grantAndItem(db.prisma, c.id, who.id, ent.id, cast.reviewer.id));
    }
    const now = new Date();
    const actor = (await loadActor(db.prisma, cast.owner.id))!;
    const before = await db.prisma.ledgerEvent.count();
    const res = await closeCampaign({ db: db.prisma, actor, now: () => now }, { campaignId: c.id }, { immediateRevocations: 1 });
    expect(res).toMatchObject({ status: "REMEDIATING", revocationsRequested: 3, defaulted: 3 });
    const grants = await db.prisma.grant.findMany({ where: { id: { in: xs.map((x) => x.grant.id) } } });
    expect(grants.map((g) => g.status).sort()).toEqual(["ACTIVE", "ACTIVE", "PENDING_REVOKE"]);
    expect(await db.prisma.reviewItem.count({ where: { campaignId: c.id, remediation: "PENDING" } })).toBe(3);
    const closed = (await eventsSince(db.prisma, before)).find((e) => e.action === "campaign.closed")!;
    expect(closed.payload).toMatchObject({ revocationsRequested: 3, revocationTasksCreated: 1, revocationsDeferred: 2 });
    // The settle job does not mistake a deferred revocation for anything: the grants are still ACTIVE.
    expect(await settleRemediations(db.prisma, now)).toEqual({ processed: 0 });

    expect(await startDeferredRevocations(db.prisma, now)).toEqual({ processed: 2 });
    expect(await startDeferredRevocations(db.prisma, now)).toEqual({ processed: 0 });
    for (const g of await db.prisma.grant.findMany({ where: { id: { in: xs.map((x) => x.grant.id) } } })) {
      expect(g).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "REVIEW", revokedById: cast.owner.id });
      expect(g.revocationNote).toMatch(/^Access review /);
      expect(await db.prisma.provisioningTask.count({ where: { grantId: g.id, action: "REVOKE" } })).toBe(1);
    }
  });

  it("the jobs are registered with the worker, after provisioning", () => {
    const names = JOBS.map((j) => j.name);
    for (const n of ["settle-campaign-remediations", "complete-remediating-campaigns", "send-campaign-reminders", "notify-overdue-campaigns"]) expect(names).toContain(n);
    expect(names.indexOf("settle-campaign-remediations")).toBeGreaterThan(names.indexOf("process-provisioning-tasks"));
  });
});

describe("recurrence", () => {
  it("a recurring campaign that reaches CLOSED drafts the next one from the same definition, shifted by the period, once", async () => {
    const startsAt = new Date("2030-01-15T09:00:00.000Z");
    const dueAt = new Date("2030-02-14T17:00:00.000Z");
    const c = await campaign({ recurrence: "QUARTERLY", startsAt, dueAt, defaultAction: "KEEP", reminderDays: [5, 1] });
    await grantAndItem(db.prisma, c.id, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
    const now = new Date("2030-02-10T00:00:00.000Z");
    const before = await db.prisma.ledgerEvent.count();
    await cast.as(cast.owner.id, () => now).campaignOps.close({ campaignId: c.id });
    const next = await db.prisma.campaign.findFirstOrThrow({ where: { previousId: c.id } });
    expect(next).toMatchObject({
      status: "DRAFT",
      name: c.name,
      ownerId: c.ownerId,
      fallbackReviewerId: c.fallbackReviewerId,
      defaultAction: "KEEP",
      reminderDays: [5, 1],
      recurrence: "QUARTERLY",
      startsAt: new Date("2030-04-15T09:00:00.000Z"),
      dueAt: new Date("2030-05-15T17:00:00.000Z"),
      launchedAt: null,
      populationCount: null,
    });
    expect(next.scope).toEqual(c.scope);
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.closed", "campaign.created"]);
    expect(events[1]).toMatchObject({ subjectId: next.id, actorId: cast.owner.id });
    expect(events[1]!.payload).toMatchObject({ recurrenceOf: c.id, status: "DRAFT" });
    expect(await db.prisma.notification.count({ where: { kind: "campaign.recurrence_drafted", recipientId: cast.owner.id, link: `/campaigns/${next.id}` } })).toBe(1);
  });

  it("through remediation too: the successor is drafted when the REMEDIATING campaign closes (and one-off campaigns draft nothing)", async () => {
    const c = await campaign({ recurrence: "MONTHLY", defaultAction: "REVOKE" });
    const x = await grantAndItem(db.prisma, c.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id);
    const once = await campaign({ recurrence: null, defaultAction: "KEEP" });
    await grantAndItem(db.prisma, once.id, cast.holder.id, cast.entitlement.id, cast.reviewer.id);
    const now = new Date();
    await cast.as(cast.owner.id, () => now).campaignOps.close({ campaignId: c.id });
    await cast.as(cast.owner.id, () => now).campaignOps.close({ campaignId: once.id });
    expect(await db.prisma.campaign.count({ where: { previousId: { in: [c.id, once.id] } } })).toBe(0);
    const task = await runOutbox(x.grant.id, now);
    await cast.as(cast.owner.id, () => now).tasks.confirm({ taskId: task.id, outcome: "DONE", note: "Removed from the group" });
    await followCampaignRemediation(db.prisma, now);
    await followCampaignRemediation(db.prisma, now);
    const next = await db.prisma.campaign.findMany({ where: { previousId: c.id } });
    expect(next).toHaveLength(1);
    expect(next[0]!.status).toBe("DRAFT");
    expect(next[0]!.dueAt.getTime()).toBeGreaterThan(now.getTime());
    expect((await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "campaign.created", subjectId: next[0]!.id } })).actorId).toBeNull();
  });
});
