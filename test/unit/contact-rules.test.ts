// src/domain/contact.ts: what a logged contact must satisfy, with errors keyed by form field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '../../src/domain/categories.js';
import {
  clientSearchRanges,
  formatClientCode,
  parseClientCode,
  validateContactDraft,
  type ContactRules,
} from '../../src/domain/contact.js';
import { FIELD, NEW_CLIENT, type ContactDraft } from '../../src/domain/contact-draft.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const RULES: ContactRules = {
  categories: DEFAULT_CATEGORIES,
  timezone: 'America/New_York',
  startDate: '2024-03-01',
  now: NOW,
};
const CLIENT_ID = '6f1c2a9e-3b4d-4c5e-8f70-123456789abc';

const NEW_CLIENT_DRAFT: ContactDraft = {
  client: NEW_CLIENT,
  sex: 'female',
  ageBand: '25-59',
  date: '2026-11-20',
  time: '09:40',
  source: 'call_for_service',
  services: ['crisis_services', 'de_escalation'],
  referrals: ['addiction_treatment'],
  disposition: 'resolved_on_scene',
  incidentRef: 'CAD-2026-11831',
  minutesOnScene: '45',
  followUpDate: '2026-11-24',
  followUpAssignee: 'U0CASE1',
  notes: 'Met at the library; agreed to a call on Tuesday.',
};

const EXISTING_DRAFT: ContactDraft = {
  client: CLIENT_ID,
  date: '2026-11-20',
  time: '08:05',
  source: 'proactive_outreach',
  disposition: 'referral_only',
};

function check(draft: ContactDraft, rules: Partial<ContactRules> = {}) {
  return validateContactDraft(draft, { ...RULES, ...rules });
}

function errorsOf(draft: ContactDraft, rules: Partial<ContactRules> = {}) {
  const result = check(draft, rules);
  if (result.ok) throw new Error('expected validation errors, the draft was accepted');
  return result.errors;
}

