// A linkage check (src/views/referral-check.ts) as an Adaptive Card, and its Connected dialog.
// Not yet, Declined and Couldn't reach are Action.Execute (the invoke's answer replaces the card);
// Connected is an Action.Submit that opens a dialog (task/fetch): the dialog asks the date and is
// the only place the category is named, since a dialog is not kept in the chat's history.
import type {
  ActionArray,
  CardElementArray,
  IAdaptiveCard,
  IExecuteAction,
  ISubmitAction,
} from '@microsoft/teams.cards';
import type { TaskModuleResponse } from '@microsoft/teams.api';
import { z } from 'zod';
import {
  CONNECTED_FIELD,
  REFERRAL_ACTION,
  type ConnectedForm,
  type ReferralCheckMessage,
} from '../../views/referral-check.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, adaptiveCard, text } from './cards.js';

/** The dialog opened by Connected, and the action its Save submits. */
export const CONNECTED_DIALOG = 'referral_connected';
export const CONNECTED_SAVE = 'referral_connected_save';

export const ZReferralCardData = z.object({
  action: z.enum([REFERRAL_ACTION.notYet, REFERRAL_ACTION.declined, REFERRAL_ACTION.unreachable]),
  ref: z.string().min(1).max(64),
  /** The ReferralCheck row this card was sent as (absent in lists). */
  check: z.uuid().optional(),
  /** Pressed in the "referrals" list: the answer is the list drawn again. */
  list: z.literal(true).optional(),
});
export type TReferralCardData = z.infer<typeof ZReferralCardData>;

/** What Connected's task/fetch carries, and what the dialog's Save sends back (with the date). */
export const ZConnectedDialogData = z.object({
  ref: z.string().min(1).max(64),
  check: z.uuid().optional(),
  /** Opened from the "referrals" list. */
  list: z.literal(true).optional(),
  /** The list's message, to draw it again once the dialog is saved (the task/fetch's replyToId). */
  listId: z.string().min(1).max(200).optional(),
});
export const ZConnectedSaveData = ZConnectedDialogData.extend({
  action: z.literal(CONNECTED_SAVE),
  [CONNECTED_FIELD.date]: z.string().max(32).optional(),
});

/** The check's elements and actions, for a card of its own or a place in a list. */
export function referralParts(
  m: ReferralCheckMessage,
  opts: { checkId?: string; list?: boolean } = {},
): { body: CardElementArray; actions: ActionArray } {
  const body: CardElementArray = [
    text(m.heading, { weight: 'Bolder', size: 'Medium' }),
    { type: 'FactSet', facts: m.facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (m.outcome) body.push(text(m.outcome, { isSubtle: true }));
  const base = {
    ref: m.ref,
    ...(opts.checkId ? { check: opts.checkId } : {}),
    ...(opts.list ? { list: true as const } : {}),
  };
  const actions: ActionArray = m.actions.map((a) => {
    if (a.id === REFERRAL_ACTION.connected) {
      const submit: ISubmitAction = {
        type: 'Action.Submit',
        title: a.label,
        style: 'positive',
        associatedInputs: 'none',
        data: { msteams: { type: 'task/fetch' }, dialog_id: CONNECTED_DIALOG, ...base },
      };
      return submit;
    }
    const execute: IExecuteAction = {
      type: 'Action.Execute',
      title: a.label,
      verb: a.id,
      associatedInputs: 'none',
      data: { ...base, action: a.id },
    };
    return execute;
  });
  return { body, actions };
}

export function renderReferralCard(m: ReferralCheckMessage, checkId?: string): IAdaptiveCard {
  const { body, actions } = referralParts(m, checkId ? { checkId } : {});
  return adaptiveCard(body, actions);
}

/** The Connected dialog: the referral named, the date asked (today by default), Save. */
export function connectedDialog(
  form: ConnectedForm,
  checkId: string | undefined,
  error?: string,
  from: { list?: true; listId?: string } = {},
): TaskModuleResponse {
  const body: CardElementArray = [
    text(form.intro),
    {
      type: 'Input.Date',
      id: CONNECTED_FIELD.date,
      label: form.dateLabel,
      value: form.initialDate,
      min: form.minDate,
      max: form.maxDate,
      isRequired: true,
      errorMessage: 'Choose the date they connected.',
    },
    text(form.hint, { isSubtle: true, size: 'Small' }),
  ];
  if (error) body.push(text(error, { color: 'Attention' }));
  const save: ISubmitAction = {
    type: 'Action.Submit',
    title: form.submitLabel,
    style: 'positive',
    data: { action: CONNECTED_SAVE, ref: form.ref, ...(checkId ? { check: checkId } : {}), ...from },
  };
  return {
    task: {
      type: 'continue',
      value: {
        title: form.title,
        width: 'medium',
        height: 'small',
        card: { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: adaptiveCard(body, [save]) },
      },
    },
  };
}

/** Closes the dialog with a line for the person (the check in the chat is updated in place). */
export function dialogMessage(value: string): TaskModuleResponse {
  return { task: { type: 'message', value } };
}

/** A card holds about 28 KB; a referral with its actions takes about 1.2 KB. */
export const MAX_REFERRALS_LISTED = 10;

/** A person's open referrals as one card ("referrals" in the bot chat), each with its answers. */
export function renderReferralListCard(
  items: ReferralCheckMessage[],
  intro: string,
  total: number,
  /** What was just done to one of its entries, when the list is drawn again after it (listNotice). */
  notice?: string,
): IAdaptiveCard {
  const body: CardElementArray = [
    ...(notice ? [text(notice, { isSubtle: true, id: 'referrals_notice' })] : []),
    text(intro, { weight: 'Bolder' }),
  ];
  for (const m of items.slice(0, MAX_REFERRALS_LISTED)) {
    const parts = referralParts(m, { list: true });
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [...parts.body, ...(parts.actions.length ? [{ type: 'ActionSet' as const, actions: parts.actions }] : [])],
    });
  }
  if (total > MAX_REFERRALS_LISTED) body.push(text(`…and ${total - MAX_REFERRALS_LISTED} more.`, { isSubtle: true }));
  return adaptiveCard(body);
}
