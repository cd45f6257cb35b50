// Redis loses everything, with 1,000 pending follow-ups: a FLUSHALL and a restart without
// persistence (SIGKILL, a new empty server on the same port) of a private redis-server this file
// starts, first while the reminders wait, then while they fire. Nobody calls the reconciler: the
// running workers notice their schedules are gone, declare them again, and the reconciler rebuilds
// every reminder from Postgres under the same id and for the same moment. Every follow-up then gets
// exactly one due nudge: none lost, none doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLocal } from '../../src/domain/time.js';
import { Redis } from '../../src/queue/redis.js';
import { parseReminderJobId, reminderJobId } from '../../src/queue/reminders.js';
import { importContacts } from '../../src/services/csv-import.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, nudgeDms, settableClock, waitUntil } from '../support/followups.js';
import { reportFigure, stopwatch } from '../support/faults.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis.js';

const NY = 'America/New_York';
const FOLLOW_UPS = 1_000;
// Mon 23 Nov 2026: contacts at 07:30, follow-ups due that day at 09:00 (the nudge hour).
const DAY = '2026-11-23';
const DUE = fromLocal(DAY, '09:00', NY);
const clock = settableClock(fromLocal(DAY, '08:00', NY));

let redis: PrivateRedis;
let h: Harness;
let admin: Redis;
beforeAll(async () => {
  redis = await startPrivateRedis();
  h = await startHarness({
    now: clock.now,
    yaml: FOLLOWUP_YAML(),
    env: { REDIS_URL: redis.url },
    workerTiming: { schedulerCheckMs: 300 },
  });
  admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
});
afterAll(async () => {
  admin?.disconnect();
  await h?.stop();
  await redis?.stop();
});

function followUpCsv(): string {
  const lines = ['client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes'];
  for (let i = 1; i <= FOLLOW_UPS; i++)
    lines.push(
      `PIC-${i},${DAY}T07:30,call_for_service,crisis_services,,resolved_on_scene,female,25-59,${DAY},redis loss note ${i}`,
    );
  return lines.join('\n');
}

/** Reminder jobs in Redis with the moment each is due (BullMQ: timestamp + delay). */
async function queuedReminders(): Promise<Map<string, number>> {
  const ids = await h.carelog.deps.reminders.queuedIds();
  const out = new Map<string, number>();
  for (const id of ids) {
    const job = await h.carelog.queue.getJob(id);
    if (job) out.set(id, job.timestamp + (job.delay ?? 0));
  }
  return out;
}

