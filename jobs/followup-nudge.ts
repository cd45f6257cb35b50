// A follow-up reminder coming due: DM the assignee (and, when overdue, the supervisors).
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { defineJob } from '../src/queue/job.js';
import { NUDGE_JOB } from '../src/queue/reminders.js';
import { sendReminder } from '../src/services/nudges.js';

export const followUpNudge = defineJob({
  name: NUDGE_JOB,
  payload: z.object({ followUpId: z.uuid(), version: z.number().int().positive(), stage: z.enum(['due', 'overdue']) }),
  async run(data, deps) {
    const result = await sendReminder(deps, data);
    if (result.deliveries.length === 0 && !result.stale) {
      // Nobody to tell: no assignee and no supervisor on the roster. Retrying cannot help.
      throw new UnrecoverableError('follow-up has no assignee and the program no supervisor or admin');
    }
  },
});
