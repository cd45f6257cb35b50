// The contact form on a phone, on Teams, end to end (issue 14): the same inputs and taps as
// Slack's modal (test/support/form-taps.ts has the tap model), "New client" chosen in the typeahead
// taking effect at Save without errors for fields never seen, the minutes' error message, the
// client's own case manager pre-filled, and a confirmation that says who has the follow-up.
// The program has two case managers (T.caseManager, T.caseManager2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardOf, elementsOf, inputsOf, pressAction, textsOf } from '../support/fake-teams.js';
import { openTeamsForm, pressOnCard, startTeamsHarness, T, type TeamsHarness } from '../support/teams-harness.js';
import { countTaps, teamsInputs, type TWanted } from '../support/form-taps.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
type Card = NonNullable<ReturnType<typeof cardOf>>;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: () => NOW });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const memberId = async (aad: string) => (await prisma().member.findFirstOrThrow({ where: { platformUserId: aad } })).id;
const clientOf = (code: string) =>
  prisma().client.findFirstOrThrow({ where: { code }, select: { id: true, caseManagerId: true } });

const TYPICAL = {
  source: 'call_for_service',
  services: 'crisis_services',
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  notes: 'Agreed to a call on Tuesday.',
};
const TYPICAL_WANTED: TWanted = {
  client: 'chosen in the typeahead',
  source: 'call_for_service',
  services: ['crisis_services'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  notes: 'typed',
};

async function save(card: Card, values: Record<string, string | undefined>): Promise<Card> {
  const answer = await pressOnCard(h, T.clinician, card, 'contact_save', values);
  expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
  return answer.value as Card;
}

describe('the contact form on a phone (Teams)', () => {
  it('shows the same 9 inputs as Slack, no Follow-up toggle, the details behind a toggle, and a minutes error message', async () => {
    const card = await openTeamsForm(h);
    expect(teamsInputs(card).map((i) => i.id)).toEqual([
      'client',
      'contact_date',
      'contact_time',
      'source',
      'services',
      'disposition',
      'follow_up_date',
      'follow_up_assignee',
      'notes',
    ]);
    const inputs = inputsOf(card);
    expect(inputs.follow_up_wanted).toBeUndefined();
    // Hidden, but in the card: Teams sends them with Save.
    for (const id of ['referrals', 'on_scene', 'incident_ref', 'minutes_on_scene']) expect(inputs).toHaveProperty(id);
    expect(inputs.minutes_on_scene).toMatchObject({
      type: 'Input.Number',
      min: 0,
      max: 1440,
      errorMessage: 'Enter whole minutes from 0 to 1440.',
    });
    const toggle = elementsOf(card).find((e) => e.type === 'Action.ToggleVisibility');
    expect(toggle).toMatchObject({ title: expect.stringMatching(/^More details/) });
    // No client yet: "Follow-up by" is empty, and the hint says who an empty box means.
    expect(inputs.follow_up_assignee!.value).toBeUndefined();
    expect(textsOf(card)).toContain('Empty: the client’s case manager (or, with none, the least busy one).');
    expect(textsOf(card)).toContain('Type a code, or choose “New client”.');
  });

  it('takes "New client" chosen in the typeahead at Save: asks for sex and age, with no red errors and nothing saved', async () => {
    const card = await openTeamsForm(h);
    const asked = await save(card, { ...TYPICAL, client: 'new' });
    const texts = textsOf(asked);
    expect(texts.some((t) => t.includes('Answer Sex and Age below, then Save. Nothing is saved yet.'))).toBe(true);
    // Never an error for a field the card did not show.
    const ids = elementsOf(asked).map((e) => e.id);
    expect(ids).not.toContain('sex_error');
    expect(ids).not.toContain('age_band_error');
    expect(ids).not.toContain('errors');
    expect(teamsInputs(asked)).toHaveLength(11);
    expect(inputsOf(asked).source!.value).toBe('call_for_service');
    expect(await prisma().contact.count()).toBe(0);
    // The Client hint says nothing more about choosing New client.
    expect(texts.join(' ')).not.toMatch(/choose “New client”/);
    const saved = await save(asked, { sex: 'female', age_band: '25-59' });
    const confirmation = textsOf(saved).join(' ');
    expect(confirmation).toMatch(/Saved contact #1 with PIC-0001 \(new client\)/);
    // Who has the follow-up, as Slack's DM says it.
    expect(confirmation).toContain('Follow-up on Tue, Nov 24, 2026 by the client’s case manager.');
    expect((await clientOf('PIC-0001')).caseManagerId).toBe(await memberId(T.caseManager.aadObjectId));
  });

  it('gives the second new client the other case manager, and pre-fills that one on the next form for the client', async () => {
    const card = await openTeamsForm(h);
    const saved = await save(card, { ...TYPICAL, client: 'new', sex: 'male', age_band: '18-24' });
    expect(textsOf(saved).join(' ')).toMatch(/Saved contact #2 with PIC-0002/);
    const second = await clientOf('PIC-0002');
    expect(second.caseManagerId).toBe(await memberId(T.caseManager2.aadObjectId));

    const form = await openTeamsForm(h, T.clinician, 'contact pic-2');
    const assignee = inputsOf(form).follow_up_assignee!;
    expect(assignee.value).toBe(T.caseManager2.aadObjectId);
    expect(assignee.choices).toEqual([{ title: 'The client’s case manager', value: T.caseManager2.aadObjectId }]);
    expect(textsOf(form)).toContain('The client’s case manager. Change to hand it on.');
    // The source of this clinician's last contact.
    expect(inputsOf(form).source!.value).toBe('call_for_service');
    expect(textsOf(form)).toContain('As your last contact.');
  });

  it('logs the typical contact of a known client in at most 12 taps, the follow-up going to the client’s case manager', async () => {
    const card = await openTeamsForm(h);
    const count = countTaps(teamsInputs(card), TYPICAL_WANTED, { saveAt: 'bottom' });
    expect(count.detail).toMatchObject({ client: 2, source: 0, services: 3, disposition: 2, follow_up_date: 2 });
    expect(count.taps).toBeLessThanOrEqual(12);
    const client = await clientOf('PIC-0002');
    const saved = await save(card, { ...TYPICAL, client: client.id, follow_up_date: '2026-11-27' });
    expect(textsOf(saved).join(' ')).toContain('by the client’s case manager.');
    const followUp = await prisma().followUp.findFirstOrThrow({
      where: { clientId: client.id, status: 'pending' },
      orderBy: { dueAt: 'desc' },
    });
    expect(followUp.assigneeId).toBe(await memberId(T.caseManager2.aadObjectId));
  });

  it('asks where the person was taken after a transport chosen on the card, instead of an error on a field never seen', async () => {
    const card = await openTeamsForm(h);
    expect(inputsOf(card).transport_destination).toBeUndefined();
    const client = await clientOf('PIC-0001');
    const before = await prisma().contact.count();
    const asked = await save(card, { ...TYPICAL, client: client.id, disposition: 'voluntary_transport' });
    expect(inputsOf(asked)).toHaveProperty('transport_destination');
    expect(elementsOf(asked).map((e) => e.id)).not.toContain('transport_destination_error');
    expect(textsOf(asked).some((t) => t.includes('Answer Taken to below'))).toBe(true);
    expect(await prisma().contact.count()).toBe(before);
    const saved = await save(asked, { transport_destination: 'crisis_center' });
    expect(textsOf(saved).join(' ')).toMatch(/Saved contact #\d+ with PIC-0001/);
  });

  it('still shows errors by the field for fields the card showed, with the rest kept', async () => {
    const card = await openTeamsForm(h);
    const back = await save(card, { ...TYPICAL, client: undefined, source: undefined });
    const ids = elementsOf(back).map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(['errors', 'client_error', 'source_error']));
    expect(inputsOf(back).services!.value).toBe('crisis_services');
    // The Save the card answers with carries the inputs it drew.
    expect(pressAction(back, 'contact_save').data.shown).toEqual(expect.arrayContaining(['client', 'notes']));
  });

  describe('"Follow-up by" follows the client chosen after the card opened, as on Slack', () => {
    const clientReads = (clientId: string) =>
      prisma().auditEvent.count({ where: { action: 'client.read', entityId: clientId } });

    it('empties the box for "New client" when it still holds the earlier client’s case manager, keeping every other answer', async () => {
      const card = await openTeamsForm(h, T.clinician, 'contact pic-2');
      expect(inputsOf(card).follow_up_assignee!.value).toBe(T.caseManager2.aadObjectId);
      const answer = await pressOnCard(h, T.clinician, card, 'contact_new_client', TYPICAL);
      const back = answer.value as Card;
      expect(inputsOf(back).follow_up_assignee!.value).toBeUndefined();
      expect(textsOf(back)).toContain('Empty: the case manager with the fewest follow-ups.');
      expect(inputsOf(back).source!.value).toBe('call_for_service');
      expect(inputsOf(back).services!.value).toBe('crisis_services');
      expect(inputsOf(back).follow_up_date!.value).toBe('2026-11-24');
      expect(textsOf(back).some((t) => t.startsWith('Your notes (28 characters) are kept'))).toBe(true);
    });

    it('keeps a person the clinician picked themselves', async () => {
      const card = await openTeamsForm(h, T.clinician, 'contact pic-2');
      const answer = await pressOnCard(h, T.clinician, card, 'contact_new_client', {
        ...TYPICAL,
        follow_up_assignee: T.clinician.aadObjectId,
      });
      expect(inputsOf(answer.value as Card).follow_up_assignee!.value).toBe(T.clinician.aadObjectId);
    });

    it('fills in the new client’s own case manager when the card comes back after Save (a read of that client, audited)', async () => {
      const card = await openTeamsForm(h, T.clinician, 'contact pic-2');
      const first = await clientOf('PIC-0001');
      const reads = await clientReads(first.id);
      const before = await prisma().contact.count();
      // PIC-0001 chosen in the typeahead (no round trip), the outcome forgotten.
      const back = await save(card, { ...TYPICAL, client: first.id, disposition: undefined });
      expect(elementsOf(back).map((e) => e.id)).toContain('disposition_error');
      const assignee = inputsOf(back).follow_up_assignee!;
      expect(assignee.value).toBe(T.caseManager.aadObjectId);
      expect(assignee.choices).toEqual([{ title: 'The client’s case manager', value: T.caseManager.aadObjectId }]);
      expect(textsOf(back)).toContain('The client’s case manager. Change to hand it on.');
      expect(await clientReads(first.id)).toBe(reads + 1);
      expect(await prisma().contact.count()).toBe(before);
      // Saved from there, the follow-up goes to PIC-0001's case manager.
      const saved = await save(back, { disposition: 'resolved_on_scene', follow_up_date: '2026-12-01' });
      expect(textsOf(saved).join(' ')).toContain('by the client’s case manager.');
      const followUp = await prisma().followUp.findFirstOrThrow({
        where: { clientId: first.id, status: 'pending' },
        orderBy: { dueAt: 'desc' },
      });
      expect(followUp.assigneeId).toBe(await memberId(T.caseManager.aadObjectId));
    });

    it('saves to the chosen client’s case manager when the box still holds the earlier client’s', async () => {
      const card = await openTeamsForm(h, T.clinician, 'contact pic-2');
      const first = await clientOf('PIC-0001');
      const saved = await save(card, { ...TYPICAL, client: first.id, follow_up_date: '2026-12-02' });
      expect(textsOf(saved).join(' ')).toContain('by the client’s case manager.');
      const followUp = await prisma().followUp.findFirstOrThrow({
        where: { clientId: first.id, status: 'pending' },
        orderBy: { dueAt: 'desc' },
      });
      expect(followUp.assigneeId).toBe(await memberId(T.caseManager.aadObjectId));
    });
  });
});