function valueOf(draft: ContactDraft, rules: Partial<ContactRules> = {}) {
  const result = check(draft, rules);
  if (!result.ok) throw new Error(`expected the draft to pass, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe('validateContactDraft', () => {
  it('accepts a complete new-client draft and stores the time in UTC', () => {
    expect(valueOf(NEW_CLIENT_DRAFT)).toEqual({
      // Race and ethnicity and veteran status are not asked by default: empty, not "not reported".
      client: { kind: 'new', sex: 'female', ageBand: '25-59', raceEthnicity: [], veteran: null },
      occurredAt: new Date('2026-11-20T14:40:00.000Z'),
      source: 'call_for_service',
      services: ['crisis_services', 'de_escalation'],
      referrals: ['addiction_treatment'],
      disposition: 'resolved_on_scene',
      transportDestination: null,
      onScene: [],
      incidentRef: 'CAD-2026-11831',
      minutesOnScene: 45,
      followUpDate: '2026-11-24',
      followUpAssignee: 'U0CASE1',
      notes: 'Met at the library; agreed to a call on Tuesday.',
    });
  });

  it('accepts a minimal existing-client draft with empty optional fields', () => {
    const value = valueOf({
      ...EXISTING_DRAFT,
      incidentRef: '  ',
      minutesOnScene: '',
      notes: '   ',
    });
    expect(value.client).toEqual({ kind: 'existing', clientId: CLIENT_ID });
    expect(value.occurredAt.toISOString()).toBe('2026-11-20T13:05:00.000Z');
    expect(value).toMatchObject({
      services: [],
      referrals: [],
      incidentRef: null,
      minutesOnScene: null,
      followUpDate: null,
      notes: null,
    });
  });

  it('reads the time in the program’s own zone', () => {
    const value = valueOf({ ...EXISTING_DRAFT, time: '08:05' }, { timezone: 'Asia/Kolkata' });
    expect(value.occurredAt.toISOString()).toBe('2026-11-20T02:35:00.000Z');
  });

  it('names missing client, source and outcome by their form field ids', () => {
    const errors = errorsOf({ date: '2026-11-20', time: '09:00' });
    expect(Object.keys(errors).sort()).toEqual([FIELD.client, FIELD.disposition, FIELD.source].sort());
    expect(errors[FIELD.client]).toMatch(/Choose a client/);
    expect(errors[FIELD.source]).toBe('Choose how this contact came about.');
    expect(errors[FIELD.disposition]).toBe('Choose the outcome.');
  });

  it('names a missing date and time', () => {
    const errors = errorsOf({ ...EXISTING_DRAFT, date: undefined, time: undefined });
    expect(Object.keys(errors).sort()).toEqual([FIELD.date, FIELD.time].sort());
  });

  it('refuses a client that is neither chosen from the list nor “New client”', () => {
    expect(errorsOf({ ...EXISTING_DRAFT, client: 'PIC-0042' })).toEqual({
      [FIELD.client]: 'Choose a client from the list, or “New client”.',
    });
  });

  it('asks for sex and age of a new client, alongside every other problem at once', () => {
    const errors = errorsOf({
      ...NEW_CLIENT_DRAFT,
      sex: undefined,
      ageBand: undefined,
      source: undefined,
      minutesOnScene: '-5',
      time: '9am',
    });
    expect(Object.keys(errors).sort()).toEqual(
      [FIELD.ageBand, FIELD.minutesOnScene, FIELD.sex, FIELD.source, FIELD.time].sort(),
    );
    expect(errors[FIELD.sex]).toBe('Choose one (“Not reported” is fine).');
    expect(errors[FIELD.ageBand]).toBe('Choose one (“Not reported” is fine).');
  });

  it('refuses a sex or age band the program does not list', () => {
    const errors = errorsOf({ ...NEW_CLIENT_DRAFT, sex: 'unknown', ageBand: '18-99' });
    expect(Object.keys(errors).sort()).toEqual([FIELD.ageBand, FIELD.sex]);
  });

  it('does not ask for sex and age of an existing client', () => {
    expect(check(EXISTING_DRAFT).ok).toBe(true);
  });

  it('refuses a contact more than ten minutes in the future, allowing for clock drift', () => {
    expect(check({ ...EXISTING_DRAFT, time: '10:10' }).ok).toBe(true);
    expect(errorsOf({ ...EXISTING_DRAFT, time: '10:11' })).toEqual({
      [FIELD.date]: 'This is in the future. Enter when the contact happened.',
    });
    expect(errorsOf({ ...EXISTING_DRAFT, date: '2026-11-21', time: '00:00' })[FIELD.date]).toMatch(/future/);
  });

  it('refuses a contact before the program started', () => {
    expect(errorsOf({ ...EXISTING_DRAFT, date: '2024-02-29' })).toEqual({
      [FIELD.date]: 'The program started on 2024-03-01.',
    });
    expect(check({ ...EXISTING_DRAFT, date: '2024-03-01', time: '00:00' }).ok).toBe(true);
  });

  it.each([
    ['2024-02-30', '09:00', FIELD.date],
    ['20/11/2026', '09:00', FIELD.date],
    ['2026-11-20', '24:00', FIELD.time],
    ['2026-11-20', '9:00', FIELD.time],
  ])('refuses date %s time %s under %s', (date, time, field) => {
    expect(Object.keys(errorsOf({ ...EXISTING_DRAFT, date, time }))).toEqual([field]);
  });

  describe('follow-ups', () => {
    it('asks for no follow-up without a date: the date alone is what asks for one', () => {
      const noDate: ContactDraft = { ...EXISTING_DRAFT, followUpAssignee: 'U0CASE1' };
      expect(valueOf(noDate)).toMatchObject({ followUpDate: null, followUpAssignee: null });
      expect(valueOf({ ...noDate, followUpDate: ' ' })).toMatchObject({ followUpDate: null });
    });

    it('refuses a follow-up date in the past, counted in the program’s zone', () => {
      expect(errorsOf({ ...EXISTING_DRAFT, followUpDate: '2026-11-19' })).toEqual({
        [FIELD.followUpDate]: 'Choose today or a later date.',
      });
      expect(valueOf({ ...EXISTING_DRAFT, followUpDate: '2026-11-20' }).followUpDate).toBe('2026-11-20');
      // 22:00 on the 20th in New York is already the 21st in UTC: the 20th is still today.
      const lateEvening = new Date('2026-11-21T03:00:00Z');
      expect(valueOf({ ...EXISTING_DRAFT, followUpDate: '2026-11-20' }, { now: lateEvening }).followUpDate).toBe(
        '2026-11-20',
      );
    });

    it('refuses a follow-up more than a year out, or on a date that does not exist', () => {
      expect(errorsOf({ ...EXISTING_DRAFT, followUpDate: '2027-11-22' })).toEqual({
        [FIELD.followUpDate]: 'Choose a date within a year.',
      });
      expect(check({ ...EXISTING_DRAFT, followUpDate: '2027-11-21' }).ok).toBe(true);
      expect(errorsOf({ ...EXISTING_DRAFT, followUpDate: '2026-11-31' })).toEqual({
        [FIELD.followUpDate]: 'Enter a real date.',
      });
    });

    it('takes a follow-up date on its own to mean a follow-up is needed', () => {
      const value = valueOf({
        ...EXISTING_DRAFT,
        followUpDate: '2026-11-24',
        followUpAssignee: 'U0CASE1',
      });
      expect(value.followUpDate).toBe('2026-11-24');
      expect(value.followUpAssignee).toBe('U0CASE1');
    });

    it('drops an assignee when there is no follow-up', () => {
      const value = valueOf({ ...EXISTING_DRAFT, followUpAssignee: 'U0CASE1' });
      expect(value.followUpDate).toBeNull();
      expect(value.followUpAssignee).toBeNull();
    });
  });

  describe('categories', () => {
    it.each([
      ['source', { source: 'walk_in' }, FIELD.source],
      ['disposition', { disposition: 'released' }, FIELD.disposition],
      ['services', { services: ['crisis_services', 'haircut'] }, FIELD.services],
      ['referrals', { referrals: ['housing'] }, FIELD.referrals],
    ])('refuses an unknown %s key', (_what, change, field) => {
      expect(Object.keys(errorsOf({ ...EXISTING_DRAFT, ...change }))).toEqual([field]);
    });

    it('checks against the program’s own lists, not the defaults', () => {
      const categories = { ...DEFAULT_CATEGORIES, sources: [{ key: 'walk_in', label: 'Walk-in', part2: false }] };
      expect(check({ ...EXISTING_DRAFT, source: 'walk_in' }, { categories }).ok).toBe(true);
      expect(Object.keys(errorsOf(EXISTING_DRAFT, { categories }))).toEqual([FIELD.source]);
    });

    it('removes repeated services and referrals', () => {
      const value = valueOf({
        ...EXISTING_DRAFT,
        services: ['transport', 'crisis_services', 'transport'],
        referrals: ['other', 'other'],
      });
      expect(value.services).toEqual(['transport', 'crisis_services']);
      expect(value.referrals).toEqual(['other']);
    });
  });

  describe('free text and numbers', () => {
    it('allows notes up to 3000 characters and refuses more', () => {
      expect(valueOf({ ...EXISTING_DRAFT, notes: 'n'.repeat(3000) }).notes).toHaveLength(3000);
      expect(errorsOf({ ...EXISTING_DRAFT, notes: 'n'.repeat(3001) })).toEqual({
        [FIELD.notes]: 'Notes can be at most 3000 characters.',
      });
    });

    it.each([
      ['-5', 'Minutes cannot be negative.'],
      ['4.5', 'Enter whole minutes.'],
      ['1441', 'Enter at most 1440 minutes (a day).'],
      ['soon', 'Enter a number of minutes.'],
    ])('refuses %s minutes on scene', (minutes, message) => {
      expect(errorsOf({ ...EXISTING_DRAFT, minutesOnScene: minutes })).toEqual({ [FIELD.minutesOnScene]: message });
    });

    it('reads minutes on scene as a whole number', () => {
      expect(valueOf({ ...EXISTING_DRAFT, minutesOnScene: ' 0 ' }).minutesOnScene).toBe(0);
      expect(valueOf({ ...EXISTING_DRAFT, minutesOnScene: '1440' }).minutesOnScene).toBe(1440);
    });

    it.each(['CAD 2026', 'CAD<script>', '-2026', '#12', 'CAD_12', 'x'.repeat(41)])(
      'refuses incident number %j',
      (ref) => {
        expect(Object.keys(errorsOf({ ...EXISTING_DRAFT, incidentRef: ref }))).toEqual([FIELD.incidentRef]);
      },
    );

    it.each(['CAD-2026-11831', '26/11831', 'INC#4.2', ' 12345 '])('accepts incident number %j', (ref) => {
      expect(valueOf({ ...EXISTING_DRAFT, incidentRef: ref }).incidentRef).toBe(ref.trim());
    });
  });
});

describe('client codes', () => {
  it.each(['pic-42', 'PIC-0042', '42', '0042', ' PIC42 ', 'Pic-00042'])('reads %j as PIC-0042', (text) => {
    expect(parseClientCode(text, 'PIC')).toBe('PIC-0042');
  });

  it.each(['hello', '', 'PIC-', 'XYZ-42', '4.2', 'PIC-42a', '42 PIC', '1234567890'])('reads %j as no code', (text) => {
    expect(parseClientCode(text, 'PIC')).toBeNull();
  });

  it('pads numbers to four digits and keeps longer ones whole', () => {
    expect(formatClientCode('PIC', 7)).toBe('PIC-0007');
    expect(formatClientCode('PIC', 42)).toBe('PIC-0042');
    expect(formatClientCode('PIC', 9999)).toBe('PIC-9999');
    expect(formatClientCode('PIC', 12345)).toBe('PIC-12345');
    expect(parseClientCode('pic-12345', 'PIC')).toBe('PIC-12345');
  });

  it('uses the program’s prefix', () => {
    expect(parseClientCode('cr7-3', 'CR7')).toBe('CR7-0003');
    expect(parseClientCode('PIC-3', 'CR7')).toBeNull();
  });
});

describe('client typeahead ranges', () => {
  it('reads the number typed, then the numbers it begins', () => {
    expect(clientSearchRanges('42', 'PIC')).toEqual([
      [42, 42],
      [420, 429],
      [4200, 4299],
      [42_000, 42_999],
      [420_000, 429_999],
      [4_200_000, 4_299_999],
      [42_000_000, 42_999_999],
      [420_000_000, 429_999_999],
    ]);
    for (const q of ['PIC-42', 'pic42', ' pic - 42 '])
      expect(clientSearchRanges(q, 'PIC')).toEqual(clientSearchRanges('42', 'PIC'));
  });

  it('reads leading zeros as the padded code being typed', () => {
    expect(clientSearchRanges('0042', 'PIC')).toEqual([[42, 42]]);
    expect(clientSearchRanges('00042', 'PIC')).toEqual([[42, 42]]);
    expect(clientSearchRanges('pic-004', 'PIC')).toEqual([[40, 49]]);
    expect(clientSearchRanges('00', 'PIC')).toEqual([[1, 99]]);
  });

  it('lists the newest for nothing or part of the prefix, and nothing for anything else', () => {
    for (const q of ['', ' ', '-', 'P', 'pi', 'PIC', 'pic-']) expect(clientSearchRanges(q, 'PIC')).toBe('newest');
    expect(clientSearchRanges('CR', 'CR7')).toBe('newest');
    expect(clientSearchRanges('cr7-3', 'CR7')[0]).toEqual([3, 3]);
    for (const q of ['DOV-42', 'new', '42a', '4-2', '1234567890']) expect(clientSearchRanges(q, 'PIC')).toEqual([]);
  });
});
