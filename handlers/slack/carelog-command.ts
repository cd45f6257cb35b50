// `/carelog help`, `/carelog followups`, `/carelog referrals` and `/carelog roster` (handlers/slack/roster.ts), answered privately to the person who asked.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { MAX_LISTED, renderFollowUpList } from '../../src/platforms/slack/followup-list.js';
import { followUpListIntro } from '../../src/views/followups.js';
import { mayWorkFollowUps } from '../../src/services/followup-actions.js';
import { listFollowUps } from '../../src/services/followups.js';
import { openRoster } from './roster.js';
import { HELP_TEXT } from '../../src/views/help.js';
import { MAX_REFERRALS_LISTED, renderReferralList } from '../../src/platforms/slack/referral-blocks.js';
import { listOpenReferrals } from '../../src/services/referral-checks.js';
import { buildReferralCheckMessage, referralListIntro } from '../../src/views/referral-check.js';

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
          text: 'Only members of your co-responder team can see follow-ups in carelog.',
        });
        return;
      }
      const items = await listFollowUps(deps, member, MAX_LISTED);
      const intro = followUpListIntro(items);
      await ack({ response_type: 'ephemeral', text: intro, blocks: renderFollowUpList(items, intro) });
      return;
    }
    if (sub === 'referrals') {
      if (!mayWorkFollowUps(member)) {
        await ack({
          response_type: 'ephemeral',
          text: 'Only members of your co-responder team can see referrals in carelog.',
        });
        return;
      }
      const items = await listOpenReferrals(deps, member, MAX_REFERRALS_LISTED);
      const intro = referralListIntro(items.length);
      const shown = items.slice(0, MAX_REFERRALS_LISTED).map((f) => buildReferralCheckMessage(f));
      await ack({ response_type: 'ephemeral', text: intro, blocks: renderReferralList(shown, intro, items.length) });
      return;
    }
    await ack({ response_type: 'ephemeral', text: HELP_TEXT });
  });
}
