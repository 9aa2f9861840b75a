-- AlterEnum
ALTER TYPE "ConnectorKind" ADD VALUE 'WARRANT_API';

-- AlterTable
ALTER TABLE "AccessRequest" ADD COLUMN     "ticketRef" TEXT;
