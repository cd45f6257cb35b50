// The reconciler: every pending follow-up has exactly the reminder job it needs, every follow-up
// closed as unreachable whose supervisors' notice is not yet settled has that notice's job, and
// every reminder job belongs to one of them. Runs at start and every few minutes, so after Redis
// loses everything (a restart without persistence, FLUSHALL) every reminder comes back by itself.
import type { CarelogDeps } from '../deps.js';
import { reconcileJobs } from '../queue/delayed-jobs.js';
import { reminderJobId, type DesiredReminder, type TStage } from '../queue/reminders.js';
import { nextReminder, unreachableNotice } from './followups.js';

export interface ReconcileResult {
  pending: number;
  added: number;
  removed: number;
}

export async function reconcileReminders(deps: CarelogDeps): Promise<ReconcileResult> {
  // One aggregate query (a nested relation read would pass every id as a parameter, and a
  // program with 100,000 pending follow-ups exceeds what Postgres accepts). Plain SQL, not the
  // ORM's raw query: this runs before carelog is ready, where each query shape the ORM compiles
  // is CPU time a start waits for. Times come as epoch milliseconds, the same from pg and
  // PGlite whatever the session's time zone.
  const found = await deps.db.sql.query<{
    id: string;
    programId: string;
    version: number;
    dueMs: number;
    status: string;
    settled: string[];
  }>(`
    SELECT f."id", f."programId", f."version", (extract(epoch FROM f."dueAt") * 1000)::float8 AS "dueMs",
           f."status"::text AS "status",
           COALESCE(array_agg(n."kind"::text) FILTER (WHERE n."id" IS NOT NULL), '{}') AS "settled"
    FROM "FollowUp" f
    LEFT JOIN "Nudge" n ON n."followUpId" = f."id" AND n."version" = f."version" AND n."kind" <> 'escalation'
                       AND (n."sentAt" IS NOT NULL OR n."error" IS NOT NULL)
    WHERE f."status" = 'pending'
    GROUP BY f."id"`);
  const rows = found.map(({ dueMs, ...f }) => ({ ...f, dueAt: new Date(dueMs) }));
  const desired = new Map<string, DesiredReminder>();
  for (const f of rows) {
    const program = deps.directory.program(f.programId);
    if (!program) continue;
    const next = nextReminder(f, new Set(f.settled as TStage[]), program);
    if (next) desired.set(reminderJobId(next), next);
  }
  // Notices still owed: none claimed yet, or a claim neither sent nor found undeliverable (every
  // recipient of a notice is claimed in the same statement, so no one can be left unclaimed).
  const owed = await deps.db.sql.query<{ id: string; version: number }>(`
    SELECT f."id", f."version" FROM "FollowUp" f
    WHERE f."status" = 'unreachable'
      AND (NOT EXISTS (SELECT 1 FROM "Nudge" n WHERE n."followUpId" = f."id" AND n."version" = f."version" AND n."kind" = 'unreachable')
           OR EXISTS (SELECT 1 FROM "Nudge" n WHERE n."followUpId" = f."id" AND n."version" = f."version" AND n."kind" = 'unreachable'
                        AND n."sentAt" IS NULL AND n."error" IS NULL))`);
  for (const f of owed) {
    const notice = unreachableNotice(f, deps.now());
    desired.set(reminderJobId(notice), notice);
  }
  const { added, removed } = await reconcileJobs(deps.reminders, desired, deps.now);
  return { pending: rows.length, added, removed };
}
