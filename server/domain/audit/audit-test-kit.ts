/**
 * Scene for the auditor-workspace tests: the request cast, and one grant taken through its whole lifecycle
 * with the real routers and jobs (request → two approvals → provisioning → review REVOKE → revocation).
 */
import type { PrismaClient } from "../../db";
import { DAY, requestCast, submitInput } from "../requests/request-test-kit";
import { makeCampaign, makeItem } from "../campaigns/campaign-test-kit";
import { followCampaignRemediation } from "../../jobs/campaigns";
import { processProvisioningTasks } from "../../jobs/provisioning";

export async function approvedAndProvisioned(db: PrismaClient, c: Awaited<ReturnType<typeof requestCast>>, who: "employee" | "peer" = "employee") {
  const r = await c.as[who].requests.submit(submitInput(c.medium.id, { ticketUrl: "https://tickets.example/INC-42" }));
  for (const approver of ["manager", "owner"] as const) {
    const step = (await db.approvalStep.findMany({ where: { requestId: r.id, status: "OPEN" } }))[0]!;
    await c.as[approver].approvals.decide({ requestId: r.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1, reason: "Needed for the batch fix" });
  }
  const grant = await db.grant.findUniqueOrThrow({ where: { requestId: r.id } });
  await processProvisioningTasks(db, c.clock.now(), "test-worker");
  const task = await db.provisioningTask.findFirstOrThrow({ where: { grantId: grant.id, action: "GRANT" } });
  await c.as.owner.tasks.confirm({ taskId: task.id, note: "Added to the write-batches group", outcome: "DONE" });
  return { requestId: r.id, grantId: grant.id };
}

export async function auditScene(db: PrismaClient) {
  const c = await requestCast(db);
  const { requestId, grantId } = await approvedAndProvisioned(db, c);

  const now = c.clock.now();
  const campaign = await makeCampaign(db, { ownerId: c.owner.id, fallbackReviewerId: c.director.id, systemIds: [c.system.id], startsAt: new Date(now.getTime() - DAY), dueAt: new Date(now.getTime() + 14 * DAY) });
  const item = await makeItem(db, campaign.id, grantId, c.manager.id);
  await c.as.manager.campaigns.decide({ itemId: item.id, expectedVersion: 1, decision: "REVOKE", comment: "No longer on the payments team" });
  await c.as.owner.campaignOps.close({ campaignId: campaign.id });
  await processProvisioningTasks(db, c.clock.now(), "test-worker");
  const revokeTask = await db.provisioningTask.findFirstOrThrow({ where: { grantId, action: "REVOKE" } });
  await c.as.owner.tasks.confirm({ taskId: revokeTask.id, note: "Removed from the group", outcome: "DONE" });
  await followCampaignRemediation(db, c.clock.now());
  return { c, requestId, grantId, campaignId: campaign.id, itemId: item.id };
}
export type AuditScene = Awaited<ReturnType<typeof auditScene>>;
