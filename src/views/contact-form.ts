// The contact form, described once. Slack's modal (src/platforms/slack/render-contact-form.ts) and
// Teams' Adaptive Card draw this model; validation (src/domain/contact.ts) reports errors by the
// same field ids. Adding a field here adds it to every platform.
import { RACE_ETHNICITY, VETERAN_STATUS, type TCategories, type TCategory } from '../domain/categories.js';
import type { DemographicsAsked } from '../domain/contact.js';
import {
  FIELD,
  NEW_CLIENT,
  NOTES_MAX_LENGTH,
  INCIDENT_REF_MAX_LENGTH,
  type ContactDraft,
  type TFieldId,
} from '../domain/contact-draft.js';

export type TFieldKind =
  | 'client' // typeahead over the program's client codes, plus "New client"
  | 'select'
  | 'multiselect'
  | 'date'
  | 'time'
  | 'text'
  | 'multiline'
  | 'number'
  | 'user'
  | 'checkboxes'; // a group of boxes, any number ticked

export interface FormField {
  id: TFieldId;
  kind: TFieldKind;
  label: string;
  hint?: string;
  placeholder?: string;
  optional: boolean;
  options?: TCategory[];
  maxLength?: number;
  min?: number;
  max?: number;
  /** What a platform that checks `min`/`max` itself says when they are not met (Teams blocks Save). */
  rangeMessage?: string;
  /** Initial value: a key, keys, 'YYYY-MM-DD', 'HH:MM', text, a platform user id, or true. */
  initial?: string | string[] | boolean;
  /** Shown only when a new client is being logged. */
  newClientOnly?: boolean;
  /** Choosing a value reshapes the form (Slack redraws the modal at once; see ContactFormModel). */
  reshapesForm?: boolean;
  /**
   * Required only in the case its label names ("Taken to (transports only)"), so neither required
   * nor marked optional. Validation decides (src/domain/contact.ts).
   */
  conditional?: boolean;
  /**
   * Behind "More details": drawn only once the person asks for them (or one of them holds a value),
   * so a phone shows the typical contact's fields on about one and a half screens.
   */
  detail?: boolean;
}

export interface ContactFormModel {
  title: string;
  submitLabel: string;
  cancelLabel: string;
  /** A notice above the fields, such as "No client PIC-9999 in this program". */
  notice?: string;
  isNewClient: boolean;
  /**
   * Every field, the details included (`detail: true`). A renderer draws the details when
   * `detailsShown`, and otherwise a "More details" step that shows them (`detailsLabel`, with
   * `detailsHint` saying what is behind it).
   */
  fields: FormField[];
  detailsShown: boolean;
  detailsLabel: string;
  detailsHint: string;
}

/** The fields behind "More details", in the order they are drawn. */
export const DETAIL_FIELDS = [FIELD.referrals, FIELD.onScene, FIELD.incidentRef, FIELD.minutesOnScene] as const;

export interface ContactFormInput {
  categories: TCategories;
  /** The optional questions for new clients the program asks; unset: none. */
  demographics?: DemographicsAsked;
  draft: ContactDraft;
  notice?: string;
  /**
   * When "Taken to" is shown. `when_transport` (the default): once the outcome chosen is a
   * transport, for a surface that redraws the form when a choice changes (Slack's modal). `always`:
   * for one that cannot (an Adaptive Card has no live reshape on a choice), labelled as asked of
   * transports only; validation requires it for a transport and drops it otherwise.
   */
  transportDestination?: 'when_transport' | 'always';
  /** The person asked for "More details". They are shown anyway once one of them holds a value. */
  showDetails?: boolean;
  /**
   * Who will get the follow-up if "Follow-up by" is left empty, as the hint says it: set when the
   * form was pre-filled with the client's case manager (`prefilled`), when the client has no case
   * manager yet (`least_loaded`), or unknown (no client chosen yet).
   */
  assigneeDefault?: 'prefilled' | 'least_loaded';
  /** The source was pre-filled from the person's last contact: the hint says so. */
  sourceRemembered?: boolean;
}

