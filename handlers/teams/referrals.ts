// "referrals" in the bot chat: the person's open referrals, each with its linkage-check answers.
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, textMessage } from '../../src/platforms/teams/cards.js';
import { referralListCard } from '../../src/platforms/teams/lists.js';
import { mayWorkReferrals } from '../../src/services/referral-actions.js';
import { PRIVATE_CHAT_ONLY } from './contact.js';
import { refusalText } from '../../src/services/access.js';

export const REFERRALS_MESSAGE = commandPattern('referrals?');

export function register(app: App, deps: CarelogDeps): void {
  app.message(REFERRALS_MESSAGE, async (ctx) => {
    const { member, personal } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) {
      await ctx.send(
        textMessage(refusalText(deps, 'Only members of your co-responder team can see referrals in carelog.')),
      );
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const list = await referralListCard(deps, member);
    await ctx.send(list.empty ? textMessage(list.intro) : cardMessage(list.card, list.intro));
  });
}
