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
  | 'checkbox' // one yes/no box
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
}

export interface ContactFormModel {
  title: string;
  submitLabel: string;
  cancelLabel: string;
  /** A notice above the fields, such as "No client PIC-9999 in this program". */
  notice?: string;
  isNewClient: boolean;
  fields: FormField[];
}

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
      hint: 'Type a client code, or choose “New client” for someone you have not met before.',
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
      id: FIELD.referrals,
      kind: 'multiselect',
      label: 'Referrals made',
      optional: true,
      options: categories.referrals,
      ...(draft.referrals?.length ? { initial: draft.referrals } : {}),
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
      id: FIELD.onScene,
      kind: 'checkboxes',
      label: 'On scene',
      hint: 'Tick any that happened. None is fine.',
      optional: true,
      options: categories.onScene,
      ...(draft.onScene?.length ? { initial: draft.onScene } : {}),
    },
    {
      id: FIELD.incidentRef,
      kind: 'text',
      label: 'CAD / incident number',
      optional: true,
      maxLength: INCIDENT_REF_MAX_LENGTH,
      ...(draft.incidentRef ? { initial: draft.incidentRef } : {}),
    },
    {
      id: FIELD.minutesOnScene,
      kind: 'number',
      label: 'Minutes on scene',
      optional: true,
      min: 0,
      max: 1440,
      ...(draft.minutesOnScene ? { initial: draft.minutesOnScene } : {}),
    },
    {
      id: FIELD.followUpWanted,
      kind: 'checkbox',
      label: 'Follow-up',
      hint: 'A case manager will be reminded on the date below.',
      optional: true,
      options: [{ key: 'yes', label: 'Follow-up needed', part2: false }],
      ...(draft.followUpWanted ? { initial: true } : {}),
    },
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
      hint: 'Leave as is for the client’s case manager.',
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
  ];
  return {
    title: 'Log a contact',
    submitLabel: 'Save',
    cancelLabel: 'Cancel',
    ...(notice ? { notice } : {}),
    isNewClient,
    fields: fields.filter((f) => !f.newClientOnly || isNewClient),
  };
}
