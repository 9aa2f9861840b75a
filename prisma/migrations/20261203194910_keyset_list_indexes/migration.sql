-- Keyset paging of the API's other long lists (issue 13; docs/api.md, "Paging"; docs/performance.md).
-- The directory seeks in Identity_name_order (migration read_path_indexes) and the approver inbox in the
-- actor's open stages (ApprovalStep_open_eligible); these two lists needed an index of their own.

-- Findings, newest first with the id as tie-break in the same direction: a page is read from this index
-- (backwards) instead of sorting every finding, and the API's cursor seeks in it
-- (WHERE ("createdAt", "id") < ($1, $2)) instead of skipping rows with OFFSET.
-- CreateIndex
CREATE INDEX "Finding_createdAt_id_idx" ON "Finding"("createdAt", "id");

-- A reviewer's items across campaigns (the review page and GET /api/v1/review-items filter on the reviewer
-- first): read by reviewer instead of every item of every campaign.
-- CreateIndex
CREATE INDEX "ReviewItem_reviewerId_decision_idx" ON "ReviewItem"("reviewerId", "decision");
