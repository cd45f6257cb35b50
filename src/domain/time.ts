// Wall-clock arithmetic in a program's time zone, with nothing but Intl. A program's day, week and
// quarter are local to it; instants are stored in UTC.

export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(instant: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/**
 * Zone offsets change only at transitions, and every transition of the zones' modern rules falls
 * on a quarter hour of UTC, so the offset found for a quarter hour holds for all of it. Asking Intl
 * once per quarter hour instead of once per call makes the offset ~50× cheaper (formatToParts was
 * the largest cost of sending a nudge); test/unit/time.test.ts checks the result against Intl.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 100_000;

function offsetFromIntl(instant: Date, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** Offset of the zone from UTC at an instant, in minutes (New York in winter: -300). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR_MS);
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map<number, number>()));
  let offset = zone.get(quarter);
  if (offset === undefined) {
    offset = offsetFromIntl(new Date(quarter * QUARTER_HOUR_MS), timeZone);
    if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
    zone.set(quarter, offset);
  }
  return offset;
}

/** The local date and time of an instant in a zone. */
export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const iso = new Date(instant.getTime() + zoneOffsetMinutes(instant, timeZone) * 60_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/**
 * The instant at which a zone's clocks show `date` `time`. In the spring-forward gap (02:30 on the
 * day clocks jump to 03:00) the time is moved forward by the gap; in the fall-back overlap the
 * earlier of the two instants is chosen, so a reminder never fires twice.
 */
export function fromLocal(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // Two candidate offsets: the zone's offset a day either side covers every transition.
  const before = zoneOffsetMinutes(new Date(wall - 86_400_000), timeZone);
  const after = zoneOffsetMinutes(new Date(wall + 86_400_000), timeZone);
  const candidates = [...new Set([before, after])]
    .map((off) => wall - off * 60_000)
    .filter((t) => {
      const local = toLocal(new Date(t), timeZone);
      return local.date === date && local.time === time;
    })
    .sort((a, b) => a - b);
  if (candidates.length) return new Date(candidates[0]!);
  // In a gap: no instant shows this wall time; keep the same distance from midnight instead.
  return new Date(wall - Math.min(before, after) * 60_000);
}

const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d{1,3})?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/;

/**
 * Reads a date and time written YYYY-MM-DDTHH:MM (a space for the T; seconds and up to three
 * decimals may follow): with `Z` or an offset (-04:00, -0400) it is that instant, without one it is
 * the wall time in `timeZone` (as fromLocal reads it). Null for anything else, or a date that is
 * not on the calendar.
 */
export function parseDateTime(text: string, timeZone: string): Date | null {
  const m = DATE_TIME.exec(text);
  if (!m || !isIsoDate(m[1]!)) return null;
  const [, date, hh, mm, ss = '00', frac = '', offset] = m;
  if (offset) {
    const zone = offset === 'Z' ? 'Z' : offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
    const t = Date.parse(`${date}T${hh}:${mm}:${ss}${frac ? frac.padEnd(4, '0') : ''}${zone}`);
    return Number.isNaN(t) ? null : new Date(t);
  }
  const ms = Number(ss) * 1000 + (frac ? Number(frac.slice(1).padEnd(3, '0')) : 0);
  return new Date(fromLocal(date!, `${hh}:${mm}`, timeZone).getTime() + ms);
}

/**
 * An instant as a zone's clocks show it, with the offset, as parseDateTime reads it back:
 * 2024-09-30T23:30-04:00 (seconds and milliseconds only when they are not zero).
 */
export function formatDateTime(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString(); // 2024-09-30T23:30:00.000Z
  const ms = local.slice(19, 23);
  const wall =
    ms !== '.000' ? local.slice(0, 23) : local.slice(17, 19) !== '00' ? local.slice(0, 19) : local.slice(0, 16);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** True when `date` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
