-- The time of the contact that asked for each follow-up, kept on the follow-up so that the digest's
-- follow-up figures (timeliness, overdue) read one index range of follow-ups instead of joining
-- every follow-up to its contact. Contacts' times never change once logged.

-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN     "originOccurredAt" TIMESTAMP(3);

-- Filled on insert from the asking contact when the writer did not give it (older code still
-- running during a release, or any other writer), so the column is never left empty.
CREATE FUNCTION "FollowUp_origin_occurred_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."originOccurredAt" IS NULL THEN
    SELECT c."occurredAt" INTO NEW."originOccurredAt" FROM "Contact" c WHERE c."id" = NEW."originContactId";
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "FollowUp_origin_occurred_at" BEFORE INSERT ON "FollowUp"
  FOR EACH ROW EXECUTE FUNCTION "FollowUp_origin_occurred_at"();

-- Backfill
UPDATE "FollowUp" f SET "originOccurredAt" = c."occurredAt" FROM "Contact" c WHERE c."id" = f."originContactId";

-- The contacts by program and time, with each contact's client and minutes on scene, so that the
-- digest's pass over each client's contacts in time order (clients served, repeat contacts,
-- minutes on scene) reads this index alone, not the contacts' rows. The two-column index stays
-- for every other range of a program's contacts (it is half the size to read).

-- CreateIndex
CREATE INDEX "Contact_programId_occurredAt_clientId_minutesOnScene_idx" ON "Contact"("programId", "occurredAt", "clientId", "minutesOnScene");

-- CreateIndex
CREATE INDEX "FollowUp_programId_originOccurredAt_idx" ON "FollowUp"("programId", "originOccurredAt");
