-- No parallel workers for scans of follow-ups and referrals. The digest's statements already run
-- side by side, on as many connections as there are statements; a parallel scan of these tables
-- (the planner picks one for the digest's follow-up and referral counts) starts worker processes
-- that only compete with the digest's other statements for the same cores: on the digest
-- benchmark, about 38 ms of the workers' CPU to save 15 ms of the statements' own, per digest.
-- carelog's other reads of these tables (look-ups by index, exports that stream every row) are
-- not the kind that workers speed up.

ALTER TABLE "FollowUp" SET (parallel_workers = 0);
ALTER TABLE "Referral" SET (parallel_workers = 0);

-- The digest's pass over each client's contacts in time order no longer reads minutes on scene
-- (they are counted with the other per-contact figures, from the rows): its index loses them.

-- DropIndex
DROP INDEX "Contact_programId_occurredAt_clientId_minutesOnScene_idx";

-- CreateIndex
CREATE INDEX "Contact_programId_occurredAt_clientId_idx" ON "Contact"("programId", "occurredAt", "clientId");
