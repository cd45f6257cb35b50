// The roster changed in chat on Teams, end to end: an admin's "roster" card in their 1:1 chat with
// carelog (Action.Execute with the people picker's Entra object id), Microsoft faked by FakeTeams,
// real Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_AN_ADMIN } from '../../src/views/roster.js';
import { cardOf, textsOf, type TeamsUser } from '../support/fake-teams.js';
import { openTeamsRosterCard } from '../support/roster.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  pressOnCard,
  startTeamsHarness,
  T,
  TEAMS_TENANT,
  TEAMS_YAML,
  type TeamsHarness,
} from '../support/teams-harness.js';

const person = (n: number, name: string): TeamsUser => ({
  aadObjectId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  id: `29:1teams-user-${n}`,
  name,
});
const NEWCOMER = person(60, 'New Clinician');
const ELSEWHERE = person(61, 'On Another Program');

const YAML = `${TEAMS_YAML()}
  - id: dover
    name: Dover Co-Responders
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: DOV
    teams: { tenantId: ${TEAMS_TENANT} }
    roster:
      - { teams: ${ELSEWHERE.aadObjectId}, roles: [admin] }
`;

const textOf = (v: unknown): string => (typeof v === 'string' ? v : '');

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ yaml: YAML });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
type Card = NonNullable<ReturnType<typeof cardOf>>;

const rosterCard = (user: TeamsUser) => openTeamsRosterCard(h, user);

describe('roster on Teams', () => {
  it('refuses anyone but an admin', async () => {
    const before = h.teams.calls.length;
    await h.send(h.teams.message(T.clinician, 'roster'));
    const answer = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(answer.body.text).toBe(NOT_AN_ADMIN);
    expect(cardOf(answer.body)).toBeUndefined();
  });

  it('refuses a person already on another program’s roster, changing nothing', async () => {
    const card = await rosterCard(T.admin);
    const rows = await prisma().member.count();
    const answer = await pressOnCard(h, T.admin, card, 'roster_apply', {
      roster_person: ELSEWHERE.aadObjectId,
      roster_roles: 'clinician',
      roster_action: 'add',
    });
    const shown = textsOf(answer.value as Card).join(' ');
    expect(shown).toMatch(/another program’s roster/);
    expect(await prisma().member.count()).toBe(rows);
    // The inputs are kept on the card redrawn with the message.
    expect(JSON.stringify(answer.value)).toContain(ELSEWHERE.aadObjectId);
  });

  it('adds a clinician who can log a contact at once and is welcomed once, when carelog can reach them', async () => {
    const card = await rosterCard(T.admin);
    const answer = await pressOnCard(h, T.admin, card, 'roster_apply', {
      roster_person: NEWCOMER.aadObjectId,
      roster_roles: 'clinician',
      roster_action: 'add',
    });
    const shown = textsOf(answer.value as Card).join(' ');
    expect(shown).toMatch(/Added with Clinician/);
    const added = await prisma().member.findFirstOrThrow({
      where: { programId: 'wilmington', platformUserId: NEWCOMER.aadObjectId },
    });
    expect(added).toMatchObject({ roles: ['clinician'], source: 'chat' });
    const event = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'roster.add', entityId: added.id } });
    expect(event.details).toMatchObject({ by: 'chat', platform: 'teams', rolesAfter: ['clinician'] });

    // They have never written to carelog: the welcome waits, then goes with their first message.
    await logTeamsContact(h, NEWCOMER, NEW_CLIENT_INPUTS);
    await logTeamsContact(h, NEWCOMER, NEW_CLIENT_INPUTS);
    expect(await prisma().contact.count({ where: { authorId: added.id } })).toBe(2);
    const welcomes = h.teams.calls.filter(
      (c) => c.kind === 'sendActivity' && textOf(c.body.text).startsWith('Welcome to carelog'),
    );
    expect(welcomes).toHaveLength(1);
    expect(String(welcomes[0]!.body.text)).toContain(T.admin.name);
    expect((await prisma().member.findUniqueOrThrow({ where: { id: added.id } })).welcomedAt).not.toBeNull();
  });
});
