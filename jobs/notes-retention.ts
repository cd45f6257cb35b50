// Once a day: clear the notes that each program's `retention.notesDays` no longer keeps
// (src/services/retention.ts). Programs without a retention setting are left alone.
import { z } from 'zod';
import { defineJob } from '../src/queue/job.js';
import { applyNotesRetention } from '../src/services/retention.js';

export const NOTES_RETENTION_JOB = 'notes.retention';
export const NOTES_RETENTION_EVERY_MS = 24 * 3600_000;

export const notesRetentionJob = defineJob({
  name: NOTES_RETENTION_JOB,
  payload: z.object({}).passthrough(),
  schedule: { everyMs: NOTES_RETENTION_EVERY_MS },
  async run(_data, deps) {
    const results = await applyNotesRetention(deps, deps.config.programs);
    for (const r of results) {
      deps.metrics.notesCleared(r.cleared);
      if (r.cleared)
        deps.logger.info(
          { programId: r.programId, notesDays: r.notesDays, cleared: r.cleared },
          'notes past their retention cleared',
        );
    }
  },
});
