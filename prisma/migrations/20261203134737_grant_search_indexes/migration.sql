-- The audit workspace's grant search at a million grants (issue 13; docs/performance-queries.md, "Grant search").
-- A search term is resolved on the small tables first: entitlement and system names are matched with
-- ILIKE '%q%' like the holders' names and emails (Identity_displayName_trgm, Identity_email_trgm), so they get
-- trigram indexes too (pg_trgm is created by migration read_path_indexes). The grants are then found by
-- holder or entitlement id on the existing indexes.

-- CreateIndex
CREATE INDEX "Entitlement_name_trgm" ON "Entitlement" USING GIN ("name" gin_trgm_ops);

-- The default order, newest start first with the id as tie-break in the same direction: a page is read from
-- this index (backwards) instead of sorting every grant, and the API's keyset cursor seeks in it
-- (WHERE ("startsAt", "id") < ($1, $2)) instead of skipping rows with OFFSET.
-- CreateIndex
CREATE INDEX "Grant_startsAt_id_idx" ON "Grant"("startsAt", "id");

-- CreateIndex
CREATE INDEX "System_name_trgm" ON "System" USING GIN ("name" gin_trgm_ops);
