// What an operator needs to see of the reminder queue: pending follow-ups in Postgres next to the
// reminder jobs in Redis, and the jobs that used up their attempts. Ids, counts and BullMQ's own
// failure reasons only (carelog's errors never carry clinical content).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '../db/client.js';
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
}

export async function reminderReport(db: Database, queue: Queue, client: Redis): Promise<ReminderReport> {
  const [pending] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "FollowUp" WHERE status = 'pending'`,
  );
  const keys = queue.keys;
  const reminders = (ids: string[]) => ids.filter((id) => parseReminderJobId(id)).length;
  const [delayed, waiting, active] = await Promise.all([
    client.zrange(keys.delayed!, '0', '-1').then(reminders),
    client.lrange(keys.wait!, 0, -1).then(reminders),
    client.lrange(keys.active!, 0, -1).then(reminders),
  ]);
  const failed = [];
  for (const id of await createReminderScheduler(queue, client).failedIds()) {
    const job = await queue.getJob(id);
    const ref = parseReminderJobId(id);
    if (!job || !ref) continue;
    failed.push({
      id,
      followUpId: ref.followUpId,
      stage: ref.stage,
      attempts: job.attemptsMade,
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      reason: String(job.failedReason ?? '').slice(0, 200),
    });
  }
  return { pendingFollowUps: pending?.n ?? 0, queued: { delayed, waiting, active }, failed };
}
