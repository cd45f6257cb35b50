// Reminders survive what Redis and workers go through: a FLUSHALL (on a private redis-server this
// file starts; never the shared one), two workers on one queue, and a worker killed mid-send.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startCarelog, type RunningCarelog } from '../../src/carelog.js';
import { createLogger } from '../../src/logger.js';
import { Redis } from '../../src/queue/redis.js';
import { NUDGE_JOB, reminderJobId } from '../../src/queue/reminders.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  FOLLOWUP_YAML,
  logContact,
  NEW_CLIENT,
  nudgeDms,
  nudgePosts,
  settableClock,
  waitUntil,
} from '../support/followups.js';
import { startPrivateRedis } from '../support/redis.js';
import { startChildWorker } from '../support/spawn-worker.js';

const YAML = FOLLOWUP_YAML();
// Mon 23 Nov 2026, 10:00 New York.
const MONDAY = new Date('2026-11-23T15:00:00Z');
// Tue 24 Nov 2026, 09:00 New York.
const TUESDAY_DUE = new Date('2026-11-24T14:00:00Z');

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A private redis-server with no persistence, stopped at the end of the file. */
async function privateRedis(): Promise<{ url: string }> {
  const redis = await startPrivateRedis();
  cleanups.push(() => redis.stop());
  return redis;
}

async function started(h: Promise<Harness>): Promise<Harness> {
  const harness = await h;
  cleanups.push(() => harness.stop());
  return harness;
}

/** Another carelog process's workers, in this process: same database, Redis and queue prefix. */
async function secondWorker(
  h: Harness,
  now: () => Date,
  timing?: { lockDurationMs: number; stalledIntervalMs: number },
): Promise<RunningCarelog> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const worker = await startCarelog({
    config: h.carelog.deps.config,
    logger: createLogger('info', sink),
    queuePrefix: h.carelog.queue.opts.prefix!,
    now,
    mode: 'worker',
    ...(timing ? { workerTiming: timing } : {}),
  });
  cleanups.push(() => worker.stop());
  return worker;
}

async function logFollowUp(h: Harness, date: string, contactTime = '09:00') {
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    contact_date: '2026-11-23',
    contact_time: contactTime,
    follow_up_date: date,
    follow_up_assignee: 'U0CASE1',
  });
  return h.carelog.deps.db.prisma.followUp.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
}

describe('losing Redis', () => {
  it('after FLUSHALL the reconciler puts every reminder back under the same id and removes strays', async () => {
    const redis = await privateRedis();
    const clock = settableClock(MONDAY);
    const h = await started(startHarness({ now: clock.now, yaml: YAML, env: { REDIS_URL: redis.url } }));
    const later = [
      await logFollowUp(h, '2026-11-30'),
      await logFollowUp(h, '2026-12-01'),
      await logFollowUp(h, '2026-11-24'),
    ];
    // One due today: its nudge goes out now, and its overdue reminder is what it needs next.
    const today = await logFollowUp(h, '2026-11-23');
    await waitUntil(
      () => h.carelog.deps.db.prisma.nudge.findFirst({ where: { followUpId: today.id, sentAt: { not: null } } }),
      8_000,
      'today’s nudge',
    );
    const expected = [
      ...later.map((f) => reminderJobId({ followUpId: f.id, version: 1, stage: 'due' })),
      reminderJobId({ followUpId: today.id, version: 1, stage: 'overdue' }),
    ].sort();
    await waitUntil(
      async () => (await h.carelog.deps.reminders.queuedIds()).length === 4,
      5_000,
      'four queued reminders',
    );
    expect((await h.carelog.deps.reminders.queuedIds()).sort()).toEqual(expected);
    const before = new Map<string, number>();
    for (const id of expected)
      before.set(id, (await h.carelog.queue.getJob(id))!.timestamp + (await h.carelog.queue.getJob(id))!.delay);

    const admin = new Redis(redis.url);
    cleanups.push(() => admin.quit());
    await admin.flushall();
    expect(await h.carelog.deps.reminders.queuedIds()).toEqual([]);
    const stray = reminderJobId({ followUpId: randomUUID(), version: 1, stage: 'due' });
    await h.carelog.queue.add(
      NUDGE_JOB,
      { followUpId: stray.split('.')[1], version: 1, stage: 'due' },
      { jobId: stray, delay: 3600_000 },
    );
    expect(await h.carelog.deps.reminders.queuedIds()).toEqual([stray]);

    const result = await reconcileReminders(h.carelog.deps);
    expect(result).toEqual({ pending: 4, added: 4, removed: 1 });
    expect((await h.carelog.deps.reminders.queuedIds()).sort()).toEqual(expected);
    expect(await h.carelog.queue.getJob(stray)).toBeUndefined();
    for (const id of expected) {
      const job = (await h.carelog.queue.getJob(id))!;
      expect(await job.getState()).toBe('delayed');
      // Due at the same moment as before, give or take the time the test took.
      expect(Math.abs(job.timestamp + job.delay - before.get(id)!)).toBeLessThan(10_000);
    }
    // A second pass finds nothing to do.
    expect(await reconcileReminders(h.carelog.deps)).toEqual({ pending: 4, added: 0, removed: 0 });
  });

  it('after FLUSHALL with nobody calling it, the running workers declare the reconciler again and it rebuilds the reminders', async () => {
    const redis = await privateRedis();
    const clock = settableClock(MONDAY);
    const h = await started(
      startHarness({
        now: clock.now,
        yaml: YAML,
        env: { REDIS_URL: redis.url },
        workerTiming: { schedulerCheckMs: 300 },
      }),
    );
    const f = await logFollowUp(h, '2026-11-30');
    const id = reminderJobId({ followUpId: f.id, version: 1, stage: 'due' });
    expect(await h.carelog.deps.reminders.queuedIds()).toEqual([id]);
    expect(await h.carelog.queue.getJobScheduler('reminders.reconcile')).toBeTruthy();
    const admin = new Redis(redis.url);
    cleanups.push(() => admin.quit());
    await admin.flushall();
    expect(await h.carelog.queue.getJobScheduler('reminders.reconcile')).toBeFalsy();
    await waitUntil(
      async () => (await h.carelog.deps.reminders.queuedIds()).includes(id),
      8_000,
      'the reminder back in Redis',
    );
    expect(await h.carelog.queue.getJobScheduler('reminders.reconcile')).toBeTruthy();
  });
});

