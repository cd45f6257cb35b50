// The Home tab as a person sees it: "Log a contact", their follow-ups and their open referrals.
// Published when they open it, and again after they answer a linkage check from it.
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { CarelogDeps } from '../../deps.js';
import type { MemberRef } from '../../services/directory.js';
import { mayWorkFollowUps } from '../../services/followup-actions.js';
import { listFollowUps } from '../../services/followups.js';
import { listOpenReferrals } from '../../services/referral-checks.js';
import { followUpListIntro } from '../../views/followups.js';
import { HELP_TEXT } from '../../views/help.js';
import { buildReferralCheckMessage, referralListIntro } from '../../views/referral-check.js';
import { MAX_LISTED, renderFollowUpList } from './followup-list.js';
import { renderReferralList } from './referral-blocks.js';

export const HOME_LOG_CONTACT = 'home_log_contact';

/** A Home tab holds 100 blocks: 46 for follow-ups, 42 for referrals. */
const HOME_REFERRALS = 10;

/**
 * Publishes the Home tab as things now are. `notice`, after an action on a follow-up or a referral
 * listed there: what was just done (listNotice), above the list it was done in.
 */
export async function publishHome(
  deps: CarelogDeps,
  client: WebClient,
  userId: string,
  member: MemberRef | undefined,
  notice?: { list: 'followups' | 'referrals'; text: string | undefined },
): Promise<void> {
  const blocks: KnownBlock[] = [];
  if (mayWorkFollowUps(member)) {
    blocks.push({
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        {
          type: 'button',
          action_id: HOME_LOG_CONTACT,
          style: 'primary',
          text: { type: 'plain_text', text: 'Log a contact' },
        },
      ],
    });
    const items = await listFollowUps(deps, member, MAX_LISTED);
    const said = (list: 'followups' | 'referrals') => (notice?.list === list ? notice.text : undefined);
    blocks.push(...renderFollowUpList(items, followUpListIntro(items), said('followups')));
    const referrals = await listOpenReferrals(deps, member, HOME_REFERRALS);
    // With none left, the list is still drawn after an answer from it (to say what was recorded).
    if (referrals.length || said('referrals'))
      blocks.push(
        ...renderReferralList(
          referrals.slice(0, HOME_REFERRALS).map((f) => buildReferralCheckMessage(f)),
          referralListIntro(referrals.length),
          referrals.length,
          HOME_REFERRALS,
          said('referrals'),
        ),
      );
  } else {
    blocks.push({ type: 'section', block_id: 'home_help', text: { type: 'mrkdwn', text: HELP_TEXT } });
  }
  await client.views.publish({ user_id: userId, view: { type: 'home', blocks } });
}
