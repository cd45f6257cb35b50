-- CreateEnum
CREATE TYPE "ReferralStatus" AS ENUM ('made', 'connected', 'declined', 'unreachable', 'unknown');

-- AlterEnum
ALTER TYPE "FollowUpStatus" ADD VALUE 'unreachable';

-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "raceEthnicity" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "veteran" TEXT;

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "onScene" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "transportDestination" TEXT;

-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastAttemptAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Referral" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "clientId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "madeAt" TIMESTAMP(3) NOT NULL,
    "status" "ReferralStatus" NOT NULL DEFAULT 'made',
    "connectedOn" DATE,
    "closedAt" TIMESTAMP(3),
    "checks" INTEGER NOT NULL DEFAULT 0,
    "nextCheckAt" TIMESTAMP(3),
    "assigneeId" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "lastActorId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Referral_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReferralCheck" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "platform" "Platform" NOT NULL,
    "recipient" TEXT NOT NULL,
    "channel" TEXT,
    "messageTs" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "ReferralCheck_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Referral_programId_madeAt_idx" ON "Referral"("programId", "madeAt");

-- CreateIndex
CREATE INDEX "Referral_programId_status_nextCheckAt_idx" ON "Referral"("programId", "status", "nextCheckAt");

-- CreateIndex
CREATE INDEX "Referral_assigneeId_status_idx" ON "Referral"("assigneeId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_contactId_category_key" ON "Referral"("contactId", "category");

-- CreateIndex
CREATE INDEX "ReferralCheck_referralId_idx" ON "ReferralCheck"("referralId");

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCheck_referralId_version_recipient_key" ON "ReferralCheck"("referralId", "version", "recipient");

-- Referrals made before this version become records too, so linkage figures count every referral
-- the contacts hold. They stay `made` with no check scheduled: carelog does not chase referrals
-- from before it tracked them (a case manager can still close one from /carelog referrals or the
-- referrals CSV).
INSERT INTO "Referral" ("id", "programId", "clientId", "contactId", "category", "madeAt", "createdAt", "updatedAt")
SELECT gen_random_uuid(), c."programId", c."clientId", c."id", r.category, c."occurredAt",
       (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
  FROM "Contact" c
 CROSS JOIN LATERAL (SELECT DISTINCT unnest(c."referrals") AS category) r;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferralCheck" ADD CONSTRAINT "ReferralCheck_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


