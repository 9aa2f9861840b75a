-- CreateEnum
CREATE TYPE "IdentityImportStatus" AS ENUM ('PREVIEWED', 'APPLIED');

-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "moverKey" TEXT;

-- CreateTable
CREATE TABLE "IdentityImport" (
    "id" UUID NOT NULL,
    "status" "IdentityImportStatus" NOT NULL DEFAULT 'PREVIEWED',
    "fileName" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "fullList" BOOLEAN NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "counts" JSONB NOT NULL,
    "watch" JSONB NOT NULL,
    "directoryHash" TEXT NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedById" UUID,
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "IdentityImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentityImportRow" (
    "importId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "line" INTEGER,
    "action" TEXT NOT NULL,
    "identityId" UUID,
    "email" TEXT,
    "displayName" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "reason" TEXT,

    CONSTRAINT "IdentityImportRow_pkey" PRIMARY KEY ("importId","seq")
);

-- CreateIndex
CREATE INDEX "IdentityImport_createdAt_idx" ON "IdentityImport"("createdAt");

-- CreateIndex
CREATE INDEX "IdentityImportRow_importId_action_seq_idx" ON "IdentityImportRow"("importId", "action", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_moverKey_key" ON "Campaign"("moverKey");

-- AddForeignKey
ALTER TABLE "IdentityImportRow" ADD CONSTRAINT "IdentityImportRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "IdentityImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;
