// Draws the contact form model (src/views/contact-form.ts) as a Slack modal, and reads a submitted
// modal's state back into a draft. Action ids are the model's field ids, and so are block ids but
// for an input drawn afresh (fieldIdOfBlock).
import type { KnownBlock, View, Option, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { ContactFormModel, FormField } from '../../views/contact-form.js';
import { FIELD, NEW_CLIENT, type ContactDraft } from '../../domain/contact-draft.js';

export const CONTACT_VIEW_CALLBACK = 'contact_form';
/** The button that shows the fields behind "More details" (its block and action id). */
export const MORE_DETAILS_ACTION = 'contact_more_details';
export const NEW_CLIENT_LABEL = '➕ New client';

/** What the modal carries between requests, zod-checked when it comes back. */
export const ZContactMetadata = z.object({
  programId: z.string().min(1).max(64),
  /** Channel the command was typed in, if any. */
  channelId: z.string().max(32).optional(),
  /**
   * Who "Follow-up by" was last pre-filled with (a Slack user id), and for which client (an id, or
   * "new"): the box follows a newly chosen client while it still holds this, or nothing.
   */
  assigneeDefault: z.string().max(32).optional(),
  assigneeFor: z.string().max(64).optional(),
});
export type TContactMetadata = z.infer<typeof ZContactMetadata>;

/** Reads a modal's private_metadata; null when it is missing or not carelog's. */
export function readContactMetadata(text: string | undefined): TContactMetadata | null {
  try {
    const parsed = ZContactMetadata.safeParse(JSON.parse(text ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The field an input block draws. A block id is its field id, with ".n" added when the input must
 * be drawn afresh: Slack keeps what an input holds across views.update while its block id stays
 * the same, so a new pre-filled value ("Follow-up by" following the client) needs a new block id.
 */
export function fieldIdOfBlock(blockId: string): string {
  const dot = blockId.indexOf('.');
  return dot < 0 ? blockId : blockId.slice(0, dot);
}

/** The block id after `blockId` for the same field: `follow_up_assignee` → `follow_up_assignee.1` → `.2`. */
export function nextBlockId(blockId: string): string {
  const field = fieldIdOfBlock(blockId);
  const n = Number(blockId.slice(field.length + 1)) || 0;
  return `${field}.${n + 1}`;
}

/** Slack's checkboxes element holds at most 10 boxes; a longer group is drawn as a multi-select. */
export const MAX_CHECKBOXES = 10;

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
const option = (key: string, label: string): PlainTextOption => ({ text: plain(label), value: key });

function element(field: FormField, ctx: { timezone: string; clientLabel?: string }) {
  const { id } = field;
  const opts = (field.options ?? []).map((o) => option(o.key, o.label));
  const initialOptions = (keys: string[]) => opts.filter((o) => keys.includes(o.value!));
  switch (field.kind) {
    case 'client':
      return {
        type: 'external_select' as const,
        action_id: id,
        min_query_length: 0,
        placeholder: plain(field.placeholder ?? 'Choose'),
        ...(typeof field.initial === 'string'
          ? {
              initial_option: option(
                field.initial,
                field.initial === NEW_CLIENT ? NEW_CLIENT_LABEL : (ctx.clientLabel ?? field.initial),
              ),
            }
          : {}),
      };
    case 'select': {
      const initial = typeof field.initial === 'string' ? initialOptions([field.initial])[0] : undefined;
      return {
        type: 'static_select' as const,
        action_id: id,
        options: opts,
        placeholder: plain('Choose'),
        ...(initial ? { initial_option: initial } : {}),
      };
    }
    case 'multiselect': {
      const initial = Array.isArray(field.initial) ? initialOptions(field.initial) : [];
      return {
        type: 'multi_static_select' as const,
        action_id: id,
        options: opts,
        placeholder: plain('Choose any'),
        ...(initial.length ? { initial_options: initial } : {}),
      };
    }
    case 'date':
      return {
        type: 'datepicker' as const,
        action_id: id,
        ...(typeof field.initial === 'string' ? { initial_date: field.initial } : {}),
      };
    case 'time':
      return {
        type: 'timepicker' as const,
        action_id: id,
        timezone: ctx.timezone,
        ...(typeof field.initial === 'string' ? { initial_time: field.initial } : {}),
      };
    case 'text':
    case 'multiline':
      return {
        type: 'plain_text_input' as const,
        action_id: id,
        multiline: field.kind === 'multiline',
        ...(field.maxLength ? { max_length: field.maxLength } : {}),
        ...(typeof field.initial === 'string' ? { initial_value: field.initial } : {}),
      };
    case 'number':
      return {
        type: 'number_input' as const,
        action_id: id,
        is_decimal_allowed: false,
        ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
        ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
        ...(typeof field.initial === 'string' ? { initial_value: field.initial } : {}),
      };
    case 'user':
      return {
        type: 'users_select' as const,
        action_id: id,
        ...(typeof field.initial === 'string' ? { initial_user: field.initial } : {}),
      };
    case 'checkboxes': {
      const initial = Array.isArray(field.initial) ? initialOptions(field.initial) : [];
      const common = { action_id: id, options: opts, ...(initial.length ? { initial_options: initial } : {}) };
      return opts.length > MAX_CHECKBOXES
        ? { type: 'multi_static_select' as const, placeholder: plain('Choose any'), ...common }
        : { type: 'checkboxes' as const, ...common };
    }
  }
}

export interface RenderContext {
  timezone: string;
  metadata: TContactMetadata;
  clientLabel?: string;
  /** Block ids other than the field's own (see fieldIdOfBlock), by field id. */
  blockIds?: Partial<Record<string, string>>;
}

/** The modal for a form model. Pure, so its Block Kit limits can be tested (no library checks them). */
export function renderContactModal(form: ContactFormModel, ctx: RenderContext): View {
  const blocks: KnownBlock[] = [];
  if (form.notice)
    blocks.push({ type: 'section', block_id: 'notice', text: { type: 'mrkdwn', text: `:warning: ${form.notice}` } });
  for (const field of form.fields) {
    if (field.detail && !form.detailsShown) continue;
    blocks.push({
      type: 'input',
      block_id: ctx.blockIds?.[field.id] ?? field.id,
      label: plain(field.label),
      optional: field.optional,
      // Choosing "New client" or a transport must reshape the form at once (sex and age, or
      // "Taken to", appear): Slack then sends the choice as a block action.
      ...(field.reshapesForm ? { dispatch_action: true } : {}),
      ...(field.hint ? { hint: plain(field.hint) } : {}),
      element: element(field, { timezone: ctx.timezone, ...(ctx.clientLabel ? { clientLabel: ctx.clientLabel } : {}) }),
    });
  }
  if (!form.detailsShown) {
    // A button, not an input: it adds no answer to the form, it shows the rest of the questions.
    blocks.push({
      type: 'actions',
      block_id: MORE_DETAILS_ACTION,
      elements: [{ type: 'button', action_id: MORE_DETAILS_ACTION, text: plain(form.detailsLabel), value: 'show' }],
    });
    blocks.push({ type: 'context', block_id: `${MORE_DETAILS_ACTION}_hint`, elements: [plain(form.detailsHint)] });
  }
  return {
    type: 'modal',
    callback_id: CONTACT_VIEW_CALLBACK,
    title: plain(form.title),
    submit: plain(form.submitLabel),
    close: plain(form.cancelLabel),
    notify_on_close: false,
    private_metadata: JSON.stringify(ctx.metadata),
    blocks,
  };
}

// What Slack sends back in view.state.values: { [block_id]: { [action_id]: value } }.
const ZStateValue = z
  .object({
    type: z.string(),
    selected_option: z.object({ value: z.string(), text: z.object({ text: z.string() }).optional() }).nullish(),
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
    selected_date: z.string().nullish(),
    selected_time: z.string().nullish(),
    selected_user: z.string().nullish(),
    value: z.string().nullish(),
  })
  .passthrough();
export const ZViewState = z.record(z.string(), z.record(z.string(), ZStateValue));
export type TViewState = z.infer<typeof ZViewState>;

function valueOf(state: TViewState, id: string) {
  if (state[id]?.[id]) return state[id][id];
  const block = Object.keys(state).find((b) => fieldIdOfBlock(b) === id);
  return block ? state[block]?.[id] : undefined;
}

/** Reads a modal's state into a draft; anything missing stays undefined for validation to name. */
export function readContactDraft(state: TViewState): ContactDraft {
  const s = (id: string) => valueOf(state, id);
  const draft: ContactDraft = {};
  const client = s(FIELD.client)?.selected_option;
  if (client) {
    draft.client = client.value;
    if (client.text?.text) draft.clientLabel = client.text.text;
  }
  const pick = (id: string) => s(id)?.selected_option?.value ?? undefined;
  const many = (id: string) => s(id)?.selected_options?.map((o) => o.value) ?? undefined;
  const text = (id: string) => s(id)?.value ?? undefined;
  // Nothing ticked reads as nothing said (validation takes it as none).
  const nonEmpty = (keys: string[] | undefined) => (keys?.length ? keys : undefined);
  const assign = <K extends keyof ContactDraft>(key: K, v: ContactDraft[K] | undefined) => {
    if (v !== undefined && v !== null) draft[key] = v;
  };
  assign('sex', pick(FIELD.sex));
  assign('ageBand', pick(FIELD.ageBand));
  assign('date', s(FIELD.date)?.selected_date ?? undefined);
  assign('time', s(FIELD.time)?.selected_time ?? undefined);
  assign('source', pick(FIELD.source));
  assign('services', many(FIELD.services));
  assign('referrals', many(FIELD.referrals));
  assign('raceEthnicity', nonEmpty(many(FIELD.raceEthnicity)));
  assign('veteran', pick(FIELD.veteran));
  assign('disposition', pick(FIELD.disposition));
  assign('transportDestination', pick(FIELD.transportDestination));
  assign('onScene', nonEmpty(many(FIELD.onScene)));
  assign('incidentRef', text(FIELD.incidentRef));
  assign('minutesOnScene', text(FIELD.minutesOnScene));
  assign('followUpDate', s(FIELD.followUpDate)?.selected_date ?? undefined);
  assign('followUpAssignee', s(FIELD.followUpAssignee)?.selected_user ?? undefined);
  assign('notes', text(FIELD.notes));
  return draft;
}

/** External-select options for the client typeahead: "New client" first, then matching codes. */
export function clientOptions(clients: { id: string; code: string }[], query: string): Option[] {
  const q = query.trim().toLowerCase();
  const showNew = q === '' || 'new client'.startsWith(q) || q === 'new';
  return [
    ...(showNew ? [option(NEW_CLIENT, NEW_CLIENT_LABEL)] : []),
    ...clients.slice(0, 99).map((c) => option(c.id, c.code)),
  ];
}

export type { Option };
