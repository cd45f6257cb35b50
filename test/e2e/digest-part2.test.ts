// 42 CFR Part 2 in the channel digests, end to end: a program with no digest.suppressBelow whose
// week had one client, one contact, one addiction-treatment referral. The weekly digest carelog
// posts to Slack (chat.postMessage) and to Teams (the Bot Connector activity) shows the referral as
// "<11", and nothing else in the message gives the 1 away (contacts, sources and outcomes would:
// one referral among one contact).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigestJob } from '../../jobs/post-digest.js';
import { FakeSlackApi } from '../../src/platforms/slack/simulator.js';
import { importContacts } from '../../src/services/csv-import.js';
import { cardOf, elementsOf, FakeTeams } from '../support/fake-teams.js';
import { SIGNING_SECRET, startTestCarelog } from '../support/harness.js';
import { DIGEST_CHANNEL, T, TEAMS_APP_ID, TEAMS_SECRET, TEAMS_TENANT } from '../support/teams-harness.js';

// Mon 30 Sep 2024, 08:00 in New York: the weekly digest of Sep 23–29 is due.
const NOW = new Date('2024-09-30T12:00:00Z');

const YAML = `
programs:
  - id: harbor
    name: Harbor Co-Responders
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: HBR
    slack: { teamId: T0TEST, digestChannel: C0DIGEST }
    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "${DIGEST_CHANNEL}" }
    roster:
      - { slack: U0CLIN1, teams: ${T.clinician.aadObjectId}, roles: [clinician] }
`;

let slack: FakeSlackApi;
let teams: FakeTeams;
let running: Awaited<ReturnType<typeof startTestCarelog>>;

beforeAll(async () => {
  slack = new FakeSlackApi();
  slack.teamId = 'T0TEST';
  const apiUrl = await slack.start();
  teams = new FakeTeams(TEAMS_APP_ID, TEAMS_TENANT, TEAMS_SECRET);
  await teams.start();
  running = await startTestCarelog({
    yaml: YAML,
    now: () => NOW,
    env: {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: apiUrl,
      TEAMS_CLIENT_ID: TEAMS_APP_ID,
      TEAMS_CLIENT_SECRET: TEAMS_SECRET,
      TEAMS_TENANT_ID: TEAMS_TENANT,
      TEAMS_SERVICE_URL: teams.serviceUrl,
    },
    start: { teamsCloud: teams.cloud },
  });
  const deps = running.carelog.deps;
  const csv = [
    'client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes',
    'HBR-0001,2024-09-25,call_for_service,crisis_services,addiction_treatment,resolved_on_scene,female,25-59,,',
  ].join('\n');
  const imported = await importContacts({ db: deps.db, keyring: deps.keyring, directory: deps.directory }, { program: deps.directory.program('harbor')!, csv });
  expect(imported).toMatchObject({ ok: true, summary: { contactsCreated: 1, clientsCreated: 1 } });
});
afterAll(async () => {
  await running?.stop();
  await teams?.stop();
  await slack?.stop();
});

describe('a one-client week with an addiction-treatment referral, no suppressBelow', () => {
  it('shows the referral as "<11" on Slack and on Teams, and no figure that gives the 1 away', async () => {
    await postDigestJob.run({ programId: 'harbor', kind: 'week' }, running.carelog.deps);

    const [post, ...more] = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0DIGEST');
    expect(more).toEqual([]);
    const blocks = JSON.stringify(post!.args.blocks);
    expect(blocks).toContain('week of Sep 23, 2024');
    expect(blocks).toContain('Addiction treatment: *<11*');
    expect(blocks).not.toMatch(/Addiction treatment: \*\d+\*/);
    // One contact shown would say the referral was on it; so would one source or one outcome.
    expect(blocks).toContain('*Contacts*\\nhidden');
    expect(blocks).not.toContain('Call for service: *1*');
    expect(blocks).not.toContain('Resolved on scene: *1*');
    expect(blocks).toContain('substance-use treatment (42 CFR Part 2) from 1 to 10 are shown as <11');

    const activities = teams.callsOf('sendActivity', DIGEST_CHANNEL);
    expect(activities).toHaveLength(1);
    const card = cardOf(activities[0]!.body)!;
    const facts = Object.fromEntries(
      (elementsOf(card).filter((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] }[]).flatMap((f) => f.facts).map((f) => [f.title, f.value]),
    );
    expect(facts).toMatchObject({ 'Addiction treatment': '<11', Contacts: 'hidden', 'Call for service': 'hidden', 'Resolved on scene': 'hidden' });
    expect(activities[0]!.raw).not.toMatch(/"title":"Addiction treatment","value":"\d+"/);
    // The rest of the week is shown as it is: one client served, new, a woman aged 25–59.
    expect(facts).toMatchObject({ 'Individuals served': '1', New: '1', Female: '1' });
  });
});
