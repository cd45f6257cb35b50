// Reminder jobs in BullMQ, one delayed job per pending follow-up and stage, with a deterministic
// id: `followup.<id>.<version>.<stage>` (BullMQ refuses custom ids with more than two colons, so
// dots). Postgres is the truth and Redis only the clock: every change
// to a follow-up bumps its version and writes the row first, then replaces the job (a second add
// with the same id would be silently ignored, so a new version means a new id). The reconciler
// rebuilds the whole set from Postgres after Redis loses it. One more job comes after a
// follow-up's last "Tried, no answer": `followup.<id>.<version>.unreachable`, due at once, which
// tells the supervisors it closed as unreachable.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const NUDGE_JOB = 'followup.nudge';
/** The stages that nudge the assignee of a pending follow-up. */
export type TStage = 'due' | 'overdue';
/** A reminder job's stage: a nudge, or the supervisors' notice that a follow-up closed unreachable. */
export type TReminderStage = TStage | 'unreachable';
export const REMINDER_STAGES = ['due', 'overdue', 'unreachable'] as const satisfies readonly TReminderStage[];

export interface ReminderJobData {
  followUpId: string;
  version: number;
  stage: TReminderStage;
}

/** Every reminder job id starts with this; other jobs on the queue never do. */
export const REMINDER_JOB_PREFIX = 'followup.';

export function reminderJobId(r: ReminderJobData): string {
  return `${REMINDER_JOB_PREFIX}${r.followUpId}.${r.version}.${r.stage}`;
}

export function parseReminderJobId(id: string): ReminderJobData | null {
  const m = /^followup\.([0-9a-f-]{36})\.(\d+)\.(due|overdue|unreachable)$/.exec(id);
  return m ? { followUpId: m[1]!, version: Number(m[2]), stage: m[3] as TReminderStage } : null;
}

export interface DesiredReminder extends ReminderJobData {
  fireAt: Date;
}

export interface ReminderScheduler {
  schedule(r: DesiredReminder, now: Date): Promise<void>;
  /** Many at once (the reconciler after Redis lost everything): pipelined, in chunks. */
  scheduleMany(rs: DesiredReminder[], now: () => Date): Promise<void>;
  /** Removes the queued reminders (both stages) of one version of a follow-up. */
  unschedule(followUpId: string, version: number): Promise<void>;
  /** Ids of reminder jobs waiting in Redis (delayed or ready). */
  queuedIds(): Promise<string[]>;
  remove(jobId: string): Promise<void>;
  /** Ids of reminder jobs that used up their attempts (kept a week for operators to see). */
  failedIds(): Promise<string[]>;
  /** Puts a failed job back in line (the reconciler does this: the follow-up still needs it). */
  retry(jobId: string): Promise<void>;
}

/** Completed reminders are dropped; failed ones stay a week so operators can see them. */
const JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** `client` is a plain ioredis connection to the queue's Redis, for cheap id listings. */
export function createReminderScheduler(queue: Queue, client: Redis): ReminderScheduler {
  async function queuedIds(): Promise<string[]> {
    const keys = queue.keys;
    const [delayed, wait, prioritized, paused] = await Promise.all([
      client.zrange(keys.delayed!, '0', '-1'),
      client.lrange(keys.wait!, 0, -1),
      client.zrange(keys.prioritized!, '0', '-1'),
      client.lrange(keys.paused!, 0, -1),
    ]);
    return [...delayed, ...wait, ...prioritized, ...paused].filter((id) => id.startsWith(REMINDER_JOB_PREFIX));
  }
  return {
    async schedule(r, now) {
      await queue.add(
        NUDGE_JOB,
        { followUpId: r.followUpId, version: r.version, stage: r.stage } satisfies ReminderJobData,
        { ...JOB_OPTIONS, jobId: reminderJobId(r), delay: Math.max(0, r.fireAt.getTime() - now.getTime()) },
      );
    },
    async scheduleMany(rs, now) {
      for (let i = 0; i < rs.length; i += 1000) {
        // The delay is taken when each chunk is added, so a long rebuild does not make jobs late.
        const at = now().getTime();
        await queue.addBulk(
          rs.slice(i, i + 1000).map((r) => ({
            name: NUDGE_JOB,
            data: { followUpId: r.followUpId, version: r.version, stage: r.stage } satisfies ReminderJobData,
            opts: { ...JOB_OPTIONS, jobId: reminderJobId(r), delay: Math.max(0, r.fireAt.getTime() - at) },
          })),
        );
      }
    },
    async unschedule(followUpId, version) {
      await Promise.all(
        (['due', 'overdue'] as const).map((stage) => queue.remove(reminderJobId({ followUpId, version, stage }))),
      );
    },
    queuedIds,
    async remove(jobId) {
      await queue.remove(jobId);
    },
    async failedIds() {
      return (await client.zrange(queue.keys.failed!, '0', '-1')).filter((id) => id.startsWith(REMINDER_JOB_PREFIX));
    },
    async retry(jobId) {
      const job = await queue.getJob(jobId);
      if (job && (await job.getState()) === 'failed') await job.retry('failed');
    },
  };
}
