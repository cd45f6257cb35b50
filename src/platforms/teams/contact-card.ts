// Draws the contact form model (src/views/contact-form.ts) as an Adaptive Card, and reads the
// values an Action.Execute brings back into the same draft Slack's modal reads. Input ids are the
// model's field ids; verbs and datasets are the constants below.
//
// A card cannot keep what was typed by itself: to show errors by the field, carelog answers with a
// new card. Everything typed comes back in it except the notes, which never go into a card: they
// travel back sealed (AES-GCM, bound to this form and person, src/platforms/teams/draft-notes.ts)
// in the card's action data, and the card says they are kept.
import type {
  IActionSet,
  IChoiceSetInput,
  IContainer,
  IExecuteAction,
  IAdaptiveCard,
  CardElementArray,
} from '@microsoft/teams.cards';
import { z } from 'zod';
import type { ContactFormModel, FormField } from '../../views/contact-form.js';
import { FIELD, NEW_CLIENT, type ContactDraft, type TFieldId } from '../../domain/contact-draft.js';
import { adaptiveCard, text } from './cards.js';

/** Action.Execute verbs (and the `action` the SDK routes `card.action.<action>` by). */
export const CONTACT_ACTION = {
  save: 'contact_save',
  newClient: 'contact_new_client',
  cancel: 'contact_cancel',
} as const;

/** Dynamic typeahead datasets: carelog's client codes, and Teams' own people picker (Entra ids). */
export const CLIENT_DATASET = 'carelog.clients';
export const PEOPLE_DATASET = 'graph.microsoft.com/users';
export const NEW_CLIENT_TITLE = '➕ New client';
/**
 * Lists longer than this are searched as the person types instead of being listed in the card (a
 * program may name up to 100 categories per list, and a Teams message holds about 28 KB).
 */
export const MAX_STATIC_CHOICES = 25;
/** The dataset of a long category list: the field id after the prefix. */
export const CATEGORY_DATASET_PREFIX = 'carelog.category.';
/** The container of the fields behind "More details", and the button that shows it. */
export const MORE_DETAILS_ID = 'more_details';
export const MORE_DETAILS_BUTTON_ID = 'more_details_show';

/** What every action on the form carries besides the inputs. */
export const ZContactCardData = z.object({
  action: z.enum([CONTACT_ACTION.save, CONTACT_ACTION.newClient, CONTACT_ACTION.cancel]),
  /** One form, one contact: the idempotency key of the submission. */
  form: z.uuid(),
  program: z.string().min(1).max(64),
  /** Notes typed before a refresh, sealed. */
  notes_sealed: z.string().max(20_000).optional(),
  /**
   * The inputs the card drew (those behind "More details" included). An answer missing for a field
   * not among them (Sex and Age after "New client" was chosen in the typeahead, "Taken to" after a
   * transport) is asked for, not shown as an error: the person never saw that field.
   */
  shown: z.array(z.string().max(40)).max(40).optional(),
  /**
   * Who "Follow-up by" was pre-filled with (an Entra object id) and for which client (an id, or
   * "new"): when the card comes back for another client, the box follows that client while it
   * still holds this, or nothing.
   */
  assignee_default: z.string().max(100).optional(),
  assignee_for: z.string().max(64).optional(),
});
export type TContactCardData = z.infer<typeof ZContactCardData>;

