// Rules for a logged contact, independent of any chat platform. A draft (what the form holds) is
// checked with zod against the program's categories; errors come back keyed by form field so each
// platform can show them beside the field, with everything the person typed kept.
import { z } from 'zod';
import { RACE_ETHNICITY, VETERAN_STATUS, type TCategories } from './categories.js';
import { addDays, fromLocal, isIsoDate, toLocal } from './time.js';
import {
  FIELD,
  INCIDENT_REF_MAX_LENGTH,
  NEW_CLIENT,
  NOTES_MAX_LENGTH,
  type ContactDraft,
  type TFieldId,
} from './contact-draft.js';

/** How far ahead of the server clock a contact time may be (phones drift). */
const FUTURE_SLACK_MS = 10 * 60_000;
/** Follow-ups further out than this are almost certainly a typo. */
const MAX_FOLLOW_UP_DAYS = 366;

/** The optional questions for new clients a program asks (carelog.yml `demographics`). */
export interface DemographicsAsked {
  raceEthnicity: boolean;
  veteran: boolean;
}

export interface ContactRules {
  categories: TCategories;
  /** Unset: none asked. */
  demographics?: DemographicsAsked;
  timezone: string;
  /** YYYY-MM-DD: contacts before the program started are refused. */
  startDate: string;
  now: Date;
}

export type TClientChoice =
  | {
      kind: 'new';
      sex: string;
      ageBand: string;
      /** OMB SPD 15 keys (RACE_ETHNICITY); empty when the program does not ask. */
      raceEthnicity?: string[];
      /** yes, no or not_reported; null or absent when the program does not ask. */
      veteran?: string | null;
    }
  | { kind: 'existing'; clientId: string };

export interface ContactInput {
  client: TClientChoice;
  occurredAt: Date;
  source: string;
  services: string[];
  referrals: string[];
  disposition: string;
  /** Where the person was taken, when the outcome is a transport; null otherwise. */
  transportDestination?: string | null;
  /** On-scene keys ticked (categories.onScene); none by default. */
  onScene?: string[];
  incidentRef: string | null;
  minutesOnScene: number | null;
  /** YYYY-MM-DD in the program's time zone, or null for no follow-up. */
  followUpDate: string | null;
  /** Platform user id chosen for the follow-up, if any. */
  followUpAssignee: string | null;
  notes: string | null;
}

export type TValidation = { ok: true; value: ContactInput } | { ok: false; errors: Partial<Record<TFieldId, string>> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function oneOf(keys: string[], message: string) {
  return z.string({ error: message }).refine((v) => keys.includes(v), { error: message });
}

/**
 * One schema per program's categories, built on first use: building a zod object and its first
 * parse (zod compiles a fast path per schema) cost ~0.3 ms, more than a submission's parse.
 */
const SCHEMAS = new WeakMap<TCategories, ReturnType<typeof buildContactSchema>>();

function contactSchema(rules: ContactRules) {
  let schema = SCHEMAS.get(rules.categories);
  if (!schema) SCHEMAS.set(rules.categories, (schema = buildContactSchema(rules.categories)));
  return schema;
}

function buildContactSchema(categories: TCategories) {
  const keys = (list: readonly { key: string }[]) => list.map((c) => c.key);
  const blankToUndefined = (v: unknown) =>
    typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v;
  return z.object({
    client: z
      .string({ error: 'Choose a client, or “New client”.' })
      .refine((v) => v === NEW_CLIENT || UUID.test(v), { error: 'Choose a client from the list, or “New client”.' }),
    sex: z.string().optional(),
    ageBand: z.string().optional(),
    date: z.string({ error: 'Enter the date of the contact.' }).refine(isIsoDate, { error: 'Enter a real date.' }),
    time: z
      .string({ error: 'Enter the time of the contact.' })
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'Enter a time such as 14:30.' }),
    source: oneOf(keys(categories.sources), 'Choose how this contact came about.'),
    services: z
      .array(oneOf(keys(categories.services), 'One of the services is not on this program’s list.'))
      .default([]),
    referrals: z
      .array(oneOf(keys(categories.referrals), 'One of the referrals is not on this program’s list.'))
      .default([]),
    disposition: oneOf(keys(categories.dispositions), 'Choose the outcome.'),
    transportDestination: z.preprocess(
      blankToUndefined,
      oneOf(keys(categories.transportDestinations), 'Choose where the person was taken.').optional(),
    ),
    onScene: z
      .array(oneOf(keys(categories.onScene), 'One of the on-scene items is not on this program’s list.'))
      .default([]),
    raceEthnicity: z.array(oneOf(keys(RACE_ETHNICITY), 'One of the choices is not on the list.')).default([]),
    veteran: z.preprocess(blankToUndefined, oneOf(keys(VETERAN_STATUS), 'Choose one.').optional()),
    incidentRef: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(INCIDENT_REF_MAX_LENGTH, { error: `Use at most ${INCIDENT_REF_MAX_LENGTH} characters.` })
        .regex(/^[A-Za-z0-9][A-Za-z0-9\-/.#]*$/, { error: 'Use letters, digits and - / . # only.' })
        .optional(),
    ),
    minutesOnScene: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter a number of minutes.' })
        .int({ error: 'Enter whole minutes.' })
        .min(0, { error: 'Minutes cannot be negative.' })
        .max(1440, { error: 'Enter at most 1440 minutes (a day).' })
        .optional(),
    ),
    followUpDate: z.preprocess(
      blankToUndefined,
      z.string().refine(isIsoDate, { error: 'Enter a real date.' }).optional(),
    ),
    followUpAssignee: z.preprocess(blankToUndefined, z.string().optional()),
    notes: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z
        .string()
        .max(NOTES_MAX_LENGTH, { error: `Notes can be at most ${NOTES_MAX_LENGTH} characters.` })
        .optional(),
    ),
  });
}