describe('Redis lost with 1,000 pending follow-ups', () => {
  it('FLUSHALL and a restart without persistence, waiting and firing: every reminder rebuilt, each nudge sent once', async () => {
    const elapsed = stopwatch();
    const deps = h.carelog.deps;
    const prisma = deps.db.prisma;
    const imported = await importContacts(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory },
      { program: deps.directory.program('wilmington')!, csv: followUpCsv(), now: clock.now() },
    );
    expect(imported).toMatchObject({ ok: true, summary: { followUpsCreated: FOLLOW_UPS } });
    // The import's reminders are queued by the server's reconciler (every five minutes, or now).
    expect(await reconcileReminders(deps)).toMatchObject({ pending: FOLLOW_UPS, added: FOLLOW_UPS });
    const followUps = await prisma.followUp.findMany({ select: { id: true } });
    const expected = followUps.map((f) => reminderJobId({ followUpId: f.id, version: 1, stage: 'due' })).sort();
    const before = await queuedReminders();
    expect([...before.keys()].sort()).toEqual(expected);

    const losses: Record<string, number> = {};
    /** Loses Redis's contents one way, then waits for the workers and the reconciler to put them back. */
    const loseAndRebuild = async (how: 'flushall' | 'restart', label: string) => {
      const lost = stopwatch();
      if (how === 'flushall') await admin.flushall();
      else await redis.restart();
      await waitUntil(
        async () => (await deps.reminders.queuedIds().catch(() => [])).length >= FOLLOW_UPS,
        60_000,
        `reminders rebuilt after ${label}`,
      );
      losses[label] = lost();
    };

    // 1. While they wait (due in an hour): the same ids, due at the same moments.
    for (const how of ['flushall', 'restart'] as const) {
      await loseAndRebuild(how, `${how} while waiting`);
      const rebuilt = await queuedReminders();
      expect([...rebuilt.keys()].sort()).toEqual(expected);
      for (const [id, at] of rebuilt) expect(Math.abs(at - before.get(id)!), id).toBeLessThan(60_000);
      for (const at of rebuilt.values())
        expect(Math.abs(at - (DUE.getTime() - clock.now().getTime() + Date.now()))).toBeLessThan(60_000);
    }

    // 2. While they fire: the clock moves to just before 09:00, Redis is flushed (the rebuild now
    // queues them a few seconds out), and restarted once a third of the nudges went out.
    clock.set(new Date(DUE.getTime() - 8_000));
    await loseAndRebuild('flushall', 'flushall before firing');
    const firing = stopwatch();
    await waitUntil(() => nudgeDms(h).length >= FOLLOW_UPS / 3, 90_000, 'a third of the nudges sent');
    const sentAtRestart = nudgeDms(h).length;
    await redis.restart();
    const restartedWith = nudgeDms(h).length;
    await waitUntil(
      async () => (await prisma.nudge.count({ where: { kind: 'due', sentAt: { not: null } } })) >= FOLLOW_UPS,
      120_000,
      'every due nudge recorded',
    );
    losses['restart while firing'] = firing();
    // Give a doubled send the chance to show itself: due jobs put back by the rebuild while their
    // nudge was in flight back off and retry; run those retries now rather than in 5–40 s.
    const settled = () =>
      waitUntil(
        async () => {
          const c = await h.carelog.queue.getJobCounts('wait', 'active', 'prioritized');
          return c.wait! + c.active! + (c.prioritized ?? 0) === 0;
        },
        60_000,
        'the queue settled',
      );
    let retried = 0;
    for (let round = 0; round < 5; round++) {
      await settled();
      const retries = (await h.carelog.queue.getDelayed()).filter(
        (j) => parseReminderJobId(j.id ?? '')?.stage === 'due',
      );
      if (!retries.length) break;
      retried += retries.length;
      await Promise.all(retries.map((j) => j.promote().catch(() => undefined)));
    }
    await settled();
    const retriesPending = (await h.carelog.queue.getDelayed()).filter(
      (j) => parseReminderJobId(j.id ?? '')?.stage === 'due',
    ).length;
    await new Promise((r) => setTimeout(r, 1_000));

    const dms = nudgeDms(h);
    const nudgeIds = dms.map(
      (c) => (c.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id,
    );
    const rows = await prisma.nudge.findMany({
      where: { kind: 'due' },
      select: { id: true, followUpId: true, sentAt: true },
    });
    const nudged = new Set(rows.filter((r) => r.sentAt).map((r) => r.followUpId));
    const lost = followUps.filter((f) => !nudged.has(f.id)).length;
    const doubled =
      nudgeIds.length - new Set(nudgeIds).size + (rows.length - new Set(rows.map((r) => r.followUpId)).size);
    // The next stage of each: the workers queued it, or the reconciler's next pass does (every 5 min).
    const overdueQueued = (await deps.reminders.queuedIds()).filter(
      (id) => parseReminderJobId(id)?.stage === 'overdue',
    ).length;
    const reconciled = await reconcileReminders(deps);
    const overdueAfterPass = (await deps.reminders.queuedIds()).filter(
      (id) => parseReminderJobId(id)?.stage === 'overdue',
    ).length;
    // Each message sent is audited once, naming its client, however the sending was interrupted.
    const auditRows = await prisma.auditEvent.findMany({
      where: { action: 'followup.nudge' },
      select: { clientIds: true },
    });
    const auditsPerClient = new Map<string, number>();
    for (const id of auditRows.flatMap((a) => a.clientIds)) auditsPerClient.set(id, (auditsPerClient.get(id) ?? 0) + 1);
    const dueClients = await prisma.followUp.findMany({ select: { clientId: true } });
    const auditedNotOnce = dueClients.filter((f) => auditsPerClient.get(f.clientId) !== 1).length;
    reportFigure({
      case: 'Redis flushed and restarted, 1,000 follow-ups',
      figure: lost + doubled,
      unit: 'lost or doubled nudges',
      goal: '0',
      ok: lost + doubled === 0 && dms.length === FOLLOW_UPS,
      of: { count: FOLLOW_UPS, unit: 'pending follow-ups' },
      durationMs: elapsed(),
      details: {
        ...Object.fromEntries(Object.entries(losses).map(([k, v]) => [`${k} (ms)`, v])),
        nudgesSentBeforeRestart: sentAtRestart,
        nudgesSentAtRestart: restartedWith,
        dueJobsRetried: retried,
        dueRetriesStillDelayed: retriesPending,
        overdueQueuedByWorkers: overdueQueued,
        overdueAddedByNextReconcile: reconciled.added,
        nudgesNotAuditedOnce: auditedNotOnce,
        nudgeAuditRows: auditRows.length,
      },
    });

    expect(sentAtRestart).toBeLessThan(FOLLOW_UPS);
    expect(retriesPending).toBe(0);
    expect(lost).toBe(0);
    expect(auditedNotOnce).toBe(0);
    expect(auditRows).toHaveLength(FOLLOW_UPS);
    expect(doubled).toBe(0);
    expect(dms).toHaveLength(FOLLOW_UPS);
    expect(new Set(nudgeIds)).toEqual(new Set(rows.map((r) => r.id)));
    expect(overdueAfterPass).toBe(FOLLOW_UPS);
    expect(reconciled.pending).toBe(FOLLOW_UPS);
  });
});
