// A job is a definition and a run: name, zod payload, optional schedule, and the work itself.
import type { z } from 'zod';
import type { CarelogDeps } from '../deps.js';

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  /** Repeating jobs: a cron pattern, evaluated in each program's time zone by the scheduler. */
  schedule?: { pattern: string };
  run(data: z.infer<S>, deps: CarelogDeps): Promise<void>;
}
