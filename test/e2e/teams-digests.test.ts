// Digests on Teams: the weekly and quarterly digests posted to the program's Teams channel as an
// Adaptive Card with the same figures as Slack's and the chart image; one post per program, kind,
// period and platform, whatever reruns and races; "digest …" in the bot chat for leadership.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigestJob } from '../../jobs/post-digest.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { FakeSlackApi } from '../../src/platforms/slack/simulator.js';
import { digestSchedulerId } from '../../src/queue/digests.js';
import { postDigestOnce } from '../../src/services/digest-posting.js';
import { SIGNING_SECRET, startTestCarelog } from '../support/harness.js';
import { cardOf, elementsOf, FakeTeams, textsOf, type ConnectorCall } from '../support/fake-teams.js';
import { decodePng } from '../support/png.js';
import { seedProgressReport } from '../support/progress-report.js';
import { DIGEST_CHANNEL, T, TEAMS_APP_ID, TEAMS_SECRET, TEAMS_TENANT } from '../support/teams-harness.js';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/http-adapter.js';
import { importContacts } from '../../src/services/csv-import.js';

// Tue 1 Oct 2024, 09:00 in New York: the first weekday after 2024-Q3.
const NOW = new Date('2024-10-01T13:00:00Z');
const CARD = 'application/vnd.microsoft.card.adaptive';

// One program on both platforms (each with its own digest channel), one on Teams alone, and a
// small one on both with no digest.suppressBelow (42 CFR Part 2 below).
const HARBOR_CHANNEL = '19:harbor@thread.tacv2';
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0TEST, digestChannel: C0DIGEST }
    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "${DIGEST_CHANNEL}" }
    roster:
      - { slack: U0CLIN1, teams: ${T.clinician.aadObjectId}, roles: [clinician] }
      - { teams: ${T.leader.aadObjectId}, roles: [leadership] }
      - { teams: ${T.caseManager.aadObjectId}, name: Dana Reyes, roles: [case_manager] }
      - { teams: ${T.caseManager2.aadObjectId}, roles: [case_manager] }
  - id: dover
    name: Dover Co-Responders
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: DOV
    teams: { digestChannel: "19:dover@thread.tacv2" }
  - id: harbor
    name: Harbor Co-Responders
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: HBR
    slack: { teamId: T0HARBOR, digestChannel: C0HARBOR }
    teams: { digestChannel: "${HARBOR_CHANNEL}" }
    roster:
      - { slack: U0HARB1, roles: [clinician] }
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
  await seedProgressReport(
    deps.db.prisma,
    'wilmington',
    deps.directory.member('wilmington', 'teams', T.clinician.aadObjectId)!.memberId,
  );
});
afterAll(async () => {
  await running?.stop();
  await teams?.stop();
  await slack?.stop();
});

