// A job is a definition and a run: name, zod payload, optional repeat, and the work itself.
import type { z } from 'zod';
import type { CarelogDeps } from '../deps.js';

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  /** Repeating jobs, declared with BullMQ's idempotent upsertJobScheduler at every start. */
  schedule?: { everyMs: number };
  run(data: z.infer<S>, deps: CarelogDeps): Promise<void>;
}

/** Declares a job with its payload type inferred from the schema. */
export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition {
  return def as unknown as JobDefinition;
}