/**
 * Checks that span several fields. They run on the raw draft even when other fields are wrong, so
 * a person sees every problem at once rather than one round trip per field.
 */
function crossFieldErrors(d: ContactDraft, rules: ContactRules): Partial<Record<TFieldId, string>> {
  const errors: Partial<Record<TFieldId, string>> = {};
  const keys = (list: { key: string }[]) => list.map((c) => c.key);
  if (d.client === NEW_CLIENT) {
    if (!d.sex || !keys(rules.categories.sex).includes(d.sex))
      errors[FIELD.sex] = 'Choose one (“Not reported” is fine).';
    if (!d.ageBand || !keys(rules.categories.ageBands).includes(d.ageBand))
      errors[FIELD.ageBand] = 'Choose one (“Not reported” is fine).';
    if (rules.demographics?.raceEthnicity) {
      const chosen = d.raceEthnicity ?? [];
      if (chosen.length === 0) errors[FIELD.raceEthnicity] = 'Choose at least one (“Not reported” is fine).';
      else if (chosen.includes('not_reported') && chosen.length > 1)
        errors[FIELD.raceEthnicity] = '“Not reported” cannot go with another choice.';
    }
    if (rules.demographics?.veteran && !d.veteran?.trim())
      errors[FIELD.veteran] = 'Choose one (“Not reported” is fine).';
  }
  // Where to, when the outcome takes the person somewhere: the funders' question after a transport.
  const outcome = rules.categories.dispositions.find((c) => c.key === d.disposition);
  if (outcome?.transport && !d.transportDestination?.trim())
    errors[FIELD.transportDestination] = 'Choose where the person was taken.';
  if (d.date && isIsoDate(d.date) && d.time && /^([01]\d|2[0-3]):[0-5]\d$/.test(d.time)) {
    const occurredAt = fromLocal(d.date, d.time, rules.timezone);
    if (occurredAt.getTime() > rules.now.getTime() + FUTURE_SLACK_MS) {
      errors[FIELD.date] = 'This is in the future. Enter when the contact happened.';
    } else if (d.date < rules.startDate) {
      errors[FIELD.date] = `The program started on ${rules.startDate}.`;
    }
  }
  const today = toLocal(rules.now, rules.timezone).date;
  const followUpDate = d.followUpDate?.trim();
  if (followUpDate && isIsoDate(followUpDate)) {
    if (followUpDate < today) errors[FIELD.followUpDate] = 'Choose today or a later date.';
    else if (followUpDate > addDays(today, MAX_FOLLOW_UP_DAYS))
      errors[FIELD.followUpDate] = 'Choose a date within a year.';
  }
  return errors;
}

const FIELD_BY_KEY: Record<string, TFieldId> = {
  client: FIELD.client,
  sex: FIELD.sex,
  ageBand: FIELD.ageBand,
  date: FIELD.date,
  time: FIELD.time,
  source: FIELD.source,
  services: FIELD.services,
  referrals: FIELD.referrals,
  disposition: FIELD.disposition,
  transportDestination: FIELD.transportDestination,
  onScene: FIELD.onScene,
  raceEthnicity: FIELD.raceEthnicity,
  veteran: FIELD.veteran,
  incidentRef: FIELD.incidentRef,
  minutesOnScene: FIELD.minutesOnScene,
  followUpDate: FIELD.followUpDate,
  followUpAssignee: FIELD.followUpAssignee,
  notes: FIELD.notes,
};

/**
 * Checks a draft. A follow-up date is what asks for a follow-up (the form has no separate box to
 * tick): the stored contact's `followUpWanted` is "has a follow-up date", as the CSV import sets it.
 */
