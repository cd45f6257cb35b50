-- AlterEnum
ALTER TYPE "NudgeKind" ADD VALUE 'unreachable';

