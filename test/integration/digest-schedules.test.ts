// The digest schedules on the real Redis (under this file's own queue prefix): declared once per
// program and kind, changed when carelog.yml changes, removed when turned off, and re-declaring
// them (every start, every schedule check on every replica) never drops a digest job that has come
// due and waits for a busy worker.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import { Redis } from '../../src/queue/redis.js';
import { DIGEST_JOB_NAME, digestSchedulerId, upsertDigestSchedules } from '../../src/queue/digests.js';

const programs = (digest = '') =>
  parseProgramFile(
    `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { digestChannel: C0DIGEST }
    ${digest}
    roster: [{ slack: U0LEAD1, roles: [leadership] }]
`,
    'test.yml',
  );

let connection: Redis;
let queue: Queue;
beforeAll(async () => {
  connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = new Queue('carelog', { connection, prefix: `carelog-test-digest-${randomBytes(4).toString('hex')}` });
});
afterAll(async () => {
  await queue?.obliterate({ force: true });
  await queue?.close();
  await connection?.quit();
});

const digestJobs = async (state: 'delayed' | 'waiting') =>
  (state === 'delayed' ? await queue.getDelayed() : await queue.getWaiting()).filter((j) => j.name === DIGEST_JOB_NAME);

describe('upsertDigestSchedules', () => {
  it('declares one scheduler per program and kind, each with one delayed job, however often it runs', async () => {
    for (let i = 0; i < 3; i++) await upsertDigestSchedules(queue, programs());
    expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      digestSchedulerId('wilmington', 'quarter'),
      digestSchedulerId('wilmington', 'week'),
    ]);
    expect(await digestJobs('delayed')).toHaveLength(2);
  });

  it('keeps a digest job that came due and waits for a worker when the schedules are declared again', async () => {
    const [weekly] = (await digestJobs('delayed')).filter((j) => (j.data as { kind: string }).kind === 'week');
    // Its moment has come; every worker is busy, so it waits.
    await weekly!.promote();
    expect((await digestJobs('waiting')).map((j) => j.id)).toEqual([weekly!.id]);
    // Another replica starts, or a schedule check runs: the waiting job must survive.
    await upsertDigestSchedules(queue, programs());
    expect((await digestJobs('waiting')).map((j) => j.id)).toEqual([weekly!.id]);
  });

  it('changes a schedule when its time changes, and removes one turned off', async () => {
    await upsertDigestSchedules(queue, programs('digest: { weeklyAt: "07:15", quarterly: false }'));
    expect(await queue.getJobScheduler(digestSchedulerId('wilmington', 'week'))).toMatchObject({
      pattern: '15 7 * * 1',
      tz: 'America/New_York',
    });
    expect(await queue.getJobScheduler(digestSchedulerId('wilmington', 'quarter'))).toBeUndefined();
  });
});
