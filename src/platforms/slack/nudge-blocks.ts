// Block Kit for a follow-up nudge (src/views/nudge.ts). Action ids are the view's constants; each
// action's value is the follow-up reference "<id>:<version>".
import type { KnownBlock } from '@slack/types';
import { NUDGE_ACTION, type NudgeMessage } from '../../views/nudge.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

export function renderNudgeBlocks(m: NudgeMessage): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'nudge_heading', text: { type: 'mrkdwn', text: `*${m.heading}*` } },
    {
      type: 'section',
      block_id: 'nudge_facts',
      fields: m.facts.map((f) => ({ type: 'mrkdwn' as const, text: `*${f.label}*\n${f.value}` })),
    },
  ];
  if (m.outcome)
    blocks.push({ type: 'context', block_id: 'nudge_outcome', elements: [{ type: 'mrkdwn', text: m.outcome }] });
  if (m.actions.length) {
    blocks.push({
      type: 'actions',
      block_id: `nudge_actions`,
      elements: m.actions.map((a) => {
        if (a.id === NUDGE_ACTION.snooze) {
          return {
            type: 'static_select' as const,
            action_id: a.id,
            placeholder: plain(a.label),
            options: (a.options ?? []).map((o) => ({ text: plain(o.label), value: `${m.ref}|${o.key}` })),
          };
        }
        if (a.id === NUDGE_ACTION.reassign) {
          return { type: 'users_select' as const, action_id: `${a.id}|${m.ref}`, placeholder: plain(a.label) };
        }
        return {
          type: 'button' as const,
          action_id: a.id,
          text: plain(a.label),
          value: m.ref,
          ...(a.id === NUDGE_ACTION.log ? { style: 'primary' as const } : {}),
        };
      }),
    });
  }
  return blocks;
}
