// The reconciler: every pending follow-up has exactly the reminder job it needs, and every
// reminder job belongs to a pending follow-up. Runs at start and every few minutes, so after Redis
// loses everything (a restart without persistence, FLUSHALL) every reminder comes back by itself.
import type { CarelogDeps } from '../deps.js';
import { reminderJobId, type DesiredReminder, type TStage } from '../queue/reminders.js';
import { nextReminder, SETTLED_NUDGE } from './followups.js';

export interface ReconcileResult {
  pending: number;
  added: number;
  removed: number;
}

export async function reconcileReminders(deps: CarelogDeps): Promise<ReconcileResult> {
  const rows = await deps.db.prisma.followUp.findMany({
    where: { status: 'pending' },
    select: { id: true, programId: true, version: true, dueAt: true, status: true, nudges: { where: SETTLED_NUDGE, select: { kind: true, version: true } } },
  });
  const desired = new Map<string, ReturnType<typeof nextReminder>>();
  for (const f of rows) {
    const program = deps.directory.program(f.programId);
    if (!program) continue;
    const settled = new Set(f.nudges.filter((n) => n.version === f.version && n.kind !== 'escalation').map((n) => n.kind as TStage));
    const next = nextReminder(f, settled, program);
    if (next) desired.set(reminderJobId(next), next);
  }
  const queued = new Set(await deps.reminders.queuedIds());
  const failed = new Set(await deps.reminders.failedIds());
  let added = 0;
  let removed = 0;
  const missing: DesiredReminder[] = [];
  for (const [id, r] of desired) {
    if (queued.has(id) || !r) continue;
    if (failed.has(id)) {
      // It ran out of attempts (Slack down for half an hour, say) but the follow-up still needs it;
      // a plain add would be ignored, since the failed job keeps its id.
      await deps.reminders.retry(id);
      added++;
      continue;
    }
    // Same id as a job already running: BullMQ ignores the add, which is what we want.
    missing.push(r);
  }
  await deps.reminders.scheduleMany(missing, deps.now);
  added += missing.length;
  for (const id of queued) {
    if (desired.has(id)) continue;
    await deps.reminders.remove(id);
    removed++;
  }
  return { pending: rows.length, added, removed };
}
