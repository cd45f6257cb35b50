// A linkage check as people see it, platform-neutral: did the client reach the service they were
// referred to? The client by code, when the referral was made, how many checks so far, and the four
// answers. A 42 CFR Part 2 category (substance-use treatment) is never named here, since the message
// stays in chat history: it says "a confidential referral", and the category is shown only in the
// form the case manager opens from it (buildConnectedForm). No notes, names or diagnoses.
// Slack draws it as Block Kit (src/platforms/slack/referral-blocks.ts); Teams as an Adaptive Card
// (src/platforms/teams/referral-card.ts).
import type { TReferralStatus } from '../domain/referrals.js';
import { formatDay } from './confirmation.js';

/** Action ids on a linkage check; each carries the referral reference "<id>:<version>". */
export const REFERRAL_ACTION = {
  connected: 'referral_connected',
  notYet: 'referral_not_yet',
  declined: 'referral_declined',
  unreachable: 'referral_unreachable',
} as const;
export type TReferralActionId = (typeof REFERRAL_ACTION)[keyof typeof REFERRAL_ACTION];

/** How a Part 2 referral is named anywhere that stays in chat history. */
export const CONFIDENTIAL_REFERRAL = 'a confidential referral';

export interface ReferralFacts {
  referralId: string;
  version: number;
  clientCode: string;
  /** The category's label (shown only where the rules allow: see `referralName`). */
  categoryLabel: string;
  /** A 42 CFR Part 2 category: never named in a message. */
  part2: boolean;
  /** YYYY-MM-DD, local to the program. */
  madeDate: string;
  /** Linkage checks sent so far. */
  checks: number;
  maxChecks: number;
  status: TReferralStatus;
  /** YYYY-MM-DD the person connected, when they did. */
  connectedOn: string | null;
}

export type TReferralOutcome =
  | { kind: 'open' }
  | { kind: 'connected'; on: string; by?: string }
  | { kind: 'not_yet'; nextCheck: string }
  | { kind: 'unknown' }
  | { kind: 'declined'; by?: string }
  | { kind: 'unreachable'; by?: string };

export interface ReferralCheckMessage {
  /** Plain text for notifications and screen readers. */
  text: string;
  heading: string;
  facts: { label: string; value: string }[];
  /** What the person can do; empty once the referral is closed. */
  actions: { id: TReferralActionId; label: string }[];
  /** A line saying what happened, after an answer. */
  outcome?: string;
  /** Opaque reference carried by every action: "<referralId>:<version>". */
  ref: string;
}

export function referralRef(id: string, version: number): string {
  return `${id}:${version}`;
}

/** The referral as a message that stays in chat history may name it. */
export function referralName(f: Pick<ReferralFacts, 'part2' | 'categoryLabel'>): string {
  return f.part2 ? CONFIDENTIAL_REFERRAL : f.categoryLabel;
}

const STATUS_TEXT: Record<TReferralStatus, string> = {
  made: 'Open',
  connected: 'Connected',
  declined: 'Declined',
  unreachable: 'Couldn’t reach',
  unknown: 'Unknown (checks ran out)',
};

