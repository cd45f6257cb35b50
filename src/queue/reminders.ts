// Reminder jobs in BullMQ, one delayed job per pending follow-up and stage, with a deterministic
// id: `followup.<id>.<version>.<stage>`. They follow the rules of every delayed job carelog keeps
// (src/queue/delayed-jobs.ts): Postgres is the truth and Redis only the clock, a new version means
// a new id, and the reconciler (src/services/reconcile.ts) rebuilds the whole set from Postgres
// after Redis loses it. One more job comes after a follow-up's last "Tried, no answer":
// `followup.<id>.<version>.unreachable`, due at once, which tells the supervisors it closed as
// unreachable.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createDelayedJobScheduler,
  type DelayedJobKind,
  type DelayedJobScheduler,
  type TDesired,
} from './delayed-jobs.js';

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

export type DesiredReminder = TDesired<ReminderJobData>;

export type ReminderScheduler = DelayedJobScheduler<ReminderJobData>;

/** Reminder jobs as a kind of delayed job; `unschedule` removes both stages of a version. */
const REMINDER_JOBS: DelayedJobKind<ReminderJobData> = {
  name: NUDGE_JOB,
  prefix: REMINDER_JOB_PREFIX,
  jobId: reminderJobId,
  data: (r) => ({ followUpId: r.followUpId, version: r.version, stage: r.stage }),
  versionIds: (followUpId, version) =>
    (['due', 'overdue'] as const).map((stage) => reminderJobId({ followUpId, version, stage })),
};

/** `client` is a plain ioredis connection to the queue's Redis, for cheap id listings. */
export function createReminderScheduler(queue: Queue, client: Redis): ReminderScheduler {
  return createDelayedJobScheduler(REMINDER_JOBS, queue, client);
}
