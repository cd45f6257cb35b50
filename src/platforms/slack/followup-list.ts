// A person's follow-ups as Block Kit: for `/carelog followups` and the Home tab.
import type { KnownBlock } from '@slack/types';
import { buildNudgeMessage, type FollowUpFacts } from '../../views/nudge.js';
import { renderNudgeBlocks } from './nudge-blocks.js';
import { noticeBlocks } from './referral-blocks.js';

/** A message holds at most 50 blocks; each follow-up takes four. */
export const MAX_LISTED = 11;

/** `notice`: what was just done to one of its entries, when the list is drawn again after it (listNotice). */
export function renderFollowUpList(items: FollowUpFacts[], intro: string, notice?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [
    ...noticeBlocks('followups_notice', notice),
    { type: 'section', block_id: 'followups_intro', text: { type: 'mrkdwn', text: intro } },
  ];
  for (const [i, f] of items.slice(0, MAX_LISTED).entries()) {
    blocks.push({ type: 'divider', block_id: `followup_divider_${i}` });
    // Block ids must be unique within one message.
    blocks.push(...renderNudgeBlocks(buildNudgeMessage(f)).map((b) => ({ ...b, block_id: `${b.block_id}_${i}` })));
  }
  if (items.length > MAX_LISTED) {
    blocks.push({
      type: 'context',
      block_id: 'followups_more',
      elements: [{ type: 'mrkdwn', text: `…and ${items.length - MAX_LISTED} more.` }],
    });
  }
  return blocks;
}
