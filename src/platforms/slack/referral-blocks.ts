// Block Kit for a linkage check (src/views/referral-check.ts) and its Connected modal. Action ids
// are the view's constants; each button's value is the referral reference "<id>:<version>".
import type { KnownBlock, View } from '@slack/types';
import { z } from 'zod';
import {
  CONNECTED_FIELD,
  REFERRAL_ACTION,
  type ConnectedForm,
  type ReferralCheckMessage,
} from '../../views/referral-check.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

export function renderReferralBlocks(m: ReferralCheckMessage): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'referral_heading', text: { type: 'mrkdwn', text: `*${m.heading}*` } },
    {
      type: 'section',
      block_id: 'referral_facts',
      fields: m.facts.map((f) => ({ type: 'mrkdwn' as const, text: `*${f.label}*\n${f.value}` })),
    },
  ];
  if (m.outcome)
    blocks.push({ type: 'context', block_id: 'referral_outcome', elements: [{ type: 'mrkdwn', text: m.outcome }] });
  if (m.actions.length) {
    blocks.push({
      type: 'actions',
      block_id: 'referral_actions',
      elements: m.actions.map((a) => ({
        type: 'button' as const,
        action_id: a.id,
        text: plain(a.label),
        value: m.ref,
        ...(a.id === REFERRAL_ACTION.connected ? { style: 'primary' as const } : {}),
      })),
    });
  }
  return blocks;
}

export const CONNECTED_VIEW_CALLBACK = 'referral_connected_form';

/** What the Connected modal carries: the referral reference (the service redraws its messages). */
export const ZConnectedMetadata = z.object({
  ref: z.string().min(1).max(64),
  /** The list the form was opened from, drawn again once it is saved: the Home tab or /carelog referrals. */
  list: z.enum(['home', 'ephemeral']).optional(),
  /** The /carelog referrals list's response URL. */
  responseUrl: z.url().max(1000).optional(),
});
export type TConnectedMetadata = z.infer<typeof ZConnectedMetadata>;

export function readConnectedMetadata(raw: string | undefined): TConnectedMetadata | null {
  try {
    const parsed = ZConnectedMetadata.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The submitted date, as Slack's view state carries a datepicker. */
export const ZConnectedState = z.object({
  [CONNECTED_FIELD.date]: z.object({
    [CONNECTED_FIELD.date]: z.object({ selected_date: z.string().max(10).nullish() }),
  }),
});

export function renderConnectedModal(form: ConnectedForm, meta: TConnectedMetadata): View {
  return {
    type: 'modal',
    callback_id: CONNECTED_VIEW_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plain(form.title),
    submit: plain(form.submitLabel),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', block_id: 'referral_intro', text: { type: 'mrkdwn', text: form.intro } },
      {
        type: 'input',
        block_id: CONNECTED_FIELD.date,
        label: plain(form.dateLabel),
        hint: plain(form.hint),
        element: { type: 'datepicker', action_id: CONNECTED_FIELD.date, initial_date: form.initialDate },
      },
    ],
  };
}

/** The line above a list drawn again after an action on one of its entries. */
export function noticeBlocks(blockId: string, notice: string | undefined): KnownBlock[] {
  return notice ? [{ type: 'context', block_id: blockId, elements: [{ type: 'mrkdwn', text: notice }] }] : [];
}

/** A message holds at most 50 blocks; each referral takes four (and the list two more, with its notice). */
export const MAX_REFERRALS_LISTED = 11;

/**
 * A person's open referrals as Block Kit, for `/carelog referrals` and the Home tab: each drawn as
 * its linkage check (Part 2 kept confidential), with the same answers.
 */
export function renderReferralList(
  items: ReferralCheckMessage[],
  intro: string,
  total = items.length,
  max = MAX_REFERRALS_LISTED,
  /** What was just done to one of its entries, when the list is drawn again after it (listNotice). */
  notice?: string,
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    ...noticeBlocks('referrals_notice', notice),
    { type: 'section', block_id: 'referrals_intro', text: { type: 'mrkdwn', text: intro } },
  ];
  for (const [i, m] of items.slice(0, max).entries()) {
    blocks.push({ type: 'divider', block_id: `referral_divider_${i}` });
    // Block ids must be unique within one message.
    blocks.push(...renderReferralBlocks(m).map((b) => ({ ...b, block_id: `${b.block_id}_${i}` })));
  }
  if (total > max) {
    blocks.push({
      type: 'context',
      block_id: 'referrals_more',
      elements: [{ type: 'mrkdwn', text: `…and ${total - max} more.` }],
    });
  }
  return blocks;
}
