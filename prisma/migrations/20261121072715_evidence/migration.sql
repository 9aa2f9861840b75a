-- CreateEnum
CREATE TYPE "ExportStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "Checkpoint" (
    "id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "headHash" TEXT NOT NULL,
    "signedAt" TIMESTAMPTZ(3) NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvidenceExport" (
    "id" UUID NOT NULL,
    "requestedById" UUID NOT NULL,
    "params" JSONB NOT NULL,
    "status" "ExportStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER NOT NULL DEFAULT 0,
    "filePath" TEXT,
    "fileSha256" TEXT,
    "byteSize" BIGINT,
    "error" TEXT,
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "EvidenceExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Checkpoint_seq_idx" ON "Checkpoint"("seq");

-- CreateIndex
CREATE INDEX "EvidenceExport_status_createdAt_idx" ON "EvidenceExport"("status", "createdAt");

-- CreateIndex
CREATE INDEX "EvidenceExport_requestedById_idx" ON "EvidenceExport"("requestedById");
