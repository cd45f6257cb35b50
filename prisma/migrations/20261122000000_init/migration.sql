-- CreateEnum
CREATE TYPE "Platform" AS ENUM ('slack', 'teams');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('clinician', 'case_manager', 'leadership', 'supervisor', 'admin');

-- CreateEnum
CREATE TYPE "ClientStatus" AS ENUM ('active', 'closed');

-- CreateEnum
CREATE TYPE "FollowUpStatus" AS ENUM ('pending', 'done', 'cancelled');

-- CreateTable
CREATE TABLE "Program" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "startDate" DATE NOT NULL,
    "clientCodePrefix" TEXT NOT NULL,
    "nextClientNumber" INTEGER NOT NULL DEFAULT 1,
    "nextContactNumber" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Program_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "roles" "Role"[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Client" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "sex" TEXT NOT NULL,
    "ageBand" TEXT NOT NULL,
    "firstContactAt" TIMESTAMP(3) NOT NULL,
    "status" "ClientStatus" NOT NULL DEFAULT 'active',
    "caseManagerId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "clientId" UUID NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "authorId" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "services" TEXT[],
    "referrals" TEXT[],
    "disposition" TEXT NOT NULL,
    "incidentRef" TEXT,
    "minutesOnScene" INTEGER,
    "followUpWanted" BOOLEAN NOT NULL DEFAULT false,
    "followUpDate" DATE,
    "followUpAssigneeId" UUID,
    "notesCiphertext" TEXT,
    "notesKeyId" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FollowUp" (
    "id" UUID NOT NULL,
    "programId" TEXT NOT NULL,
    "clientId" UUID NOT NULL,
    "originContactId" UUID NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "assigneeId" UUID,
    "status" "FollowUpStatus" NOT NULL DEFAULT 'pending',
    "version" INTEGER NOT NULL DEFAULT 1,
    "completedAt" TIMESTAMP(3),
    "metByContactId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FollowUp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "programId" TEXT NOT NULL,
    "actorId" UUID,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Member_programId_platform_platformUserId_key" ON "Member"("programId", "platform", "platformUserId");

-- CreateIndex
CREATE INDEX "Client_programId_firstContactAt_idx" ON "Client"("programId", "firstContactAt");

-- CreateIndex
CREATE UNIQUE INDEX "Client_programId_number_key" ON "Client"("programId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "Client_programId_code_key" ON "Client"("programId", "code");

-- CreateIndex
CREATE INDEX "Contact_programId_occurredAt_idx" ON "Contact"("programId", "occurredAt");

-- CreateIndex
CREATE INDEX "Contact_clientId_occurredAt_idx" ON "Contact"("clientId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_programId_idempotencyKey_key" ON "Contact"("programId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_programId_number_key" ON "Contact"("programId", "number");

-- CreateIndex
CREATE INDEX "FollowUp_programId_status_dueAt_idx" ON "FollowUp"("programId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "FollowUp_clientId_status_idx" ON "FollowUp"("clientId", "status");

-- CreateIndex
CREATE INDEX "AuditEvent_programId_at_idx" ON "AuditEvent"("programId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_idx" ON "AuditEvent"("entityType", "entityId");

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_caseManagerId_fkey" FOREIGN KEY ("caseManagerId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_followUpAssigneeId_fkey" FOREIGN KEY ("followUpAssigneeId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_originContactId_fkey" FOREIGN KEY ("originContactId") REFERENCES "Contact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_metByContactId_fkey" FOREIGN KEY ("metByContactId") REFERENCES "Contact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
