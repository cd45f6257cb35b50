// `npm run carelog -- reminders`: what an operator sees of the reminder queue, from the command
// line, against the same Postgres and Redis a running carelog uses.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobId, REFERRAL_CHECK_JOB } from '../../src/queue/referral-checks.js';
import { NUDGE_JOB, reminderJobId } from '../../src/queue/reminders.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, logContact, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';

const exec = promisify(execFile);
const clock = settableClock(new Date('2026-11-23T15:00:00Z'));
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
  dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-reminders-cli-'));
  writeFileSync(path.join(dir, 'carelog.yml'), FOLLOWUP_YAML());
});
afterAll(async () => {
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  const env = h.carelog.deps.config.env;
  return exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'reminders', ...args], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      CARELOG_QUEUE_PREFIX: h.carelog.queue.opts.prefix,
      CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
      CARELOG_DATA_DIR: path.join(dir, 'data'),
      CARELOG_ENCRYPTION_KEY: env.CARELOG_ENCRYPTION_KEY,
      LOG_LEVEL: 'silent',
    },
  });
}

describe('npm run carelog -- reminders', () => {
  it('shows pending follow-ups and open referrals, their queued jobs and failed ones, and puts failed ones back on request', async () => {
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      contact_date: '2026-11-23',
      contact_time: '09:00',
      follow_up_date: '2026-11-30',
      follow_up_assignee: 'U0CASE1',
    });
    const f = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow();
    // A reminder job whose payload can never be valid fails at once, as unrecoverable.
    const broken = reminderJobId({ followUpId: randomUUID(), version: 1, stage: 'due' });
    await h.carelog.queue.add(
      NUDGE_JOB,
      { followUpId: 'not-a-uuid', version: 1, stage: 'due' },
      { jobId: broken, attempts: 3 },
    );
    // And a linkage-check job as broken.
    const brokenCheck = checkJobId({ referralId: randomUUID(), version: 1 });
    await h.carelog.queue.add(
      REFERRAL_CHECK_JOB,
      { referralId: 'not-a-uuid', version: 1 },
      { jobId: brokenCheck, attempts: 3 },
    );
    await waitUntil(
      async () =>
        (await (await h.carelog.queue.getJob(broken))?.getState()) === 'failed' &&
        (await (await h.carelog.queue.getJob(brokenCheck))?.getState()) === 'failed',
      8_000,
      'the broken jobs failing',
    );

    const { stdout, stderr } = await cli('--json');
    const report = JSON.parse(stdout) as {
      pendingFollowUps: number;
      queued: { delayed: number };
      failed: { reason: string }[];
      linkageChecks: { openReferralsToCheck: number; queued: { delayed: number }; failed: { reason: string }[] };
      retried: number;
    };
    expect(stderr).toBe('');
    expect(report.pendingFollowUps).toBe(1);
    expect(report.queued.delayed).toBe(1);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ id: broken, stage: 'due', attempts: 1 });
    expect(report.failed[0]?.reason).toMatch(/invalid payload/);
    expect(report.retried).toBe(0);
    // The contact's addiction-treatment referral waits for its check, a week on.
    expect(report.linkageChecks.openReferralsToCheck).toBe(1);
    expect(report.linkageChecks.queued.delayed).toBe(1);
    expect(report.linkageChecks.failed).toEqual([
      expect.objectContaining({
        id: brokenCheck,
        version: 1,
        attempts: 1,
        reason: expect.stringMatching(/invalid payload/),
      }),
    ]);
    // Ids and counts only: not the referral's category.
    expect(stdout).not.toMatch(/addiction/i);
    expect(
      await (await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'due' })))?.getState(),
    ).toBe('delayed');

    const text = await cli();
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^1 pending follow-up\(s\); reminder jobs: 1 delayed, 0 waiting, 0 running, 1 failed/);
    expect(text.stderr).toContain(broken);
    expect(text.stderr).toContain(
      '1 open referral(s) to check; linkage-check jobs: 1 delayed, 0 waiting, 0 running, 1 failed',
    );
    expect(text.stderr).toContain(brokenCheck);

    const retried = JSON.parse((await cli('--retry-failed', '--json')).stdout) as { retried: number };
    expect(retried.retried).toBe(2);
    // Back in line, they run (and, still broken, fail again: one more attempt recorded each).
    await waitUntil(
      async () =>
        (await h.carelog.queue.getJob(broken))?.attemptsMade === 2 &&
        (await h.carelog.queue.getJob(brokenCheck))?.attemptsMade === 2,
      8_000,
      'the retried jobs running again',
    );
  }, 60_000);
});
