// The contact form, described once. Slack's modal (src/platforms/slack/render-contact-form.ts) and
// Teams' Adaptive Card draw this model; validation (src/domain/contact.ts) reports errors by the
// same field ids. Adding a field here adds it to every platform.
import type { TCategories, TCategory } from '../domain/categories.js';
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
  | 'checkbox';

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
  draft: ContactDraft;
  notice?: string;
}

/** Builds the form for the current draft. Pure: same input, same form. */
export function buildContactForm({ categories, draft, notice }: ContactFormInput): ContactFormModel {
  const isNewClient = draft.client === NEW_CLIENT;
  const fields: FormField[] = [
    {
      id: FIELD.client,
      kind: 'client',
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
      ...(draft.disposition ? { initial: draft.disposition } : {}),
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
