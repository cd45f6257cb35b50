// A linkage check that can reach nobody, end to end on Teams: the program's only case manager has
// never opened a chat with carelog (Teams gives a bot no way in), so when the check comes due the
// worker tells the supervisor instead, through the fake Bot Connector, once: a retried job and a job
// given twice send nothing more. The message carries the client's code, the date and the counts,
// and nothing else: no note, no category (a Part 2 one least of all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileReferralChecks, sendReferralChecks } from '../../src/services/referral-checks.js';
import { settableClock, waitUntil } from '../support/followups.js';
import { cardOf, type ConnectorCall } from '../support/fake-teams.js';
import { referralOf, runCheck } from '../support/referrals.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  startTeamsHarness,
  T,
  TEAMS_TENANT,
  DIGEST_CHANNEL,
  type TeamsHarness,
} from '../support/teams-harness.js';

const CANARY = 'CANARY-NOTE-8b0f John Doe, hears voices';
// Tue 24 Nov 2026 10:00 in New York: an hour after the nudge hour, a week after the contact below.
const clock = settableClock(new Date('2026-11-24T15:00:00Z'));

/** One case manager, who never talked to carelog; a supervisor and an admin who did. */
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "${DIGEST_CHANNEL}" }
    roster:
      - { teams: ${T.clinician.aadObjectId}, roles: [clinician] }
      - { teams: ${T.caseManager.aadObjectId}, roles: [case_manager] }
      - { teams: ${T.supervisor.aadObjectId}, roles: [supervisor] }
      - { teams: ${T.admin.aadObjectId}, roles: [admin] }
`;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: clock.now, yaml: YAML });
  for (const u of [T.supervisor, T.admin]) expect((await h.send(h.teams.personalInstall(u))).status).toBe(200);
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
/** Messages carelog sent into a person's 1:1 chat with it. */
const sentTo = (u: typeof T.supervisor): ConnectorCall[] =>
  h.teams.calls.filter((c) => c.kind === 'sendActivity' && c.conversationId === h.teams.personalConversationId(u));

describe('a linkage check nobody can be reached for, on Teams', () => {
  it('tells the supervisor once, codes and counts only, and leaves the referral open', async () => {
    await logTeamsContact(h, T.clinician, {
      ...NEW_CLIENT_INPUTS,
      referrals: 'addiction_treatment',
      contact_date: '2026-11-17',
      contact_time: '08:00',
      notes: CANARY,
    });
    const contact = await prisma().contact.findFirstOrThrow({
      orderBy: { createdAt: 'desc' },
      include: { client: true },
    });
    const r = await referralOf(h.carelog.deps, contact.id, 'addiction_treatment');

    // The worker runs the due check: the case manager cannot be reached, so the supervisor is told.
    const notice = await waitUntil(
      () =>
        prisma().referralCheck.findFirst({
          where: { referralId: r.id, kind: 'supervisor_notice', sentAt: { not: null } },
        }),
      10_000,
      'the supervisor notice',
    );
    expect(notice).toMatchObject({ version: 1, platform: 'teams', recipient: T.supervisor.aadObjectId });
    expect(await prisma().referralCheck.findFirstOrThrow({ where: { referralId: r.id, kind: 'check' } })).toMatchObject(
      { recipient: T.caseManager.aadObjectId, sentAt: null, error: 'no_conversation' },
    );
    const told = sentTo(T.supervisor);
    expect(told).toHaveLength(1);
    const [msg] = told;
    expect(cardOf(msg!.body)).toBeUndefined();
    const text = String(msg!.body.text);
    expect(text).toContain(contact.client.code);
    expect(text).toContain('Tue, Nov 17, 2026');
    expect(text).toContain('check 1 of 3');
    expect(text).toContain('the one person it could ask cannot get a message from carelog');
    for (const raw of [msg!.raw, text])
      expect(raw).not.toMatch(/addiction|substance|part 2|confidential|CANARY|John|hears/i);
    // The admin is not told when there is a supervisor.
    expect(sentTo(T.admin)).toHaveLength(0);
    expect(await prisma().referral.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      status: 'made',
      checks: 0,
      nextCheckAt: null,
    });
    expect(
      await prisma().auditEvent.count({ where: { action: 'referral.notice', clientIds: { has: contact.clientId } } }),
    ).toBe(1);

    // A retry, the reconciler, and the job run again twice at once (a worker that died before the
    // check was put behind the referral): nobody told twice.
    expect(await runCheck(h.carelog.deps, { referralId: r.id, version: 1 })).toEqual({
      stale: false,
      deliveries: ['already-sent'],
    });
    await reconcileReferralChecks(h.carelog.deps);
    expect((await h.carelog.deps.referralChecks.queuedIds()).filter((j) => j.includes(r.id))).toEqual([]);
    await prisma().referral.update({ where: { id: r.id }, data: { nextCheckAt: new Date('2026-11-24T14:00:00Z') } });
    const given = { referralId: r.id, version: 1 };
    const [a, b] = await sendReferralChecks(h.carelog.deps, [given, given]);
    expect(a).toEqual({ stale: false, deliveries: ['unreachable', 'already-sent'] });
    expect(b).toEqual(a);
    expect(sentTo(T.supervisor)).toHaveLength(1);
    expect(await prisma().auditEvent.count({ where: { action: 'referral.notice' } })).toBe(1);
  });
});
