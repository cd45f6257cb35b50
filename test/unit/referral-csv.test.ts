// What a row of a referrals file changes on its referral (src/domain/referral-csv.ts): nothing when
// it says what is recorded, a closing time kept through a correction, checks resumed on reopening
// only while some are left.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '../../src/domain/categories.js';
import { type FollowUpRules } from '../../src/domain/followups.js';
import {
  parseReferralsCsv,
  planReferralChanges,
  type ReferralImportRow,
  type StoredReferral,
} from '../../src/domain/referral-csv.js';

const followUps: FollowUpRules = {
  timezone: 'America/New_York',
  nudgeAt: '09:00',
  hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
  overdueAfterWorkingDays: 2,
};
const NOW = new Date('2024-09-05T16:00:00Z'); // Thursday
const rules = {
  categories: DEFAULT_CATEGORIES,
  settings: { checkAfterDays: 7, recheckAfterDays: 7, maxChecks: 3 },
  followUps,
  now: NOW,
};
const ID = '3f1c6a52-8d0e-4b7a-9c2d-5e6f7a8b9c0d';
const CLOSED_AT = new Date('2024-08-20T14:00:00Z');
const stored = (over: Partial<StoredReferral>): Map<string, StoredReferral> =>
  new Map([
    [
      ID,
      {
        id: ID,
        contactNumber: 7,
        clientCode: 'PIC-0007',
        category: 'social_services',
        madeOn: '2024-08-01',
        status: 'made',
        connectedOn: null,
        closedAt: null,
        checks: 0,
        ...over,
      },
    ],
  ]);
const row = (over: Partial<ReferralImportRow>): ReferralImportRow[] => [
  { line: 2, id: ID, status: 'made', connectedOn: null, says: {}, ...over },
];

describe('planReferralChanges', () => {
  it('changes nothing when the row says what is recorded', () => {
    expect(planReferralChanges(row({}), stored({}), rules).changes).toEqual([]);
    const connected = { status: 'connected' as const, connectedOn: '2024-08-10' };
    expect(planReferralChanges(row(connected), stored({ ...connected, closedAt: CLOSED_AT }), rules).changes).toEqual(
      [],
    );
  });

  it('closes an open referral now, without a next check', () => {
    expect(planReferralChanges(row({ status: 'unreachable' }), stored({}), rules).changes).toEqual([
      { id: ID, line: 2, status: 'unreachable', connectedOn: null, closedAt: NOW, nextCheckAt: null },
    ]);
  });

  it('keeps the first closing time through a correction to another end', () => {
    const [change] = planReferralChanges(
      row({ status: 'connected', connectedOn: '2024-08-12' }),
      stored({ status: 'declined', closedAt: CLOSED_AT, checks: 2 }),
      rules,
    ).changes;
    expect(change).toMatchObject({ status: 'connected', connectedOn: '2024-08-12', closedAt: CLOSED_AT });
  });

  it('reopens with a check recheckAfterDays from now while checks are left, and without one after the last', () => {
    const [left] = planReferralChanges(
      row({}),
      stored({ status: 'unknown', closedAt: CLOSED_AT, checks: 2 }),
      rules,
    ).changes;
    // Thursday 5 September + 7 = Thursday the 12th, 09:00 in New York.
    expect(left).toMatchObject({ status: 'made', closedAt: null, nextCheckAt: new Date('2024-09-12T13:00:00Z') });
    const [none] = planReferralChanges(
      row({}),
      stored({ status: 'unknown', closedAt: CLOSED_AT, checks: 3 }),
      rules,
    ).changes;
    expect(none).toMatchObject({ status: 'made', closedAt: null, nextCheckAt: null });
  });

  it('accepts the identity columns in any case, and a connection on the day the referral was made', () => {
    const plan = planReferralChanges(
      row({ status: 'connected', connectedOn: '2024-08-01', says: { client_code: 'pic-0007', contact_number: '7' } }),
      stored({}),
      rules,
    );
    expect(plan.errors).toEqual([]);
    expect(plan.changes).toHaveLength(1);
  });
});

describe('parseReferralsCsv', () => {
  it('skips the Part 2 notice and blank lines, reads guarded cells, and drops word-for-word repeats', () => {
    const text = [
      '# NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records.,,',
      'Referral_ID,Status,Category',
      `${ID.toUpperCase()},declined,"'-peer"`,
      '',
      `${ID},declined,"'-peer"`,
    ].join('\r\n');
    const parsed = parseReferralsCsv(text, '2024-09-05');
    expect(parsed.errors).toEqual([]);
    expect(parsed.duplicates).toBe(1);
    expect(parsed.rows).toEqual([
      { line: 3, id: ID, status: 'declined', connectedOn: null, says: { category: '-peer' } },
    ]);
  });

  it('never quotes free text back', () => {
    const parsed = parseReferralsCsv(`referral_id,status\n${ID},Jane Doe went to rehab\n`, '2024-09-05');
    expect(parsed.errors).toEqual([
      { line: 2, column: 'status', message: 'is not one of made, connected, declined, unreachable, unknown' },
    ]);
  });
});
