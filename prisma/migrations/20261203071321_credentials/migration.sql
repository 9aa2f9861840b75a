-- CreateEnum
CREATE TYPE "CredentialStatus" AS ENUM ('ACTIVE', 'REVOKED');

-- AlterTable
ALTER TABLE "Entitlement" ADD COLUMN     "credentialRotateHours" INTEGER,
ADD COLUMN     "issuesCredential" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Credential" (
    "id" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "login" TEXT NOT NULL,
    "status" "CredentialStatus" NOT NULL DEFAULT 'ACTIVE',
    "version" INTEGER NOT NULL DEFAULT 1,
    "fingerprint" TEXT NOT NULL,
    "validUntil" TIMESTAMP(3) NOT NULL,
    "ciphertext" TEXT,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "rotatedAt" TIMESTAMP(3),
    "revealedAt" TIMESTAMP(3),
    "revealedById" UUID,
    "rotateDueAt" TIMESTAMP(3),
    "rotateRequestedById" UUID,
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "rotateAttempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Credential_grantId_key" ON "Credential"("grantId");

-- CreateIndex
CREATE INDEX "Credential_status_rotateDueAt_idx" ON "Credential"("status", "rotateDueAt");

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
