// A job is a definition and a run: name, zod payload, optional repeat, and the work itself.
import type { z } from 'zod';
import type { CarelogDeps } from '../deps.js';
import type { BatchOptions } from './batch.js';

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  /** Repeating jobs, declared with BullMQ's idempotent upsertJobScheduler at every start. */
  schedule?: { everyMs: number };
  run(data: z.infer<S>, deps: CarelogDeps): Promise<void>;
  /**
   * Jobs of this kind that a worker holds at the same moment are run together by `runMany`, which
   * answers each with null (done) or the Error that job fails with (BullMQ then retries it, or
   * gives up on an UnrecoverableError). `run` stays the one-job path.
   */
  batch?: BatchOptions & { runMany(data: z.infer<S>[], deps: CarelogDeps): Promise<(Error | null)[]> };
}

/** Declares a job with its payload type inferred from the schema. */
export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition {
  return def;
}
