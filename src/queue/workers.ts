// BullMQ queue and workers. Postgres is the truth; Redis is only the clock that says when to look.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CarelogDeps } from '../deps.js';
import type { JobDefinition } from './job.js';

export const QUEUE_NAME = 'carelog';

export interface QueueHandle {
  queue: Queue;
  worker: Worker | null;
  close(): Promise<void>;
}

export function startQueue(opts: {
  connection: Redis;
  prefix: string;
  jobs: JobDefinition[];
  deps: CarelogDeps;
  runWorkers: boolean;
}): QueueHandle {
  const { connection, prefix, jobs, deps } = opts;
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  queue.on('error', (err) => deps.logger.warn({ err: { name: err.name } }, 'queue error'));
  let worker: Worker | null = null;
  if (opts.runWorkers) {
    const byName = new Map(jobs.map((j) => [j.name, j]));
    worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        const def = byName.get(job.name);
        if (!def) throw new UnrecoverableError(`no job named ${job.name}`);
        const data = def.payload.safeParse(job.data);
        if (!data.success) throw new UnrecoverableError(`job ${job.name} has an invalid payload`);
        await def.run(data.data, deps);
      },
      { connection, prefix, concurrency: 8 },
    );
    // Without an error listener a lost connection would crash the process.
    worker.on('error', (err) => deps.logger.warn({ err: { name: err.name } }, 'worker error'));
    worker.on('failed', (job, err) => deps.logger.warn({ jobId: job?.id, job: job?.name, err: { name: err.name } }, 'job failed'));
  }
  return {
    queue,
    worker,
    close: async () => {
      await worker?.close();
      await queue.close();
    },
  };
}
