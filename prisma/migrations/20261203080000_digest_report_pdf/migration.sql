-- The quarter's progress report PDF in a quarterly Slack digest's thread, claimed and recorded on
-- the digest's own row so that it is uploaded once per period, as the digest is posted once.

-- CreateEnum
CREATE TYPE "DigestReportStatus" AS ENUM ('uploading', 'uploaded');

-- AlterTable
ALTER TABLE "DigestRun" ADD COLUMN     "reportClaimedAt" TIMESTAMP(3),
ADD COLUMN     "reportFileId" TEXT,
ADD COLUMN     "reportStatus" "DigestReportStatus",
ADD COLUMN     "reportUploadedAt" TIMESTAMP(3);
