// What an operator needs to see of the reminder queue: pending follow-ups in Postgres next to the
// reminder jobs in Redis, open referrals awaiting a linkage check next to the check jobs, and the
// jobs of either kind that used up their attempts. Ids, counts and BullMQ's own failure reasons only
// (carelog's errors never carry clinical content).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '../db/client.js';
import { createCheckScheduler, parseCheckJobId } from '../queue/referral-checks.js';
import { createReminderScheduler, parseReminderJobId } from '../queue/reminders.js';

export interface ReminderReport {
  pendingFollowUps: number;
  queued: { delayed: number; waiting: number; active: number };
  failed: {
    id: string;
    followUpId: string;
    stage: string;
    attempts: number;
    failedAt: string | null;
    reason: string;
  }[];
  /** Linkage checks: open referrals with a check to come, their jobs, and the failed ones. */
  linkageChecks: {
    openReferralsToCheck: number;
    queued: { delayed: number; waiting: number; active: number };
    failed: {
      id: string;
      referralId: string;
      version: number;
      attempts: number;
      failedAt: string | null;
      reason: string;
    }[];
  };
}

/** How many of the ids in each of the queue's lists satisfy `ours`. */
async function queuedCounts(
  queue: Queue,
  client: Redis,
  ours: (id: string) => boolean,
): Promise<{ delayed: number; waiting: number; active: number }> {
  const keys = queue.keys;
  const count = (ids: string[]) => ids.filter(ours).length;
  const [delayed, waiting, active] = await Promise.all([
    client.zrange(keys.delayed!, '0', '-1').then(count),
    client.lrange(keys.wait!, 0, -1).then(count),
    client.lrange(keys.active!, 0, -1).then(count),
  ]);
  return { delayed, waiting, active };
}

/** What BullMQ kept of a failed job: its attempts, when it last failed and why (cut short). */
async function failure(queue: Queue, id: string) {
  const job = await queue.getJob(id);
  if (!job) return null;
  return {
    attempts: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    reason: String(job.failedReason ?? '').slice(0, 200),
  };
}

export async function reminderReport(db: Database, queue: Queue, client: Redis): Promise<ReminderReport> {
  const [pending] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "FollowUp" WHERE status = 'pending'`,
  );
  const queued = await queuedCounts(queue, client, (id) => parseReminderJobId(id) !== null);
  const failed: ReminderReport['failed'] = [];
  for (const id of await createReminderScheduler(queue, client).failedIds()) {
    const ref = parseReminderJobId(id);
    const f = ref && (await failure(queue, id));
    if (ref && f) failed.push({ id, followUpId: ref.followUpId, stage: ref.stage, ...f });
  }

  const [open] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Referral" WHERE status = 'made' AND "nextCheckAt" IS NOT NULL`,
  );
  const checksFailed: ReminderReport['linkageChecks']['failed'] = [];
  for (const id of await createCheckScheduler(queue, client).failedIds()) {
    const ref = parseCheckJobId(id);
    const f = ref && (await failure(queue, id));
    if (ref && f) checksFailed.push({ id, referralId: ref.referralId, version: ref.version, ...f });
  }
  return {
    pendingFollowUps: pending?.n ?? 0,
    queued,
    failed,
    linkageChecks: {
      openReferralsToCheck: open?.n ?? 0,
      queued: await queuedCounts(queue, client, (id) => parseCheckJobId(id) !== null),
      failed: checksFailed,
    },
  };
}
