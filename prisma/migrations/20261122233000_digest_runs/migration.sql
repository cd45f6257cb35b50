-- CreateEnum
CREATE TYPE "DigestKind" AS ENUM ('week', 'quarter');

-- CreateEnum
CREATE TYPE "DigestRunStatus" AS ENUM ('posting', 'posted');

-- CreateTable
CREATE TABLE "DigestRun" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "kind" "DigestKind" NOT NULL,
    "periodLabel" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "status" "DigestRunStatus" NOT NULL DEFAULT 'posting',
    "channel" TEXT,
    "messageTs" TEXT,
    "requestedBy" UUID,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postedAt" TIMESTAMP(3),

    CONSTRAINT "DigestRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DigestRun_programId_kind_periodLabel_platform_key" ON "DigestRun"("programId", "kind", "periodLabel", "platform");

-- AddForeignKey
ALTER TABLE "DigestRun" ADD CONSTRAINT "DigestRun_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

