// src/domain/time.ts: wall-clock arithmetic in a program's zone, across DST and date lines.
import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatDateTime,
  fromLocal,
  isIsoDate,
  parseDateTime,
  toLocal,
  zoneOffsetMinutes,
} from '../../src/domain/time.js';

const NY = 'America/New_York';

describe('fromLocal and toLocal', () => {
  it.each([
    ['2024-01-15', '09:00', NY, '2024-01-15T14:00:00.000Z'],
    ['2024-07-15', '09:00', NY, '2024-07-15T13:00:00.000Z'],
    ['2024-02-29', '00:00', NY, '2024-02-29T05:00:00.000Z'],
    ['2024-12-31', '23:59', NY, '2025-01-01T04:59:00.000Z'],
    ['2024-09-30', '23:30', 'Asia/Kolkata', '2024-09-30T18:00:00.000Z'],
    ['2024-10-01', '03:00', 'Asia/Kolkata', '2024-09-30T21:30:00.000Z'],
    ['2024-01-15', '12:00', 'Australia/Lord_Howe', '2024-01-15T01:00:00.000Z'], // +11:00 in summer
    ['2024-07-15', '12:00', 'Australia/Lord_Howe', '2024-07-15T01:30:00.000Z'], // +10:30 in winter
    ['2024-06-01', '08:15', 'UTC', '2024-06-01T08:15:00.000Z'],
  ])('%s %s in %s is %s, and back', (date, time, zone, iso) => {
    const instant = fromLocal(date, time, zone);
    expect(instant.toISOString()).toBe(iso);
    expect(toLocal(instant, zone)).toEqual({ date, time });
  });

  it('maps every half hour of 2026 in New York back to itself, except the repeated fall-back hour', () => {
    const repeated: string[] = [];
    let checked = 0;
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 30 * 60_000) {
      const local = toLocal(new Date(t), NY);
      const back = fromLocal(local.date, local.time, NY);
      if (back.getTime() !== t) {
        // Two instants share this wall time; fromLocal picks the earlier, an hour before.
        expect(back.getTime()).toBe(t - 3_600_000);
        repeated.push(`${local.date} ${local.time}`);
      }
      checked++;
    }
    expect(checked).toBe(365 * 48);
    expect(repeated).toEqual(['2026-11-01 01:00', '2026-11-01 01:30']);
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    // 2026-03-08: New York's clocks jump from 02:00 EST to 03:00 EDT.
    const instant = fromLocal('2026-03-08', '02:30', NY);
    expect(instant.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(toLocal(instant, NY)).toEqual({ date: '2026-03-08', time: '03:30' });
    // Either side of the gap is unaffected.
    expect(fromLocal('2026-03-08', '01:59', NY).toISOString()).toBe('2026-03-08T06:59:00.000Z');
    expect(fromLocal('2026-03-08', '03:00', NY).toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('chooses the earlier instant in the fall-back overlap', () => {
    // 2026-11-01: 01:30 happens twice, at 05:30Z (EDT) and 06:30Z (EST).
    expect(fromLocal('2026-11-01', '01:30', NY).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(toLocal(new Date('2026-11-01T06:30:00Z'), NY)).toEqual({ date: '2026-11-01', time: '01:30' });
    expect(fromLocal('2026-11-01', '02:00', NY).toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('handles Lord Howe’s half-hour DST: gap moved forward 30 minutes, overlap takes the earlier', () => {
    // 2026-10-04 02:00 +10:30 becomes 02:30 +11:00.
    const gap = fromLocal('2026-10-04', '02:15', 'Australia/Lord_Howe');
    expect(toLocal(gap, 'Australia/Lord_Howe')).toEqual({ date: '2026-10-04', time: '02:45' });
    expect(gap.toISOString()).toBe('2026-10-03T15:45:00.000Z');
    // 2026-04-05 02:00 +11:00 goes back to 01:30 +10:30: 01:45 happens twice.
    expect(fromLocal('2026-04-05', '01:45', 'Australia/Lord_Howe').toISOString()).toBe('2026-04-04T14:45:00.000Z');
  });

  it('keeps a contact late on the last day of a quarter on that day locally', () => {
    // 23:30 in New York on 30 September is already 1 October in UTC.
    const instant = fromLocal('2024-09-30', '23:30', NY);
    expect(instant.toISOString()).toBe('2024-10-01T03:30:00.000Z');
    expect(toLocal(instant, NY).date).toBe('2024-09-30');
    // East of UTC it is the other way round: 03:00 on 1 October in Kolkata is still 30 September in UTC.
    const kolkata = fromLocal('2024-10-01', '03:00', 'Asia/Kolkata');
    expect(kolkata.toISOString().slice(0, 10)).toBe('2024-09-30');
    expect(toLocal(kolkata, 'Asia/Kolkata').date).toBe('2024-10-01');
  });
});

describe('zoneOffsetMinutes', () => {
  it.each([
    ['2026-01-15T12:00:00Z', NY, -300],
    ['2026-07-15T12:00:00Z', NY, -240],
    ['2026-07-15T12:00:00Z', 'Asia/Kolkata', 330],
    ['2026-07-15T12:00:00Z', 'Australia/Lord_Howe', 630],
    ['2026-01-15T12:00:00Z', 'Australia/Lord_Howe', 660],
    ['2026-01-15T12:00:00.999Z', 'UTC', 0],
  ])('at %s in %s is %d', (iso, zone, offset) => {
    expect(zoneOffsetMinutes(new Date(iso), zone)).toBe(offset);
  });
});

describe('toLocal against Intl itself', () => {
  // toLocal keeps one offset per quarter hour of UTC; Intl is asked fresh here for every instant,
  // at odd minutes and seconds, across the transitions of zones with hour, half-hour and
  // quarter-hour offsets, so a transition inside a quarter hour would show up as a mismatch.
  const intl = (zone: string) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  it.each([
    'America/New_York',
    'America/Los_Angeles',
    'Europe/London',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Pacific/Chatham',
    'America/St_Johns',
    'UTC',
  ])('agrees with Intl every 7 min 13 s through 2026 in %s', (zone) => {
    const f = intl(zone);
    let mismatches = 0;
    let checked = 0;
    for (let t = Date.UTC(2026, 0, 1, 0, 3, 17); t < Date.UTC(2027, 0, 1); t += 433_000) {
      const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
      const local = toLocal(new Date(t), zone);
      if (local.date !== `${p.year}-${p.month}-${p.day}` || local.time !== `${p.hour}:${p.minute}`) mismatches++;
      checked++;
    }
    expect(checked).toBeGreaterThan(72_000);
    expect(mismatches).toBe(0);
  });
});

describe('isIsoDate', () => {
  it.each(['2024-02-29', '2023-12-31', '2000-02-29', '1999-01-01'])('accepts %s', (d) => {
    expect(isIsoDate(d)).toBe(true);
  });
  it.each([
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-1-5',
    '24-01-05',
    '2024-01-05T00:00',
    '',
  ])('rejects %s', (d) => {
    expect(isIsoDate(d)).toBe(false);
  });
});

describe('addDays', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2025-01-01', -1, '2024-12-31'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2024-11-20', 366, '2025-11-21'],
    ['2026-03-07', 1, '2026-03-08'], // a DST day is still one day
    ['2024-06-15', 0, '2024-06-15'],
  ])('%s plus %d is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('parseDateTime and formatDateTime', () => {
  it.each([
    ['2024-09-30T23:30-04:00', '2024-10-01T03:30:00.000Z'],
    ['2024-09-30 23:30-0400', '2024-10-01T03:30:00.000Z'],
    ['2024-09-30T23:30Z', '2024-09-30T23:30:00.000Z'],
    ['2024-09-30T23:30', '2024-10-01T03:30:00.000Z'],
    ['2024-01-15T09:00:07.5', '2024-01-15T14:00:07.500Z'],
    // Spring forward in New York: 02:30 does not exist and moves on by the gap.
    ['2024-03-10T02:30', '2024-03-10T07:30:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseDateTime(text, NY)?.toISOString()).toBe(iso);
  });

  it.each(['2024-02-30T10:00', '2024-09-30T24:00', '2024-09-30', '30/09/2024 10:00', '2024-09-30T10:00+25:00', ''])(
    'refuses %j',
    (text) => {
      expect(parseDateTime(text, NY)).toBeNull();
    },
  );

  it.each([
    ['2024-10-01T03:30:00.000Z', '2024-09-30T23:30-04:00'],
    ['2024-01-15T14:00:07.000Z', '2024-01-15T09:00:07-05:00'],
    ['2024-01-15T14:00:07.250Z', '2024-01-15T09:00:07.250-05:00'],
  ])('writes %s as %s, which reads back the same', (iso, text) => {
    expect(formatDateTime(new Date(iso), NY)).toBe(text);
    expect(parseDateTime(text, NY)?.toISOString()).toBe(iso);
  });
});
