-- Contacts imported from a file (npm run carelog -- import) have no author on the roster.

-- DropForeignKey
ALTER TABLE "Contact" DROP CONSTRAINT "Contact_authorId_fkey";

-- AlterTable
ALTER TABLE "Contact" ALTER COLUMN "authorId" DROP NOT NULL;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;
