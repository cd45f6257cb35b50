-- CreateEnum
CREATE TYPE "NudgeKind" AS ENUM ('due', 'overdue', 'escalation');

-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN     "lastActorId" UUID;

-- CreateTable
CREATE TABLE "Nudge" (
    "id" UUID NOT NULL,
    "followUpId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "kind" "NudgeKind" NOT NULL,
    "platform" "Platform" NOT NULL,
    "recipient" TEXT NOT NULL,
    "channel" TEXT,
    "messageTs" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "Nudge_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Nudge_followUpId_idx" ON "Nudge"("followUpId");

-- CreateIndex
CREATE UNIQUE INDEX "Nudge_followUpId_version_kind_recipient_key" ON "Nudge"("followUpId", "version", "kind", "recipient");

-- AddForeignKey
ALTER TABLE "Nudge" ADD CONSTRAINT "Nudge_followUpId_fkey" FOREIGN KEY ("followUpId") REFERENCES "FollowUp"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

