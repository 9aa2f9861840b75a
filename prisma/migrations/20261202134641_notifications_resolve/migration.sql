-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "workKey" TEXT;

-- CreateIndex
CREATE INDEX "Notification_recipientId_resolvedAt_readAt_idx" ON "Notification"("recipientId", "resolvedAt", "readAt");

-- CreateIndex
CREATE INDEX "Notification_workKey_idx" ON "Notification"("workKey");
