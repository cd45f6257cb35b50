// A stopping worker on real Redis: it finishes the jobs it holds, but not forever. A job that never
// ends (after Redis lost its data, its lock and key are gone and BullMQ's close waited on it without
// end) is let go after the grace period, and another worker takes it over once its lock lapses.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CarelogDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { defineJob } from '../../src/queue/job.js';
import { createQueue, startWorkers, type WorkerHandle } from '../../src/queue/workers.js';

const logs: string[] = [];
const logger = createLogger('info', new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
const deps = { logger, metrics: { jobFinished: () => undefined } } as unknown as CarelogDeps;
const connection = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = createQueue(connection, `carelog-test-close-${randomBytes(4).toString('hex')}`, logger);
// Fast lapses, so the takeover happens within the test; nothing repeating.
const timing = { closeGraceMs: 400, lockDurationMs: 1_000, stalledIntervalMs: 300, schedulerCheckMs: 3_600_000 };

let releaseSlow: () => void = () => undefined;
const ran: string[] = [];
const job = (name: string, run: (id: string) => Promise<void>) =>
  defineJob({ name, payload: z.object({ id: z.string() }), run: ({ id }) => run(id) });

const handles: WorkerHandle[] = [];
const start = (runs: Record<string, (id: string) => Promise<void>>, closeGraceMs = timing.closeGraceMs) =>
  startWorkers({
    queue,
    connection,
    jobs: Object.entries(runs).map(([name, run]) => job(name, run)),
    deps,
    concurrency: 5,
    timing: { ...timing, closeGraceMs },
  }).then((h) => (handles.push(h), h));

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(async () => {
  await queue.waitUntilReady();
});
afterAll(async () => {
  releaseSlow();
  for (const h of handles) await h.close().catch(() => undefined);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  connection.disconnect();
});

describe('closing a worker', () => {
  it('waits for a job in hand that finishes within the grace period', async () => {
    // A grace period far longer than the job, so a busy machine cannot make the job outlast it.
    const worker = await start(
      { slow: (id) => new Promise<void>((r) => setTimeout(() => (ran.push(`slow:${id}`), r()), 150)) },
      15_000,
    );
    await queue.add('slow', { id: 'a' }, { jobId: 'close-a' });
    await until(async () => (await queue.getActiveCount()) === 1);
    await worker.close();
    expect(ran).toContain('slow:a');
    expect((await queue.getJob('close-a'))?.finishedOn).toBeTypeOf('number');
    expect(logs.some((l) => l.includes('still held jobs'))).toBe(false);
  });

  it('lets go of a job that never ends after the grace period; another worker takes it over', async () => {
    const stuck = await start({ stuck: () => new Promise<void>((r) => (releaseSlow = r)) });
    await queue.add('stuck', { id: 'b' }, { jobId: 'close-b', attempts: 3 });
    await until(async () => (await queue.getActiveCount()) === 1);
    const t0 = Date.now();
    await stuck.close();
    const took = Date.now() - t0;
    // close() came back although the job never ended (nothing released it): it let go, and not
    // before the grace period.
    expect(took).toBeGreaterThanOrEqual(390);
    expect(await queue.getJob('close-b').then((j) => j?.finishedOn)).toBeUndefined();
    const warning = logs
      .map((l) => JSON.parse(l) as { level: number; msg: string; graceMs?: number })
      .find((l) => l.msg.includes('still held jobs'));
    expect(warning).toMatchObject({ level: 40, graceMs: 400 });

    // The job stayed active, held by nobody; once its lock lapses a live worker runs it.
    await start({ stuck: async (id) => void ran.push(`taken-over:${id}`) });
    await until(() => ran.includes('taken-over:b'));
    await until(async () => (await queue.getJob('close-b'))?.finishedOn !== undefined);
  });
});
