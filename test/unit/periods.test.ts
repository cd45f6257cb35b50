// Reporting periods in the program's time zone: the edges are where counts go wrong.
import { describe, expect, it } from 'vitest';
import {
  changePercent,
  lastCompletePeriod,
  parsePeriod,
  periodAt,
  previousPeriod,
  quarter,
  quartersSince,
  week,
} from '../../src/domain/periods.js';

const NY = 'America/New_York';

describe('quarters', () => {
  it('are calendar quarters in local time, half-open', () => {
    const q3 = quarter(2024, 3, NY);
    expect([q3.label, q3.name, q3.startDate, q3.endDate]).toEqual([
      '2024-Q3',
      'Jul–Sep 2024',
      '2024-07-01',
      '2024-10-01',
    ]);
    expect(q3.start.toISOString()).toBe('2024-07-01T04:00:00.000Z');
    expect(q3.end.toISOString()).toBe('2024-10-01T04:00:00.000Z');
  });

  it('put 23:30 local on the last day of a quarter in that quarter, though it is the next day in UTC', () => {
    const lateOnSep30 = new Date('2024-10-01T03:30:00Z'); // 23:30 EDT on Sep 30
    expect(periodAt('quarter', lateOnSep30, NY).label).toBe('2024-Q3');
    expect(periodAt('quarter', new Date('2024-10-01T04:00:00Z'), NY).label).toBe('2024-Q4');
    expect(periodAt('quarter', lateOnSep30, 'UTC').label).toBe('2024-Q4');
  });

  it('start at the program start when it falls inside one (a partial first quarter)', () => {
    const q1 = quarter(2024, 1, NY, '2024-03-01');
    expect([q1.startDate, q1.partial, q1.name]).toEqual(['2024-03-01', true, 'Mar 2024 (partial quarter)']);
    expect(quarter(2024, 2, NY, '2024-03-01').partial).toBe(false);
  });

  it('step back across a partial quarter and a year boundary', () => {
    expect(previousPeriod(quarter(2024, 1, NY, '2024-03-01'), NY, '2024-03-01').label).toBe('2023-Q4');
    expect(previousPeriod(quarter(2025, 1, NY), NY).label).toBe('2024-Q4');
  });

  it('list every quarter since the start, oldest first', () => {
    expect(quartersSince('2024-03-01', quarter(2024, 4, NY), NY).map((q) => q.label)).toEqual([
      '2024-Q1',
      '2024-Q2',
      '2024-Q3',
      '2024-Q4',
    ]);
  });
});

describe('weeks', () => {
  it('run Monday to Sunday with ISO numbers, across a DST change', () => {
    const w = week(2024, 45, NY); // Nov 4-10, 2024: clocks went back on Sun Nov 3
    expect([w.startDate, w.endDate]).toEqual(['2024-11-04', '2024-11-11']);
    expect(w.start.toISOString()).toBe('2024-11-04T05:00:00.000Z');
    const before = week(2024, 44, NY);
    expect(before.start.toISOString()).toBe('2024-10-28T04:00:00.000Z');
    expect(before.end.getTime()).toBe(w.start.getTime());
  });

  it('number the first week of the year as ISO does (2026-W01 starts Mon Dec 29, 2025)', () => {
    expect(week(2026, 1, NY).startDate).toBe('2025-12-29');
    expect(periodAt('week', new Date('2025-12-31T15:00:00Z'), NY).label).toBe('2026-W01');
  });

  it('the last complete week on a Monday morning is the one just ended', () => {
    const mondayMorning = new Date('2024-10-07T12:00:00Z');
    expect(lastCompletePeriod('week', mondayMorning, NY).label).toBe('2024-W40');
    expect(lastCompletePeriod('quarter', new Date('2024-10-01T12:00:00Z'), NY).label).toBe('2024-Q3');
  });
});

describe('parsePeriod', () => {
  it('reads quarters, ISO weeks and dates, and nothing else', () => {
    expect(parsePeriod('2024-Q3', undefined, NY)!.label).toBe('2024-Q3');
    expect(parsePeriod('2024-w40', undefined, NY)!.startDate).toBe('2024-09-30');
    expect(parsePeriod('2024-09-30', 'week', NY)!.label).toBe('2024-W40');
    expect(parsePeriod('2024-09-30', 'quarter', NY)!.label).toBe('2024-Q3');
    expect(parsePeriod('2024-Q5', undefined, NY)).toBeNull();
    expect(parsePeriod('2024-W53', undefined, NY)).toBeNull(); // 2024 has 52 ISO weeks
    expect(parsePeriod('2020-W53', undefined, NY)!.startDate).toBe('2020-12-28');
    expect(parsePeriod('2024-02-30', 'week', NY)).toBeNull();
    expect(parsePeriod('2024-Q3', 'week', NY)).toBeNull();
  });
});

describe('changePercent', () => {
  it('is a whole percent, rounded half away from zero, and null against nothing', () => {
    expect(changePercent(115, 87)).toBe(32);
    expect(changePercent(108, 115)).toBe(-6);
    expect(changePercent(5, 0)).toBeNull();
    expect(changePercent(0, 4)).toBe(-100);
    expect(changePercent(213, 200)).toBe(7); // 6.5 → 7
    expect(changePercent(187, 200)).toBe(-7); // -6.5 → -7
  });
});
