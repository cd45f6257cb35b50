// BullMQ queue and workers. Postgres is the truth; Redis is only the clock that says when to look.
// Any number of processes may run workers against the same Postgres and Redis: BullMQ hands each
// job to one worker at a time, and every job checks the database before it acts.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CarelogDeps } from '../deps.js';
import type { Logger } from '../logger.js';
import type { JobDefinition } from './job.js';

export const QUEUE_NAME = 'carelog';

export function createQueue(connection: Redis, prefix: string, logger: Logger): Queue {
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  queue.on('error', (err) => logger.warn({ err: { name: err.name } }, 'queue error'));
  return queue;
}

export interface WorkerHandle {
  worker: Worker;
  close(): Promise<void>;
}

export async function startWorkers(opts: { queue: Queue; connection: Redis; jobs: JobDefinition[]; deps: CarelogDeps; concurrency?: number }): Promise<WorkerHandle> {
  const { queue, connection, jobs, deps } = opts;
  const byName = new Map(jobs.map((j) => [j.name, j]));
  // Repeating jobs: upsertJobScheduler is idempotent, so every process may (re)declare them.
  for (const j of jobs) {
    if (j.schedule) await queue.upsertJobScheduler(j.name, { every: j.schedule.everyMs }, { name: j.name, data: {} });
  }
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const def = byName.get(job.name);
      if (!def) throw new UnrecoverableError(`no job named ${job.name}`);
      const data = def.payload.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`job ${job.name} has an invalid payload`);
      await def.run(data.data, deps);
    },
    // queue.opts.prefix: workers must use the queue's own key prefix.
    { connection, prefix: queue.opts.prefix, concurrency: opts.concurrency ?? 16 },
  );
  // Without an error listener a lost connection would crash the process.
  worker.on('error', (err) => deps.logger.warn({ err: { name: err.name } }, 'worker error'));
  worker.on('failed', (job, err) =>
    deps.logger.warn({ jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: { name: err.name } }, 'job failed'),
  );
  return { worker, close: () => worker.close() };
}
