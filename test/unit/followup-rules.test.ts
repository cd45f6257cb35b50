// Follow-up rules: when a nudge fires, when it is overdue, where a snooze and a try with no answer
// land. New York time,
// Mon–Fri 08:00–18:00, nudges at 09:00 unless a test says otherwise.
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  afterAttempt,
  nextOpening,
  nextTryAt,
  nudgeTime,
  overdueCutoff,
  overdueTime,
  snoozedUntil,
  weekdayOf,
  type FollowUpRules,
} from '../../src/domain/followups.js';
import { addDays, fromLocal, toLocal } from '../../src/domain/time.js';

const TZ = 'America/New_York';
const RULES: FollowUpRules = {
  timezone: TZ,
  nudgeAt: '09:00',
  hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
  overdueAfterWorkingDays: 2,
};
const iso = (d: Date) => d.toISOString();

describe('weekdayOf', () => {
  it('names the weekday of a date', () => {
    expect(weekdayOf('2026-11-20')).toBe('fri');
    expect(weekdayOf('2026-11-22')).toBe('sun');
    expect(weekdayOf('2026-11-23')).toBe('mon');
  });
});

describe('nudgeTime', () => {
  it('fires at the nudge hour on a working day inside hours', () => {
    // Tue 24 Nov 2026, 09:00 EST.
    expect(iso(nudgeTime('2026-11-24', RULES))).toBe('2026-11-24T14:00:00.000Z');
  });

  it('moves a nudge hour before opening to the opening the same day', () => {
    expect(iso(nudgeTime('2026-11-24', { ...RULES, nudgeAt: '07:00' }))).toBe('2026-11-24T13:00:00.000Z');
  });

  it('moves a nudge hour at or after closing to the next working day’s opening', () => {
    expect(iso(nudgeTime('2026-11-24', { ...RULES, nudgeAt: '19:30' }))).toBe('2026-11-25T13:00:00.000Z');
  });

  it('keeps Friday 17:59 and moves Friday 18:00 to Monday 08:00', () => {
    expect(iso(nudgeTime('2026-11-20', { ...RULES, nudgeAt: '17:59' }))).toBe('2026-11-20T22:59:00.000Z');
    expect(iso(nudgeTime('2026-11-20', { ...RULES, nudgeAt: '18:00' }))).toBe('2026-11-23T13:00:00.000Z');
  });

  it('moves a weekend date to Monday’s opening', () => {
    expect(iso(nudgeTime('2026-11-21', RULES))).toBe('2026-11-23T13:00:00.000Z');
    expect(iso(nudgeTime('2026-11-22', RULES))).toBe('2026-11-23T13:00:00.000Z');
  });

  it('follows program days that are not Mon–Fri', () => {
    const rules = { ...RULES, hours: { days: ['sat' as const], from: '10:00', to: '14:00' } };
    // From Monday, the next opening is Saturday at 10:00.
    expect(iso(nudgeTime('2026-11-23', rules))).toBe('2026-11-28T15:00:00.000Z');
  });

  for (const [label, from, to, shiftAt] of [
    ['spring forward (2026-03-08)', '2026-03-02', '2026-03-13', '2026-03-08'],
    ['fall back (2026-11-01)', '2026-10-26', '2026-11-06', '2026-11-01'],
  ] as const) {
    it(`stays at 09:00 New York time across ${label}, never the same instant twice`, () => {
      const instants: Date[] = [];
      for (
        let d: string = from;
        d <= to;
        d = new Date(Date.parse(`${d}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
      ) {
        if (['sat', 'sun'].includes(weekdayOf(d))) continue;
        const at = nudgeTime(d, RULES);
        expect(toLocal(at, TZ)).toEqual({ date: d, time: '09:00' });
        // EST is UTC-5 (09:00 = 14:00Z), EDT UTC-4 (09:00 = 13:00Z).
        const edt = shiftAt === '2026-03-08' ? d > shiftAt : d < shiftAt;
        expect(at.getUTCHours()).toBe(edt ? 13 : 14);
        instants.push(at);
      }
      expect(instants).toHaveLength(10);
      expect(new Set(instants.map(iso)).size).toBe(10);
      for (let i = 1; i < instants.length; i++)
        expect(instants[i]!.getTime()).toBeGreaterThan(instants[i - 1]!.getTime());
    });
  }

  it('picks one instant in the fall-back hour and moves forward through the spring-forward gap', () => {
    const always = {
      ...RULES,
      hours: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as FollowUpRules['hours']['days'],
        from: '00:00',
        to: '23:59',
      },
    };
    // 01:30 happens twice on 1 Nov 2026: the first (EDT, 05:30Z) is chosen.
    expect(iso(nudgeTime('2026-11-01', { ...always, nudgeAt: '01:30' }))).toBe('2026-11-01T05:30:00.000Z');
    // 02:30 never happens on 8 Mar 2026: it becomes 03:30 EDT (07:30Z).
    expect(iso(nudgeTime('2026-03-08', { ...always, nudgeAt: '02:30' }))).toBe('2026-03-08T07:30:00.000Z');
  });
});

describe('nextOpening', () => {
  it('keeps an instant inside hours and moves one after hours', () => {
    const inside = new Date('2026-11-24T20:00:00Z'); // Tue 15:00 EST
    expect(nextOpening(inside, RULES.hours, TZ)).toEqual(inside);
    expect(iso(nextOpening(new Date('2026-11-24T23:00:00Z'), RULES.hours, TZ))).toBe('2026-11-25T13:00:00.000Z');
  });
});

describe('addWorkingDays', () => {
  it('counts only open days', () => {
    expect(addWorkingDays('2026-11-19', 1, RULES.hours)).toBe('2026-11-20'); // Thu → Fri
    expect(addWorkingDays('2026-11-20', 1, RULES.hours)).toBe('2026-11-23'); // Fri → Mon
    expect(addWorkingDays('2026-11-20', 2, RULES.hours)).toBe('2026-11-24'); // Fri → Tue
    expect(addWorkingDays('2026-11-21', 1, RULES.hours)).toBe('2026-11-23'); // Sat → Mon
    expect(addWorkingDays('2026-11-16', 10, RULES.hours)).toBe('2026-11-30'); // two full weeks
  });

  it('adds nothing for zero', () => {
    expect(addWorkingDays('2026-11-21', 0, RULES.hours)).toBe('2026-11-21');
  });
});

describe('overdueTime', () => {
  it('is the nudge hour N working days after the due day', () => {
    // Due Fri 20 Nov 09:00 → overdue Tue 24 Nov 09:00.
    expect(iso(overdueTime(new Date('2026-11-20T14:00:00Z'), RULES))).toBe('2026-11-24T14:00:00.000Z');
    // Due Wed 25 Nov → Fri 27 Nov.
    expect(iso(overdueTime(new Date('2026-11-25T14:00:00Z'), RULES))).toBe('2026-11-27T14:00:00.000Z');
  });

  it('with zero working days is the nudge hour on the due day itself', () => {
    expect(iso(overdueTime(new Date('2026-11-24T14:00:00Z'), { ...RULES, overdueAfterWorkingDays: 0 }))).toBe(
      '2026-11-24T14:00:00.000Z',
    );
  });

  it('keeps 09:00 local across a daylight-saving change', () => {
    // Due Fri 6 Mar 2026 (EST) → overdue Tue 10 Mar (EDT), 09:00 both.
    expect(iso(overdueTime(new Date('2026-03-06T14:00:00Z'), RULES))).toBe('2026-03-10T13:00:00.000Z');
  });
});

describe('overdueCutoff', () => {
  /** Brute force: the first local day whose follow-ups are not yet overdue at `at`. */
  const firstNotOverdueDay = (at: Date, rules: FollowUpRules) => {
    // Far enough back: N open days of at most one a week.
    let d = addDays(toLocal(at, rules.timezone).date, -7 * (rules.overdueAfterWorkingDays + 2));
    while (overdueTime(fromLocal(d, '12:00', rules.timezone), rules) <= at) d = addDays(d, 1);
    return d;
  };

  it('splits due days into overdue and not at the overdue nudge hour', () => {
    // Mon 23 Nov 2026 09:00: a follow-up due Thu 19 Nov is overdue (2 working days: Fri, Mon).
    const cut = overdueCutoff(fromLocal('2026-11-23', '09:00', TZ), RULES);
    expect(toLocal(cut, TZ)).toEqual({ date: '2026-11-20', time: '00:00' });
    // One minute earlier, Thursday's follow-ups are not overdue yet.
    expect(toLocal(overdueCutoff(fromLocal('2026-11-23', '08:59', TZ), RULES), TZ)).toEqual({
      date: '2026-11-19',
      time: '00:00',
    });
  });

  it('agrees with overdueTime through a month of hours, with weekend days, zero and many working days, across DST', () => {
    for (const rules of [
      RULES,
      { ...RULES, overdueAfterWorkingDays: 0 },
      { ...RULES, overdueAfterWorkingDays: 15, hours: { ...RULES.hours, days: ['tue' as const] } },
    ]) {
      for (let h = 0; h < 31 * 24; h += 13) {
        const at = new Date(Date.parse('2026-10-20T00:00:00Z') + h * 3_600_000);
        expect(toLocal(overdueCutoff(at, rules), TZ).date).toBe(firstNotOverdueDay(at, rules));
      }
    }
  });
});

describe('snoozedUntil', () => {
  const friday = new Date('2026-11-20T15:00:00Z'); // Fri 10:00 EST
  it('lands at the nudge hour that many days later, inside hours', () => {
    expect(iso(snoozedUntil(friday, '3d', RULES))).toBe('2026-11-23T14:00:00.000Z'); // Mon 09:00
    expect(iso(snoozedUntil(friday, '1w', RULES))).toBe('2026-11-27T14:00:00.000Z'); // next Fri 09:00
  });

  it('moves a snooze that lands on a weekend to Monday’s opening', () => {
    expect(iso(snoozedUntil(friday, '1d', RULES))).toBe('2026-11-23T13:00:00.000Z');
  });

  it('counts days from the program’s local date, not UTC', () => {
    // Tue 24 Nov 22:30 EST is already Wed in UTC; one day later is Wed 25 Nov locally.
    expect(iso(snoozedUntil(new Date('2026-11-25T03:30:00Z'), '1d', RULES))).toBe('2026-11-25T14:00:00.000Z');
  });
});

describe('nextTryAt', () => {
  it('nudges again at the nudge hour of the next working day', () => {
    // Tue 24 Nov 10:00 EST → Wed 25 Nov 09:00.
    expect(iso(nextTryAt(new Date('2026-11-24T15:00:00Z'), RULES))).toBe('2026-11-25T14:00:00.000Z');
  });

  it('takes a Friday’s or a weekend’s try to Monday', () => {
    expect(iso(nextTryAt(new Date('2026-11-20T21:00:00Z'), RULES))).toBe('2026-11-23T14:00:00.000Z'); // Fri 16:00
    expect(iso(nextTryAt(new Date('2026-11-21T15:00:00Z'), RULES))).toBe('2026-11-23T14:00:00.000Z'); // Sat
    expect(iso(nextTryAt(new Date('2026-11-22T15:00:00Z'), RULES))).toBe('2026-11-23T14:00:00.000Z'); // Sun
  });

  it('counts from the program’s local date and keeps to its days and hours', () => {
    // Thu 26 Nov 22:30 EST is Friday in UTC: the next working day is Friday locally.
    expect(iso(nextTryAt(new Date('2026-11-27T03:30:00Z'), RULES))).toBe('2026-11-27T14:00:00.000Z');
    // Open Mon, Wed and Fri only, nudges at 07:00 before an 08:00 opening: Monday's try → Wednesday 08:00.
    const sparse: FollowUpRules = {
      ...RULES,
      nudgeAt: '07:00',
      hours: { days: ['mon', 'wed', 'fri'], from: '08:00', to: '18:00' },
    };
    expect(iso(nextTryAt(new Date('2026-11-23T15:00:00Z'), sparse))).toBe('2026-11-25T13:00:00.000Z');
  });

  it('keeps the nudge hour across a daylight-saving change', () => {
    // Fri 6 Mar 2026 (EST) → Mon 9 Mar 2026 (EDT, from Sun 8 Mar): 09:00 local is 13:00 UTC.
    expect(iso(nextTryAt(new Date('2026-03-06T15:00:00Z'), RULES))).toBe('2026-03-09T13:00:00.000Z');
  });
});

describe('afterAttempt', () => {
  it('tries again until the last try, which closes the follow-up as unreachable', () => {
    expect(afterAttempt(0, 3)).toEqual({ attempts: 1, outcome: 'retry' });
    expect(afterAttempt(1, 3)).toEqual({ attempts: 2, outcome: 'retry' });
    expect(afterAttempt(2, 3)).toEqual({ attempts: 3, outcome: 'unreachable' });
  });

  it('closes at once when one try is all the program allows, or tries recorded already reach a lowered limit', () => {
    expect(afterAttempt(0, 1)).toEqual({ attempts: 1, outcome: 'unreachable' });
    expect(afterAttempt(4, 3)).toEqual({ attempts: 5, outcome: 'unreachable' });
  });
});
