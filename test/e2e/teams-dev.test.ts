// Teams without an app registration (TEAMS_DEV_UNAUTHENTICATED=1, local development and tests), and
// the worker process (npm run worker) sending through the Bot Connector on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toLocal } from '../../src/domain/time.js';
import { rememberConversation } from '../../src/services/conversation-refs.js';
import { cardOf, FakeTeams } from '../support/fake-teams.js';
import { startTestCarelog } from '../support/harness.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  startTeamsHarness,
  T,
  TEAMS_APP_ID,
  TEAMS_SECRET,
  TEAMS_TENANT,
  TEAMS_YAML,
  type TeamsHarness,
} from '../support/teams-harness.js';

describe('TEAMS_DEV_UNAUTHENTICATED=1', () => {
  let h: TeamsHarness;
  beforeAll(async () => {
    h = await startTeamsHarness({ auth: 'unauthenticated' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('accepts activities without a token and replies without one (no app registration, no token endpoint)', async () => {
    const before = h.teams.calls.length;
    const res = await h.send(h.teams.message(T.clinician, 'contact'), { authorization: null });
    expect(res.status).toBe(200);
    const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(cardOf(reply.body)).toBeDefined();
    // No token exists to send (the SDK writes "Bearer null" on its replies).
    expect(reply.authorization ?? '').not.toMatch(/^Bearer ey/);
    expect(h.teams.tokenRequests).toEqual([]);
    expect(
      h.logs.some((l) =>
        l.includes('TEAMS_DEV_UNAUTHENTICATED=1: POST /api/messages accepts activities without a Bot Framework token'),
      ),
    ).toBe(true);
  });

  it('still knows nobody who is not on the roster', async () => {
    const before = h.teams.calls.length;
    await h.send(h.teams.message(T.outsider, 'contact'), { authorization: null });
    const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(String(reply.body.text)).toMatch(/Only members of your co-responder team/);
  });

  it('logs a contact end to end', async () => {
    await logTeamsContact(h, T.clinician, {
      ...NEW_CLIENT_INPUTS,
      // Today where the program is: a UTC date is tomorrow there every evening.
      contact_date: toLocal(new Date(), 'America/New_York').date,
      contact_time: '00:00',
    });
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(1);
  });
});

describe('npm run worker with Teams', () => {
  let teams: FakeTeams;
  let worker: Awaited<ReturnType<typeof startTestCarelog>>;
  beforeAll(async () => {
    teams = new FakeTeams(TEAMS_APP_ID, TEAMS_TENANT, TEAMS_SECRET);
    await teams.start();
    worker = await startTestCarelog({
      yaml: TEAMS_YAML(),
      env: {
        TEAMS_CLIENT_ID: TEAMS_APP_ID,
        TEAMS_CLIENT_SECRET: TEAMS_SECRET,
        TEAMS_TENANT_ID: TEAMS_TENANT,
        TEAMS_SERVICE_URL: teams.serviceUrl,
      },
      start: { teamsCloud: teams.cloud, mode: 'worker' },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await teams?.stop();
  });

  it('sends proactively through the Connector, authenticated, with no HTTP endpoint of its own', async () => {
    const deps = worker.carelog.deps;
    expect(worker.carelog.port).toBe(0);
    expect(deps.messengers.slack).toBeUndefined();
    await rememberConversation(deps.db, {
      platform: 'teams',
      userId: T.supervisor.aadObjectId,
      address: T.supervisor.id,
      tenantId: TEAMS_TENANT,
      conversationId: teams.personalConversationId(T.supervisor),
    });
    const sent = await deps.messengers.teams!.sendText(
      T.supervisor.aadObjectId,
      'Follow-up for PIC-0001 (due Mon, Nov 30, 2026) is overdue.',
      '5f0c3a1e-2b4d-4c6e-8a0b-1c2d3e4f5a6b',
    );
    expect(sent.channel).toBe(teams.personalConversationId(T.supervisor));
    const call = teams.callsOf('sendActivity')[0]!;
    expect(call.body).toMatchObject({
      type: 'message',
      text: 'Follow-up for PIC-0001 (due Mon, Nov 30, 2026) is overdue.',
    });
    expect(teams.issuedTokens.has(call.authorization!.replace(/^Bearer /, ''))).toBe(true);
  });
});
