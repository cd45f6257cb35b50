// A follow-up nudge as people see it, platform-neutral: the client code and dates, and what can be
// done from it. Never notes, names, diagnoses or referral types. Slack draws it as Block Kit
// (src/platforms/slack/nudge-blocks.ts); Teams as an Adaptive Card.
import { SNOOZE_CHOICES } from '../domain/followups.js';
import { formatDay } from './confirmation.js';

/** Action ids on a nudge; the value of each carries the follow-up id and version. */
export const NUDGE_ACTION = {
  log: 'nudge_log',
  attempt: 'nudge_attempt',
  snooze: 'nudge_snooze',
  done: 'nudge_done',
  reassign: 'nudge_reassign',
} as const;

export interface FollowUpFacts {
  followUpId: string;
  version: number;
  clientCode: string;
  /** YYYY-MM-DD, local to the program. */
  dueDate: string;
  /** YYYY-MM-DD of the client's latest contact, local to the program. */
  lastContactDate: string | null;
  contactCount: number;
  overdue: boolean;
  status: 'pending' | 'done' | 'cancelled' | 'unreachable';
  /** Tries with no answer recorded so far ("Tried, no answer"). */
  attempts: number;
  /** The program's followUps.maxAttempts: at this many tries the follow-up closes as unreachable. */
  maxAttempts: number;
}

export type TNudgeOutcome =
  | { kind: 'open' }
  | { kind: 'done'; by?: string }
  | { kind: 'snoozed'; until: string }
  | { kind: 'reassigned'; to: string }
  | { kind: 'met'; contactNumber?: number }
  /** A try with no answer recorded; nudged again on `next` (YYYY-MM-DD). */
  | { kind: 'tried'; next: string }
  /** The last try recorded: closed as unreachable. */
  | { kind: 'unreachable' };

export interface NudgeMessage {
  /** Plain text for notifications and screen readers. */
  text: string;
  heading: string;
  facts: { label: string; value: string }[];
  /** What the person can do; empty once the follow-up is settled. */
  actions: {
    id: (typeof NUDGE_ACTION)[keyof typeof NUDGE_ACTION];
    label: string;
    options?: { key: string; label: string }[];
  }[];
  /** A line saying what happened, after an action. */
  outcome?: string;
  /** Opaque reference carried by every action: "<followUpId>:<version>". */
  ref: string;
}

/** "2 of 3 tries recorded". */
export function triesText(attempts: number, maxAttempts: number): string {
  return `${attempts} of ${maxAttempts} ${maxAttempts === 1 ? 'try' : 'tries'} recorded`;
}

export function followUpRef(id: string, version: number): string {
  return `${id}:${version}`;
}

export function buildNudgeMessage(f: FollowUpFacts, outcome: TNudgeOutcome = { kind: 'open' }): NudgeMessage {
  const heading = f.overdue ? `Overdue follow-up: ${f.clientCode}` : `Follow-up due: ${f.clientCode}`;
  const facts = [
    { label: 'Due', value: formatDay(f.dueDate) },
    { label: 'Last contact', value: f.lastContactDate ? formatDay(f.lastContactDate) : '—' },
    { label: 'Contacts so far', value: String(f.contactCount) },
    ...(f.attempts > 0 ? [{ label: 'No answer', value: triesText(f.attempts, f.maxAttempts) }] : []),
  ];
  const settled = outcome.kind !== 'open' || f.status !== 'pending';
  const outcomeText =
    outcome.kind === 'done'
      ? `Marked done${outcome.by ? ` by ${outcome.by}` : ''}.`
      : outcome.kind === 'snoozed'
        ? `Snoozed until ${formatDay(outcome.until)}.`
        : outcome.kind === 'reassigned'
          ? `Reassigned to ${outcome.to}.`
          : outcome.kind === 'met'
            ? `Met by a logged contact${outcome.contactNumber ? ` (#${outcome.contactNumber})` : ''}.`
            : outcome.kind === 'tried'
              ? `Tried, no answer. carelog will remind you again on ${formatDay(outcome.next)}.`
              : outcome.kind === 'unreachable' || f.status === 'unreachable'
                ? `Closed as unreachable after ${f.attempts} ${f.attempts === 1 ? 'try' : 'tries'} with no answer. The program’s supervisors are told.`
                : f.status !== 'pending'
                  ? 'This follow-up is already settled.'
                  : undefined;
  return {
    text: `${heading}, due ${formatDay(f.dueDate)}`,
    heading,
    facts,
    actions: settled
      ? []
      : [
          { id: NUDGE_ACTION.log, label: 'Log follow-up' },
          { id: NUDGE_ACTION.attempt, label: 'Tried, no answer' },
          {
            id: NUDGE_ACTION.snooze,
            label: 'Snooze',
            options: SNOOZE_CHOICES.map((c) => ({ key: c.key, label: c.label })),
          },
          { id: NUDGE_ACTION.done, label: 'Done' },
          { id: NUDGE_ACTION.reassign, label: 'Reassign' },
        ],
    ...(outcomeText ? { outcome: outcomeText } : {}),
    ref: followUpRef(f.followUpId, f.version),
  };
}

/** Escalation to a supervisor: counts and codes only. */
export function buildEscalationText(input: {
  clientCode: string;
  dueDate: string;
  assignee: string | null;
  reason: 'overdue' | 'unreachable';
}): string {
  return input.reason === 'overdue'
    ? `Follow-up for ${input.clientCode} (due ${formatDay(input.dueDate)}) is overdue${input.assignee ? `; it is with ${input.assignee}` : ''}.`
    : `carelog could not reach ${input.assignee ?? 'the assignee'} about the follow-up for ${input.clientCode} (due ${formatDay(input.dueDate)}). Please reassign it.`;
}

/** To a supervisor: a follow-up closed as unreachable. Code and count only. */
export function buildUnreachableText(input: { clientCode: string; attempts: number }): string {
  return `Follow-up for ${input.clientCode} closed as unreachable after ${input.attempts} ${input.attempts === 1 ? 'attempt' : 'attempts'} with no answer.`;
}
