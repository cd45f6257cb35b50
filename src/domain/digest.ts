// A digest's figures as carelog computes them (src/services/digest.ts, SQL aggregates) and shows them
// (src/views/digest.ts, suppressed), and what of a program a digest names. Types only: the
// arithmetic of suppression is in suppression.ts, of periods in periods.ts.
import type { TCategories } from './categories.js';
import type { FigurePeriod } from './periods.js';

export interface DigestFigures {
  period: { kind: FigurePeriod['kind']; label: string; name: string; start: string; end: string; partial: boolean };
  clientsServed: number;
  newClients: number;
  continuingClients: number;
  servedSinceInception: number;
  /** From the program's start through the period's end (local days, end exclusive); none for a week. */
  newClientsByQuarter: { label: string; name: string; start?: string; end?: string; partial: boolean; count: number }[];
  previousNewClients: number;
  newClientsChangePct: number | null;
  newClientsBySex: Record<string, number>;
  newClientsByAgeBand: Record<string, number>;
  contacts: number;
  contactsBySource: Record<string, number>;
  servicesProvided: Record<string, number>;
  referralsMade: Record<string, number>;
  dispositions: Record<string, number>;
  repeatContactClients: number;
  followUpsCompleted: number;
  /** Follow-ups overdue at the period's end. */
  followUpsOverdue: number;
  /**
   * Referrals made in the period (one per referral category chosen on a contact), by category and
   * in all ("total"), each by its status as recorded by the period's end (docs/reporting.md).
   */
  referralLinkage: Record<string, ReferralLinkage>;
  /** Referrals whose connection is dated in the period, whenever they were made. */
  referralsConnectedInPeriod: number;
  /** Of those: the median of days from the referral's local date to the connection's; null when none. */
  medianDaysToConnection: number | null;
  /** Contacts in the period with each on-scene item ticked. */
  onScene: Record<string, number>;
  /** Contacts in the period by where the person was taken. */
  transportDestinations: Record<string, number>;
  /** Minutes on scene of the period's contacts that recorded them (interpolated percentiles). */
  minutesOnScene: { contactsWithTime: number; median: number | null; p90: number | null };
  /** Follow-ups asked for on the period's contacts, and how soon a logged contact met them. */
  followUpTimeliness: FollowUpTimeliness;
  /** New clients by race and ethnicity (several may apply to one person); only when the program asks. */
  newClientsByRaceEthnicity?: Record<string, number>;
  /** New clients by veteran status; only when the program asks. */
  newClientsByVeteranStatus?: Record<string, number>;
}

/** Referrals made in a period, by where each stood at the period's end. */
export interface ReferralLinkage {
  made: number;
  connected: number;
  declined: number;
  unreachable: number;
  unknown: number;
  /** Still open at the period's end (made, or closed only after it). */
  pending: number;
}

export const LINKAGE_STATUSES = ['connected', 'declined', 'unreachable', 'unknown', 'pending'] as const;

/** The key of referralLinkage that holds every category together. */
export const LINKAGE_TOTAL = 'total';

export interface FollowUpTimeliness {
  /** Follow-ups asked for on contacts in the period. */
  requested: number;
  /** Met by a logged contact at most 48 hours after the contact that asked. */
  metWithin48h: number;
  /** Met by a logged contact at most 7 days (168 hours) after the contact that asked. */
  metWithin7d: number;
  /** "Tried, no answer" recorded on them, in all. */
  attempts: number;
  /** Closed as unreachable. */
  unreachable: number;
}

/** What a digest shows of its program: its name and its own category labels. */
export interface DigestProgram {
  name: string;
  categories: TCategories;
  /** How many tries with no answer close a follow-up (a reader can know it: the suppression must too). */
  followUps?: { maxAttempts: number };
}

/**
 * Postgres's `percentile_cont(fraction)` over values given as a histogram (each value with how many
 * times it occurs), with the same arithmetic: the value at position fraction × (n − 1) of the
 * sorted values, interpolated linearly between its two neighbours. Null when there are no values.
 * The digest counts minutes on scene by value in the database (a hash of a few hundred distinct
 * values) rather than sorting every contact's minutes there.
 */
export function percentileOfCounts(histogram: ReadonlyMap<number, number>, fraction: number): number | null {
  const values = [...histogram].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const total = values.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const position = fraction * (total - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  /** The value at 0-based position i of the sorted values. */
  const at = (i: number) => {
    let seen = 0;
    for (const [value, count] of values) {
      seen += count;
      if (i < seen) return value;
    }
    return values.at(-1)![0];
  };
  const low = at(lo);
  return low + (at(hi) - low) * (position - lo);
}
