// A person's follow-ups and open referrals as the ephemeral message `/carelog followups` and
// `/carelog referrals` answer with, drawn from the database each time: when the list is first asked
// for, and again, in place (the action's response URL), after the person acts on one of its entries,
// so the list they are looking at never goes stale. `notice` says what was just done (listNotice).
import type { KnownBlock } from '@slack/types';
import type { CarelogDeps } from '../../deps.js';
import type { MemberRef } from '../../services/directory.js';
import { listFollowUps } from '../../services/followups.js';
import { listOpenReferrals } from '../../services/referral-checks.js';
import { followUpListIntro } from '../../views/followups.js';
import { buildReferralCheckMessage, referralListIntro } from '../../views/referral-check.js';
import { MAX_LISTED, renderFollowUpList } from './followup-list.js';
import { MAX_REFERRALS_LISTED, renderReferralList } from './referral-blocks.js';

export interface ListMessage {
  text: string;
  blocks: KnownBlock[];
}

export async function followUpListMessage(deps: CarelogDeps, member: MemberRef, notice?: string): Promise<ListMessage> {
  const items = await listFollowUps(deps, member, MAX_LISTED);
  const intro = followUpListIntro(items);
  return { text: notice ?? intro, blocks: renderFollowUpList(items, intro, notice) };
}

export async function referralListMessage(deps: CarelogDeps, member: MemberRef, notice?: string): Promise<ListMessage> {
  const items = await listOpenReferrals(deps, member, MAX_REFERRALS_LISTED);
  const intro = referralListIntro(items.length);
  const shown = items.slice(0, MAX_REFERRALS_LISTED).map((f) => buildReferralCheckMessage(f));
  return {
    text: notice ?? intro,
    blocks: renderReferralList(shown, intro, items.length, MAX_REFERRALS_LISTED, notice),
  };
}
