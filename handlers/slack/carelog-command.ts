// `/carelog help`, `/carelog followups`, `/carelog referrals` and `/carelog roster` (handlers/slack/roster.ts), answered privately to the person who asked.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { followUpListMessage, referralListMessage } from '../../src/platforms/slack/lists.js';
import { mayWorkFollowUps } from '../../src/services/followup-actions.js';
import { openRoster } from './roster.js';
import { HELP_TEXT } from '../../src/views/help.js';
import { refusalText } from '../../src/services/access.js';

export const CARELOG_COMMAND = '/carelog';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.command(CARELOG_COMMAND, async (args) => {
    const { ack, body } = args;
    const sub = (body.text ?? '').trim().toLowerCase().split(/\s+/)[0] ?? '';
    if (sub === 'roster') {
      await openRoster(deps, args);
      return;
    }
    const { member } = slackActor(deps, body);
    if (sub === 'followups' || sub === 'follow-ups') {
      if (!mayWorkFollowUps(member)) {
        await ack({
          response_type: 'ephemeral',
          text: refusalText(deps, 'Only members of your co-responder team can see follow-ups in carelog.'),
        });
        return;
      }
      await ack({ response_type: 'ephemeral', ...(await followUpListMessage(deps, member)) });
      return;
    }
    if (sub === 'referrals') {
      if (!mayWorkFollowUps(member)) {
        await ack({
          response_type: 'ephemeral',
          text: refusalText(deps, 'Only members of your co-responder team can see referrals in carelog.'),
        });
        return;
      }
      await ack({ response_type: 'ephemeral', ...(await referralListMessage(deps, member)) });
      return;
    }
    await ack({ response_type: 'ephemeral', text: HELP_TEXT });
  });
}
