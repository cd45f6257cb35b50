// BullMQ queue and workers. Postgres is the truth; Redis is only the clock that says when to look.
// Any number of processes may run workers against the same Postgres and Redis: BullMQ hands each
// job to one worker at a time, and every job checks the database before it acts.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CarelogDeps } from '../deps.js';
import type { Logger } from '../logger.js';
import { createBatcher, type Batcher } from './batch.js';
import type { JobDefinition } from './job.js';

export const QUEUE_NAME = 'carelog';

export function createQueue(connection: Redis, prefix: string, logger: Logger): Queue {
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  queue.on('error', (err) => logger.warn({ err }, 'queue error'));
  return queue;
}

/**
 * Jobs one worker holds at once. Most are reminders that spend their time waiting on Slack and are
 * claimed and recorded in batches, so a worker can hold many without loading the database.
 */
export const DEFAULT_CONCURRENCY = 200;

export interface WorkerHandle {
  worker: Worker;
  close(): Promise<void>;
}

/** How quickly a dead worker's job is taken over, and how often lost schedules are put back. */
export interface WorkerTiming {
  /** How long a worker's lock on a job lasts without renewal. @defaultValue 30_000 (BullMQ's) */
  lockDurationMs?: number;
  /** How often a worker looks for jobs whose worker died. @defaultValue 30_000 (BullMQ's) */
  stalledIntervalMs?: number;
  /** How often a worker puts back repeating jobs Redis lost (FLUSHALL, no persistence). @defaultValue 60_000 */
  schedulerCheckMs?: number;
  /** How long close() waits for the jobs in hand before it lets them go. @defaultValue CLOSE_GRACE_MS */
  closeGraceMs?: number;
}

/**
 * A stopping worker finishes the jobs it holds for this long, then closes without them. A job
 * can wait forever: after Redis lost its data its lock and its key are gone, and BullMQ's close
 * waited on it until compose's stop_grace_period (30 s) killed the process. Let go, such a job's
 * lock lapses and another worker takes it over (a nudge is claimed once, so it is never doubled).
 * The job let go is not interrupted: it may still finish here while the process stops. Every job
 * is safe to run twice (nudges and digests are claimed once; notes retention and the
 * reconciler are idempotent), which is what makes letting go safe.
 */
export const CLOSE_GRACE_MS = 20_000;

export async function startWorkers(opts: {
  queue: Queue;
  connection: Redis;
  jobs: JobDefinition[];
  deps: CarelogDeps;
  concurrency?: number;
  timing?: WorkerTiming;
  /** Declares other schedules (each program's digests) at start and at every check; idempotent. */
  declareSchedules?: () => Promise<void>;
}): Promise<WorkerHandle> {
  const { queue, connection, jobs, deps } = opts;
  const timing = opts.timing ?? {};
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const scheduled = jobs.filter((j) => j.schedule);
  // Repeating jobs: upsertJobScheduler is idempotent, so every process may (re)declare them.
  for (const j of scheduled)
    await queue.upsertJobScheduler(j.name, { every: j.schedule!.everyMs }, { name: j.name, data: {} });
  await opts.declareSchedules?.();
  // The schedules live in Redis too: after a FLUSHALL nothing would run the reconciler again until
  // a restart. Put back any that went missing (a fresh schedule with `every` runs at once).
  const schedulerCheck = setInterval(() => {
    void (async () => {
      for (const j of scheduled) {
        if (await queue.getJobScheduler(j.name)) continue;
        await queue.upsertJobScheduler(j.name, { every: j.schedule!.everyMs }, { name: j.name, data: {} });
        deps.logger.warn({ job: j.name }, 'a repeating job was missing from Redis and is declared again');
      }
      await opts.declareSchedules?.();
    })().catch((err: unknown) => deps.logger.warn({ err }, 'could not check repeating jobs'));
  }, timing.schedulerCheckMs ?? 60_000);
  schedulerCheck.unref();
  // Jobs with a batch run share one batcher per kind: what the worker holds at once goes together.
  const batchers = new Map<string, Batcher<unknown, null>>();
  for (const j of jobs) {
    const batch = j.batch;
    if (batch)
      batchers.set(
        j.name,
        createBatcher(batch, (items) => batch.runMany(items, deps)),
      );
  }
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const def = byName.get(job.name);
      if (!def) throw new UnrecoverableError(`no job named ${job.name}`);
      const data = def.payload.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`job ${job.name} has an invalid payload`);
      const batcher = batchers.get(def.name);
      if (batcher) await batcher.submit(data.data);
      else await def.run(data.data, deps);
    },
    // queue.opts.prefix: workers must use the queue's own key prefix.
    {
      connection,
      prefix: queue.opts.prefix,
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
      ...(timing.lockDurationMs ? { lockDuration: timing.lockDurationMs } : {}),
      ...(timing.stalledIntervalMs ? { stalledInterval: timing.stalledIntervalMs } : {}),
    },
  );
  // Without an error listener a lost connection would crash the process.
  worker.on('error', (err) => deps.logger.warn({ err }, 'worker error'));
  // Run time from the job's start in this worker; counted under carelog's own job names only.
  const ranFor = (job: { processedOn?: number | undefined }) =>
    job.processedOn ? (Date.now() - job.processedOn) / 1000 : undefined;
  worker.on('completed', (job) => deps.metrics.jobFinished(job.name, 'completed', ranFor(job)));
  worker.on('failed', (job, err) => {
    deps.metrics.jobFinished(job?.name ?? 'other', 'failed', job ? ranFor(job) : undefined);
    deps.logger.warn({ jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err }, 'job failed');
  });
  return {
    worker,
    close: async () => {
      clearInterval(schedulerCheck);
      const graceMs = timing.closeGraceMs ?? CLOSE_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      // pause() takes no new jobs and waits for those in hand; close() would too, without end, and
      // a second close(true) only returns the first one's promise: so pause, bounded, then close.
      // A pause that fails (Redis gone) counts as not finished: the close below still runs.
      const finished = await Promise.race([
        worker.pause().then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!finished) {
        deps.logger.warn(
          { graceMs },
          'the worker still held jobs when its time to stop ran out: closing without them (another worker takes them over once their locks lapse)',
        );
      }
      // Bounded too, in case Redis does not answer.
      await Promise.race([worker.close(!finished), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}
