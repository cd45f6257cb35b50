// Redis down while a clinician saves a contact (docs/operations.md, "Scaling"): the contact is stored in
// Postgres and the form closes well inside Slack's three seconds; /healthz says Redis is down; when
// Redis is back the reminder is queued (from BullMQ's own queue of commands, or by the reconciler).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderJobId } from '../../src/queue/reminders.js';
import { QUEUE_WAIT_MS } from '../../src/services/followups.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { FOLLOWUP_YAML, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';
import { viewSubmission, type OpenedView } from '../support/slack-payloads.js';

const clock = settableClock(new Date('2026-11-24T15:00:00Z'));
let h: Harness;
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML(), env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await redis?.up().catch(() => undefined);
  // After Redis came back empty, BullMQ's graceful close can wait on its blocking connection for
  // good; what this file tests is done, so close the worker without waiting.
  await h?.carelog.workers?.worker.close(true);
  await h?.stop();
  await redis?.stop();
});

describe('Redis down', () => {
  it('still saves the contact and closes the form in time; the reminder is queued once Redis is back', async () => {
    const before = h.slack.calls.length;
    expect((await h.command('U0CLIN1', '')).status).toBe(200);
    const call = await h.slack.waitFor('views.open', before);
    const opened: OpenedView = { id: 'VREDISDOWN1', hash: 'h1', view: call.args.view as Record<string, unknown> };

    // The start-up jobs (reconcile, retention) done first: this is about a contact, not about a job
    // in flight when Redis loses everything (BullMQ then may not let that worker close).
    await waitUntil(async () => (await h.carelog.queue.getActiveCount()) === 0, 10_000, 'start-up jobs finished');
    await redis.down();
    const saved = await h.interact(
      viewSubmission('U0CLIN1', opened, {
        ...NEW_CLIENT,
        contact_date: '2026-11-24',
        contact_time: '09:30',
        follow_up_date: '2026-11-30',
        follow_up_assignee: 'U0CASE1',
      }),
    );
    // The form closed while Redis was still down: the request waited for Redis at most QUEUE_WAIT_MS
    // (the QueueTimeoutError logged below), which leaves room inside Slack's three seconds.
    expect(saved.json).toEqual({ response_action: 'clear' });
    expect(QUEUE_WAIT_MS).toBeLessThan(3_000);
    const f = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow();
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(1);
    expect(
      h.logs.some(
        (l) => l.includes('could not queue a reminder; the reconciler will') && l.includes('QueueTimeoutError'),
      ),
    ).toBe(true);

    const health = await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ database: 'ok', redis: 'down' });

    await redis.up();
    await reconcileReminders(h.carelog.deps);
    const job = await waitUntil(
      () => h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'due' })),
      10_000,
      'the reminder queued',
    );
    expect(await job.getState()).toBe('delayed');
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`)).status === 200,
      10_000,
      'healthy again',
    );
  });
});
