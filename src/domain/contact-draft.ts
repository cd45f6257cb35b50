// What a contact holds before it is saved, field by field: the ids the form (src/views/contact-form.ts),
// validation (contact.ts) and the CSV import (contact-csv.ts) all speak of, and the limits they share.
// Here, in the domain, so that the rules never depend on how a form is drawn.

/** Field ids: block ids in Slack, input ids in Teams, keys of validation errors. */
export const FIELD = {
  client: 'client',
  sex: 'sex',
  ageBand: 'age_band',
  date: 'contact_date',
  time: 'contact_time',
  source: 'source',
  services: 'services',
  referrals: 'referrals',
  disposition: 'disposition',
  transportDestination: 'transport_destination',
  onScene: 'on_scene',
  raceEthnicity: 'race_ethnicity',
  veteran: 'veteran',
  incidentRef: 'incident_ref',
  minutesOnScene: 'minutes_on_scene',
  followUpDate: 'follow_up_date',
  followUpAssignee: 'follow_up_assignee',
  notes: 'notes',
} as const;
export type TFieldId = (typeof FIELD)[keyof typeof FIELD];

/** The "client" choice that means: a person carelog has not met before. */
export const NEW_CLIENT = 'new';

export const NOTES_MAX_LENGTH = 3000;
export const INCIDENT_REF_MAX_LENGTH = 40;

/** What a person has typed or chosen so far; every value optional, since drafts are partial. */
export interface ContactDraft {
  client?: string; // NEW_CLIENT or a client id
  clientLabel?: string; // the code shown for a chosen client (PIC-0042)
  sex?: string;
  ageBand?: string;
  date?: string;
  time?: string;
  source?: string;
  services?: string[];
  referrals?: string[];
  disposition?: string;
  /** Asked when the outcome is a transport (a disposition marked `transport`). */
  transportDestination?: string;
  onScene?: string[];
  /** New clients only, when the program asks (demographics.raceEthnicity). */
  raceEthnicity?: string[];
  /** New clients only, when the program asks (demographics.veteran). */
  veteran?: string;
  incidentRef?: string;
  minutesOnScene?: string;
  followUpDate?: string;
  followUpAssignee?: string;
  notes?: string;
}
