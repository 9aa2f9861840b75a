-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('PENDING', 'APPROVED', 'DENIED', 'CANCELLED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "ApprovalKind" AS ENUM ('MANAGER', 'OWNER', 'SECURITY', 'NHI_OWNER');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('WAITING', 'OPEN', 'APPROVED', 'DENIED', 'VOID');

-- CreateEnum
CREATE TYPE "TaskAction" AS ENUM ('GRANT', 'REVOKE');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('PENDING', 'AWAITING_CONFIRMATION', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "EmailStatus" AS ENUM ('NONE', 'PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "FindingStatus" AS ENUM ('OPEN', 'RESOLVED');

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConflictRule" (
    "id" UUID NOT NULL,
    "entitlementAId" UUID NOT NULL,
    "entitlementBId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConflictRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessRequest" (
    "id" UUID NOT NULL,
    "requesterId" UUID NOT NULL,
    "beneficiaryId" UUID NOT NULL,
    "entitlementId" UUID NOT NULL,
    "justification" TEXT NOT NULL,
    "durationHours" INTEGER NOT NULL,
    "ticketUrl" TEXT,
    "emergency" BOOLEAN NOT NULL DEFAULT false,
    "incidentRef" TEXT,
    "status" "RequestStatus" NOT NULL DEFAULT 'PENDING',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "contentHash" TEXT NOT NULL,
    "policyVersionId" UUID NOT NULL,
    "policyHash" TEXT NOT NULL,
    "policyDecision" JSONB NOT NULL,
    "inputHash" TEXT NOT NULL,
    "deadlineAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "extendsGrantId" UUID,
    "reviewDueAt" TIMESTAMP(3),
    "reviewedAt" TIMESTAMP(3),
    "reviewedById" UUID,
    "reviewNote" TEXT,
    "reviewEscalatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApprovalStep" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "stageOrder" INTEGER NOT NULL,
    "kind" "ApprovalKind" NOT NULL,
    "status" "StepStatus" NOT NULL DEFAULT 'WAITING',
    "eligibleIds" UUID[],
    "openedAt" TIMESTAMP(3),
    "escalateAt" TIMESTAMP(3),
    "escalatedAt" TIMESTAMP(3),
    "requesterId" UUID NOT NULL,
    "beneficiaryId" UUID NOT NULL,
    "beneficiaryOwnerId" UUID,
    "decidedById" UUID,
    "decidedAt" TIMESTAMP(3),
    "reason" TEXT,
    "authority" JSONB,
    "boundRevision" INTEGER,
    "boundContentHash" TEXT,

    CONSTRAINT "ApprovalStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delegation" (
    "id" UUID NOT NULL,
    "fromId" UUID NOT NULL,
    "toId" UUID NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Delegation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProvisioningTask" (
    "id" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "action" "TaskAction" NOT NULL,
    "connector" "ConnectorKind" NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "receipt" JSONB,
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "confirmedById" UUID,
    "confirmNote" TEXT,
    "doneAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProvisioningTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "recipientId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "link" TEXT,
    "readAt" TIMESTAMP(3),
    "emailStatus" "EmailStatus" NOT NULL DEFAULT 'NONE',
    "emailAttempts" INTEGER NOT NULL DEFAULT 0,
    "emailError" TEXT,
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Finding" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "assigneeId" UUID,
    "status" "FindingStatus" NOT NULL DEFAULT 'OPEN',
    "details" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedById" UUID,

    CONSTRAINT "Finding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "PolicyVersion_version_key" ON "PolicyVersion"("version");

-- CreateIndex
CREATE UNIQUE INDEX "ConflictRule_entitlementAId_entitlementBId_key" ON "ConflictRule"("entitlementAId", "entitlementBId");

-- CreateIndex
CREATE INDEX "AccessRequest_requesterId_status_idx" ON "AccessRequest"("requesterId", "status");

-- CreateIndex
CREATE INDEX "AccessRequest_beneficiaryId_status_idx" ON "AccessRequest"("beneficiaryId", "status");

-- CreateIndex
CREATE INDEX "AccessRequest_status_deadlineAt_idx" ON "AccessRequest"("status", "deadlineAt");

-- CreateIndex
CREATE INDEX "ApprovalStep_status_escalateAt_idx" ON "ApprovalStep"("status", "escalateAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalStep_requestId_stageOrder_key" ON "ApprovalStep"("requestId", "stageOrder");

-- CreateIndex
CREATE INDEX "Delegation_toId_startsAt_endsAt_idx" ON "Delegation"("toId", "startsAt", "endsAt");

-- CreateIndex
CREATE INDEX "Delegation_fromId_idx" ON "Delegation"("fromId");

-- CreateIndex
CREATE INDEX "ProvisioningTask_status_nextAttemptAt_idx" ON "ProvisioningTask"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "ProvisioningTask_grantId_idx" ON "ProvisioningTask"("grantId");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_dedupeKey_key" ON "Notification"("dedupeKey");

-- CreateIndex
CREATE INDEX "Notification_recipientId_readAt_idx" ON "Notification"("recipientId", "readAt");

-- CreateIndex
CREATE INDEX "Notification_emailStatus_idx" ON "Notification"("emailStatus");

-- CreateIndex
CREATE UNIQUE INDEX "Finding_dedupeKey_key" ON "Finding"("dedupeKey");

-- CreateIndex
CREATE INDEX "Finding_status_kind_idx" ON "Finding"("status", "kind");

-- CreateIndex
CREATE INDEX "Finding_assigneeId_status_idx" ON "Finding"("assigneeId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Grant_requestId_key" ON "Grant"("requestId");

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_requesterId_fkey" FOREIGN KEY ("requesterId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_beneficiaryId_fkey" FOREIGN KEY ("beneficiaryId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_entitlementId_fkey" FOREIGN KEY ("entitlementId") REFERENCES "Entitlement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_policyVersionId_fkey" FOREIGN KEY ("policyVersionId") REFERENCES "PolicyVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalStep" ADD CONSTRAINT "ApprovalStep_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_fromId_fkey" FOREIGN KEY ("fromId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_toId_fkey" FOREIGN KEY ("toId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProvisioningTask" ADD CONSTRAINT "ProvisioningTask_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_recipientId_fkey" FOREIGN KEY ("recipientId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written below: invariants the database enforces itself. Later diffs ignore it.
-- ---------------------------------------------------------------------------------------------

-- Nobody decides a request in which they are the requester, the beneficiary, or the beneficiary NHI's owner.
ALTER TABLE "ApprovalStep" ADD CONSTRAINT "ApprovalStep_no_self_decision" CHECK (
  "decidedById" IS NULL OR (
    "decidedById" <> "requesterId" AND "decidedById" <> "beneficiaryId"
    AND "decidedById" IS DISTINCT FROM "beneficiaryOwnerId"
  )
);

-- A decided step names who decided, when, and the request content the decision was bound to.
ALTER TABLE "ApprovalStep" ADD CONSTRAINT "ApprovalStep_decision_complete" CHECK (
  "status" NOT IN ('APPROVED', 'DENIED') OR (
    "decidedById" IS NOT NULL AND "decidedAt" IS NOT NULL AND "authority" IS NOT NULL
    AND "boundRevision" IS NOT NULL AND "boundContentHash" IS NOT NULL
  )
);

-- Approvals of one request come from distinct people (four eyes across stages).
CREATE UNIQUE INDEX "ApprovalStep_distinct_approvers" ON "ApprovalStep" ("requestId", "decidedById") WHERE "status" = 'APPROVED';

-- A request asks for a positive duration; emergency requests name their incident.
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_duration_positive" CHECK ("durationHours" > 0);
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_emergency_has_incident" CHECK (NOT "emergency" OR "incidentRef" IS NOT NULL);

-- A delegation window ends after it starts, and nobody delegates to themselves.
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_window" CHECK ("endsAt" > "startsAt");
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_not_self" CHECK ("fromId" <> "toId");

-- Policy versions are immutable.
CREATE FUNCTION "warrant_policy_version_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'PolicyVersion is immutable: % is not allowed', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER "PolicyVersion_immutable" BEFORE UPDATE OR DELETE ON "PolicyVersion"
  FOR EACH ROW EXECUTE FUNCTION "warrant_policy_version_immutable"();
