// A worker killed with SIGKILL mid-batch. 300 follow-ups fall due at once for one case manager; a
// worker process (the only one running) takes 200 of them, the most it holds, and sends them in
// batches. Slack answers the first sends and then holds its replies: it has the messages, the
// worker never hears back. The worker is killed there. A surviving worker finds the dead one's jobs
// stalled, takes them over once the claims' lease ends, looks in each DM's history for what Slack
// already took, and sends the rest: every follow-up gets exactly one DM.
import { Writable } from 'node:stream';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCarelog } from '../../src/carelog.js';
import { fromLocal } from '../../src/domain/time.js';
import { createLogger } from '../../src/logger.js';
import { Redis } from '../../src/queue/redis.js';
import { QUEUE_NAME } from '../../src/queue/workers.js';
import { importContacts } from '../../src/services/csv-import.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, nudgeDms, nudgePosts, settableClock, waitUntil } from '../support/followups.js';
import { reportFigure, stopwatch } from '../support/faults.js';
import { startChildWorker } from '../support/spawn-worker.js';

const NY = 'America/New_York';
const YAML = FOLLOWUP_YAML();
const FOLLOW_UPS = 300;
/** Nudges Slack answers before it starts holding its replies. */
const ANSWERED_FIRST = 40;
/**
 * The worker is killed once this many sends wait for Slack's reply (fewer than the 64 connections
 * its Web API client keeps to Slack: the sends behind them wait for a connection, unsent).
 */
const HELD_AT_KILL = 50;
const TIMING = { lockDurationMs: 2_000, stalledIntervalMs: 1_000 };
const CLAIM_LEASE_MS = 3_000;
// Tue 24 Nov 2026: contacts at 08:00, follow-ups due that day; the worker starts at 10:00.
const DAY = '2026-11-24';
const clock = settableClock(fromLocal(DAY, '10:00', NY));

