// Linkage-check jobs in BullMQ, one delayed job per open referral and version, with a deterministic
// id: `referral.<id>.<version>`. The rules of every delayed job carelog keeps
// (src/queue/delayed-jobs.ts): Postgres is the truth (the referral's `nextCheckAt`), Redis only the
// clock; every change to a referral bumps its version, so a new version means a new job id, and the
// reconciler (`reconcileReferralChecks`) rebuilds the set after Redis loses it.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createDelayedJobScheduler,
  type DelayedJobKind,
  type DelayedJobScheduler,
  type TDesired,
} from './delayed-jobs.js';

export const REFERRAL_CHECK_JOB = 'referral.check';

export interface CheckJobData {
  referralId: string;
  version: number;
}

/** Every linkage-check job id starts with this; other jobs on the queue never do. */
export const CHECK_JOB_PREFIX = 'referral.';

export function checkJobId(c: CheckJobData): string {
  return `${CHECK_JOB_PREFIX}${c.referralId}.${c.version}`;
}

export function parseCheckJobId(id: string): CheckJobData | null {
  const m = /^referral\.([0-9a-f-]{36})\.(\d+)$/.exec(id);
  return m ? { referralId: m[1]!, version: Number(m[2]) } : null;
}

export type DesiredCheck = TDesired<CheckJobData>;

export type CheckScheduler = DelayedJobScheduler<CheckJobData>;

/** Linkage-check jobs as a kind of delayed job: one per version of a referral. */
const CHECK_JOBS: DelayedJobKind<CheckJobData> = {
  name: REFERRAL_CHECK_JOB,
  prefix: CHECK_JOB_PREFIX,
  jobId: checkJobId,
  data: (c) => ({ referralId: c.referralId, version: c.version }),
  versionIds: (referralId, version) => [checkJobId({ referralId, version })],
};

/** `client` is a plain ioredis connection to the queue's Redis, for cheap id listings. */
export function createCheckScheduler(queue: Queue, client: Redis): CheckScheduler {
  return createDelayedJobScheduler(CHECK_JOBS, queue, client);
}
