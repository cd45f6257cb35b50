// The contact card's on-scene group, "Taken to" and demographics end to end on Teams: activities in
// as Teams sends them, cards out through the fake Bot Connector, rows read back from Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardOf, inputsOf, pressAction, textsOf } from '../support/fake-teams.js';
import { startTeamsHarness, T, TEAMS_YAML, type TeamsHarness } from '../support/teams-harness.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-NOTE-2b7f0 the person was taken to St Francis';

type Card = NonNullable<ReturnType<typeof cardOf>>;
type CardResponse = { statusCode: number; type: string; value: Card | string };

let h: TeamsHarness;
const answers: string[] = [];
beforeAll(async () => {
  h = await startTeamsHarness({
    now: () => NOW,
    yaml: TEAMS_YAML('demographics: { raceEthnicity: true, veteran: true }'),
  });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;

async function openForm(text = 'contact'): Promise<Card> {
  const before = h.teams.calls.length;
  expect((await h.send(h.teams.message(T.clinician, text))).status).toBe(200);
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
  return cardOf(call.body)!;
}

async function press(card: Card, verb: string, values: Record<string, string | undefined> = {}): Promise<Card> {
  const res = await h.send(h.teams.cardAction(T.clinician, pressAction(card, verb, values)));
  expect(res.status).toBe(200);
  answers.push(res.text);
  const answer = res.json as CardResponse;
  expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
  return answer.value as Card;
}

const errorIds = (card: Card) =>
  (JSON.stringify(card).match(/"id":"([a-z_]+)_error"/g) ?? []).map((m) => m.slice(6, -7)).sort();

const GOOD = {
  client: 'new',
  sex: 'female',
  age_band: '60+',
  race_ethnicity: 'white,middle_eastern_north_african',
  veteran: 'yes',
  contact_date: '2026-11-20',
  contact_time: '09:20',
  source: 'officer_contact',
  services: 'de_escalation',
  disposition: 'involuntary_commitment',
  on_scene: 'use_of_force,injury',
  notes: CANARY,
};

describe('on-scene items, "Taken to" and demographics on Teams', () => {
  let newClient: Card;

  it('opens with the on-scene boxes behind More details, none ticked, and no "Taken to" before a transport', async () => {
    const card = await openForm();
    const inputs = inputsOf(card);
    expect(inputs.on_scene).toMatchObject({
      type: 'Input.ChoiceSet',
      isMultiSelect: true,
      style: 'expanded',
      label: 'On scene (optional)',
    });
    expect(inputs.on_scene!.value).toBeUndefined();
    expect((inputs.on_scene!.choices as { value: string }[]).map((c) => c.value)).toEqual([
      'police_backup_requested',
      'use_of_force',
      'injury',
      'arrest_avoided',
      'ed_avoided',
    ]);
    // Hidden until "More details" is pressed (Teams shows it, no round trip), and sent with Save.
    expect(JSON.stringify(card)).toMatch(/"type":"Container","id":"more_details","isVisible":false/);
    expect(inputs).not.toHaveProperty('transport_destination');
    expect(inputs).not.toHaveProperty('race_ethnicity');
    expect(inputs).not.toHaveProperty('veteran');
    // "New client" brings the demographics the program asks, beside sex and age.
    newClient = await press(card, 'contact_new_client', { source: 'officer_contact', on_scene: 'injury' });
    const ids = Object.keys(inputsOf(newClient));
    expect(ids.slice(0, 5)).toEqual(['client', 'sex', 'age_band', 'race_ethnicity', 'veteran']);
    expect(inputsOf(newClient).on_scene!.value).toBe('injury');
  });

  it('answers a transport without its destination by asking for it (the card had not shown it), then with the error by the field, everything else kept', async () => {
    const asked = await press(newClient, 'contact_save', GOOD);
    // Never an error for a field the person never saw: the card comes back with it, asking.
    expect(errorIds(asked)).toEqual([]);
    expect(textsOf(asked)).toContain('⚠️ Answer Taken to below, then Save. Nothing is saved yet.');
    expect(inputsOf(asked).transport_destination).toMatchObject({ label: 'Taken to' });
    expect(await prisma().contact.count()).toBe(0);
    const card = await press(asked, 'contact_save', { notes: undefined });
    expect(errorIds(card)).toEqual(['transport_destination']);
    const els = JSON.stringify(card);
    expect(els.indexOf('"transport_destination_error"')).toBeGreaterThan(els.indexOf('"id":"transport_destination"'));
    expect(textsOf(card)).toContain('Choose where the person was taken.');
    const inputs = inputsOf(card);
    expect(inputs.on_scene!.value).toBe('use_of_force,injury');
    expect(inputs.disposition!.value).toBe('involuntary_commitment');
    expect(inputs.race_ethnicity!.value).toBe('white,middle_eastern_north_african');
    expect(inputs.veteran!.value).toBe('yes');
    expect(JSON.stringify(card)).not.toContain('CANARY');
    expect(await prisma().contact.count()).toBe(0);
    newClient = card;
  });

  it('stores the on-scene items, the destination and the demographics once the destination is chosen', async () => {
    // The notes box left empty: the notes typed before travel sealed and are saved.
    const saved = await press(newClient, 'contact_save', {
      transport_destination: 'emergency_department',
      notes: undefined,
    });
    const text = textsOf(saved).join(' ');
    expect(text).toMatch(/Saved contact #1 with PIC-0001 \(new client\)/);
    expect(text).not.toMatch(/Emergency|force|injur|White|veteran/i);
    const c = await prisma().contact.findFirstOrThrow({ include: { client: true } });
    expect(c.onScene).toEqual(['use_of_force', 'injury']);
    expect(c.transportDestination).toBe('emergency_department');
    expect(c.client.raceEthnicity).toEqual(['white', 'middle_eastern_north_african']);
    expect(c.client.veteran).toBe('yes');
    expect(c.notesCiphertext).toBeTruthy();
  });

  it('drops a destination chosen for an outcome that is not a transport, and asks a known client nothing more', async () => {
    const card = await openForm('contact PIC-0001');
    expect(inputsOf(card)).not.toHaveProperty('race_ethnicity');
    const saved = await press(card, 'contact_save', {
      contact_time: '09:45',
      source: 'proactive_outreach',
      disposition: 'resolved_on_scene',
      transport_destination: 'home',
    });
    expect(textsOf(saved).join(' ')).toMatch(/Saved contact #2 with PIC-0001/);
    const second = await prisma().contact.findFirstOrThrow({ where: { number: 2 } });
    expect(second.transportDestination).toBeNull();
    expect(second.onScene).toEqual([]);
  });

  it('searches the on-scene and destination lists like any other, and never lets the notes out', async () => {
    const res = await h.send(h.teams.search(T.clinician, 'crisis', 'carelog.category.transport_destination'));
    expect((res.json as { value: { results: unknown[] } }).value.results).toEqual([
      { title: 'Crisis center', value: 'crisis_center' },
    ]);
    const calls = JSON.stringify(h.teams.calls);
    expect(calls).not.toContain('CANARY');
    for (const a of answers) expect(a).not.toContain('CANARY');
    expect(h.logs.join('\n')).not.toContain('CANARY');
  });
});
