-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "clientIds" UUID[] DEFAULT ARRAY[]::UUID[];

-- CreateIndex
CREATE INDEX "AuditEvent_clientIds_idx" ON "AuditEvent" USING GIN ("clientIds");