export interface ContactCardContext {
  formId: string;
  programId: string;
  /** The code shown for a chosen client (PIC-0042). */
  clientLabel?: string;
  /** How to show the chosen follow-up person (their name is only known to Teams' people picker). */
  assigneeLabel?: string;
  errors?: Partial<Record<TFieldId, string>>;
  /** Notes from an earlier round trip, sealed, and how long they were. */
  keptNotes?: { sealed: string; length: number };
  /** What "Follow-up by" was pre-filled with, and for which client (see ZContactCardData). */
  prefilled?: { assigneeDefault?: string; assigneeFor?: string };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function input(field: FormField, ctx: ContactCardContext): CardElementArray[number] {
  // A conditional field's label already says when it is asked ("Taken to (transports only)").
  const label = field.optional && !field.conditional ? `${field.label} (optional)` : field.label;
  const initial = field.initial;
  const choices = (field.options ?? []).map((o) => ({ title: o.label, value: o.key }));
  switch (field.kind) {
    case 'client': {
      const picked = str(initial);
      const known = picked && picked !== NEW_CLIENT ? [{ title: ctx.clientLabel ?? picked, value: picked }] : [];
      return {
        type: 'Input.ChoiceSet',
        id: field.id,
        label,
        style: 'filtered',
        placeholder: field.placeholder ?? 'Choose',
        choices: [{ title: NEW_CLIENT_TITLE, value: NEW_CLIENT }, ...known],
        'choices.data': { type: 'Data.Query', dataset: CLIENT_DATASET },
        ...(picked ? { value: picked } : {}),
      } satisfies IChoiceSetInput;
    }
    case 'select':
    case 'multiselect':
    case 'checkboxes': {
      const many = field.kind !== 'select';
      const picked = many ? (Array.isArray(initial) ? initial : []) : str(initial) ? [str(initial)!] : [];
      const long = choices.length > MAX_STATIC_CHOICES;
      return {
        type: 'Input.ChoiceSet',
        id: field.id,
        label,
        ...(many ? { isMultiSelect: true } : {}),
        // A box's title wraps instead of being cut off on a phone ("Would likely have been an
        // arrest without us" is wider than a 360 px screen leaves it).
        wrap: true,
        // A group of boxes is drawn as boxes (expanded) while the list is short enough to show.
        style: long ? 'filtered' : field.kind === 'checkboxes' ? 'expanded' : many ? 'filtered' : 'compact',
        placeholder: many ? 'Choose any' : 'Choose',
        // A long list keeps only what is chosen in the card; the rest comes by typeahead.
        choices: long ? choices.filter((c) => picked.includes(c.value)) : choices,
        ...(long ? { 'choices.data': { type: 'Data.Query', dataset: `${CATEGORY_DATASET_PREFIX}${field.id}` } } : {}),
        ...(picked.length ? { value: picked.join(',') } : {}),
      } satisfies IChoiceSetInput;
    }
    case 'date':
      return { type: 'Input.Date', id: field.id, label, ...(str(initial) ? { value: str(initial) } : {}) };
    case 'time':
      return { type: 'Input.Time', id: field.id, label, ...(str(initial) ? { value: str(initial) } : {}) };
    case 'text':
    case 'multiline':
      return {
        type: 'Input.Text',
        id: field.id,
        label,
        isMultiline: field.kind === 'multiline',
        ...(field.placeholder ? { placeholder: field.placeholder } : {}),
        ...(field.maxLength ? { maxLength: field.maxLength } : {}),
        // Notes are never put back into a card (see the top of this file).
        ...(str(initial) && field.id !== FIELD.notes ? { value: str(initial) } : {}),
      };
    case 'number': {
      const n = str(initial) !== undefined ? Number(initial) : NaN;
      return {
        type: 'Input.Number',
        id: field.id,
        label,
        ...(field.min !== undefined ? { min: field.min } : {}),
        ...(field.max !== undefined ? { max: field.max } : {}),
        // Without it Teams blocks Save on a number out of range and says nothing.
        ...(field.rangeMessage ? { errorMessage: field.rangeMessage } : {}),
        ...(Number.isFinite(n) ? { value: n } : {}),
      };
    }
    case 'user': {
      const picked = str(initial);
      return {
        type: 'Input.ChoiceSet',
        id: field.id,
        label,
        style: 'filtered',
        placeholder: 'Search for a person',
        choices: picked ? [{ title: ctx.assigneeLabel ?? 'The person chosen', value: picked }] : [],
        'choices.data': { type: 'Data.Query', dataset: PEOPLE_DATASET },
        ...(picked ? { value: picked } : {}),
      };
    }
  }
}

function execute(
  title: string,
  action: TContactCardData['action'],
  data: Omit<TContactCardData, 'action'>,
  extra: Partial<IExecuteAction> = {},
): IExecuteAction {
  return { type: 'Action.Execute', title, verb: action, data: { ...data, action }, ...extra };
}

/** The form as a card. Pure, so it can be tested alone and against Teams' size limit. */
export function renderContactCard(form: ContactFormModel, ctx: ContactCardContext): IAdaptiveCard {
  const data = {
    form: ctx.formId,
    program: ctx.programId,
    ...(ctx.keptNotes ? { notes_sealed: ctx.keptNotes.sealed } : {}),
    shown: form.fields.map((f) => f.id),
    ...(ctx.prefilled?.assigneeDefault ? { assignee_default: ctx.prefilled.assigneeDefault } : {}),
    ...(ctx.prefilled?.assigneeFor ? { assignee_for: ctx.prefilled.assigneeFor } : {}),
  };
  const errors = ctx.errors ?? {};
  const body: CardElementArray = [text(form.title, { size: 'Large', weight: 'Bolder' })];
  if (form.notice) body.push(text(`⚠️ ${form.notice}`, { id: 'notice', color: 'Warning' }));
  if (Object.keys(errors).length)
    body.push(
      text('Some answers need a look: see the notes in red below. Everything else you entered is still here.', {
        id: 'errors',
        color: 'Attention',
      }),
    );
  const details: CardElementArray = [];
  for (const field of form.fields) {
    const to = field.detail ? details : body;
    to.push(input(field, ctx));
    if (field.hint) to.push(text(field.hint, { isSubtle: true, size: 'Small', spacing: 'None' }));
    if (field.id === FIELD.notes && ctx.keptNotes) {
      to.push(
        text(
          `Your notes (${ctx.keptNotes.length} characters) are kept, encrypted. Leave the box empty to keep them, or type to replace them.`,
          {
            id: `${FIELD.notes}_kept`,
            size: 'Small',
            spacing: 'None',
            color: 'Good',
          },
        ),
      );
    }
    const error = errors[field.id];
    if (error) to.push(text(error, { id: `${field.id}_error`, color: 'Attention', size: 'Small', spacing: 'None' }));
    // Choosing "New client" reshapes the form (sex and age appear): a round trip, like Slack's.
    // Teams sends nothing when a typeahead choice changes, so "New client" chosen there takes
    // effect at Save instead: the card comes back asking for sex and age (handlers/teams/contact.ts).
    if (field.kind === 'client' && !form.isNewClient) {
      body.push({
        type: 'ActionSet',
        actions: [execute(NEW_CLIENT_TITLE, CONTACT_ACTION.newClient, data)],
      } satisfies IActionSet);
    }
  }
  if (details.length) {
    // Shown by Teams itself, no round trip: a hidden input is still sent with Save.
    if (!form.detailsShown) {
      body.push({
        type: 'ActionSet',
        id: MORE_DETAILS_BUTTON_ID,
        actions: [
          {
            type: 'Action.ToggleVisibility',
            title: form.detailsLabel,
            targetElements: [
              { elementId: MORE_DETAILS_ID, isVisible: true },
              { elementId: MORE_DETAILS_BUTTON_ID, isVisible: false },
              { elementId: `${MORE_DETAILS_BUTTON_ID}_hint`, isVisible: false },
            ],
          },
        ],
      } satisfies IActionSet);
      body.push(
        text(form.detailsHint, {
          id: `${MORE_DETAILS_BUTTON_ID}_hint`,
          isSubtle: true,
          size: 'Small',
          spacing: 'None',
        }),
      );
    }
    body.push({
      type: 'Container',
      id: MORE_DETAILS_ID,
      isVisible: form.detailsShown,
      items: details,
    } satisfies IContainer);
  }
  return adaptiveCard(body, [
    execute(form.submitLabel, CONTACT_ACTION.save, data, { style: 'positive' }),
    execute(form.cancelLabel, CONTACT_ACTION.cancel, data, { associatedInputs: 'none' }),
  ]);
}

/** What Teams sends back for the inputs: strings, comma-joined for a multi-select. */
const ZInputs = z.object({
  [FIELD.client]: z.string().max(100).optional(),
  [FIELD.sex]: z.string().max(100).optional(),
  [FIELD.ageBand]: z.string().max(100).optional(),
  [FIELD.date]: z.string().max(40).optional(),
  [FIELD.time]: z.string().max(40).optional(),
  [FIELD.source]: z.string().max(100).optional(),
  [FIELD.services]: z.string().max(10_000).optional(),
  [FIELD.referrals]: z.string().max(10_000).optional(),
  [FIELD.raceEthnicity]: z.string().max(2_000).optional(),
  [FIELD.veteran]: z.string().max(100).optional(),
  [FIELD.disposition]: z.string().max(100).optional(),
  [FIELD.transportDestination]: z.string().max(100).optional(),
  [FIELD.onScene]: z.string().max(10_000).optional(),
  [FIELD.incidentRef]: z.string().max(1_000).optional(),
  [FIELD.minutesOnScene]: z
    .union([z.string().max(40), z.number()])
    .transform(String)
    .optional(),
  [FIELD.followUpDate]: z.string().max(40).optional(),
  [FIELD.followUpAssignee]: z.string().max(100).optional(),
  // Longer than the form allows, so validation can say so instead of the card being refused.
  [FIELD.notes]: z.string().max(20_000).optional(),
});

/** Reads the card's inputs into a draft; blanks stay undefined for validation to name. */
export function readContactCardDraft(values: unknown): ContactDraft | null {
  const parsed = ZInputs.safeParse(values);
  if (!parsed.success) return null;
  const v = parsed.data;
  const blank = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : s);
  const list = (s: string | undefined) =>
    blank(s)
      ? s!
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const draft: ContactDraft = {};
  const assign = <K extends keyof ContactDraft>(key: K, value: ContactDraft[K] | undefined) => {
    if (value !== undefined) draft[key] = value;
  };
  assign('client', blank(v.client));
  assign('sex', blank(v.sex));
  assign('ageBand', blank(v.age_band));
  assign('date', blank(v.contact_date));
  assign('time', blank(v.contact_time)?.slice(0, 5));
  assign('source', blank(v.source));
  assign('services', list(v.services));
  assign('referrals', list(v.referrals));
  assign('raceEthnicity', list(v.race_ethnicity));
  assign('veteran', blank(v.veteran));
  assign('disposition', blank(v.disposition));
  assign('transportDestination', blank(v.transport_destination));
  assign('onScene', list(v.on_scene));
  assign('incidentRef', blank(v.incident_ref));
  assign('minutesOnScene', blank(v.minutes_on_scene));
  assign('followUpDate', blank(v.follow_up_date));
  assign('followUpAssignee', blank(v.follow_up_assignee));
  assign('notes', blank(v.notes));
  return draft;
}
