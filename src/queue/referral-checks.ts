// Linkage-check jobs in BullMQ, one delayed job per open referral and version, with a deterministic
// id: `referral.<id>.<version>` (dots, as BullMQ refuses custom ids with more than two colons). The
// same rules as follow-up reminders (src/queue/reminders.ts): Postgres is the truth (the referral's
// `nextCheckAt`), Redis only the clock; every change to a referral bumps its version, so a new
// version means a new job id, and the reconciler rebuilds the set after Redis loses it.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

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

export interface DesiredCheck extends CheckJobData {
  fireAt: Date;
}

export interface CheckScheduler {
  schedule(c: DesiredCheck, now: Date): Promise<void>;
  /** Many at once (the reconciler after Redis lost everything): pipelined, in chunks. */
  scheduleMany(cs: DesiredCheck[], now: () => Date): Promise<void>;
  /** Removes the queued check of one version of a referral. */
  unschedule(referralId: string, version: number): Promise<void>;
  /** Ids of linkage-check jobs waiting in Redis (delayed or ready). */
  queuedIds(): Promise<string[]>;
  remove(jobId: string): Promise<void>;
  /** Ids of linkage-check jobs that used up their attempts (kept a week for operators to see). */
  failedIds(): Promise<string[]>;
  /** Puts a failed job back in line (the reconciler does, while the referral still needs it). */
  retry(jobId: string): Promise<void>;
}

/** As reminders: completed jobs dropped, failed ones kept a week. */
const JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

const jobData = (c: CheckJobData): CheckJobData => ({ referralId: c.referralId, version: c.version });

/** `client` is a plain ioredis connection to the queue's Redis, for cheap id listings. */
export function createCheckScheduler(queue: Queue, client: Redis): CheckScheduler {
  const ours = (ids: string[]) => ids.filter((id) => id.startsWith(CHECK_JOB_PREFIX));
  return {
    async schedule(c, now) {
      await queue.add(REFERRAL_CHECK_JOB, jobData(c), {
        ...JOB_OPTIONS,
        jobId: checkJobId(c),
        delay: Math.max(0, c.fireAt.getTime() - now.getTime()),
      });
    },
    async scheduleMany(cs, now) {
      for (let i = 0; i < cs.length; i += 1000) {
        // The delay is taken when each chunk is added, so a long rebuild does not make jobs late.
        const at = now().getTime();
        await queue.addBulk(
          cs.slice(i, i + 1000).map((c) => ({
            name: REFERRAL_CHECK_JOB,
            data: jobData(c),
            opts: { ...JOB_OPTIONS, jobId: checkJobId(c), delay: Math.max(0, c.fireAt.getTime() - at) },
          })),
        );
      }
    },
    async unschedule(referralId, version) {
      await queue.remove(checkJobId({ referralId, version }));
    },
    async queuedIds() {
      const keys = queue.keys;
      const [delayed, wait, prioritized, paused] = await Promise.all([
        client.zrange(keys.delayed!, '0', '-1'),
        client.lrange(keys.wait!, 0, -1),
        client.zrange(keys.prioritized!, '0', '-1'),
        client.lrange(keys.paused!, 0, -1),
      ]);
      return ours([...delayed, ...wait, ...prioritized, ...paused]);
    },
    async remove(jobId) {
      await queue.remove(jobId);
    },
    async failedIds() {
      return ours(await client.zrange(queue.keys.failed!, '0', '-1'));
    },
    async retry(jobId) {
      const job = await queue.getJob(jobId);
      if (job && (await job.getState()) === 'failed') await job.retry('failed');
    },
  };
}
