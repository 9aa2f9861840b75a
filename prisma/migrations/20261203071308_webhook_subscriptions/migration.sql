-- CreateEnum
CREATE TYPE "WebhookDeadLetterStatus" AS ENUM ('OPEN', 'REPLAYED', 'SKIPPED');

-- CreateTable
CREATE TABLE "WebhookSubscription" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "format" TEXT NOT NULL DEFAULT 'warrant',
    "secretRef" TEXT,
    "secretSealed" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "pausedAt" TIMESTAMPTZ(3),
    "cursorSeq" BIGINT NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "lastDeliveredAt" TIMESTAMPTZ(3),
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMPTZ(3),
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "fromSeq" BIGINT NOT NULL,
    "toSeq" BIGINT NOT NULL,
    "events" INTEGER NOT NULL,
    "httpStatus" INTEGER,
    "ok" BOOLEAN NOT NULL,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "workerId" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDeadLetter" (
    "id" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "fromSeq" BIGINT NOT NULL,
    "toSeq" BIGINT NOT NULL,
    "events" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,
    "lastError" TEXT NOT NULL,
    "status" "WebhookDeadLetterStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedById" UUID,

    CONSTRAINT "WebhookDeadLetter_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookSubscription_enabled_nextAttemptAt_idx" ON "WebhookSubscription"("enabled", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookAttempt_subscriptionId_at_idx" ON "WebhookAttempt"("subscriptionId", "at");

-- CreateIndex
CREATE INDEX "WebhookDeadLetter_subscriptionId_status_idx" ON "WebhookDeadLetter"("subscriptionId", "status");

-- AddForeignKey
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "WebhookSubscription"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDeadLetter" ADD CONSTRAINT "WebhookDeadLetter_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "WebhookSubscription"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- By hand: a subscription signs with exactly one secret (a reference or a generated, sealed one).
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_one_secret" CHECK (("secretRef" IS NULL) <> ("secretSealed" IS NULL));
-- By hand: at most one open dead letter per subscription (it pauses at the first).
CREATE UNIQUE INDEX "WebhookDeadLetter_one_open" ON "WebhookDeadLetter"("subscriptionId") WHERE "status" = 'OPEN';