const cleanups: (() => unknown)[] = [];
let h: Harness;
beforeAll(async () => {
  // Only the worker process and, after it, the survivor run workers.
  h = await startHarness({ now: clock.now, yaml: YAML, env: { CARELOG_WORKERS: 'false' } });
  cleanups.push(() => h.stop());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function followUpCsv(): string {
  const lines = ['client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes'];
  for (let i = 1; i <= FOLLOW_UPS; i++)
    lines.push(
      `PIC-${i},${DAY}T08:00,call_for_service,crisis_services,,resolved_on_scene,male,25-59,${DAY},kill test note ${i}`,
    );
  return lines.join('\n');
}

const nudgeIdOf = (metadata: unknown) =>
  (metadata as { event_payload?: { nudge_id?: string } } | undefined)?.event_payload?.nudge_id;

describe('a worker killed with SIGKILL mid-batch', () => {
  it('no nudge lost, none doubled; the stalled jobs are recovered', async () => {
    const elapsed = stopwatch();
    const deps = h.carelog.deps;
    const prisma = deps.db.prisma;
    const imported = await importContacts(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory },
      { program: deps.directory.program('wilmington')!, csv: followUpCsv(), now: clock.now() },
    );
    expect(imported).toMatchObject({ ok: true, summary: { followUpsCreated: FOLLOW_UPS } });

    // Slack answers the first nudges, then takes the messages and holds its replies.
    const held: (() => void)[] = [];
    cleanups.push(() => held.forEach((release) => release()));
    let answered = 0;
    let holding = true;
    h.slack.respond('chat.postMessage', (call) => {
      if (!holding || !nudgeIdOf(call.args.metadata)) return undefined;
      if (answered < ANSWERED_FIRST) {
        answered++;
        return undefined;
      }
      return new Promise((resolve) => held.push(() => resolve(undefined)));
    });

    // The worker process: its reconciler queues the 300 reminders at start, all due already.
    const sinceStart = stopwatch();
    const worker = await startChildWorker(h, {
      yaml: YAML,
      clockOffsetMs: clock.now().getTime() - Date.now(),
      timing: TIMING,
      claimLeaseMs: CLAIM_LEASE_MS,
    });
    cleanups.push(() => worker.kill());
    const childReadyMs = sinceStart();
    await waitUntil(() => held.length >= HELD_AT_KILL, 60_000, `${HELD_AT_KILL} sends waiting on Slack`);
    const killAtMs = sinceStart();
    const activeAtKill = (await h.carelog.queue.getActive()).map((j) => j.id!);
    expect(await worker.kill()).toBe('SIGKILL');
    // Slack keeps what it took; the replies go nowhere.
    holding = false;
    held.splice(0).forEach((release) => release());
    const killedAt = {
      claimed: await prisma.nudge.count({ where: { kind: 'due' } }),
      recorded: await prisma.nudge.count({ where: { kind: 'due', sentAt: { not: null } } }),
      postsReachedSlack: nudgePosts(h).length,
      jobsActive: activeAtKill.length,
      jobsWaiting: (await h.carelog.queue.getWaiting()).length,
    };
    expect(killedAt.claimed).toBeGreaterThan(killedAt.recorded);
    expect(killedAt.jobsActive).toBeGreaterThan(0);

    // The survivor, with a listener for the stalled jobs it takes over.
    const eventsConnection = new Redis(deps.config.env.REDIS_URL, { maxRetriesPerRequest: null });
    const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix: h.carelog.queue.opts.prefix! });
    cleanups.push(async () => {
      await events.close();
      eventsConnection.disconnect();
    });
    await events.waitUntilReady();
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    const survivor = await startCarelog({
      config: deps.config,
      logger: createLogger('info', new Writable({ write: (_c, _e, cb) => cb() })),
      queuePrefix: h.carelog.queue.opts.prefix!,
      now: clock.now,
      mode: 'worker',
      workerTiming: TIMING,
      nudgeClaimLeaseMs: CLAIM_LEASE_MS,
    });
    cleanups.push(() => survivor.stop());
    const recovery = stopwatch();
    await waitUntil(
      async () => (await prisma.nudge.count({ where: { kind: 'due', sentAt: { not: null } } })) >= FOLLOW_UPS,
      120_000,
      'every due nudge recorded',
    );
    await waitUntil(
      async () => {
        const c = await h.carelog.queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
        // What stays delayed is the next stage (overdue, days away): no due job is left.
        const dueLeft = (await h.carelog.queue.getDelayed()).filter((j) => j.id?.endsWith('.due')).length;
        return c.wait! + c.active! + (c.prioritized ?? 0) === 0 && dueLeft === 0;
      },
      120_000,
      'the queue settled',
    );
    const recoveredMs = recovery();
    await new Promise((r) => setTimeout(r, 1_000));

    // Slack's view: the messages it holds, by nudge id (one per follow-up).
    const rows = await prisma.nudge.findMany({
      where: { kind: 'due' },
      select: { id: true, followUpId: true, messageTs: true },
    });
    const messages = h.slack.messages.filter((m) => nudgeIdOf(m.metadata));
    const perNudge = new Map<string, number>();
    for (const m of messages) perNudge.set(nudgeIdOf(m.metadata)!, (perNudge.get(nudgeIdOf(m.metadata)!) ?? 0) + 1);
    const doubled =
      [...perNudge.values()].reduce((n, c) => n + c - 1, 0) +
      (rows.length - new Set(rows.map((r) => r.followUpId)).size);
    const followUps = await prisma.followUp.findMany({ select: { id: true } });
    const lost = followUps.filter((f) => !rows.some((r) => r.followUpId === f.id && perNudge.has(r.id))).length;
    // Every job the dead worker held ended: none is failed or still waiting.
    const failed = await h.carelog.queue.getFailed();
    const notRecovered = activeAtKill.filter((id) => failed.some((j) => j.id === id)).length;
    const tsMatches = rows.filter((r) =>
      messages.some((m) => nudgeIdOf(m.metadata) === r.id && m.ts === r.messageTs),
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
      case: 'worker SIGKILLed mid-batch',
      figure: lost + doubled + notRecovered,
      unit: 'lost or doubled nudges, unrecovered jobs',
      goal: '0',
      ok: lost + doubled + notRecovered === 0,
      of: { count: FOLLOW_UPS, unit: 'follow-ups due at once' },
      durationMs: elapsed(),
      details: {
        ...Object.fromEntries(Object.entries(killedAt).map(([k, v]) => [`atKill.${k}`, v])),
        childReadyMs,
        killAtMs,
        stalledJobsSeen: stalled.size,
        recoveredInMs: recoveredMs,
        historyLookups: h.slack.callsTo('conversations.history').length,
        dmsSent: nudgeDms(h).length,
        nudgesNotAuditedOnce: auditedNotOnce,
        nudgeAuditRows: auditRows.length,
      },
    });

    expect(lost).toBe(0);
    expect(auditedNotOnce).toBe(0);
    expect(auditRows).toHaveLength(FOLLOW_UPS);
    expect(doubled).toBe(0);
    expect(messages).toHaveLength(FOLLOW_UPS);
    // Each row records the message Slack holds for it (found in the history, or sent afresh).
    expect(tsMatches).toBe(FOLLOW_UPS);
    expect(notRecovered).toBe(0);
    expect(failed).toEqual([]);
    // The jobs the dead worker held were found stalled and taken over.
    expect([...stalled].filter((id) => activeAtKill.includes(id)).length).toBeGreaterThan(0);
    expect(h.slack.callsTo('conversations.history').length).toBeGreaterThan(0);
  });
});
