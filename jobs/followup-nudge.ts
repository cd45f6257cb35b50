// A follow-up reminder coming due: DM the assignee (and, when overdue, the supervisors), or tell the
// supervisors that a follow-up closed as unreachable after its tries. The
// reminders a worker holds at the same moment are sent together (one claim, one record for all).
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { defineJob } from '../src/queue/job.js';
import { NUDGE_JOB, REMINDER_STAGES, type ReminderJobData } from '../src/queue/reminders.js';
import { sendReminders, type ReminderResult } from '../src/services/nudges.js';

/** Nobody to tell: no assignee and no supervisor on the roster. Retrying cannot help. */
function outcome(result: ReminderResult | Error): Error | null {
  if (result instanceof Error) return result;
  if (result.deliveries.length === 0 && !result.stale) {
    return new UnrecoverableError('follow-up has no assignee and the program no supervisor or admin');
  }
  return null;
}

export const followUpNudge = defineJob({
  name: NUDGE_JOB,
  payload: z.object({ followUpId: z.uuid(), version: z.number().int().positive(), stage: z.enum(REMINDER_STAGES) }),
  async run(data, deps) {
    const [result] = await sendReminders(deps, [data]);
    const err = outcome(result!);
    if (err) throw err;
  },
  batch: {
    maxSize: 100,
    maxWaitMs: 5,
    async runMany(data: ReminderJobData[], deps) {
      return (await sendReminders(deps, data)).map(outcome);
    },
  },
});
