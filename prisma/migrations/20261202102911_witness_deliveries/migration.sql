-- CreateEnum
CREATE TYPE "WitnessDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "WitnessDelivery" (
    "id" UUID NOT NULL,
    "checkpointId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "status" "WitnessDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WitnessDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WitnessDelivery_status_nextAttemptAt_idx" ON "WitnessDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "WitnessDelivery_checkpointId_kind_target_key" ON "WitnessDelivery"("checkpointId", "kind", "target");

-- AddForeignKey
ALTER TABLE "WitnessDelivery" ADD CONSTRAINT "WitnessDelivery_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
