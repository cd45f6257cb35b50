// Referrals as records, and when their linkage checks go out. A referral is made on a contact (one
// per referral category chosen); its status moves from `made` to one of four ends. The checks ask
// the responsible case manager, at the program's nudge hour within its hours, whether the person
// got there. All times are local to the program, through followups.ts' nudge rules.
import { nextOpening, nudgeTime, type FollowUpRules } from './followups.js';
import { addDays, isIsoDate, toLocal } from './time.js';

export const REFERRAL_STATUSES = ['made', 'connected', 'declined', 'unreachable', 'unknown'] as const;
export type TReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** What a case manager can answer to a linkage check. */
export const REFERRAL_OUTCOMES = ['connected', 'not_yet', 'declined', 'unreachable'] as const;
export type TReferralOutcome = (typeof REFERRAL_OUTCOMES)[number];

/** carelog.yml `referrals` (defaults: 7, 7, 3). */
export interface ReferralSettings {
  checkAfterDays: number;
  recheckAfterDays: number;
  maxChecks: number;
}

/**
 * When the first linkage check for a referral made at `madeAt` goes out: at the nudge hour
 * `checkAfterDays` after the day it was made (0: that day), moved into program hours. A referral
 * logged late, whose check time has passed, is checked at the next opening from `now`.
 */
export function firstCheckAt(madeAt: Date, now: Date, settings: ReferralSettings, rules: FollowUpRules): Date {
  const madeDate = toLocal(madeAt, rules.timezone).date;
  const at = nudgeTime(addDays(madeDate, settings.checkAfterDays), rules);
  return at.getTime() >= now.getTime() ? at : nextOpening(now, rules.hours, rules.timezone);
}

/** After "Not yet": the nudge hour `recheckAfterDays` from today, within program hours. */
export function recheckAt(now: Date, settings: ReferralSettings, rules: FollowUpRules): Date {
  return nudgeTime(addDays(toLocal(now, rules.timezone).date, settings.recheckAfterDays), rules);
}

/**
 * Whether a referral is still worth checking when it is first recorded: its whole run of checks
 * (the first, then `maxChecks - 1` rechecks) would not all have passed by `now`. Contacts imported
 * from last year's spreadsheet keep their referrals as records without asking anyone about them.
 */
export function stillCheckable(madeAt: Date, now: Date, settings: ReferralSettings, rules: FollowUpRules): boolean {
  const madeDate = toLocal(madeAt, rules.timezone).date;
  const lastDay = addDays(madeDate, settings.checkAfterDays + settings.recheckAfterDays * (settings.maxChecks - 1));
  return toLocal(now, rules.timezone).date <= lastDay;
}

/** The status a referral takes after an answer, and whether another check follows. */
export function afterAnswer(
  outcome: TReferralOutcome,
  checksSoFar: number,
  settings: ReferralSettings,
): { status: TReferralStatus; checkAgain: boolean } {
  switch (outcome) {
    case 'connected':
      return { status: 'connected', checkAgain: false };
    case 'declined':
      return { status: 'declined', checkAgain: false };
    case 'unreachable':
      return { status: 'unreachable', checkAgain: false };
    case 'not_yet':
      return checksSoFar >= settings.maxChecks
        ? { status: 'unknown', checkAgain: false }
        : { status: 'made', checkAgain: true };
  }
}

/**
 * Why a date given for "Connected" cannot be right, or null: it must be a date (YYYY-MM-DD), not
 * after today and not before the day the referral was made, both local to the program.
 */
export function connectedOnError(date: string, madeAt: Date, now: Date, timezone: string): string | null {
  if (!isIsoDate(date)) return 'Choose the date they connected.';
  const today = toLocal(now, timezone).date;
  const made = toLocal(madeAt, timezone).date;
  if (date > today) return 'That date is in the future: choose the day they connected, today at the latest.';
  if (date < made) return `That is before the referral was made (${made}).`;
  return null;
}
