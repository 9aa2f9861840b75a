-- CreateIndex
CREATE INDEX "AccessRequest_extendsGrantId_idx" ON "AccessRequest"("extendsGrantId");

-- Hand-written (Prisma's schema language has no partial index; later diffs ignore these).
-- The provisioning outbox's claim (server/jobs/provisioning.ts): due tasks in the claim's order, so a claim
-- reads the first rows of this index instead of sorting every pending task.
CREATE INDEX "ProvisioningTask_due_idx" ON "ProvisioningTask" ("nextAttemptAt", "id")
  WHERE "status" = 'PENDING' OR ("status" = 'AWAITING_CONFIRMATION' AND "connector" = 'WEBHOOK');

-- The break-glass follow-up job (server/jobs/break-glass.ts): only emergency requests still waiting for
-- their review, instead of a scan of every request on each run.
CREATE INDEX "AccessRequest_break_glass_review_due_idx" ON "AccessRequest" ("reviewDueAt", "id")
  WHERE "emergency" = true AND "reviewedAt" IS NULL AND "reviewEscalatedAt" IS NULL;