describe('several workers', () => {
  it('two processes’ workers on one queue send each nudge exactly once', async () => {
    // Due 15 s from now: long enough for eight saves on a loaded machine to come before it (the
    // reminders are queued with that delay, so the clock cannot simply be moved on afterwards).
    const clock = settableClock(new Date(TUESDAY_DUE.getTime() - 15_000));
    const h = await started(startHarness({ now: clock.now, yaml: YAML }));
    const second = await secondWorker(h, clock.now);
    expect(second.workers).not.toBeNull();
    const ids: string[] = [];
    // Eight follow-ups for 09:00 today, all due at the same real moment, seconds from now.
    for (let i = 0; i < 8; i++) ids.push((await logFollowUp(h, '2026-11-24')).id);
    expect(clock.now().getTime()).toBeLessThan(TUESDAY_DUE.getTime());
    const prisma = h.carelog.deps.db.prisma;
    await waitUntil(
      async () => (await prisma.nudge.count({ where: { followUpId: { in: ids }, sentAt: { not: null } } })) === 8,
      40_000,
      'eight nudges',
    );
    // Give a doubled send the chance to show itself.
    await new Promise((r) => setTimeout(r, 1_000));
    const rows = await prisma.nudge.findMany({ where: { followUpId: { in: ids } } });
    expect(rows).toHaveLength(8);
    const dms = nudgeDms(h, 'DU0CASE1');
    expect(dms).toHaveLength(8);
    expect(
      new Set(dms.map((c) => (c.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id)),
    ).toEqual(new Set(rows.map((r) => r.id)));
    // Each message audited once, naming its client.
    const clients = (await prisma.followUp.findMany({ where: { id: { in: ids } }, select: { clientId: true } })).map(
      (f) => f.clientId,
    );
    const audited = await prisma.auditEvent.findMany({
      where: { action: 'followup.nudge' },
      select: { clientIds: true },
    });
    expect(audited.flatMap((a) => a.clientIds).sort()).toEqual([...clients].sort());
  });

  const TIMING = { lockDurationMs: 2_000, stalledIntervalMs: 1_000 };

  /** A worker in a child process (node --import tsx), ready to take jobs. */
  async function startWorkerProcess(h: Harness, clock: { now: () => Date }) {
    const worker = await startChildWorker(h, {
      yaml: YAML,
      clockOffsetMs: clock.now().getTime() - Date.now(),
      timing: TIMING,
    });
    cleanups.push(() => worker.kill());
    return worker;
  }

  /**
   * Starts carelog without workers and a worker child; holds Slack's answer to `hangMethod` for
   * the nudge so the child is killed mid-send; then starts a surviving worker. Slack's history
   * holds whatever nudges it was sent, with their metadata, as it would.
   */
  async function killMidSend(hangMethod: 'chat.postMessage' | 'conversations.open') {
    const clock = settableClock(new Date(TUESDAY_DUE.getTime() + 3600_000));
    // Only the killed child and, later, the survivor run workers.
    const h = await started(startHarness({ now: clock.now, yaml: YAML, env: { CARELOG_WORKERS: 'false' } }));
    const { child, exited } = await startWorkerProcess(h, clock);
    const held: (() => void)[] = [];
    cleanups.push(() => held.forEach((release) => release()));
    let holding = true;
    const hold = () => new Promise<undefined>((resolve) => held.push(() => resolve(undefined)));
    if (hangMethod === 'chat.postMessage') {
      h.slack.respond('chat.postMessage', (call) =>
        holding && (call.args.metadata as { event_type?: string } | undefined)?.event_type === 'carelog_nudge'
          ? hold()
          : undefined,
      );
    } else {
      h.slack.respond('conversations.open', (call) => (holding && call.args.users === 'U0CASE1' ? hold() : undefined));
    }
    h.slack.respond('conversations.history', (call) => ({
      body: {
        ok: true,
        messages: nudgePosts(h, String(call.args.channel)).map((c, i) => ({
          type: 'message',
          ts: `1795000000.00${i}`,
          text: c.args.text,
          metadata: c.args.metadata,
        })),
      },
    }));

    const calls = h.slack.calls.length;
    const f = await logFollowUp(h, '2026-11-24');
    await waitUntil(() => held.length > 0, 15_000, `the child's ${hangMethod} reaching Slack`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    holding = false;
    const claim = await h.carelog.deps.db.prisma.nudge.findFirstOrThrow({ where: { followUpId: f.id } });
    expect(claim.sentAt).toBeNull();
    const sentByChild = nudgePosts(h).filter((c) => h.slack.calls.indexOf(c) >= calls);

    const survivor = await secondWorker(h, clock.now, TIMING);
    expect(survivor.workers).not.toBeNull();
    // The survivor finds the stalled job, waits out the dead worker's claim, then looks and acts.
    const row = await waitUntil(
      () => h.carelog.deps.db.prisma.nudge.findFirst({ where: { id: claim.id, sentAt: { not: null } } }),
      90_000,
      'the nudge recorded by the survivor',
    );
    return { h, f, claim, row, sentByChild };
  }

  it(
    'a worker killed after Slack took the message: the survivor finds it in the history and sends nothing',
    { timeout: 120_000 },
    async () => {
      const { h, f, claim, row, sentByChild } = await killMidSend('chat.postMessage');
      expect(sentByChild).toHaveLength(1);
      expect((sentByChild[0]!.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id).toBe(
        claim.id,
      );
      expect(row.messageTs).toBe('1795000000.000');
      expect(row.channel).toBe('DU0CASE1');
      expect(h.slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
      expect(nudgePosts(h, 'DU0CASE1')).toHaveLength(1);
      expect(await h.carelog.deps.db.prisma.nudge.count({ where: { followUpId: f.id } })).toBe(1);
      // The message the dead worker sent is audited once, by the survivor that recorded it.
      expect(
        await h.carelog.deps.db.prisma.auditEvent.findMany({
          where: { action: 'followup.nudge' },
          select: { clientIds: true },
        }),
      ).toEqual([{ clientIds: [f.clientId] }]);
    },
  );

  it(
    'a worker killed before the message reached Slack: the survivor sends it, once',
    { timeout: 120_000 },
    async () => {
      const { h, f, claim, row, sentByChild } = await killMidSend('conversations.open');
      expect(sentByChild).toHaveLength(0);
      const posts = nudgePosts(h, 'DU0CASE1');
      expect(posts).toHaveLength(1);
      expect((posts[0]!.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id).toBe(
        claim.id,
      );
      expect(row.messageTs).toMatch(/^\d+\.\d+$/);
      expect(row.messageTs).not.toBe('1795000000.000');
      expect(h.slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
      expect(await h.carelog.deps.db.prisma.nudge.count({ where: { followUpId: f.id } })).toBe(1);
      expect(
        await h.carelog.deps.db.prisma.auditEvent.findMany({
          where: { action: 'followup.nudge' },
          select: { clientIds: true },
        }),
      ).toEqual([{ clientIds: [f.clientId] }]);
    },
  );
});
