// The on-scene items, the transport destination and the optional demographics of a contact, as
// validation reads them: the rules every form (Slack, Teams) and the CSV import share.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '../../src/domain/categories.js';
import { validateContactDraft, type ContactRules } from '../../src/domain/contact.js';
import { FIELD, NEW_CLIENT, type ContactDraft } from '../../src/domain/contact-draft.js';

const rules = (over: Partial<ContactRules> = {}): ContactRules => ({
  categories: DEFAULT_CATEGORIES,
  timezone: 'America/New_York',
  startDate: '2024-03-01',
  now: new Date('2024-09-10T16:00:00Z'),
  ...over,
});

const draft = (over: Partial<ContactDraft> = {}): ContactDraft => ({
  client: NEW_CLIENT,
  sex: 'female',
  ageBand: '25-59',
  date: '2024-09-10',
  time: '10:30',
  source: 'call_for_service',
  disposition: 'resolved_on_scene',
  ...over,
});

describe('on scene', () => {
  it('is optional, none ticked by default', () => {
    const v = validateContactDraft(draft(), rules());
    expect(v.ok && v.value.onScene).toEqual([]);
  });

  it('keeps the items ticked, once each, and refuses one not on the list by the field', () => {
    const v = validateContactDraft(draft({ onScene: ['use_of_force', 'arrest_avoided', 'use_of_force'] }), rules());
    expect(v.ok && v.value.onScene).toEqual(['use_of_force', 'arrest_avoided']);
    const bad = validateContactDraft(draft({ onScene: ['taser'] }), rules());
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[FIELD.onScene]).toMatch(/not on this program’s list/);
  });
});

describe('transport destination', () => {
  it('is asked when the outcome is a transport, by the field', () => {
    const v = validateContactDraft(draft({ disposition: 'voluntary_transport' }), rules());
    expect(!v.ok && v.errors).toEqual({ [FIELD.transportDestination]: 'Choose where the person was taken.' });
    const ok = validateContactDraft(
      draft({ disposition: 'involuntary_commitment', transportDestination: 'emergency_department' }),
      rules(),
    );
    expect(ok.ok && ok.value.transportDestination).toBe('emergency_department');
  });

  it('is dropped when the outcome is not a transport (a choice left from an earlier outcome)', () => {
    const v = validateContactDraft(draft({ transportDestination: 'home' }), rules());
    expect(v.ok && v.value.transportDestination).toBeNull();
  });

  it('refuses a destination not on the list', () => {
    const v = validateContactDraft(
      draft({ disposition: 'voluntary_transport', transportDestination: 'moon' }),
      rules(),
    );
    expect(!v.ok && v.errors[FIELD.transportDestination]).toBe('Choose where the person was taken.');
  });
});

describe('demographics', () => {
  const asked = { raceEthnicity: true, veteran: true };

  it('are not asked, nor kept, unless the program asks', () => {
    const v = validateContactDraft(draft({ raceEthnicity: ['asian'], veteran: 'yes' }), rules());
    expect(v.ok && v.value.client).toEqual({
      kind: 'new',
      sex: 'female',
      ageBand: '25-59',
      raceEthnicity: [],
      veteran: null,
    });
  });

  it('are required of a new client when asked (“Not reported” is an answer), by the field', () => {
    const v = validateContactDraft(draft(), rules({ demographics: asked }));
    expect(!v.ok && Object.keys(v.errors).sort()).toEqual([FIELD.raceEthnicity, FIELD.veteran].sort());
    const ok = validateContactDraft(
      draft({ raceEthnicity: ['hispanic_latino', 'white'], veteran: 'not_reported' }),
      rules({ demographics: asked }),
    );
    expect(ok.ok && ok.value.client).toMatchObject({
      raceEthnicity: ['hispanic_latino', 'white'],
      veteran: 'not_reported',
    });
  });

  it('take several race and ethnicity answers, but “Not reported” alone', () => {
    const v = validateContactDraft(
      draft({ raceEthnicity: ['not_reported', 'asian'], veteran: 'no' }),
      rules({ demographics: asked }),
    );
    expect(!v.ok && v.errors[FIELD.raceEthnicity]).toMatch(/cannot go with another/);
  });

  it('are not asked of a known client', () => {
    const v = validateContactDraft(
      draft({ client: '8f9c2b1e-0b7a-4d0e-9a57-3c2f6f1d2a10', sex: undefined, ageBand: undefined }),
      rules({ demographics: asked }),
    );
    expect(v.ok).toBe(true);
  });
});
