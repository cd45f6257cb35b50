// Linkage checks survive Redis losing everything (FLUSHALL on a private redis-server this file
// starts; never the shared one): the reconciler rebuilds each open referral's check job from
// Postgres under the same id, and the check still arrives on time, once.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from '../../src/queue/redis.js';
import { checkJobId } from '../../src/queue/referral-checks.js';
import { reconcileReferralChecks } from '../../src/services/referral-checks.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, logContact, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';
import { startPrivateRedis } from '../support/redis.js';
import { checkPost, checkPosts, referralOf } from '../support/referrals.js';

// Tue 24 Nov 2026 09:00 in New York: the check day of a referral made a week before.
const CHECK_DAY = new Date('2026-11-24T14:00:00Z');

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('losing Redis', () => {
  it('after FLUSHALL the reconciler puts the check back under its id, and it arrives once on time', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const clock = settableClock(new Date(CHECK_DAY.getTime() - 600_000));
    const h: Harness = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML(), env: { REDIS_URL: redis.url } });
    cleanups.push(() => h.stop());
    const case1 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE1')!;
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      referrals: ['mental_health_treatment'],
      contact_date: '2026-11-17',
      contact_time: '08:30',
      follow_up_date: '2027-01-15',
      follow_up_assignee: 'U0CASE1',
    });
    const contact = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const r = await referralOf(h.carelog.deps, contact.id, 'mental_health_treatment');
    expect(r.assigneeId).toBe(case1.memberId);
    const id = checkJobId({ referralId: r.id, version: r.version });
    expect(await h.carelog.deps.referralChecks.queuedIds()).toContain(id);

    const admin = new Redis(redis.url);
    cleanups.push(() => admin.quit());
    await admin.flushall();
    expect(await h.carelog.deps.referralChecks.queuedIds()).toEqual([]);

    // Rebuilt two seconds before the check is due: it is queued for then, not now.
    clock.set(new Date(CHECK_DAY.getTime() - 2_000));
    const result = await reconcileReferralChecks(h.carelog.deps);
    expect(result).toEqual({ open: 1, added: 1, removed: 0 });
    expect(await h.carelog.deps.referralChecks.queuedIds()).toEqual([id]);
    const job = (await h.carelog.queue.getJob(id))!;
    expect(await job.getState()).toBe('delayed');
    expect(job.delay).toBeGreaterThan(0);
    expect(job.delay).toBeLessThanOrEqual(2_000);

    const sent = await waitUntil(
      () => h.carelog.deps.db.prisma.referralCheck.findFirst({ where: { referralId: r.id, sentAt: { not: null } } }),
      12_000,
      'the rebuilt check',
    );
    expect(checkPost(h, sent.id)!.args.channel).toBe('DU0CASE1');
    expect(checkPosts(h)).toHaveLength(1);
    // Behind the referral now: a second pass finds nothing to queue.
    expect(await reconcileReferralChecks(h.carelog.deps)).toEqual({ open: 0, added: 0, removed: 0 });
  });
});
