// A linkage check with nobody to ask, end to end on Slack: the program's roster has no case manager,
// so when the check comes due the worker tells the supervisor instead, by DM through the fake Slack,
// exactly once (a retried job, a job given twice and the crash window between send and record all
// included), with the client's code, the date and the counts, and nothing else: no note, no
// category (a Part 2 one least of all). The case where every case manager is unreachable is in
// referral-checks.test.ts (Slack) and teams-referral-supervisor-notice.test.ts (Teams).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileReferralChecks, sendReferralChecks } from '../../src/services/referral-checks.js';
import { startHarness, TEAM, type Harness } from '../support/harness.js';
import { logContact, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';
import { checkPosts, referralOf, runCheck } from '../support/referrals.js';

const CANARY = 'CANARY-NOTE-41d2 Jane Roe, hears voices';
// Tue 24 Nov 2026 10:00 in New York: an hour after the nudge hour, a week after the contact below.
const CHECK_DAY = new Date('2026-11-24T14:00:00Z');
const clock = settableClock(new Date(CHECK_DAY.getTime() + 3600_000));

const NO_CASE_MANAGER_YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0SUPV1, roles: [supervisor] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin] }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: NO_CASE_MANAGER_YAML });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
/** Every DM carelog posted to a person, by their DM channel. */
const dmsTo = (user: string) => h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === `D${user}`);

describe('a linkage check with no case manager on the roster', () => {
  it('tells the supervisor once, codes and counts only, and leaves the referral open', async () => {
    // A contact a week ago with a Part 2 referral and a canary note: its check is due now.
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      referrals: ['addiction_treatment'],
      contact_date: '2026-11-17',
      contact_time: '08:30',
      notes: CANARY,
    });
    const contact = await prisma().contact.findFirstOrThrow({
      orderBy: { createdAt: 'desc' },
      include: { client: true },
    });
    const r = await referralOf(h.carelog.deps, contact.id, 'addiction_treatment');
    // Due already (the nudge hour of the check day is past): the job runs at once.
    expect(r.nextCheckAt!.getTime()).toBeLessThanOrEqual(clock.now().getTime());

    // The worker runs the job: nobody to ask, so the supervisor is told.
    const notice = await waitUntil(
      () =>
        prisma().referralCheck.findFirst({
          where: { referralId: r.id, kind: 'supervisor_notice', sentAt: { not: null } },
        }),
      10_000,
      'the supervisor notice',
    );
    expect(notice).toMatchObject({ version: 1, recipient: 'U0SUPV1', platform: 'slack', channel: 'DU0SUPV1' });
    const told = dmsTo('U0SUPV1');
    expect(told).toHaveLength(1);
    const [dm] = told;
    expect(dm!.args.metadata).toEqual({ event_type: 'carelog_nudge', event_payload: { nudge_id: notice.id } });
    const text = String(dm!.args.text);
    expect(text).toContain(contact.client.code);
    expect(text).toContain('Tue, Nov 17, 2026');
    expect(text).toContain('check 1 of 3');
    expect(text).toContain('no case manager on the roster');
    // Nothing but code, date and counts: not the note, not the category, not that it is Part 2.
    for (const raw of [dm!.raw, text])
      expect(raw).not.toMatch(/addiction|substance|part 2|confidential|CANARY|Jane|hears/i);
    // No check went to anyone, and the admin is not told when there is a supervisor.
    expect(checkPosts(h)).toHaveLength(0);
    expect(dmsTo('U0ADMN1')).toHaveLength(0);

    // The referral is open, not counted as checked, its check behind it; audited as shown to the supervisor.
    const after = await prisma().referral.findUniqueOrThrow({ where: { id: r.id } });
    expect(after).toMatchObject({ status: 'made', checks: 0, nextCheckAt: null, version: 1 });
    const supervisor = h.carelog.deps.directory.member('wilmington', 'slack', 'U0SUPV1')!;
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'referral.notice', clientIds: { has: contact.clientId } },
        select: { actorId: true, entityType: true, entityId: true },
      }),
    ).toEqual([{ actorId: null, entityType: 'member', entityId: supervisor.memberId }]);
    expect(await prisma().auditEvent.count({ where: { action: 'referral.check' } })).toBe(0);

    // A retried job tells nobody again; nor does the reconciler queue the check again.
    expect(await runCheck(h.carelog.deps, { referralId: r.id, version: 1 })).toEqual({
      stale: false,
      deliveries: ['already-sent'],
    });
    await reconcileReferralChecks(h.carelog.deps);
    expect((await h.carelog.deps.referralChecks.queuedIds()).filter((j) => j.includes(r.id))).toEqual([]);

    // A worker killed after the notice was sent, before the check was put behind the referral: the
    // job runs again (twice at once, here) and finds the notice already sent.
    await prisma().referral.update({ where: { id: r.id }, data: { nextCheckAt: CHECK_DAY } });
    const given = { referralId: r.id, version: 1 };
    const [a, b] = await sendReferralChecks(h.carelog.deps, [given, given]);
    expect(a).toEqual({ stale: false, deliveries: ['already-sent'] });
    expect(b).toEqual(a);
    // Between send and record: the claim is there, the DM too; it is found, not sent again.
    await prisma().referralCheck.update({
      where: { id: notice.id },
      data: { sentAt: null, channel: null, messageTs: null, claimedAt: new Date(0) },
    });
    // …and its audit row, written with the record, was never written either.
    await prisma().auditEvent.deleteMany({ where: { action: 'referral.notice' } });
    await prisma().referral.update({ where: { id: r.id }, data: { nextCheckAt: CHECK_DAY } });
    expect(await runCheck(h.carelog.deps, given)).toEqual({ stale: false, deliveries: ['recovered'] });
    expect((await prisma().referralCheck.findUniqueOrThrow({ where: { id: notice.id } })).messageTs).toBe(
      notice.messageTs,
    );
    expect(dmsTo('U0SUPV1')).toHaveLength(1);
    expect(await prisma().auditEvent.count({ where: { action: 'referral.notice' } })).toBe(1);
    expect(await prisma().referral.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      checks: 0,
      nextCheckAt: null,
    });
  });
});
