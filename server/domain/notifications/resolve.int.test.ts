/**
 * Notifications resolve themselves when the work they point to is done, by whoever did it, in the same
 * transaction: an approval stage decided, a review item decided (and a reviewer's reminders once nothing
 * is left), a task completed, a finding resolved. The bell counts only unread open ones; the list shows
 * open ones by default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { requestCast, submitInput, type RequestCast } from "../requests/request-test-kit";
import { coreCast, launched, coreGrants, type CoreCast } from "../campaigns/core-test-kit";
import { makeGrantWithTask, provisioningCast } from "../provisioning/provisioning-test-kit";
import { raiseFinding } from "../findings/service";
import { notify } from "./notify";
import { workKey } from "./resolve";
import { makeEntitlement } from "../../testing/factories";

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  // The first query opens the embedded database; on a loaded machine that can outlast a transaction's maxWait.
  await db.prisma.identity.count();
});
afterAll(async () => {
  await db.close();
});

const byKey = (key: string) => db.prisma.notification.findMany({ where: { workKey: key }, orderBy: { recipientId: "asc" } });

describe("approval notifications", () => {
  let c: RequestCast;
  beforeAll(async () => {
    c = await requestCast(db.prisma);
  });

  it("resolve for every eligible approver when one of them decides the stage; later stages keep theirs until decided", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.high.id));
    // Walk the stages: each one decided by one eligible person resolves every eligible person's notification.
    for (let guard = 0; guard < 5; guard++) {
      const step = await db.prisma.approvalStep.findFirst({ where: { requestId: r.id, status: "OPEN" } });
      if (!step) break;
      const notes = await byKey(workKey.approvalStep(step.id));
      expect(notes.length).toBe(step.eligibleIds.length);
      expect(notes.every((n) => n.resolvedAt === null)).toBe(true);
      const decider = Object.entries(c.as).find(([k]) => step.eligibleIds.includes((c as unknown as Record<string, { id: string }>)[k]!.id))!;
      const deciderId = (c as unknown as Record<string, { id: string }>)[decider[0]]!.id;
      const others = step.eligibleIds.filter((id) => id !== deciderId);
      const unreadBefore = await Promise.all(others.map((id) => db.prisma.notification.count({ where: { recipientId: id, readAt: null, resolvedAt: null } })));
      await decider[1].approvals.decide({ requestId: r.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 });
      const after = await byKey(workKey.approvalStep(step.id));
      expect(after.every((n) => n.resolvedAt !== null)).toBe(true);
      // Nobody else's bell still counts it; it is out of their default list too.
      for (const [i, id] of others.entries()) {
        expect(await db.prisma.notification.count({ where: { recipientId: id, readAt: null, resolvedAt: null } })).toBe(unreadBefore[i]! - 1);
      }
      const next = await db.prisma.approvalStep.findFirst({ where: { requestId: r.id, status: "OPEN" } });
      if (next) expect((await byKey(workKey.approvalStep(next.id))).every((n) => n.resolvedAt === null)).toBe(true);
    }
    expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "APPROVED" });
  });

  it("the security stage has two eligible officers: when one approves, the other's notification is resolved and leaves the list and the bell", async () => {
    // An entitlement like c.high that the employee does not hold yet (the test above got her c.high).
    const high2 = await makeEntitlement(db.prisma, c.system.id, { name: "db-admin-2", risk: "HIGH", privileged: true, ownerId: c.high.ownerId!, maxDurationDays: 30 });
    const r = await c.as.employee.requests.submit(submitInput(high2.id));
    let step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    while (step.kind !== "SECURITY") {
      const id = step.eligibleIds[0]!;
      const who = (Object.keys(c.as) as (keyof RequestCast["as"])[]).find((k) => (c as unknown as Record<string, { id: string }>)[k]!.id === id)!;
      await c.as[who].approvals.decide({ requestId: r.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 });
      step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    }
    expect(step.eligibleIds).toEqual(expect.arrayContaining([c.security.id, c.security2.id]));
    const listed = await c.as.security2.notifications.list({ size: 100 });
    expect(listed.rows.some((n) => n.link === `/requests/${r.id}` && n.resolvedAt === null)).toBe(true);
    const bell = await c.as.security2.notifications.unreadCount();

    await c.as.security.approvals.decide({ requestId: r.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 });
    expect(await c.as.security2.notifications.unreadCount()).toBe(bell - 1);
    expect((await c.as.security2.notifications.list({ size: 100 })).rows.some((n) => n.link === `/requests/${r.id}` && n.kind === "approval.requested")).toBe(false);
    const done = await c.as.security2.notifications.list({ size: 100, state: "done" });
    expect(done.rows.find((n) => n.link === `/requests/${r.id}` && n.kind === "approval.requested")?.resolvedAt).toBeInstanceOf(Date);
  });

  it("resolve when the requester cancels the request", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.medium.id));
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    expect((await byKey(workKey.approvalStep(step.id))).map((n) => n.resolvedAt)).toEqual([null]);
    await c.as.employee.requests.cancel({ id: r.id, expectedRevision: 1 });
    expect((await byKey(workKey.approvalStep(step.id))).every((n) => n.resolvedAt !== null)).toBe(true);
  });

  it("a refused decision resolves nothing", async () => {
    const r = await c.as.employee.requests.submit(submitInput(c.medium.id));
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    await expect(c.as.peer.approvals.decide({ requestId: r.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 })).rejects.toBeTruthy();
    expect((await byKey(workKey.approvalStep(step.id))).map((n) => n.resolvedAt)).toEqual([null]);
  });
});

describe("review notifications", () => {
  let c: CoreCast;
  beforeAll(async () => {
    c = await coreCast(db.prisma);
    await coreGrants(db.prisma, c);
  });

  it("a reviewer's reminder resolves once their last item is decided; a reassigned item's notification resolves when decided; close resolves the rest", async () => {
    const { campaign, items } = await launched(db.prisma, c);
    const ownerItems = items.filter((i) => i.reviewerId === c.owner.id);
    expect(ownerItems.length).toBeGreaterThan(1);
    await c.as(c.admin.id).campaignOps.remind({ campaignId: campaign.id });
    const reminderKey = workKey.campaignReviewer(campaign.id, c.owner.id);
    expect((await byKey(reminderKey)).map((n) => n.resolvedAt)).toEqual([null]);

    // Reassign one of the owner's items to the fallback person: they get a notification for that item.
    const moved = ownerItems[0]!;
    await c.as(c.owner.id).campaigns.reassign({ itemId: moved.id, toId: c.fallback.id, reason: "Fay knows this team", expectedVersion: moved.version });
    const itemKey = workKey.reviewItem(campaign.id, moved.id);
    expect((await byKey(itemKey)).map((n) => [n.recipientId, n.resolvedAt])).toEqual([[c.fallback.id, null]]);

    // The owner decides their remaining items one by one: the reminder stays open until the last one.
    const rest = ownerItems.slice(1);
    for (const [i, it] of rest.entries()) {
      await c.as(c.owner.id).campaigns.decide({ itemId: it.id, expectedVersion: it.version, decision: "REVOKE" });
      const open = (await byKey(reminderKey))[0]!.resolvedAt === null;
      expect(open).toBe(i < rest.length - 1);
    }

    // The reassigned item, decided by its new reviewer: their notification is resolved.
    const fresh = await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: moved.id } });
    await c.as(c.fallback.id).campaigns.decide({ itemId: moved.id, expectedVersion: fresh.version, decision: "REVOKE" });
    expect((await byKey(itemKey)).every((n) => n.resolvedAt !== null)).toBe(true);

    // Closing resolves every reminder still open in the campaign (other reviewers with undecided items).
    const stillOpen = await db.prisma.notification.count({ where: { workKey: { startsWith: `campaign-reviewer:${campaign.id}:` }, resolvedAt: null } });
    expect(stillOpen).toBeGreaterThan(0);
    await c.as(c.admin.id).campaignOps.close({ campaignId: campaign.id });
    expect(await db.prisma.notification.count({ where: { workKey: { startsWith: `campaign-reviewer:${campaign.id}:` }, resolvedAt: null } })).toBe(0);
  });
});

describe("task and finding notifications", () => {
  let c: Awaited<ReturnType<typeof provisioningCast>>;
  beforeAll(async () => {
    c = await provisioningCast(db.prisma);
  });

  it("a manual task's 'do it by hand' resolves for both owners when one of them confirms it", async () => {
    const { task } = await makeGrantWithTask(db.prisma, { identityId: c.holder.id, entitlementId: c.entitlement.id, connector: "MANUAL" });
    await processProvisioningTasks(db.prisma, new Date(), "w-test", 50);
    const notes = await byKey(workKey.task(task.id));
    expect(notes.map((n) => n.recipientId).sort()).toEqual([c.systemOwner.id, c.entOwner.id].sort());
    expect(notes.every((n) => n.resolvedAt === null)).toBe(true);
    await c.as(c.systemOwner.id).tasks.confirm({ taskId: task.id, note: "Added Hal to the group by hand", outcome: "DONE" });
    expect((await byKey(workKey.task(task.id))).every((n) => n.resolvedAt !== null)).toBe(true);
  });

  it("a failed task's 'retry it' resolves when someone retries it", async () => {
    const { task } = await makeGrantWithTask(db.prisma, { identityId: c.holder.id, entitlementId: c.entitlement.id, connector: "MANUAL" });
    await processProvisioningTasks(db.prisma, new Date(), "w-test", 50);
    await c.as(c.systemOwner.id).tasks.confirm({ taskId: task.id, note: "The group does not exist any more", outcome: "FAILED" });
    const failed = (await byKey(workKey.task(task.id))).filter((n) => n.kind === "task.provision_failed");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((n) => n.resolvedAt === null)).toBe(true);
    // The "do it by hand" ones were resolved when the task failed.
    expect((await byKey(workKey.task(task.id))).filter((n) => n.kind === "task.assigned").every((n) => n.resolvedAt !== null)).toBe(true);
    await c.as(c.admin.id).tasks.retry({ taskId: task.id });
    expect((await byKey(workKey.task(task.id))).every((n) => n.resolvedAt !== null)).toBe(true);
  });

  it("a finding's notification resolves when an admin resolves the finding, and a refused resolve changes nothing", async () => {
    const { id: findingId, key } = await db.prisma.$transaction(async (tx) => {
      const id = (await raiseFinding(tx, { kind: "NHI_OWNER_LEFT", subjectType: "Identity", subjectId: c.holder.id, assigneeId: null, details: {} }))!;
      await notify(tx, { recipientIds: [c.admin.id, c.security.id], kind: "test.finding", title: "A finding", body: "b", workKey: workKey.finding(id) });
      return { id, key: workKey.finding(id) };
    });
    await expect(c.as(c.employee.id).findings.resolve({ id: findingId, note: "Handled it with the team" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await byKey(key)).map((n) => n.resolvedAt)).toEqual([null, null]);
    await c.as(c.security.id).findings.resolve({ id: findingId, note: "Handled it with the team" });
    expect((await byKey(key)).every((n) => n.resolvedAt !== null)).toBe(true);
  });

  it("news with no work behind it stays open until read", async () => {
    await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [c.holder.id], kind: "grant.active", title: "Access granted", body: "b" }));
    const open = await c.as(c.holder.id).notifications.list({});
    expect(open.rows.map((r) => r.title)).toContain("Access granted");
  });
});
