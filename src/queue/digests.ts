// Each program's digest schedules, as BullMQ job schedulers in the program's time zone. Every
// process declares them at start and at each schedule check (so they come back after Redis loses
// them); one already declared as wanted is left as it is; disabled ones are removed.
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

/**
 * Each scheduled digest job retries: a claim another replica still holds (DigestInFlightError), or
 * Slack or the database failing, must not lose a week's digest. 30 s, 1 min, 2 min, … (a little
 * over an hour in all), past the claim lease, so an abandoned claim is taken over.
 */
export const DIGEST_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 30_000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** JSON with sorted keys: Redis gives a scheduler's template back in its own key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Declares (or removes) each program's digest schedules. A scheduler already declared as wanted is
 * left alone: upserting it again would remove its current job if that job has come due and waits
 * for a busy worker, and put the next week's in its place, losing this week's digest. Every start
 * and every schedule check (src/queue/workers.ts) calls this, on every replica.
 */
export async function upsertDigestSchedules(queue: Queue, programs: ProgramConfig[]): Promise<void> {
  for (const p of programs) {
    const patterns = digestPatterns(p);
    for (const kind of ['week', 'quarter'] as const) {
      const id = digestSchedulerId(p.id, kind);
      const enabled =
        (kind === 'week' ? p.digest.weekly : p.digest.quarterly) && !!(p.slack.digestChannel || p.teams.digestChannel);
      const existing = await queue.getJobScheduler(id);
      if (!enabled) {
        if (existing) await queue.removeJobScheduler(id);
        continue;
      }
      const template = { name: DIGEST_JOB_NAME, data: { programId: p.id, kind }, opts: DIGEST_JOB_OPTIONS };
      const unchanged =
        existing?.pattern === patterns[kind] &&
        existing.tz === p.timezone &&
        existing.name === template.name &&
        stableJson(existing.template?.data) === stableJson(template.data) &&
        stableJson(existing.template?.opts) === stableJson(template.opts);
      if (!unchanged) await queue.upsertJobScheduler(id, { pattern: patterns[kind], tz: p.timezone }, template);
    }
  }
}
