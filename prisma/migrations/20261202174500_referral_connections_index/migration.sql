-- CreateIndex
CREATE INDEX "Referral_programId_status_connectedOn_idx" ON "Referral"("programId", "status", "connectedOn");

