// One delayed BullMQ job per row that comes due, with a deterministic id, for every kind of
// message carelog sends exactly once (follow-up reminders, src/queue/reminders.ts; linkage checks,
// src/queue/referral-checks.ts). Postgres is the truth and Redis only the clock: every change to a
// row bumps its version and writes the row first, then replaces the job (a second add with the
// same id would be silently ignored, so a new version means a new id), and `reconcileJobs`
// rebuilds the set from Postgres after Redis loses it. Ids use dots, as BullMQ refuses custom ids
// with more than two colons.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A job as it should be queued: its data and when it fires. */
export type TDesired<TData> = TData & { fireAt: Date };

/** One kind of delayed job: its name in BullMQ, its ids and its data. */
export interface DelayedJobKind<TData> {
  /** The BullMQ job name (as stored in Redis and shown on operators' dashboards). */
  name: string;
  /** Every job id of this kind starts with this; other jobs on the queue never do. */
  prefix: string;
  jobId(data: TData): string;
  /** The job's data alone (a desired job also carries its `fireAt`). */
  data(d: TData): TData;
  /** The ids of the jobs one version of a row may have queued. */
  versionIds(rowId: string, version: number): string[];
}

export interface DelayedJobScheduler<TData> {
  schedule(d: TDesired<TData>, now: Date): Promise<void>;
  /** Many at once (the reconciler after Redis lost everything): pipelined, in chunks. */
  scheduleMany(ds: TDesired<TData>[], now: () => Date): Promise<void>;
  /** Removes the queued jobs of one version of a row. */
  unschedule(rowId: string, version: number): Promise<void>;
  /** Ids of this kind's jobs waiting in Redis (delayed or ready). */
  queuedIds(): Promise<string[]>;
  remove(jobId: string): Promise<void>;
  /** Ids of this kind's jobs that used up their attempts (kept a week for operators to see). */
  failedIds(): Promise<string[]>;
  /** Puts a failed job back in line (the reconciler does this: the row still needs it). */
  retry(jobId: string): Promise<void>;
}

/** Completed jobs are dropped; failed ones stay a week so operators can see them. */
const JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** `client` is a plain ioredis connection to the queue's Redis, for cheap id listings. */
export function createDelayedJobScheduler<TData>(
  kind: DelayedJobKind<TData>,
  queue: Queue,
  client: Redis,
): DelayedJobScheduler<TData> {
  const ours = (ids: string[]) => ids.filter((id) => id.startsWith(kind.prefix));
  const job = (d: TDesired<TData>, at: number) => ({
    name: kind.name,
    data: kind.data(d),
    opts: { ...JOB_OPTIONS, jobId: kind.jobId(d), delay: Math.max(0, d.fireAt.getTime() - at) },
  });
  return {
    async schedule(d, now) {
      const { name, data, opts } = job(d, now.getTime());
      await queue.add(name, data, opts);
    },
    async scheduleMany(ds, now) {
      for (let i = 0; i < ds.length; i += 1000) {
        // The delay is taken when each chunk is added, so a long rebuild does not make jobs late.
        const at = now().getTime();
        await queue.addBulk(ds.slice(i, i + 1000).map((d) => job(d, at)));
      }
    },
    async unschedule(rowId, version) {
      await Promise.all(kind.versionIds(rowId, version).map((id) => queue.remove(id)));
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
      const found = await queue.getJob(jobId);
      if (found && (await found.getState()) === 'failed') await found.retry('failed');
    },
  };
}

/**
 * Makes the queue hold exactly `desired` (by job id) of a scheduler's kind: a missing job is
 * added, a failed one put back in line (it ran out of attempts, say with Slack down for half an
 * hour, but its row still needs it; a plain add would be ignored, since the failed job keeps its
 * id), and a queued job no row wants is removed. A job already running has an id BullMQ ignores
 * an add of, which is what is wanted.
 */
export async function reconcileJobs<TData>(
  scheduler: DelayedJobScheduler<TData>,
  desired: ReadonlyMap<string, TDesired<TData>>,
  now: () => Date,
): Promise<{ added: number; removed: number }> {
  const queued = new Set(await scheduler.queuedIds());
  const failed = new Set(await scheduler.failedIds());
  let added = 0;
  let removed = 0;
  const missing: TDesired<TData>[] = [];
  for (const [id, d] of desired) {
    if (queued.has(id)) continue;
    if (failed.has(id)) {
      await scheduler.retry(id);
      added++;
      continue;
    }
    missing.push(d);
  }
  await scheduler.scheduleMany(missing, now);
  added += missing.length;
  for (const id of queued) {
    if (desired.has(id)) continue;
    await scheduler.remove(id);
    removed++;
  }
  return { added, removed };
}
