-- AlterTable
ALTER TABLE "WebhookSubscription" ADD COLUMN     "deletedAt" TIMESTAMPTZ(3),
ADD COLUMN     "deletedById" UUID,
ADD COLUMN     "previousSecretRef" TEXT,
ADD COLUMN     "previousSecretSealed" TEXT,
ADD COLUMN     "previousSecretUntil" TIMESTAMPTZ(3),
ADD COLUMN     "secretRotatedAt" TIMESTAMPTZ(3);

-- By hand: a live subscription signs with exactly one secret (a reference or a generated, sealed one); a deleted
-- one has none (its secrets are wiped when it is deleted).
ALTER TABLE "WebhookSubscription" DROP CONSTRAINT "WebhookSubscription_one_secret";
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_one_secret" CHECK (
  CASE WHEN "deletedAt" IS NULL THEN ("secretRef" IS NULL) <> ("secretSealed" IS NULL)
       ELSE "secretRef" IS NULL AND "secretSealed" IS NULL END);
-- By hand: the previous secret (during a rotation's overlap) is at most one, and has an overlap end exactly when it exists.
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_previous_secret" CHECK (
  NOT ("previousSecretRef" IS NOT NULL AND "previousSecretSealed" IS NOT NULL)
  AND ("previousSecretUntil" IS NULL) = ("previousSecretRef" IS NULL AND "previousSecretSealed" IS NULL));
-- By hand: a deleted subscription is never enabled (so never claimed) and keeps no previous secret.
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_deleted_is_off" CHECK (
  "deletedAt" IS NULL OR (NOT "enabled" AND "previousSecretUntil" IS NULL));
