// A person's follow-ups as Block Kit: for `/carelog followups` and the Home tab.
import type { KnownBlock } from '@slack/types';
import { buildNudgeMessage, type FollowUpFacts } from '../../views/nudge.js';
import { renderNudgeBlocks } from './nudge-blocks.js';

/** A message holds at most 50 blocks; each follow-up takes four. */
export const MAX_LISTED = 11;

export function renderFollowUpList(items: FollowUpFacts[], intro: string): KnownBlock[] {
  const blocks: KnownBlock[] = [
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
