// A referral's linkage check coming due: ask the person responsible whether the client got there.
// The checks a worker holds at the same moment are sent together (one claim, one record for all).
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { defineJob } from '../src/queue/job.js';
import { REFERRAL_CHECK_JOB, type CheckJobData } from '../src/queue/referral-checks.js';
import { sendReferralChecks, type CheckResult } from '../src/services/referral-checks.js';

/**
 * Nobody to ask and nobody to tell: no case manager on the roster, and no supervisor or admin to
 * tell of it. Retrying cannot help (the reconciler tries again, for when the roster has someone).
 */
function outcome(result: CheckResult | Error): Error | null {
  if (result instanceof Error) return result;
  if (result.deliveries.length === 0 && !result.stale) {
    return new UnrecoverableError(
      'referral has no case manager on the roster to check with, and the program no supervisor or admin to tell',
    );
  }
  return null;
}

export const referralCheck = defineJob({
  name: REFERRAL_CHECK_JOB,
  payload: z.object({ referralId: z.uuid(), version: z.number().int().positive() }),
  async run(data, deps) {
    const [result] = await sendReferralChecks(deps, [data]);
    const err = outcome(result!);
    if (err) throw err;
  },
  batch: {
    maxSize: 100,
    maxWaitMs: 5,
    async runMany(data: CheckJobData[], deps) {
      return (await sendReferralChecks(deps, data)).map(outcome);
    },
  },
});