const deps = () => running.carelog.deps;
const program = () => deps().directory.program('wilmington')!;
const digestPosts = () => teams.callsOf('sendActivity', DIGEST_CHANNEL);
const slackDigests = () =>
  slack
    .callsTo('chat.postMessage')
    .filter((c) => (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'carelog_digest');
const factsOf = (card: NonNullable<ReturnType<typeof cardOf>>) =>
  (elementsOf(card).filter((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] }[]).flatMap(
    (f) => f.facts,
  );

describe('digests on Teams', () => {
  let posted: ConnectorCall;

  it('posts the quarterly digest to the Teams channel as a card, and to Slack, from one scheduled run', async () => {
    await postDigestJob.run({ programId: 'wilmington', kind: 'quarter' }, deps());
    expect(digestPosts()).toHaveLength(1);
    expect(slackDigests()).toHaveLength(1);
    posted = digestPosts()[0]!;
    expect(teams.issuedTokens.has(posted.authorization!.replace(/^Bearer /, ''))).toBe(true);
    const card = cardOf(posted.body)!;
    expect(textsOf(card)[0]).toBe('Wilmington Partners in Care: quarterly digest, Jul–Sep 2024');
    const facts = Object.fromEntries(factsOf(card).map((f) => [f.title, f.value]));
    // The progress report's figures (test/support/progress-report.ts).
    expect(facts).toMatchObject({
      'Individuals served': '128',
      New: '115',
      Continuing: '13',
      'Served since the program began': '207',
    });
    const runs = await deps().db.prisma.digestRun.findMany({
      where: { programId: 'wilmington' },
      orderBy: { platform: 'asc' },
    });
    expect(runs.map((r) => [r.platform, r.periodLabel, r.status])).toEqual([
      ['slack', '2024-Q3', 'posted'],
      ['teams', '2024-Q3', 'posted'],
    ]);
    expect(runs[1]).toMatchObject({ channel: DIGEST_CHANNEL });
    expect(runs[1]!.messageTs).toMatch(/^1\d+$/);
  });

  it('carries the chart image inline, a PNG of the new clients by quarter, within Teams’ message size', () => {
    const card = cardOf(posted.body)!;
    const image = elementsOf(card).find((e) => e.type === 'Image') as { url: string; altText: string };
    expect(image.altText).toBe('New clients by quarter');
    const [, b64] = /^data:image\/png;base64,(.+)$/.exec(image.url)!;
    const png = decodePng(Buffer.from(b64!, 'base64'));
    expect(png.width).toBeGreaterThan(100);
    expect(Buffer.byteLength(posted.raw)).toBeLessThan(25_000);
    expect(textsOf(card).join(' ')).toContain('2024-Q3: 115');
  });

  it('shows the same figures as the Slack digest, aggregates only', () => {
    const card = cardOf(posted.body)!;
    const slackText = JSON.stringify(slackDigests()[0]!.args.blocks);
    // Slack draws headline figures as "*label*\nvalue" fields and table rows as "label: *value*".
    const facts = factsOf(card);
    expect(facts.length).toBeGreaterThan(20);
    // All-zero rows are folded into one "None: …" line per table, the same on both.
    const none = textsOf(card).filter((t) => t.startsWith('None: '));
    expect(none.length).toBeGreaterThan(3);
    for (const line of none) expect(slackText).toContain(line);
    for (const f of facts)
      expect(
        slackText.includes(`*${f.title}*\\n${f.value}`) || slackText.includes(`${f.title}: *${f.value}*`),
        `${f.title} ${f.value} on Slack too`,
      ).toBe(true);
    // No client codes, names or notes; substance-use referrals are a count in a table.
    expect(posted.raw).not.toMatch(/PIC-\d{4}/);
    const referral = factsOf(card).find((f) => f.title === 'Addiction treatment');
    expect(referral?.value).toMatch(/^\d+$/);
  });

  it('posts once per platform however often the schedule fires or replicas race', async () => {
    await Promise.all([
      postDigestJob.run({ programId: 'wilmington', kind: 'quarter' }, deps()),
      postDigestOnce(deps(), program(), parsePeriod('2024-Q3', 'quarter', 'America/New_York', '2024-03-01')!, {
        platform: 'teams',
      }),
      postDigestOnce(deps(), program(), parsePeriod('2024-Q3', 'quarter', 'America/New_York', '2024-03-01')!, {
        platform: 'teams',
      }),
    ]);
    expect(digestPosts()).toHaveLength(1);
    expect(slackDigests()).toHaveLength(1);
  });

  it('declares digest schedules for a program on Teams alone', async () => {
    const ids = (await running.carelog.queue.getJobSchedulers()).map((s) => s.key);
    expect(ids).toEqual(
      expect.arrayContaining([
        digestSchedulerId('dover', 'week'),
        digestSchedulerId('dover', 'quarter'),
        digestSchedulerId('wilmington', 'week'),
      ]),
    );
  });

  describe('"digest …" in the bot chat', () => {
    const url = () => `http://127.0.0.1:${running.carelog.port}${TEAMS_MESSAGES_PATH}`;
    async function say(user: typeof T.leader, text: string): Promise<ConnectorCall> {
      const before = teams.calls.length;
      expect((await teams.send(url(), teams.message(user, text))).status).toBe(200);
      return teams.waitFor(
        (c) => c.kind === 'sendActivity' && c.conversationId === teams.personalConversationId(user),
        before,
      );
    }

    it('previews a digest privately to leadership', async () => {
      const reply = await say(T.leader, 'digest quarter 2024-Q3');
      const card = cardOf(reply.body)!;
      expect(reply.body.attachments).toEqual([expect.objectContaining({ contentType: CARD })]);
      expect(textsOf(card)[0]).toBe('Wilmington Partners in Care: quarterly digest, Jul–Sep 2024');
      expect(Object.fromEntries(factsOf(card).map((f) => [f.title, f.value]))['Individuals served']).toBe('128');
      expect(digestPosts()).toHaveLength(1);
    });

    it('posts a missed period to the Teams channel, and says so when it was already posted', async () => {
      expect(String((await say(T.leader, 'digest quarter 2024-Q3 post')).body.text)).toMatch(
        /already posted to the team channel; it is not posted twice/,
      );
      expect(digestPosts()).toHaveLength(1);
      expect(String((await say(T.leader, 'digest week 2024-W39 post')).body.text)).toMatch(
        /Posted the digest for .* to the team channel/,
      );
      expect(digestPosts()).toHaveLength(2);
      const weekly = cardOf(digestPosts()[1]!.body)!;
      expect(textsOf(weekly)[0]).toBe('Wilmington Partners in Care: weekly digest, week of Sep 23, 2024');
      // The follow-ups table mentions each case manager the roster gives a name, with the mention
      // entity Teams needs to notify them; one without a name is "a team member", not mentioned.
      const table = textsOf(weekly).indexOf('Follow-ups needing attention (due this week / overdue)');
      expect(table).toBeGreaterThan(0);
      const facts = factsOf(weekly).map((f) => f.title);
      expect(facts).toContain('<at>Dana Reyes</at>');
      expect(facts).toContain('a team member');
      expect((weekly.msteams as { entities?: unknown }).entities).toEqual([
        {
          type: 'mention',
          text: '<at>Dana Reyes</at>',
          mentioned: { id: T.caseManager.aadObjectId, name: 'Dana Reyes' },
        },
      ]);
      expect(digestPosts()[1]!.raw).not.toContain(T.caseManager2.aadObjectId);
      expect(digestPosts()[1]!.raw).not.toContain(T.clinician.aadObjectId);
      // Every card above passed Microsoft's validator in the fake Teams (test/support/fake-teams.ts).
      expect(teams.cardsChecked).toBeGreaterThanOrEqual(3);
    });

    it('titles a preview of a week not over yet "so far", and mentions no one in a preview', async () => {
      const reply = await say(T.leader, 'digest week 2024-W40');
      const card = cardOf(reply.body)!;
      expect(textsOf(card)[0]).toBe('Wilmington Partners in Care: weekly digest, week of Sep 30, 2024 so far');
      expect(factsOf(card).map((f) => f.title)).toContain('Dana Reyes');
      expect(JSON.stringify(card)).not.toContain('<at>');
    });

    it('refuses people who are not leadership or admins', async () => {
      expect(String((await say(T.clinician, 'digest quarter')).body.text)).toMatch(
        /Digests are for your program’s leadership and admins/,
      );
      expect(String((await say(T.leader, 'digest fortnight')).body.text)).toMatch(/Usage: `digest week\|quarter/);
    });
  });
});

// Last: it posts to Slack too, which the counts above do not expect.
describe('42 CFR Part 2: a one-client week with an addiction-treatment referral, no suppressBelow', () => {
  beforeAll(async () => {
    const csv = [
      'client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes',
      'HBR-0001,2024-09-25,call_for_service,crisis_services,addiction_treatment,resolved_on_scene,female,25-59,,',
    ].join('\n');
    const imported = await importContacts(
      { db: deps().db, keyring: deps().keyring, directory: deps().directory },
      { program: deps().directory.program('harbor')!, csv },
    );
    expect(imported).toMatchObject({ ok: true, summary: { contactsCreated: 1, clientsCreated: 1 } });
  });

  // One contact shown would say the referral was on it; so would one source or one outcome.
  it('shows the referral as "<11" on Slack and on Teams, and no figure that gives the 1 away', async () => {
    await postDigestJob.run({ programId: 'harbor', kind: 'week' }, deps());

    const [post, ...more] = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0HARBOR');
    expect(more).toEqual([]);
    const blocks = JSON.stringify(post!.args.blocks);
    expect(blocks).toContain('week of Sep 23, 2024');
    expect(blocks).toContain('Addiction treatment: *<11*');
    expect(blocks).not.toMatch(/Addiction treatment: \*\d+\*/);
    expect(blocks).toContain('*Contacts*\\nhidden');
    expect(blocks).not.toContain('Call for service: *1*');
    expect(blocks).not.toContain('Resolved on scene: *1*');
    expect(blocks).toContain('substance-use treatment (42 CFR Part 2) from 1 to 10 are shown as <11');

    const activities = teams.callsOf('sendActivity', HARBOR_CHANNEL);
    expect(activities).toHaveLength(1);
    const card = cardOf(activities[0]!.body)!;
    const facts = Object.fromEntries(factsOf(card).map((f) => [f.title, f.value]));
    expect(facts).toMatchObject({
      'Addiction treatment': '<11',
      Contacts: 'hidden',
      'Call for service': 'hidden',
      'Resolved on scene': 'hidden',
    });
    expect(activities[0]!.raw).not.toMatch(/"title":"Addiction treatment","value":"\d+"/);
    // The rest of the week is shown as it is: one client served, new, a woman aged 25–59.
    expect(facts).toMatchObject({ 'Individuals served': '1', New: '1', Female: '1' });
  });
});
