// A person's follow-ups as one card ("followups" in the bot chat): each with its own actions.
import type { CardElementArray, IAdaptiveCard } from '@microsoft/teams.cards';
import { followUpListIntro } from '../../views/followups.js';
import { buildNudgeMessage, type FollowUpFacts } from '../../views/nudge.js';
import { adaptiveCard, text } from './cards.js';
import { nudgeParts } from './nudge-card.js';

/** A card holds about 28 KB; a follow-up with its actions takes about 1.5 KB. */
export const MAX_LISTED = 10;

/** `notice`: what was just done to one of its entries, when the list is drawn again after it (listNotice). */
export function renderFollowUpListCard(items: FollowUpFacts[], notice?: string): IAdaptiveCard {
  const body: CardElementArray = [
    ...(notice ? [text(notice, { isSubtle: true, id: 'followups_notice' })] : []),
    text(followUpListIntro(items), { weight: 'Bolder' }),
  ];
  for (const [i, f] of items.slice(0, MAX_LISTED).entries()) {
    const parts = nudgeParts(buildNudgeMessage(f), { suffix: `_${i}`, list: true });
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [...parts.body, ...(parts.actions.length ? [{ type: 'ActionSet' as const, actions: parts.actions }] : [])],
    });
  }
  if (items.length > MAX_LISTED) body.push(text(`…and ${items.length - MAX_LISTED} more.`, { isSubtle: true }));
  return adaptiveCard(body);
}
