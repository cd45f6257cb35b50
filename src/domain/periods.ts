// Reporting periods: calendar weeks (Monday–Sunday, ISO numbering) and calendar quarters, in the
// program's time zone. A program's first quarter may be partial: it starts at the program's
// startDate. Instants are half-open: [start, end).
import { addDays, fromLocal, isIsoDate, toLocal } from './time.js';
import { weekdayOf } from './followups.js';

export type TPeriodKind = 'week' | 'quarter';

export interface Period {
  kind: TPeriodKind;
  /** 2024-Q3 or 2024-W40. */
  label: string;
  /** Words for people: "Jul–Sep 2024", "week of Sep 30, 2024". */
  name: string;
  /** First local day (YYYY-MM-DD). */
  startDate: string;
  /** Day after the last local day (YYYY-MM-DD), exclusive. */
  endDate: string;
  start: Date;
  end: Date;
  /** Starts after the calendar period does (the program's first quarter). */
  partial: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function quarterOf(date: string): { year: number; q: number } {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return { year: y, q: Math.floor((m - 1) / 3) + 1 };
}

export function quarter(year: number, q: number, timezone: string, programStart?: string): Period {
  const calendarStart = `${year}-${pad((q - 1) * 3 + 1)}-01`;
  const endDate = q === 4 ? `${year + 1}-01-01` : `${year}-${pad(q * 3 + 1)}-01`;
  const partial = !!programStart && programStart > calendarStart && programStart < endDate;
  const startDate = partial ? programStart : calendarStart;
  const [sm] = [Number(startDate.slice(5, 7))];
  const name = `${MONTHS[sm - 1]}${sm === q * 3 ? '' : `–${MONTHS[q * 3 - 1]}`} ${year}`;
  return {
    kind: 'quarter',
    label: `${year}-Q${q}`,
    name: partial ? `${name} (partial quarter)` : name,
    startDate,
    endDate,
    start: fromLocal(startDate, '00:00', timezone),
    end: fromLocal(endDate, '00:00', timezone),
    partial,
  };
}

/** Monday of ISO week `week` of ISO year `year`. */
function isoWeekMonday(year: number, week: number): string {
  const jan4 = `${year}-01-04`;
  const offset = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(weekdayOf(jan4));
  return addDays(jan4, -offset + (week - 1) * 7);
}

function isoWeekOf(date: string): { year: number; week: number } {
  const offset = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(weekdayOf(date));
  const thursday = addDays(date, 3 - offset);
  const year = Number(thursday.slice(0, 4));
  const week =
    Math.round(
      (Date.parse(`${thursday}T00:00:00Z`) - Date.parse(`${isoWeekMonday(year, 1)}T00:00:00Z`)) / (7 * 86_400_000),
    ) + 1;
  return { year, week };
}

export function week(year: number, isoWeek: number, timezone: string): Period {
  const startDate = isoWeekMonday(year, isoWeek);
  const endDate = addDays(startDate, 7);
  const [, m, d] = startDate.split('-').map(Number) as [number, number, number];
  return {
    kind: 'week',
    label: `${year}-W${pad(isoWeek)}`,
    name: `week of ${MONTHS[m - 1]} ${d}, ${startDate.slice(0, 4)}`,
    startDate,
    endDate,
    start: fromLocal(startDate, '00:00', timezone),
    end: fromLocal(endDate, '00:00', timezone),
    partial: false,
  };
}

/** The period of a kind that contains a local date. */
export function periodContaining(kind: TPeriodKind, date: string, timezone: string, programStart?: string): Period {
  if (kind === 'quarter') {
    const { year, q } = quarterOf(date);
    return quarter(year, q, timezone, programStart);
  }
  const { year, week: w } = isoWeekOf(date);
  return week(year, w, timezone);
}

/** The period of a kind that contains an instant, in the program's zone. */
export function periodAt(kind: TPeriodKind, instant: Date, timezone: string, programStart?: string): Period {
  return periodContaining(kind, toLocal(instant, timezone).date, timezone, programStart);
}

/** The period just before one. */
export function previousPeriod(p: Period, timezone: string, programStart?: string): Period {
  // A partial quarter starts mid-quarter: step back from the calendar quarter's first day.
  const calendarStart =
    p.kind === 'quarter' ? `${p.label.slice(0, 4)}-${pad((Number(p.label.slice(6)) - 1) * 3 + 1)}-01` : p.startDate;
  return periodContaining(p.kind, addDays(calendarStart, -1), timezone, programStart);
}

/** The last complete period before an instant (what a scheduled digest reports on). */
export function lastCompletePeriod(kind: TPeriodKind, now: Date, timezone: string, programStart?: string): Period {
  return previousPeriod(periodAt(kind, now, timezone, programStart), timezone, programStart);
}

/** Quarters from the program's start through the one given, oldest first. */
export function quartersSince(programStart: string, through: { endDate: string }, timezone: string): Period[] {
  const out: Period[] = [];
  let p = periodContaining('quarter', programStart, timezone, programStart);
  while (p.startDate < through.endDate) {
    out.push(p);
    p = periodContaining('quarter', p.endDate, timezone, programStart);
  }
  return out;
}

/**
 * Reads "2024-Q3", "2024-W40" or a date ("2024-09-30": the period of the given kind containing
 * it). Returns null for anything else.
 */
export function parsePeriod(
  text: string,
  kind: TPeriodKind | undefined,
  timezone: string,
  programStart?: string,
): Period | null {
  const t = text.trim().toUpperCase();
  let m = /^(\d{4})-Q([1-4])$/.exec(t);
  if (m && kind !== 'week') return quarter(Number(m[1]), Number(m[2]), timezone, programStart);
  m = /^(\d{4})-W(\d{2})$/.exec(t);
  if (m && kind !== 'quarter') {
    const w = Number(m[2]);
    const p = w >= 1 && w <= 53 ? week(Number(m[1]), w, timezone) : null;
    // Week 53 exists only in some years.
    return p && isoWeekOf(p.startDate).week === w ? p : null;
  }
  if (isIsoDate(t)) return periodContaining(kind ?? 'quarter', t, timezone, programStart);
  return null;
}

/** A whole percent change, or null when the previous value was zero. */
export function changePercent(current: number, previous: number): number | null {
  if (previous === 0) return null;
  // (current - previous) / previous keeps exact halves exact (6.5, not 6.4999…).
  const pct = ((current - previous) * 100) / previous;
  // Half away from zero, so -6.5 % and +6.5 % round alike.
  return Math.sign(pct) * Math.round(Math.abs(pct));
}

/**
 * A stretch of days that is not one week or one quarter (a report's calendar year, federal fiscal
 * year or date range): figures over it compare with the one before it, given here.
 */
export interface SpanPeriod extends Omit<Period, 'kind'> {
  kind: 'span';
  previous: { startDate: string; endDate: string; start: Date; end: Date };
}

/** What figures can be computed over: a week, a quarter, or a span. */
export type FigurePeriod = Period | SpanPeriod;

/** The period a progress report covers, and the columns its tables have. */
export interface ReportPeriod {
  kind: 'quarter' | 'year' | 'fiscal-year' | 'range';
  /** 2024-Q3, 2024, FY2025, 2024-07-01..2024-09-30. */
  label: string;
  /** Words for people: "Jul–Sep 2024", "federal fiscal year 2025". */
  name: string;
  /** The whole period, for the figures of its own (cumulative) column. */
  whole: FigurePeriod;
  /**
   * A column per quarter before the cumulative one (a year or a fiscal year); empty for a quarter
   * or a date range, which have one column.
   */
  quarters: Period[];
}

/** "Sep 30, 2024" */
export function formatDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${MONTHS[m - 1]} ${d}, ${y}`;
}

function span(
  startDate: string,
  endDate: string,
  previous: { startDate: string; endDate: string },
  timezone: string,
  programStart: string,
  name: string,
  label: string,
): SpanPeriod {
  const partial = programStart > startDate && programStart < endDate;
  const from = partial ? programStart : startDate;
  return {
    kind: 'span',
    label,
    name,
    startDate: from,
    endDate,
    start: fromLocal(from, '00:00', timezone),
    end: fromLocal(endDate, '00:00', timezone),
    partial,
    previous: {
      ...previous,
      start: fromLocal(previous.startDate, '00:00', timezone),
      end: fromLocal(previous.endDate, '00:00', timezone),
    },
  };
}

/** The quarters of [startDate, endDate), each starting no earlier than the program. */
function quartersOf(startDate: string, endDate: string, timezone: string, programStart: string): Period[] {
  const out: Period[] = [];
  for (let p = periodContaining('quarter', startDate, timezone, programStart); p.startDate < endDate;) {
    if (p.endDate > programStart) out.push(p);
    p = periodContaining('quarter', p.endDate, timezone, programStart);
  }
  return out;
}

/**
 * Reads a report's period: a quarter (2024-Q3), a calendar year (2024), a US federal fiscal year
 * (FY2025: 2024-10-01 to 2025-09-30) or a range of local days, both inclusive
 * (2024-07-01..2024-09-30). Returns null for anything else, and for a range that ends before it
 * starts or names a day that does not exist.
 */
export function parseReportPeriod(text: string, timezone: string, programStart: string): ReportPeriod | null {
  const t = text.trim().toUpperCase();
  let m = /^(\d{4})-Q([1-4])$/.exec(t);
  if (m) {
    const q = quarter(Number(m[1]), Number(m[2]), timezone, programStart);
    return { kind: 'quarter', label: q.label, name: q.name, whole: q, quarters: [] };
  }
  m = /^(\d{4})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const [startDate, endDate] = [`${y}-01-01`, `${y + 1}-01-01`];
    const name = `calendar year ${y}`;
    return {
      kind: 'year',
      label: String(y),
      name,
      whole: span(
        startDate,
        endDate,
        { startDate: `${y - 1}-01-01`, endDate: startDate },
        timezone,
        programStart,
        name,
        String(y),
      ),
      quarters: quartersOf(startDate, endDate, timezone, programStart),
    };
  }
  m = /^FY(\d{4})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const [startDate, endDate] = [`${y - 1}-10-01`, `${y}-10-01`];
    const name = `federal fiscal year ${y} (Oct ${y - 1}–Sep ${y})`;
    return {
      kind: 'fiscal-year',
      label: `FY${y}`,
      name,
      whole: span(
        startDate,
        endDate,
        { startDate: `${y - 2}-10-01`, endDate: startDate },
        timezone,
        programStart,
        name,
        `FY${y}`,
      ),
      quarters: quartersOf(startDate, endDate, timezone, programStart),
    };
  }
  m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(t);
  if (m && isIsoDate(m[1]!) && isIsoDate(m[2]!) && m[1]! <= m[2]!) {
    const [first, last] = [m[1]!, m[2]!];
    const endDate = addDays(last, 1);
    const days = Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000);
    const name = `${formatDay(first)} – ${formatDay(last)}`;
    const label = `${first}..${last}`;
    return {
      kind: 'range',
      label,
      name,
      // The same number of days just before.
      whole: span(
        first,
        endDate,
        { startDate: addDays(first, -days), endDate: first },
        timezone,
        programStart,
        name,
        label,
      ),
      quarters: [],
    };
  }
  return null;
}
