// "followups" in the bot chat: the person's pending and overdue follow-ups, each with its actions.
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { mayWorkFollowUps } from '../../src/services/followup-actions.js';
import { listFollowUps } from '../../src/services/followups.js';
import { followUpListIntro } from '../../src/views/followups.js';
import { commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, textMessage } from '../../src/platforms/teams/cards.js';
import { MAX_LISTED, renderFollowUpListCard } from '../../src/platforms/teams/followup-list-card.js';
import { PRIVATE_CHAT_ONLY } from './contact.js';

export const FOLLOWUPS_MESSAGE = commandPattern('follow-?ups?');

export function register(app: App, deps: CarelogDeps): void {
  app.message(FOLLOWUPS_MESSAGE, async (ctx) => {
    const { member, personal } = teamsActor(deps, ctx.activity);
    if (!mayWorkFollowUps(member)) {
      await ctx.send(textMessage('Only members of your co-responder team can see follow-ups in carelog.'));
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const items = await listFollowUps(deps, member, MAX_LISTED);
    await ctx.send(
      items.length
        ? cardMessage(renderFollowUpListCard(items), followUpListIntro(items))
        : textMessage(followUpListIntro(items)),
    );
  });
}