export function buildReferralCheckMessage(
  f: ReferralFacts,
  outcome: TReferralOutcome = { kind: 'open' },
): ReferralCheckMessage {
  const what = referralName(f);
  const heading = `Linkage check: ${f.clientCode}`;
  const facts = [
    { label: 'Referral', value: f.part2 ? 'Confidential' : f.categoryLabel },
    { label: 'Made', value: formatDay(f.madeDate) },
    { label: 'Checks so far', value: `${f.checks} of ${f.maxChecks}` },
  ];
  if (f.status !== 'made')
    facts.push({
      label: 'Status',
      value:
        f.status === 'connected' && f.connectedOn ? `Connected ${formatDay(f.connectedOn)}` : STATUS_TEXT[f.status],
    });
  const by = (o: { by?: string }) => (o.by ? ` by ${o.by}` : '');
  const outcomeText =
    outcome.kind === 'connected'
      ? `Recorded as connected on ${formatDay(outcome.on)}${by(outcome)}.`
      : outcome.kind === 'not_yet'
        ? `Not yet: carelog will check again on ${formatDay(outcome.nextCheck)}.`
        : outcome.kind === 'unknown'
          ? 'Not yet, after the last check: recorded as unknown.'
          : outcome.kind === 'declined'
            ? `Recorded as declined${by(outcome)}.`
            : outcome.kind === 'unreachable'
              ? `Recorded as couldn’t reach${by(outcome)}.`
              : f.status !== 'made'
                ? 'This referral is already closed.'
                : undefined;
  const open = f.status === 'made' && (outcome.kind === 'open' || outcome.kind === 'not_yet');
  return {
    text: `${heading}: did ${f.clientCode} connect with ${what} made ${formatDay(f.madeDate)}?`,
    heading,
    facts,
    actions: open
      ? [
          { id: REFERRAL_ACTION.connected, label: 'Connected' },
          { id: REFERRAL_ACTION.notYet, label: 'Not yet' },
          { id: REFERRAL_ACTION.declined, label: 'Declined' },
          { id: REFERRAL_ACTION.unreachable, label: 'Couldn’t reach' },
        ]
      : [],
    ...(outcomeText ? { outcome: outcomeText } : {}),
    ref: referralRef(f.referralId, f.version),
  };
}

/** Field ids of the Connected form. */
export const CONNECTED_FIELD = { date: 'connected_on' } as const;

export interface ConnectedForm {
  title: string;
  /** What the form is about, category named: the form is not kept in chat history. */
  intro: string;
  dateLabel: string;
  hint: string;
  /** Today, local to the program (the default). */
  initialDate: string;
  /** The earliest date allowed: the day the referral was made. */
  minDate: string;
  /** The latest: today. */
  maxDate: string;
  submitLabel: string;
  ref: string;
}

/** "When did they connect?": the one place a Part 2 category is shown, in a form, never a message. */
export function buildConnectedForm(f: ReferralFacts, today: string): ConnectedForm {
  return {
    title: 'Referral connected',
    intro: `${f.clientCode}: ${f.categoryLabel}${f.part2 ? ' (42 CFR Part 2, confidential)' : ''}, referred ${formatDay(f.madeDate)}.`,
    dateLabel: 'Date they connected',
    hint: 'The first appointment kept, or the day the service started.',
    initialDate: today < f.madeDate ? f.madeDate : today,
    minDate: f.madeDate,
    maxDate: today,
    submitLabel: 'Save',
    ref: referralRef(f.referralId, f.version),
  };
}

/** The line above a person's list of open referrals, on every platform. */
export function referralListIntro(count: number): string {
  return count === 0
    ? 'You have no open referrals to check.'
    : `You have ${count} open referral${count === 1 ? '' : 's'} to check.`;
}

/** Why a linkage check reached nobody. */
export type TNobodyAsked =
  /** No case manager on the roster (and the referral's assignee and the client's case manager gone). */
  | { kind: 'no_case_manager' }
  /** Everyone who could be asked was tried, and the chat platform could reach none of them. */
  | { kind: 'unreachable'; tried: number };

/**
 * To a supervisor (or admin): a linkage check that could be sent to nobody. Code, date and counts
 * only: it stays in chat history, so never the category (a Part 2 one could not be named anyway),
 * never a name or a note.
 */
export function buildNobodyAskedText(
  f: Pick<ReferralFacts, 'clientCode' | 'madeDate' | 'checks' | 'maxChecks'>,
  why: TNobodyAsked,
): string {
  const check = `check ${f.checks + 1} of ${f.maxChecks}`;
  const reason =
    why.kind === 'no_case_manager'
      ? 'there is no case manager on the roster to ask'
      : why.tried === 1
        ? 'the one person it could ask cannot get a message from carelog'
        : `none of the ${why.tried} people it could ask can get a message from carelog`;
  return (
    `carelog could not send the linkage check for ${f.clientCode} (referral made ${formatDay(f.madeDate)}, ` +
    `${check}): ${reason}. The referral stays open with no further check scheduled; ` +
    'please make sure a case manager can follow it up.'
  );
}
