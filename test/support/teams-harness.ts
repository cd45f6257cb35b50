// Starts the real carelog for a Teams test: real Postgres and Redis, Microsoft faked by FakeTeams
// (test/support/fake-teams.ts), no Slack credentials at all. By default with Teams credentials, so
// every activity in carries a Bot Framework token checked against the fake's keys and every call
// out carries a bot token from the fake Entra token endpoint.
import { expect } from 'vitest';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/http-adapter.js';
import { cardOf, FakeTeams, pressAction, textsOf, type TeamsUser } from './fake-teams.js';
import { startTestCarelog, type TestCarelog } from './harness.js';
import type { StartOptions } from '../../src/carelog.js';

export const TEAMS_APP_ID = '8d1f2c3a-4b5e-4f60-9a7b-0c1d2e3f4a5b';
export const TEAMS_TENANT = '3c9e1f2a-7b4d-4e6f-8a1b-2c3d4e5f6a7b';
export const TEAMS_SECRET = 'test-client-secret-~9f8e7d';
export const DIGEST_CHANNEL = '19:digest0123456789@thread.tacv2';

const user = (n: number, name: string): TeamsUser => ({
  aadObjectId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  id: `29:1teams-user-${n}`,
  name,
});

export const T = {
  clinician: user(1, 'Clinician One'),
  caseManager: user(2, 'Case Manager One'),
  caseManager2: user(3, 'Case Manager Two'),
  supervisor: user(4, 'Supervisor One'),
  leader: user(5, 'Leader One'),
  admin: user(6, 'Admin One'),
  outsider: user(99, 'Not On The Roster'),
};

/** A program on Teams alone: no slack: block, every roster member by Entra object id. */
export const TEAMS_YAML = (extra = '') => `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "${DIGEST_CHANNEL}" }
    ${extra}
    roster:
      - { teams: ${T.clinician.aadObjectId}, roles: [clinician] }
      - { teams: ${T.caseManager.aadObjectId}, roles: [case_manager] }
      - { teams: ${T.caseManager2.aadObjectId}, roles: [case_manager] }
      - { teams: ${T.supervisor.aadObjectId}, roles: [supervisor] }
      - { teams: ${T.leader.aadObjectId}, roles: [leadership] }
      - { teams: ${T.admin.aadObjectId}, roles: [admin] }
`;

export interface TeamsHarness extends TestCarelog {
  teams: FakeTeams;
  /** POST /api/messages on carelog. */
  url: string;
  send(activity: Record<string, unknown>, opts?: { authorization?: string | null }): ReturnType<FakeTeams['send']>;
}

export async function startTeamsHarness(
  opts: {
    now?: () => Date;
    yaml?: string;
    auth?: 'credentials' | 'unauthenticated';
    env?: Record<string, string>;
    workerTiming?: StartOptions['workerTiming'];
  } = {},
): Promise<TeamsHarness> {
  const auth = opts.auth ?? 'credentials';
  const teams = new FakeTeams(TEAMS_APP_ID, TEAMS_TENANT, auth === 'credentials' ? TEAMS_SECRET : null);
  await teams.start();
  try {
    const running = await startTestCarelog({
      yaml: opts.yaml ?? TEAMS_YAML(),
      env: {
        TEAMS_SERVICE_URL: teams.serviceUrl,
        ...(auth === 'credentials'
          ? { TEAMS_CLIENT_ID: TEAMS_APP_ID, TEAMS_CLIENT_SECRET: TEAMS_SECRET, TEAMS_TENANT_ID: TEAMS_TENANT }
          : { TEAMS_DEV_UNAUTHENTICATED: '1' }),
        ...(opts.env ?? {}),
      },
      start: { teamsCloud: teams.cloud },
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.workerTiming ? { workerTiming: opts.workerTiming } : {}),
    });
    const url = `http://127.0.0.1:${running.carelog.port}${TEAMS_MESSAGES_PATH}`;
    return {
      ...running,
      teams,
      url,
      send: (activity, o = {}) => teams.send(url, activity, o),
      stop: async () => {
        await running.stop();
        await teams.stop();
      },
    };
  } catch (err) {
    await teams.stop();
    throw err;
  }
}

type Card = NonNullable<ReturnType<typeof cardOf>>;

/** Writes "contact …" in the bot chat and returns the form card carelog sent back. */
export async function openTeamsForm(h: TeamsHarness, user: TeamsUser = T.clinician, text = 'contact'): Promise<Card> {
  const before = h.teams.calls.length;
  const res = await h.send(h.teams.message(user, text));
  expect(res.status).toBe(200);
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity' && cardOf(c.body) !== undefined, before);
  return cardOf(call.body)!;
}

/** Presses an Action.Execute on a card as `user` and returns carelog's invoke answer. */
export async function pressOnCard(
  h: TeamsHarness,
  user: TeamsUser,
  card: Card,
  verb: string,
  values: Record<string, string | undefined> = {},
  match?: (data: Record<string, unknown>) => boolean,
) {
  const res = await h.send(h.teams.cardAction(user, pressAction(card, verb, values, match)));
  expect(res.status).toBe(200);
  return res.json as { statusCode: number; type: string; value: Card | string };
}

/** A new client's contact, as the form's inputs. */
export const NEW_CLIENT_INPUTS = {
  client: 'new',
  sex: 'female',
  age_band: '25-59',
  source: 'call_for_service',
  services: 'crisis_services',
  referrals: 'addiction_treatment',
  disposition: 'resolved_on_scene',
};

/** Logs a contact through the Teams form, as a clinician would, and checks it was saved. */
export async function logTeamsContact(
  h: TeamsHarness,
  user: TeamsUser,
  values: Record<string, string | undefined>,
  text = 'contact',
): Promise<string> {
  const form = await openTeamsForm(h, user, text);
  const answer = await pressOnCard(h, user, form, 'contact_save', values);
  const shown = textsOf(answer.value as Card).join(' ');
  expect(shown, 'the form was saved').toMatch(/Saved contact #\d+/);
  return shown;
}
