// When linkage checks go out and what an answer does (src/domain/referrals.ts).
import { describe, expect, it } from 'vitest';
import { type FollowUpRules } from '../../src/domain/followups.js';
import { afterAnswer, firstCheckAt, recheckAt, stillCheckable } from '../../src/domain/referrals.js';

const rules: FollowUpRules = {
  timezone: 'America/New_York',
  nudgeAt: '09:00',
  hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
  overdueAfterWorkingDays: 2,
};
const settings = { checkAfterDays: 7, recheckAfterDays: 7, maxChecks: 3 };

describe('firstCheckAt', () => {
  it('is the nudge hour checkAfterDays after the referral, in the program’s zone', () => {
    // Tuesday 2024-09-10, 15:00 in New York; a week later is Tuesday the 17th, 09:00 EDT.
    const at = firstCheckAt(new Date('2024-09-10T19:00:00Z'), new Date('2024-09-10T19:05:00Z'), settings, rules);
    expect(at.toISOString()).toBe('2024-09-17T13:00:00.000Z');
  });

  it('moves a check that falls on a closed day to the next opening', () => {
    // Saturday 2024-09-07 + 7 = Saturday the 14th: Monday the 16th at 08:00 opening.
    const at = firstCheckAt(new Date('2024-09-07T15:00:00Z'), new Date('2024-09-07T15:00:00Z'), settings, rules);
    expect(at.toISOString()).toBe('2024-09-16T12:00:00.000Z');
  });

  it('with 0 days, is the day of the referral; once that hour has passed, the next opening from now', () => {
    const zero = { ...settings, checkAfterDays: 0 };
    const early = firstCheckAt(new Date('2024-09-10T11:00:00Z'), new Date('2024-09-10T11:30:00Z'), zero, rules);
    expect(early.toISOString()).toBe('2024-09-10T13:00:00.000Z');
    const late = firstCheckAt(new Date('2024-09-10T19:00:00Z'), new Date('2024-09-10T19:30:00Z'), zero, rules);
    expect(late.toISOString()).toBe('2024-09-10T19:30:00.000Z');
  });

  it('for a referral logged late whose check has passed, is the next opening from now', () => {
    // Friday evening after hours: Monday 08:00.
    const at = firstCheckAt(new Date('2024-08-01T15:00:00Z'), new Date('2024-09-13T23:00:00Z'), settings, rules);
    expect(at.toISOString()).toBe('2024-09-16T12:00:00.000Z');
  });
});

describe('recheckAt', () => {
  it('is the nudge hour recheckAfterDays from today', () => {
    expect(recheckAt(new Date('2024-09-17T14:00:00Z'), settings, rules).toISOString()).toBe('2024-09-24T13:00:00.000Z');
  });
});

describe('stillCheckable', () => {
  it('is true while the run of checks has days left, false for referrals from long ago', () => {
    const made = new Date('2024-09-10T15:00:00Z');
    // 7 + 7 * 2 = 21 days: the last check day is 2024-10-01.
    expect(stillCheckable(made, new Date('2024-10-01T20:00:00Z'), settings, rules)).toBe(true);
    expect(stillCheckable(made, new Date('2024-10-02T14:00:00Z'), settings, rules)).toBe(false);
  });
});

describe('afterAnswer', () => {
  it('closes on connected, declined and unreachable', () => {
    expect(afterAnswer('connected', 1, settings)).toEqual({ status: 'connected', checkAgain: false });
    expect(afterAnswer('declined', 1, settings)).toEqual({ status: 'declined', checkAgain: false });
    expect(afterAnswer('unreachable', 2, settings)).toEqual({ status: 'unreachable', checkAgain: false });
  });

  it('asks again after "Not yet" until maxChecks, then records unknown', () => {
    expect(afterAnswer('not_yet', 1, settings)).toEqual({ status: 'made', checkAgain: true });
    expect(afterAnswer('not_yet', 2, settings)).toEqual({ status: 'made', checkAgain: true });
    expect(afterAnswer('not_yet', 3, settings)).toEqual({ status: 'unknown', checkAgain: false });
  });
});
