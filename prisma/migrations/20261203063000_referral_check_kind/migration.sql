-- A linkage check that could reach nobody is told to the program's supervisors, once per check and
-- supervisor, claimed and recorded as a ReferralCheck row of its own kind (the same exactly-once
-- protocol as the checks). Rows from before are checks.

-- CreateEnum
CREATE TYPE "ReferralCheckKind" AS ENUM ('check', 'supervisor_notice');

-- AlterTable
ALTER TABLE "ReferralCheck" ADD COLUMN "kind" "ReferralCheckKind" NOT NULL DEFAULT 'check';

-- DropIndex
DROP INDEX "ReferralCheck_referralId_version_recipient_key";

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCheck_referralId_version_kind_recipient_key" ON "ReferralCheck"("referralId", "version", "kind", "recipient");
