-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "lastContactSource" TEXT;

