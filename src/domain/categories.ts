// Category keys and their plain-word labels. The defaults follow the program's published progress
// report; a program may replace any list in carelog.yml. Keys are what CSV import and JSON output use.

export const ROLES = ['clinician', 'case_manager', 'leadership', 'supervisor', 'admin'] as const;
export type TRole = (typeof ROLES)[number];

/** Roles allowed to log a contact. */
export const LOGGING_ROLES: readonly TRole[] = ['clinician', 'case_manager', 'admin'];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface TCategory {
  key: string;
  label: string;
  /** Substance-use treatment (42 CFR Part 2): reported only as counts, never per client. */
  part2: boolean;
}

export interface TCategories {
  sources: TCategory[];
  services: TCategory[];
  referrals: TCategory[];
  dispositions: TCategory[];
  sex: TCategory[];
  ageBands: TCategory[];
}

const c = (key: string, label: string, part2 = false): TCategory => ({ key, label, part2 });

export const DEFAULT_CATEGORIES: TCategories = {
  sources: [
    c('call_for_service', 'Call for service'),
    c('proactive_outreach', 'Proactive patrol / outreach'),
    c('community_contact', 'Community contact'),
    c('officer_contact', 'Police officer contact'),
    c('victim_services_unit', 'Victim Services Unit referral'),
    c('youth_response_unit', 'Youth Response Unit referral'),
    c('self_referral', 'Self-referral'),
    c('other', 'Other'),
  ],
  services: [
    c('crisis_services', 'Crisis services'),
    c('de_escalation', 'De-escalation / stabilization'),
    c('shelter_info', 'Emergency shelter information'),
    c('safety_planning', 'Safety planning'),
    c('transport', 'Transport'),
    c('other', 'Other'),
  ],
  referrals: [
    c('mental_health_treatment', 'Mental-health treatment'),
    c('addiction_treatment', 'Addiction treatment', true),
    c('social_services', 'Other social services'),
    c('victim_services_unit', 'Victim Services Unit'),
    c('youth_response_unit', 'Youth Response Unit'),
    c('other', 'Other'),
  ],
  dispositions: [
    c('resolved_on_scene', 'Resolved on scene'),
    c('voluntary_transport', 'Voluntary transport'),
    c('involuntary_commitment', 'Involuntary commitment'),
    c('arrest', 'Arrest'),
    c('referral_only', 'Referral only'),
    c('other', 'Other'),
  ],
  sex: [c('male', 'Male'), c('female', 'Female'), c('another', 'Another'), c('not_reported', 'Not reported')],
  ageBands: [
    c('0-12', '0–12'),
    c('13-17', '13–17'),
    c('18-24', '18–24'),
    c('25-59', '25–59'),
    c('60+', '60 and over'),
    c('not_reported', 'Not reported'),
  ],
};
