// A person's follow-ups and open referrals as the card "followups" and "referrals" in the bot chat
// answer with, drawn from the database each time: when the list is asked for, and again, as the
// answer to an action pressed in it (replacing the card), so the list never goes stale. `notice`
// says what was just done (listNotice).
import type { IAdaptiveCard } from '@microsoft/teams.cards';
import type { CarelogDeps } from '../../deps.js';
import type { MemberRef } from '../../services/directory.js';
import { listFollowUps } from '../../services/followups.js';
import { listOpenReferrals } from '../../services/referral-checks.js';
import { followUpListIntro } from '../../views/followups.js';
import { buildReferralCheckMessage, referralListIntro } from '../../views/referral-check.js';
import { MAX_LISTED, renderFollowUpListCard } from './followup-list-card.js';
import { MAX_REFERRALS_LISTED, renderReferralListCard } from './referral-card.js';

export interface ListCard {
  /** The list's first line, for notifications (and the whole answer when there is nothing to list). */
  intro: string;
  card: IAdaptiveCard;
  empty: boolean;
}

export async function followUpListCard(deps: CarelogDeps, member: MemberRef, notice?: string): Promise<ListCard> {
  const items = await listFollowUps(deps, member, MAX_LISTED);
  return { intro: followUpListIntro(items), card: renderFollowUpListCard(items, notice), empty: !items.length };
}

export async function referralListCard(deps: CarelogDeps, member: MemberRef, notice?: string): Promise<ListCard> {
  const items = await listOpenReferrals(deps, member, MAX_REFERRALS_LISTED);
  const intro = referralListIntro(items.length);
  const shown = items.slice(0, MAX_REFERRALS_LISTED).map((f) => buildReferralCheckMessage(f));
  return { intro, card: renderReferralListCard(shown, intro, items.length, notice), empty: !items.length };
}
