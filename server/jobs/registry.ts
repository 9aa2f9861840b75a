/**
 * The periodic jobs, in the order a worker tick runs them (server/jobs/worker.ts). Each job claims its own
 * work with `FOR UPDATE SKIP LOCKED`, so any number of workers (in the portal process and `npm run worker`)
 * can run the list at once without doing a piece of work twice.
 */
import type { PrismaClient } from "../db";
import { deliverPendingEmails } from "./email";
import { escalateLateBreakGlassReviews } from "./break-glass";
import { revokeExpiredGrants, warnExpiringGrants } from "./expiry";
import { processProvisioningTasks } from "./provisioning";
import { rotateDueCredentials } from "../domain/credentials/service";
import { escalateOverdueStages, expireOverdueRequests } from "../domain/requests/jobs";
import { runQueuedExports, signScheduledCheckpoint } from "./evidence";
import { deliverWitnessCheckpoints } from "./witnesses";
import { deliverWebhooks } from "./webhooks";
import { expireEvidenceExports } from "../domain/evidence-exports/retention";
import { sweepEdgeState } from "./edge-state";
import { purgeExpiredIdempotencyKeys } from "../domain/api-clients/idempotency";
import { reconcileDueSystems } from "../domain/reconciliation/service";
import { completeRemediatingCampaigns, notifyOverdueCampaigns, sendScheduledReminders, settleRemediations, startDeferredRevocations } from "./campaigns";

/** `workerId` names the claiming worker (jobs that lease work record it); jobs may ignore it. */
export type Job = { name: string; run(db: PrismaClient, now: Date, workerId?: string): Promise<{ processed: number }> };

export const JOBS: Job[] = [
  { name: "revoke-expired-grants", run: (db, now) => revokeExpiredGrants(db, now) },
  { name: "warn-expiring-grants", run: (db, now) => warnExpiringGrants(db, now) },
  { name: "escalate-late-break-glass-reviews", run: (db, now) => escalateLateBreakGlassReviews(db, now) },
  { name: "escalate-overdue-approval-stages", run: (db, now) => escalateOverdueStages(db, now) },
  { name: "expire-overdue-requests", run: (db, now) => expireOverdueRequests(db, now) },
  { name: "start-deferred-campaign-revocations", run: (db, now) => startDeferredRevocations(db, now) },
  { name: "process-provisioning-tasks", run: (db, now, workerId) => processProvisioningTasks(db, now, workerId ?? `worker-${process.pid}`) },
  // Issued credentials (docs/credentials.md) whose scheduled or requested rotation is due: a new password in the target.
  { name: "rotate-credentials", run: (db, now, workerId) => rotateDueCredentials(db, now, workerId ?? `worker-${process.pid}`) },
  // After provisioning, so a revocation confirmed in this tick settles its review item (and campaign) at once.
  { name: "settle-campaign-remediations", run: (db, now) => settleRemediations(db, now) },
  { name: "complete-remediating-campaigns", run: (db, now) => completeRemediatingCampaigns(db, now) },
  { name: "send-campaign-reminders", run: (db, now) => sendScheduledReminders(db, now) },
  { name: "notify-overdue-campaigns", run: (db, now) => notifyOverdueCampaigns(db, now) },
  // Each system with a connector that can list access, every reconcileEveryHours (default daily).
  { name: "reconcile-systems", run: (db, now) => reconcileDueSystems(db, now) },
  { name: "deliver-pending-emails", run: (db, now) => deliverPendingEmails(db, now) },
  { name: "evidence-retention", run: (db, now) => expireEvidenceExports(db, now) },
  // Wall-clock housekeeping of the HTTP edge (rate-limit counters, ended sessions); ignores the business clock.
  { name: "sweep-edge-state", run: (db) => sweepEdgeState(db, new Date()) },
  // REST API Idempotency-Keys past their 24 h (business clock, like the keys themselves).
  { name: "purge-idempotency-keys", run: (db, now) => purgeExpiredIdempotencyKeys(db, now) },
  // Last: an export may take a while, and a checkpoint then covers whatever this tick changed.
  { name: "run-evidence-exports", run: (db, now, workerId) => runQueuedExports(db, now, workerId ?? `worker-${process.pid}`, 1) },
  { name: "sign-scheduled-checkpoint", run: (db, now) => signScheduledCheckpoint(db, now) },
  // After signing: a checkpoint signed in this tick (scheduled or by an export) reaches its witnesses at once.
  { name: "deliver-checkpoint-witnesses", run: (db, now, workerId) => deliverWitnessCheckpoints(db, now, workerId ?? `worker-${process.pid}`, 20) },
  // Last: everything this tick recorded (and the checkpoint it signed) goes out to webhook subscribers at once.
  { name: "deliver-webhooks", run: (db, now, workerId) => deliverWebhooks(db, now, workerId ?? `worker-${process.pid}`) },
];