/** The Client hint: short, and only what is still true of the choice made. */
function clientHint(draft: ContactDraft): string | undefined {
  if (!draft.client) return 'Type a code, or choose “New client”.';
  if (draft.client === NEW_CLIENT) return 'carelog gives the new client a code when you save.';
  return undefined;
}

/**
 * The "Follow-up by" hint. It must be true: the follow-up goes to the person in the box, and an
 * empty box means the client's case manager, or for a client without one the case manager with
 * the fewest pending follow-ups (src/services/contact-rules.ts, followUpAssignee).
 */
function assigneeHint(draft: ContactDraft, assigneeDefault: ContactFormInput['assigneeDefault']): string {
  if (assigneeDefault === 'prefilled' && draft.followUpAssignee)
    return 'The client’s case manager. Change to hand it on.';
  if (assigneeDefault === 'least_loaded' || draft.client === NEW_CLIENT)
    return 'Empty: the case manager with the fewest follow-ups.';
  return 'Empty: the client’s case manager (or, with none, the least busy one).';
}

/** Whether an outcome key is one the program marks as a transport. */
export function isTransportOutcome(categories: TCategories, disposition: string | undefined): boolean {
  return !!disposition && categories.dispositions.some((c) => c.key === disposition && c.transport === true);
}

/** Builds the form for the current draft. Pure: same input, same form. */
export function buildContactForm({
  categories,
  demographics,
  draft,
  notice,
  transportDestination = 'when_transport',
  showDetails = false,
  assigneeDefault,
  sourceRemembered = false,
}: ContactFormInput): ContactFormModel {
  const isNewClient = draft.client === NEW_CLIENT;
  const anyTransport = categories.dispositions.some((c) => c.transport === true);
  const destinationShown =
    anyTransport && (transportDestination === 'always' || isTransportOutcome(categories, draft.disposition));
  const fields: FormField[] = [
    {
      id: FIELD.client,
      kind: 'client',
      reshapesForm: true,
      label: 'Client',
      ...(clientHint(draft) ? { hint: clientHint(draft) } : {}),
      placeholder: 'Client code or New client',
      optional: false,
      ...(draft.client ? { initial: draft.client } : {}),
    },
    {
      id: FIELD.sex,
      kind: 'select',
      label: 'Sex',
      optional: false,
      options: categories.sex,
      newClientOnly: true,
      ...(draft.sex ? { initial: draft.sex } : {}),
    },
    {
      id: FIELD.ageBand,
      kind: 'select',
      label: 'Age',
      optional: false,
      options: categories.ageBands,
      newClientOnly: true,
      ...(draft.ageBand ? { initial: draft.ageBand } : {}),
    },
    // Asked only when the program turns them on (carelog.yml `demographics`), of new clients only.
    ...(demographics?.raceEthnicity
      ? [
          {
            id: FIELD.raceEthnicity,
            kind: 'multiselect',
            label: 'Race and ethnicity',
            hint: 'Choose all that apply, as the person describes themselves.',
            optional: false,
            options: [...RACE_ETHNICITY],
            newClientOnly: true,
            ...(draft.raceEthnicity?.length ? { initial: draft.raceEthnicity } : {}),
          } satisfies FormField,
        ]
      : []),
    ...(demographics?.veteran
      ? [
          {
            id: FIELD.veteran,
            kind: 'select',
            label: 'Veteran',
            optional: false,
            options: [...VETERAN_STATUS],
            newClientOnly: true,
            ...(draft.veteran ? { initial: draft.veteran } : {}),
          } satisfies FormField,
        ]
      : []),
    {
      id: FIELD.date,
      kind: 'date',
      label: 'Date of contact',
      optional: false,
      ...(draft.date ? { initial: draft.date } : {}),
    },
    {
      id: FIELD.time,
      kind: 'time',
      label: 'Time of contact',
      optional: false,
      ...(draft.time ? { initial: draft.time } : {}),
    },
    {
      id: FIELD.source,
      kind: 'select',
      label: 'How did this contact come about?',
      ...(sourceRemembered && draft.source ? { hint: 'As your last contact.' } : {}),
      optional: false,
      options: categories.sources,
      ...(draft.source ? { initial: draft.source } : {}),
    },
    {
      id: FIELD.services,
      kind: 'multiselect',
      label: 'Services provided',
      optional: true,
      options: categories.services,
      ...(draft.services?.length ? { initial: draft.services } : {}),
    },
    {
      id: FIELD.disposition,
      kind: 'select',
      label: 'Outcome',
      optional: false,
      options: categories.dispositions,
      // Choosing a transport, or leaving one, shows or hides "Taken to".
      ...(anyTransport && transportDestination === 'when_transport' ? { reshapesForm: true } : {}),
      ...(draft.disposition ? { initial: draft.disposition } : {}),
    },
    ...(destinationShown
      ? [
          {
            id: FIELD.transportDestination,
            kind: 'select',
            ...(transportDestination === 'always'
              ? { label: 'Taken to (transports only)', optional: true, conditional: true }
              : { label: 'Taken to', optional: false }),
            options: categories.transportDestinations,
            ...(draft.transportDestination ? { initial: draft.transportDestination } : {}),
          } satisfies FormField,
        ]
      : []),
    {
      id: FIELD.followUpDate,
      kind: 'date',
      label: 'Follow-up date',
      optional: true,
      ...(draft.followUpDate ? { initial: draft.followUpDate } : {}),
    },
    {
      id: FIELD.followUpAssignee,
      kind: 'user',
      label: 'Follow-up by',
      hint: assigneeHint(draft, assigneeDefault),
      optional: true,
      ...(draft.followUpAssignee ? { initial: draft.followUpAssignee } : {}),
    },
    {
      id: FIELD.notes,
      kind: 'multiline',
      label: 'Notes',
      hint: 'Encrypted, never posted to a channel. No names.',
      optional: true,
      maxLength: NOTES_MAX_LENGTH,
      ...(draft.notes ? { initial: draft.notes } : {}),
    },
    // More details.
    {
      id: FIELD.referrals,
      kind: 'multiselect',
      label: 'Referrals made',
      optional: true,
      detail: true,
      options: categories.referrals,
      ...(draft.referrals?.length ? { initial: draft.referrals } : {}),
    },
    {
      id: FIELD.onScene,
      kind: 'checkboxes',
      label: 'On scene',
      hint: 'Tick any that happened. None is fine.',
      optional: true,
      detail: true,
      options: categories.onScene,
      ...(draft.onScene?.length ? { initial: draft.onScene } : {}),
    },
    {
      id: FIELD.incidentRef,
      kind: 'text',
      label: 'CAD / incident number',
      optional: true,
      detail: true,
      maxLength: INCIDENT_REF_MAX_LENGTH,
      ...(draft.incidentRef ? { initial: draft.incidentRef } : {}),
    },
    {
      id: FIELD.minutesOnScene,
      kind: 'number',
      label: 'Minutes on scene',
      optional: true,
      detail: true,
      min: 0,
      max: 1440,
      rangeMessage: 'Enter whole minutes from 0 to 1440.',
      ...(draft.minutesOnScene ? { initial: draft.minutesOnScene } : {}),
    },
  ];
  return {
    title: 'Log a contact',
    submitLabel: 'Save',
    cancelLabel: 'Cancel',
    ...(notice ? { notice } : {}),
    isNewClient,
    fields: fields.filter((f) => !f.newClientOnly || isNewClient),
    detailsShown: showDetails || hasDetails(draft),
    detailsLabel: 'More details',
    detailsHint: 'Referrals, on scene, CAD number, minutes on scene.',
  };
}

/** Whether a draft holds a value in one of the fields behind "More details". */
export function hasDetails(draft: ContactDraft): boolean {
  return !!(draft.referrals?.length || draft.onScene?.length || draft.incidentRef || draft.minutesOnScene);
}
