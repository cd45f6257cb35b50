-- CreateEnum
CREATE TYPE "RosterSource" AS ENUM ('config', 'chat');

-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "source" "RosterSource" NOT NULL DEFAULT 'config',
ADD COLUMN     "welcomeOwed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "welcomedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "RosterVersion" (
    "programId" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RosterVersion_pkey" PRIMARY KEY ("programId")
);

