// Each program's digest schedules, as BullMQ job schedulers in the program's time zone. Upserting
// is idempotent, so every process declares them at start; disabled ones are removed.
import type { Queue } from 'bullmq';
import type { ProgramConfig } from '../config.js';

export const DIGEST_JOB_NAME = 'digest.post';

export function digestSchedulerId(programId: string, kind: 'week' | 'quarter'): string {
  return `digest:${programId}:${kind}`;
}

/** Cron patterns: Mondays at weeklyAt; days 1-3 of Jan, Apr, Jul and Oct at quarterlyAt. */
export function digestPatterns(program: ProgramConfig): { week: string; quarter: string } {
  const [wh, wm] = program.digest.weeklyAt.split(':').map(Number) as [number, number];
  const [qh, qm] = program.digest.quarterlyAt.split(':').map(Number) as [number, number];
  return { week: `${wm} ${wh} * * 1`, quarter: `${qm} ${qh} 1-3 1,4,7,10 *` };
}

export async function upsertDigestSchedules(queue: Queue, programs: ProgramConfig[]): Promise<void> {
  for (const p of programs) {
    const patterns = digestPatterns(p);
    for (const kind of ['week', 'quarter'] as const) {
      const id = digestSchedulerId(p.id, kind);
      const enabled = (kind === 'week' ? p.digest.weekly : p.digest.quarterly) && !!(p.slack.digestChannel || p.teams.digestChannel);
      if (enabled) {
        await queue.upsertJobScheduler(id, { pattern: patterns[kind], tz: p.timezone }, { name: DIGEST_JOB_NAME, data: { programId: p.id, kind } });
      } else {
        await queue.removeJobScheduler(id);
      }
    }
  }
}