export function validateContactDraft(draft: ContactDraft, rules: ContactRules): TValidation {
  const result = contactSchema(rules).safeParse(draft);
  const errors: Partial<Record<TFieldId, string>> = {};
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = FIELD_BY_KEY[String(issue.path[0])] ?? FIELD.client;
      errors[field] ??= issue.message;
    }
  }
  for (const [field, message] of Object.entries(crossFieldErrors(draft, rules))) errors[field as TFieldId] ??= message;
  if (!result.success || Object.keys(errors).length) return { ok: false, errors };
  const d = result.data;
  const followUpDate = d.followUpDate ?? null;
  const isTransport = rules.categories.dispositions.find((c) => c.key === d.disposition)?.transport === true;
  const asked = rules.demographics;
  return {
    ok: true,
    value: {
      client:
        d.client === NEW_CLIENT
          ? {
              kind: 'new',
              sex: d.sex!,
              ageBand: d.ageBand!,
              raceEthnicity: asked?.raceEthnicity ? [...new Set(d.raceEthnicity)] : [],
              veteran: asked?.veteran ? (d.veteran ?? null) : null,
            }
          : { kind: 'existing', clientId: d.client },
      occurredAt: fromLocal(d.date, d.time, rules.timezone),
      source: d.source,
      services: [...new Set(d.services)],
      referrals: [...new Set(d.referrals)],
      disposition: d.disposition,
      // A destination left over from an earlier choice of outcome is not kept.
      transportDestination: isTransport ? (d.transportDestination ?? null) : null,
      onScene: [...new Set(d.onScene)],
      incidentRef: d.incidentRef ?? null,
      minutesOnScene: d.minutesOnScene ?? null,
      followUpDate,
      followUpAssignee: followUpDate ? (d.followUpAssignee ?? null) : null,
      notes: d.notes ?? null,
    },
  };
}

/** Digits a client number is padded to in its code; larger numbers keep all their digits. */
const CLIENT_CODE_DIGITS = 4;

/** Client codes: the program's prefix and a zero-padded number (PIC-0042). */
export function formatClientCode(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(CLIENT_CODE_DIGITS, '0')}`;
}

/**
 * The same code as formatClientCode, as a SQL expression, for a number the database hands out
 * under the program's lock. `prefix` and `number` are SQL expressions (a text and an integer).
 * Postgres' lpad cuts a longer string to the width, hence the CASE for numbers past the padding.
 */
export function clientCodeSql(prefix: string, number: string): string {
  const limit = 10 ** CLIENT_CODE_DIGITS;
  return `(${prefix} || '-' || CASE WHEN ${number} < ${limit} THEN lpad((${number})::text, ${CLIENT_CODE_DIGITS}, '0') ELSE (${number})::text END)`;
}

/** Reads what someone typed as a client code: "pic-42", "PIC-0042" and "42" all mean PIC-0042. */
export function parseClientCode(text: string, prefix: string): string | null {
  const t = text.trim().toUpperCase();
  const m = new RegExp(`^(?:${prefix}-?)?0*(\\d{1,9})$`).exec(t);
  return m ? formatClientCode(prefix, Number(m[1])) : null;
}

/** The largest client number a typed code can reach (codes have at most nine digits). */
const MAX_CLIENT_NUMBER = 999_999_999;
/** Client codes are padded to this many digits (PIC-0042). */
const CODE_DIGITS = 4;

/**
 * What the client typeahead looks for, as ranges of client numbers (so an index on the program and
 * the number serves every keystroke; a code is always its program's prefix and its number).
 * - nothing typed, or part of the prefix ("P", "pic", "PIC-"): the newest clients (`'newest'`);
 * - digits, with or without the prefix ("42", "PIC-42", "pic42"): the number itself first, then
 *   the numbers that begin with those digits (420–429, 4200–4299, …), as a code is typed;
 * - digits with leading zeros are the padded code being typed ("0042" is 42, "004" is 40–49,
 *   "pic-004" too);
 * - anything else (another program's prefix, letters after the digits): nothing.
 * Ranges come in ascending order and do not overlap.
 */
export function clientSearchRanges(text: string, prefix: string): 'newest' | [number, number][] {
  const q = text.toUpperCase().replace(/[^A-Z0-9-]/g, '');
  if (q === '' || q === '-' || prefix.startsWith(q) || q === `${prefix}-`) return 'newest';
  const m = new RegExp(`^(?:${prefix})?-?(\\d+)$`).exec(q);
  if (!m) return [];
  // Zeros beyond the padding say nothing more ("00042" is "0042").
  let digits = m[1]!;
  while (digits.length > CODE_DIGITS && digits.startsWith('0')) digits = digits.slice(1);
  const value = Number(digits);
  if (!Number.isSafeInteger(value) || value > MAX_CLIENT_NUMBER) return [];
  if (digits.startsWith('0')) {
    // A prefix of the padded number: "004" is 0040–0049.
    const width = 10 ** (CODE_DIGITS - digits.length);
    return [[Math.max(1, value * width), (value + 1) * width - 1]];
  }
  const ranges: [number, number][] = [];
  for (let width = 1; value * width <= MAX_CLIENT_NUMBER; width *= 10) {
    ranges.push([value * width, Math.min(MAX_CLIENT_NUMBER, (value + 1) * width - 1)]);
  }
  return ranges;
}
