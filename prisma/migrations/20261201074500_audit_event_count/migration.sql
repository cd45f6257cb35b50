-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "count" INTEGER;

