-- CreateEnum
CREATE TYPE "ReconciliationRunStatus" AS ENUM ('RUNNING', 'COMPLETED', 'FAILED');

-- AlterTable
ALTER TABLE "System" ADD COLUMN     "reconcileEveryHours" INTEGER NOT NULL DEFAULT 24;

-- CreateTable
CREATE TABLE "ReconciliationRun" (
    "id" UUID NOT NULL,
    "systemId" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "actorId" UUID,
    "status" "ReconciliationRunStatus" NOT NULL DEFAULT 'RUNNING',
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "memberships" INTEGER NOT NULL DEFAULT 0,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "snapshotSha256" TEXT,
    "error" TEXT,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReconciliationRun_systemId_startedAt_idx" ON "ReconciliationRun"("systemId", "startedAt");

-- CreateIndex
CREATE INDEX "ReconciliationRun_status_leaseUntil_idx" ON "ReconciliationRun"("status", "leaseUntil");
-- At most one run in progress per system (hand-written: the engine cannot express a partial index).
CREATE UNIQUE INDEX "ReconciliationRun_one_running_per_system" ON "ReconciliationRun"("systemId") WHERE "status" = 'RUNNING';
