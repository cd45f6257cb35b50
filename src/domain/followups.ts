// When a follow-up nudge fires: at the program's nudge hour on the chosen date, moved to the next
// opening when that falls outside program hours. All in the program's time zone, through
// fromLocal, so a daylight-saving change neither moves nor doubles a nudge.
import { WEEKDAYS } from './categories.js';
import { addDays, fromLocal, toLocal } from './time.js';

export type TWeekday = (typeof WEEKDAYS)[number];

export interface ProgramHours {
  days: TWeekday[];
  /** HH:MM local, inclusive. */
  from: string;
  /** HH:MM local, exclusive. */
  to: string;
}

export interface FollowUpRules {
  timezone: string;
  nudgeAt: string;
  hours: ProgramHours;
  overdueAfterWorkingDays: number;
}

/** What of a program its follow-up rules come from (carelog.yml's timezone and followUps). */
export interface FollowUpSettings {
  timezone: string;
  followUps: { nudgeAt: string; hours: ProgramHours; overdueAfterWorkingDays: number };
}

/** A program's follow-up rules. */
export function followUpRules(program: FollowUpSettings): FollowUpRules {
  return {
    timezone: program.timezone,
    nudgeAt: program.followUps.nudgeAt,
    hours: program.followUps.hours,
    overdueAfterWorkingDays: program.followUps.overdueAfterWorkingDays,
  };
}

/** The weekday of a YYYY-MM-DD date. */
export function weekdayOf(date: string): TWeekday {
  // getUTCDay: 0 = Sunday.
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return WEEKDAYS[(day + 6) % 7]!;
}

function isOpenDay(date: string, hours: ProgramHours): boolean {
  return hours.days.includes(weekdayOf(date));
}

/** The first instant at or after `instant` inside program hours. */
export function nextOpening(instant: Date, hours: ProgramHours, timezone: string): Date {
  const local = toLocal(instant, timezone);
  if (isOpenDay(local.date, hours)) {
    if (local.time >= hours.from && local.time < hours.to) return instant;
    if (local.time < hours.from) return fromLocal(local.date, hours.from, timezone);
  }
  for (let i = 1; i <= 14; i++) {
    const date = addDays(local.date, i);
    if (isOpenDay(date, hours)) return fromLocal(date, hours.from, timezone);
  }
  // No open day at all cannot pass config validation; fall back to the instant itself.
  return instant;
}

/** When the nudge for a follow-up due on `date` (YYYY-MM-DD, local) fires. */
export function nudgeTime(date: string, rules: FollowUpRules): Date {
  return nextOpening(fromLocal(date, rules.nudgeAt, rules.timezone), rules.hours, rules.timezone);
}

/** Adds working days (the program's open days) to a local date. */
export function addWorkingDays(date: string, n: number, hours: ProgramHours): string {
  let d = date;
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    if (isOpenDay(d, hours)) left--;
  }
  return d;
}

/**
 * When a follow-up still pending becomes overdue: at the nudge hour on the Nth working day after
 * the day it was due, inside program hours.
 */
export function overdueTime(dueAt: Date, rules: FollowUpRules): Date {
  const dueDate = toLocal(dueAt, rules.timezone).date;
  return nudgeTime(addWorkingDays(dueDate, rules.overdueAfterWorkingDays, rules.hours), rules);
}

/**
 * The instant before which a follow-up's due time makes it overdue at `at`: a follow-up still
 * pending at `at` is overdue exactly when its due time is earlier than this. overdueTime depends
 * only on the local due date and never decreases with it, so one cutoff serves a SQL count.
 */
export function overdueCutoff(at: Date, rules: FollowUpRules): Date {
  // The latest due date whose overdue time has come: at most 60 working days (the config's limit)
  // of at least one open day a week before `at`.
  let date = toLocal(at, rules.timezone).date;
  for (let i = 0; i < 7 * 62; i++, date = addDays(date, -1)) {
    if (overdueTime(fromLocal(date, '12:00', rules.timezone), rules) <= at)
      return fromLocal(addDays(date, 1), '00:00', rules.timezone);
  }
  return fromLocal(date, '00:00', rules.timezone);
}

export const SNOOZE_CHOICES = [
  { key: '1d', label: '1 day', days: 1 },
  { key: '3d', label: '3 days', days: 3 },
  { key: '1w', label: '1 week', days: 7 },
] as const;
export type TSnooze = (typeof SNOOZE_CHOICES)[number]['key'];

/** The new due time after a snooze: the nudge hour that many days after today, in hours. */
export function snoozedUntil(now: Date, choice: TSnooze, rules: FollowUpRules): Date {
  const days = SNOOZE_CHOICES.find((c) => c.key === choice)!.days;
  return nudgeTime(addDays(toLocal(now, rules.timezone).date, days), rules);
}

/**
 * After a "Tried, no answer": the follow-up is nudged again at the nudge hour of the next working
 * day (a Friday's try comes back on Monday), inside program hours.
 */
export function nextTryAt(now: Date, rules: FollowUpRules): Date {
  return nudgeTime(addWorkingDays(toLocal(now, rules.timezone).date, 1, rules.hours), rules);
}

/**
 * What a "Tried, no answer" does, given the tries recorded before it: another try the next working
 * day, or, once `maxAttempts` tries are recorded, the follow-up closes as unreachable.
 */
export function afterAttempt(
  attemptsBefore: number,
  maxAttempts: number,
): { attempts: number; outcome: 'retry' | 'unreachable' } {
  const attempts = attemptsBefore + 1;
  return { attempts, outcome: attempts >= maxAttempts ? 'unreachable' : 'retry' };
}
