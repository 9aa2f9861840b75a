-- Indexes for the read paths people wait on (issue 13), found with EXPLAIN (ANALYZE, BUFFERS) at 1M grants;
-- see docs/performance-queries.md. The trigram indexes are also in schema.prisma (@@index type: Gin); the
-- extension, the expression index and the partial index are hand-written (Prisma's schema language has
-- none of them) and later diffs ignore them.

-- The directory search is a substring match (ILIKE '%q%') on name, email, department and purpose: trigram
-- GIN indexes answer it from the index instead of reading every identity. PGlite loads pg_trgm at start
-- (server/db/pglite.ts); on PostgreSQL it ships with the server (contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Identity_displayName_trgm" ON "Identity" USING gin ("displayName" gin_trgm_ops);
CREATE INDEX "Identity_email_trgm" ON "Identity" USING gin ("email" gin_trgm_ops);
CREATE INDEX "Identity_department_trgm" ON "Identity" USING gin ("department" gin_trgm_ops);
CREATE INDEX "Identity_purpose_trgm" ON "Identity" USING gin ("purpose" gin_trgm_ops);

-- The directory's default order (lower("displayName"), then "displayName", then id): a page is read from
-- the index instead of sorting every match.
CREATE INDEX "Identity_name_order" ON "Identity" (lower("displayName"), "displayName", "id");

-- The approver inbox: open stages whose eligible list holds the actor or someone they act for
-- ("eligibleIds" && ARRAY[...]). Only open stages are ever looked up this way, so only they are indexed.
CREATE INDEX "ApprovalStep_open_eligible" ON "ApprovalStep" USING gin ("eligibleIds") WHERE "status" = 'OPEN';
