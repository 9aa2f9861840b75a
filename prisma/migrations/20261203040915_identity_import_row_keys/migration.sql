-- AlterTable
ALTER TABLE "IdentityImportRow" ADD COLUMN     "key" TEXT,
ADD COLUMN     "leaver" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "ref" TEXT;

-- CreateIndex
CREATE INDEX "IdentityImportRow_importId_key_idx" ON "IdentityImportRow"("importId", "key");
