// A digest's figures as carelog computes them (src/services/digest.ts, SQL aggregates) and shows them
// (src/views/digest.ts, suppressed), and what of a program a digest names. Types only: the
// arithmetic of suppression is in suppression.ts, of periods in periods.ts.
import type { TCategories } from './categories.js';
import type { Period } from './periods.js';

export interface DigestFigures {
  period: { kind: Period['kind']; label: string; name: string; start: string; end: string; partial: boolean };
  clientsServed: number;
  newClients: number;
  continuingClients: number;
  servedSinceInception: number;
  newClientsByQuarter: { label: string; name: string; partial: boolean; count: number }[];
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
}

/** What a digest shows of its program: its name and its own category labels. */
export interface DigestProgram {
  name: string;
  categories: TCategories;
}
