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
  /** An outcome that takes the person somewhere: the form then asks where to (dispositions only). */
  transport?: boolean;
}

export interface TCategories {
  sources: TCategory[];
  services: TCategory[];
  referrals: TCategory[];
  dispositions: TCategory[];
  sex: TCategory[];
  ageBands: TCategory[];
  /** What happened on scene: a checkbox group, none ticked by default. */
  onScene: TCategory[];
  /** Where a person was taken when the outcome is a transport. */
  transportDestinations: TCategory[];
}

const c = (key: string, label: string, part2 = false): TCategory => ({ key, label, part2 });
const transport = (key: string, label: string): TCategory => ({ key, label, part2: false, transport: true });

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
    transport('voluntary_transport', 'Voluntary transport'),
    transport('involuntary_commitment', 'Involuntary commitment'),
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
  // "Avoided" items are the clinician's judgement, and the digest says so.
  onScene: [
    c('police_backup_requested', 'Police backup requested'),
    c('use_of_force', 'Force used by anyone'),
    c('injury', 'Anyone injured'),
    c('arrest_avoided', 'Would likely have been an arrest without us'),
    c('ed_avoided', 'Would likely have gone to the ED without us'),
  ],
  transportDestinations: [
    c('emergency_department', 'Emergency department'),
    c('crisis_center', 'Crisis center'),
    c('detox', 'Detox / withdrawal management'),
    c('shelter', 'Shelter'),
    c('home', 'Home'),
    c('other', 'Other'),
  ],
};

/** On-scene keys that record the clinician's judgement rather than an observed event. */
export const JUDGEMENT_ON_SCENE_KEYS: readonly string[] = ['arrest_avoided', 'ed_avoided'];

/**
 * Race and ethnicity, asked as one question with several answers allowed: the seven minimum
 * categories of the 2024 revision of OMB Statistical Policy Directive No. 15, and "Not reported".
 */
export const RACE_ETHNICITY: readonly TCategory[] = [
  c('american_indian_alaska_native', 'American Indian or Alaska Native'),
  c('asian', 'Asian'),
  c('black_african_american', 'Black or African American'),
  c('hispanic_latino', 'Hispanic or Latino'),
  c('middle_eastern_north_african', 'Middle Eastern or North African'),
  c('native_hawaiian_pacific_islander', 'Native Hawaiian or Pacific Islander'),
  c('white', 'White'),
  c('not_reported', 'Not reported'),
];

/** Veteran status, asked of new clients when the program turns it on. */
export const VETERAN_STATUS: readonly TCategory[] = [c('yes', 'Yes'), c('no', 'No'), c('not_reported', 'Not reported')];
