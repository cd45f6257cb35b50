// The weekly and quarterly digests, on each program's schedule (declared in src/queue/digests.ts).
import { z } from 'zod';
import { lastCompletePeriod } from '../src/domain/periods.js';
import { defineJob } from '../src/queue/job.js';
import { digestPlatforms, isWeekday, postDigestOnce } from '../src/services/digest-posting.js';
import { DIGEST_JOB_NAME } from '../src/queue/digests.js';

export const postDigestJob = defineJob({
  name: DIGEST_JOB_NAME,
  payload: z.object({ programId: z.string(), kind: z.enum(['week', 'quarter']) }),
  async run(data, deps) {
    const program = deps.directory.program(data.programId);
    if (!program) return;
    const now = deps.now();
    // The quarterly schedule fires on days 1-3 of the quarter's first month; the first of those
    // that is a weekday posts, and the DigestRun row makes the others no-ops.
    if (data.kind === 'quarter' && !isWeekday(now, program.timezone)) return;
    const period = lastCompletePeriod(data.kind, now, program.timezone, program.startDate);
    // Each platform has its own DigestRun row: one platform's failure does not stop the other's post,
    // and the retry of the job posts only what is still missing.
    let failure: Error | undefined;
    for (const platform of digestPlatforms(program)) {
      await postDigestOnce(deps, program, period, { platform }).catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error('a digest post failed');
      });
    }
    if (failure) throw failure;
  },
});
