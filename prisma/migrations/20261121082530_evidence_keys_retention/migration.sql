-- AlterEnum
ALTER TYPE "ExportStatus" ADD VALUE 'EXPIRED';

-- AlterTable
ALTER TABLE "EvidenceExport" ADD COLUMN     "expiredAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SigningKey" (
    "keyId" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'Ed25519',
    "publicKey" TEXT NOT NULL,
    "registeredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SigningKey_pkey" PRIMARY KEY ("keyId")
);

-- Hand-written below this line.

-- A registered signing key is a historical fact: packs and checkpoints refer to it by id.
CREATE FUNCTION "warrant_signing_key_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'SigningKey is immutable: % is not allowed', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER "SigningKey_immutable" BEFORE UPDATE OR DELETE ON "SigningKey"
  FOR EACH ROW EXECUTE FUNCTION "warrant_signing_key_immutable"();

-- An expired export has no file any more, and says when it lost it. (Compared as text: a new enum value
-- cannot be used in the transaction that adds it.)
ALTER TABLE "EvidenceExport" ADD CONSTRAINT "EvidenceExport_expired_has_time" CHECK ("status"::text <> 'EXPIRED' OR "expiredAt" IS NOT NULL);
