// Referral linkage, follow-up timeliness and on-scene figures in a digest end to end: contacts
// logged through /contact (which records a referral per category chosen, the on-scene items and
// the transport destination, and meets follow-ups), referral outcomes written as the linkage
// checks record them, then
// /digest as leadership sees it on Slack: the headline's connected / made and met within 7 days /
// asked for, the tables, within Slack's limits, and no note anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLocal } from '../../src/domain/time.js';
import { checkMessage } from '../support/block-kit-limits.js';
import { logContact, NEW_CLIENT, settableClock } from '../support/followups.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';

const NY = 'America/New_York';
const CANARY = 'CANARY-OUTCOMES-51c0 the man on Elm St said he would hurt himself';
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: ${NY}
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0LEAD1, roles: [leadership] }
`;
const clock = settableClock(fromLocal('2024-09-20', '12:00', NY));
const RESPONSE_METHOD = `response_url.${TEAM}`;

let h: Harness;
const prisma = () => h.carelog.deps.db.prisma;

async function digestBlocks(text: string): Promise<unknown[]> {
  const before = h.slack.calls.length;
  const res = await sendSignedRequest({
    url: h.url,
    signingSecret: SIGNING_SECRET,
    body: slashCommandBody({
      command: '/digest',
      text,
      teamId: TEAM,
      userId: 'U0LEAD1',
      responseUrl: `${h.carelog.deps.config.env.SLACK_API_URL}${RESPONSE_METHOD}`,
    }),
  });
  expect(res.status).toBe(200);
  return (await h.slack.waitFor(RESPONSE_METHOD, before, 15_000)).args.blocks as unknown[];
}

beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: YAML });
  // Fri 20 Sep: a new client, two referrals, a follow-up asked for Monday.
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    referrals: ['mental_health_treatment', 'social_services'],
    on_scene: ['police_backup_requested', 'ed_avoided'],
    minutes_on_scene: '40',
    contact_date: '2024-09-20',
    contact_time: '10:00',
    follow_up_date: '2024-09-23',
    follow_up_assignee: 'U0CASE1',
    notes: CANARY,
  });
  const client = await prisma().client.findFirstOrThrow({ where: { programId: 'wilmington' } });
  // Sat 21 Sep, 26 hours later: the same client again, which meets the follow-up; one more referral.
  clock.set(fromLocal('2024-09-21', '13:00', NY));
  const { sex: _sex, age_band: _age, ...returning } = NEW_CLIENT;
  await logContact(h, 'U0CLIN1', {
    ...returning,
    client: { value: client.id, text: client.code },
    referrals: ['mental_health_treatment'],
    disposition: 'voluntary_transport',
    transport_destination: 'crisis_center',
    contact_date: '2024-09-21',
    contact_time: '12:00',
    notes: CANARY,
  });
  const referrals = await prisma().referral.findMany({ orderBy: [{ madeAt: 'asc' }, { category: 'asc' }] });
  expect(referrals.map((r) => [r.category, r.status])).toEqual([
    ['mental_health_treatment', 'made'],
    ['social_services', 'made'],
    ['mental_health_treatment', 'made'],
  ]);
  // The first connected on 25 September, the second declined.
  await prisma().referral.update({
    where: { id: referrals[0]!.id },
    data: {
      status: 'connected',
      connectedOn: new Date('2024-09-25T00:00:00Z'),
      closedAt: fromLocal('2024-09-26', '09:00', NY),
    },
  });
  await prisma().referral.update({
    where: { id: referrals[1]!.id },
    data: { status: 'declined', closedAt: fromLocal('2024-09-27', '09:00', NY) },
  });
  clock.set(fromLocal('2024-10-07', '09:00', NY));
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

describe('the quarterly digest with referral records and follow-ups', () => {
  it('leads with connected / made and met within 7 days / asked for, and tabulates linkage and on-scene items', async () => {
    const blocks = await digestBlocks('quarter 2024-Q3');
    const text = JSON.stringify(blocks);
    expect(text).toContain('*Referrals made this quarter: connected / made*\\n1 / 3');
    expect(text).toContain('*Follow-ups asked for this quarter: met within 7 days / asked for*\\n1 / 1');
    expect(text).toContain(
      'Mental-health treatment referrals: *made 2: connected 1 · declined 0 · couldn’t reach 0 · unknown 0 · pending 1*',
    );
    expect(text).toContain(
      'Other social services referrals: *made 1: connected 0 · declined 1 · couldn’t reach 0 · unknown 0 · pending 0*',
    );
    expect(text).toContain('Connections dated this quarter (whenever referred): *1*');
    expect(text).toContain('Median days from referral to connection: *5*');
    expect(text).toContain('Met by a contact within 48 hours: *1*');
    expect(text).toContain('Police backup requested: *1*');
    expect(text).toContain('Would likely have gone to the ED without us (clinician’s judgement): *1*');
    expect(text).toContain('Minutes on scene, median / 90th percentile: *40 / 40*');
    expect(text).toContain('Crisis center: *1*');
    expect(checkMessage(blocks as never)).toEqual([]);
    expect(text).not.toMatch(/PIC-\d+/);
    expect(h.slack.calls.filter((c) => c.raw.includes('CANARY'))).toEqual([]);
    expect(h.logs.filter((l) => l.includes('CANARY'))).toEqual([]);
  });

  it('counts the declined referral as pending in the week it was still open at the end of', async () => {
    // Week of 16 September ends Sun 22 September: nothing connected or declined by then.
    const text = JSON.stringify(await digestBlocks('week 2024-W38'));
    expect(text).toContain('*Referrals made this week: connected / made*\\n0 / 3');
    expect(text).toContain(
      'All referrals: *made 3: connected 0 · declined 0 · couldn’t reach 0 · unknown 0 · pending 3*',
    );
  });
});
