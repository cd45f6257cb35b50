// Every five minutes: make Redis's reminder jobs match the pending follow-ups in Postgres, and its
// linkage-check jobs the open referrals.
import { z } from 'zod';
import { defineJob } from '../src/queue/job.js';
import { reconcileReminders } from '../src/services/reconcile.js';
import { reconcileReferralChecks } from '../src/services/referral-checks.js';

export const RECONCILE_EVERY_MS = 5 * 60_000;

export const reconcileRemindersJob = defineJob({
  name: 'reminders.reconcile',
  payload: z.object({}).passthrough(),
  schedule: { everyMs: RECONCILE_EVERY_MS },
  async run(_data, deps) {
    const result = await reconcileReminders(deps);
    if (result.added || result.removed) deps.logger.info(result, 'reminders reconciled');
    const checks = await reconcileReferralChecks(deps);
    if (checks.added || checks.removed) deps.logger.info(checks, 'linkage checks reconciled');
  },
});
