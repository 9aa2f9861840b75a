-- CreateEnum
CREATE TYPE "IdentityKind" AS ENUM ('HUMAN', 'SERVICE_ACCOUNT', 'API_KEY', 'OAUTH_APP', 'WORKLOAD', 'AI_AGENT');

-- CreateEnum
CREATE TYPE "IdentityStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'DEPROVISIONED');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'SECURITY', 'AUDITOR');

-- CreateEnum
CREATE TYPE "RiskLevel" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "ConnectorKind" AS ENUM ('MANUAL', 'WEBHOOK', 'POSTGRES');

-- CreateEnum
CREATE TYPE "GrantStatus" AS ENUM ('PENDING_PROVISION', 'ACTIVE', 'PENDING_REVOKE', 'REVOKED', 'PROVISION_FAILED', 'REVOKE_FAILED');

-- CreateEnum
CREATE TYPE "GrantOrigin" AS ENUM ('REQUEST', 'IMPORTED', 'BREAK_GLASS');

-- CreateEnum
CREATE TYPE "RevocationCause" AS ENUM ('EXPIRY', 'REVIEW', 'LEAVER', 'MANUAL');

-- CreateTable
CREATE TABLE "Identity" (
    "id" UUID NOT NULL,
    "kind" "IdentityKind" NOT NULL,
    "status" "IdentityStatus" NOT NULL DEFAULT 'ACTIVE',
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "department" TEXT,
    "title" TEXT,
    "managerId" UUID,
    "ownerId" UUID,
    "purpose" TEXT,
    "systemId" UUID,
    "credentialKeyId" TEXT,
    "credentialCreatedAt" TIMESTAMP(3),
    "credentialRotatedAt" TIMESTAMP(3),
    "credentialExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleAssignment" (
    "identityId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "grantedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoleAssignment_pkey" PRIMARY KEY ("identityId","role")
);

-- CreateTable
CREATE TABLE "System" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerId" UUID NOT NULL,
    "criticality" "RiskLevel" NOT NULL DEFAULT 'MEDIUM',
    "connector" "ConnectorKind" NOT NULL DEFAULT 'MANUAL',
    "connectorConfig" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "System_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Entitlement" (
    "id" UUID NOT NULL,
    "systemId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "risk" "RiskLevel" NOT NULL DEFAULT 'LOW',
    "privileged" BOOLEAN NOT NULL DEFAULT false,
    "ownerId" UUID,
    "requestable" BOOLEAN NOT NULL DEFAULT true,
    "maxDurationDays" INTEGER NOT NULL DEFAULT 90,
    "externalRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Entitlement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Grant" (
    "id" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "entitlementId" UUID NOT NULL,
    "status" "GrantStatus" NOT NULL,
    "origin" "GrantOrigin" NOT NULL,
    "requestId" UUID,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "revocationCause" "RevocationCause",
    "revokedById" UUID,
    "revocationNote" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEvent" (
    "seq" BIGINT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "actorId" UUID,
    "onBehalfOfId" UUID,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "LedgerEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "LedgerHead" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "LedgerHead_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Identity_email_key" ON "Identity"("email");

-- CreateIndex
CREATE INDEX "Identity_kind_status_idx" ON "Identity"("kind", "status");

-- CreateIndex
CREATE INDEX "Identity_department_idx" ON "Identity"("department");

-- CreateIndex
CREATE INDEX "Identity_managerId_idx" ON "Identity"("managerId");

-- CreateIndex
CREATE INDEX "Identity_ownerId_idx" ON "Identity"("ownerId");

-- CreateIndex
CREATE INDEX "Identity_displayName_idx" ON "Identity"("displayName");

-- CreateIndex
CREATE UNIQUE INDEX "System_name_key" ON "System"("name");

-- CreateIndex
CREATE INDEX "Entitlement_risk_idx" ON "Entitlement"("risk");

-- CreateIndex
CREATE UNIQUE INDEX "Entitlement_systemId_name_key" ON "Entitlement"("systemId", "name");

-- CreateIndex
CREATE INDEX "Grant_identityId_status_idx" ON "Grant"("identityId", "status");

-- CreateIndex
CREATE INDEX "Grant_entitlementId_status_idx" ON "Grant"("entitlementId", "status");

-- CreateIndex
CREATE INDEX "Grant_status_expiresAt_idx" ON "Grant"("status", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEvent_hash_key" ON "LedgerEvent"("hash");

-- CreateIndex
CREATE INDEX "LedgerEvent_subjectType_subjectId_idx" ON "LedgerEvent"("subjectType", "subjectId");

-- CreateIndex
CREATE INDEX "LedgerEvent_action_idx" ON "LedgerEvent"("action");

-- CreateIndex
CREATE INDEX "LedgerEvent_actorId_idx" ON "LedgerEvent"("actorId");

-- CreateIndex
CREATE INDEX "LedgerEvent_occurredAt_idx" ON "LedgerEvent"("occurredAt");

-- AddForeignKey
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_systemId_fkey" FOREIGN KEY ("systemId") REFERENCES "System"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleAssignment" ADD CONSTRAINT "RoleAssignment_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "System" ADD CONSTRAINT "System_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_systemId_fkey" FOREIGN KEY ("systemId") REFERENCES "System"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_entitlementId_fkey" FOREIGN KEY ("entitlementId") REFERENCES "Entitlement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written below: what Prisma's schema language cannot express. Later diffs ignore it.
-- ---------------------------------------------------------------------------------------------

-- The evidence ledger is append-only: UPDATE, DELETE and TRUNCATE are refused.
CREATE FUNCTION "warrant_ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LedgerEvent is append-only: % is not allowed', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER "LedgerEvent_no_update_delete" BEFORE UPDATE OR DELETE ON "LedgerEvent"
  FOR EACH ROW EXECUTE FUNCTION "warrant_ledger_append_only"();
CREATE TRIGGER "LedgerEvent_no_truncate" BEFORE TRUNCATE ON "LedgerEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "warrant_ledger_append_only"();

-- One chain head, starting at the genesis hash (64 zeros).
ALTER TABLE "LedgerHead" ADD CONSTRAINT "LedgerHead_single_row" CHECK ("id" = 1);
INSERT INTO "LedgerHead" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

-- Every non-human identity has an accountable human owner; every human has an email.
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_nhi_has_owner" CHECK ("kind" = 'HUMAN' OR "ownerId" IS NOT NULL);
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_human_has_email" CHECK ("kind" <> 'HUMAN' OR "email" IS NOT NULL);
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_max_duration_positive" CHECK ("maxDurationDays" > 0);
