// "followups" in the bot chat: the person's pending and overdue follow-ups, each with its actions.
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { mayWorkFollowUps } from '../../src/services/followup-actions.js';
import { commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, textMessage } from '../../src/platforms/teams/cards.js';
import { followUpListCard } from '../../src/platforms/teams/lists.js';
import { PRIVATE_CHAT_ONLY } from './contact.js';
import { refusalText } from '../../src/services/access.js';

export const FOLLOWUPS_MESSAGE = commandPattern('follow-?ups?');

export function register(app: App, deps: CarelogDeps): void {
  app.message(FOLLOWUPS_MESSAGE, async (ctx) => {
    const { member, personal } = teamsActor(deps, ctx.activity);
    if (!mayWorkFollowUps(member)) {
      await ctx.send(
        textMessage(refusalText(deps, 'Only members of your co-responder team can see follow-ups in carelog.')),
      );
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const list = await followUpListCard(deps, member);
    await ctx.send(list.empty ? textMessage(list.intro) : cardMessage(list.card, list.intro));
  });
}
