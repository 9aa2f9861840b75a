-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'ACTIVE', 'REMEDIATING', 'CLOSED');

-- CreateEnum
CREATE TYPE "ReviewerStrategy" AS ENUM ('ENTITLEMENT_OWNER', 'MANAGER', 'NHI_OWNER', 'NAMED');

-- CreateEnum
CREATE TYPE "DefaultAction" AS ENUM ('KEEP', 'REVOKE', 'ESCALATE');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('KEEP', 'REVOKE');

-- CreateEnum
CREATE TYPE "RemediationStatus" AS ENUM ('NONE', 'PENDING', 'CONFIRMED', 'FAILED');

-- CreateTable
CREATE TABLE "Campaign" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerId" UUID NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'DRAFT',
    "scope" JSONB NOT NULL,
    "reviewerStrategy" "ReviewerStrategy" NOT NULL,
    "namedReviewerIds" UUID[],
    "fallbackReviewerId" UUID NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "reminderDays" INTEGER[],
    "defaultAction" "DefaultAction" NOT NULL,
    "recurrence" TEXT,
    "previousId" UUID,
    "launchedAt" TIMESTAMP(3),
    "populationCount" INTEGER,
    "scopeQuery" TEXT,
    "scopeHash" TEXT,
    "closedAt" TIMESTAMP(3),
    "closedById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewItem" (
    "id" UUID NOT NULL,
    "campaignId" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "entitlementId" UUID NOT NULL,
    "identityName" TEXT NOT NULL,
    "identityKind" "IdentityKind" NOT NULL,
    "entitlementName" TEXT NOT NULL,
    "systemId" UUID NOT NULL,
    "systemName" TEXT NOT NULL,
    "risk" "RiskLevel" NOT NULL,
    "privileged" BOOLEAN NOT NULL,
    "origin" "GrantOrigin" NOT NULL,
    "grantStartsAt" TIMESTAMP(3) NOT NULL,
    "grantExpiresAt" TIMESTAMP(3),
    "reviewerId" UUID NOT NULL,
    "routedFromId" UUID,
    "routingReason" TEXT,
    "decision" "ReviewDecision",
    "comment" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decidedById" UUID,
    "defaulted" BOOLEAN NOT NULL DEFAULT false,
    "remediation" "RemediationStatus" NOT NULL DEFAULT 'NONE',
    "remediatedAt" TIMESTAMP(3),
    "lastRemindedAt" TIMESTAMP(3),
    "escalatedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Campaign_status_dueAt_idx" ON "Campaign"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Campaign_ownerId_idx" ON "Campaign"("ownerId");

-- CreateIndex
CREATE INDEX "ReviewItem_campaignId_reviewerId_decision_idx" ON "ReviewItem"("campaignId", "reviewerId", "decision");

-- CreateIndex
CREATE INDEX "ReviewItem_grantId_idx" ON "ReviewItem"("grantId");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewItem_campaignId_grantId_key" ON "ReviewItem"("campaignId", "grantId");

-- AddForeignKey
ALTER TABLE "ReviewItem" ADD CONSTRAINT "ReviewItem_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewItem" ADD CONSTRAINT "ReviewItem_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written below: invariants the database enforces itself. Later diffs ignore it.
-- ---------------------------------------------------------------------------------------------

-- Nobody reviews their own access: such items are routed to the fallback reviewer at launch.
ALTER TABLE "ReviewItem" ADD CONSTRAINT "ReviewItem_no_self_review" CHECK ("reviewerId" <> "identityId");
-- A decided item says who decided and when (or that the default action decided it).
ALTER TABLE "ReviewItem" ADD CONSTRAINT "ReviewItem_decision_complete" CHECK (
  "decision" IS NULL OR ("decidedAt" IS NOT NULL AND ("decidedById" IS NOT NULL OR "defaulted"))
);
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_due_after_start" CHECK ("dueAt" > "startsAt");
