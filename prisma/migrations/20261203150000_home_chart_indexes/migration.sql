-- The organisation-wide charts of the admin home at 1,000,000 grants (issue 13; docs/performance-queries.md):
-- each index holds exactly the rows and columns its chart reads, so the chart is an index-only scan instead
-- of a read of the whole table. The partial indexes are hand-written (Prisma's schema language has no WHERE
-- or INCLUDE) and later diffs ignore them; "AccessRequest_home_created" is also in schema.prisma.

-- Access by risk: active grants counted per entitlement, verified (with a request) or not.
CREATE INDEX "Grant_home_active_by_entitlement" ON "Grant" ("entitlementId") INCLUDE ("requestId") WHERE "status" = 'ACTIVE';

-- Origin-unverified access over time: grants without a request, by start, with their revocation.
CREATE INDEX "Grant_home_unverified" ON "Grant" ("startsAt") INCLUDE ("revokedAt")
  WHERE "requestId" IS NULL AND "status" NOT IN ('PENDING_PROVISION', 'PROVISION_FAILED');

-- Requests over time: submitted per week (by creation) and decided per week (by decision, with the outcome).
CREATE INDEX "AccessRequest_home_created" ON "AccessRequest" ("createdAt");
CREATE INDEX "AccessRequest_home_decided" ON "AccessRequest" ("decidedAt") INCLUDE ("status") WHERE "decidedAt" IS NOT NULL;
