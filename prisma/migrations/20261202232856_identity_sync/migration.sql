-- AlterTable
ALTER TABLE "Identity" ADD COLUMN     "employeeNumber" TEXT,
ADD COLUMN     "externalId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Identity_externalId_key" ON "Identity"("externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Identity_employeeNumber_key" ON "Identity"("employeeNumber");
