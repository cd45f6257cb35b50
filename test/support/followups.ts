// Helpers for follow-up tests: a clock that can be set and keeps running, contacts logged through the
// real /contact form, nudge DMs as the fake Slack saw them, and block_actions on a sent message.
import { expect } from 'vitest';
import type { CarelogDeps } from '../../src/deps.js';
import type { ReminderJobData } from '../../src/queue/reminders.js';
import { sendReminders, type ReminderResult } from '../../src/services/nudges.js';
import { sendSignedRequest, slashCommandBody } from './slack-requests.js';
import type { RecordedCall } from '../../src/platforms/slack/simulator.js';
import { SIGNING_SECRET, TEAM, type Harness } from './harness.js';
import { viewSubmission, type ModalValues, type OpenedView } from './slack-payloads.js';

/** Roster for follow-up tests: two case managers, a supervisor, an admin, one without rights. */
export const FOLLOWUP_YAML = (followUps = '') => `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    ${followUps}
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
      - { slack: U0SUPV1, roles: [supervisor] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin] }
`;

/** A clock that runs at real speed from wherever it was last set. */
export function settableClock(start: Date): { now: () => Date; set(instant: Date): void } {
  let offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    set(instant) {
      offset = instant.getTime() - Date.now();
    },
  };
}

/** Polls until `probe` returns something truthy; fails after `timeoutMs`. */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  timeoutMs = 8_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** chat.postMessage calls that carry a nudge (message metadata of type carelog_nudge). */
export function nudgePosts(h: Harness, recipientChannel?: string): RecordedCall[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'carelog_nudge')
    .filter((c) => !recipientChannel || c.args.channel === recipientChannel);
}

/** Nudge posts whose blocks carry actions (due and overdue nudges, not escalations). */
export function nudgeDms(h: Harness, recipientChannel?: string): RecordedCall[] {
  return nudgePosts(h, recipientChannel).filter((c) => Array.isArray(c.args.blocks));
}

let views = 0;

/** Logs a contact through /contact and the modal, as a clinician would. */
export async function logContact(h: Harness, userId: string, values: ModalValues): Promise<void> {
  const before = h.slack.calls.length;
  const res = await h.command(userId, '');
  expect(res.status).toBe(200);
  const call = await h.slack.waitFor('views.open', before);
  const opened: OpenedView = {
    id: `VFU${++views}${Date.now()}`,
    hash: 'h1',
    view: call.args.view as Record<string, unknown>,
  };
  const saved = await h.interact(viewSubmission(userId, opened, values));
  expect(saved.json).toEqual({ response_action: 'clear' });
}

export const NEW_CLIENT: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['addiction_treatment'],
  disposition: 'resolved_on_scene',
};

/** Sends a /carelog command, signed, and returns carelog's answer. */
export function carelogCommand(h: Harness, userId: string, text: string) {
  return sendSignedRequest({
    url: h.url,
    signingSecret: SIGNING_SECRET,
    body: slashCommandBody({ command: '/carelog', text, teamId: TEAM, userId }),
  });
}

type Block = {
  type: string;
  block_id?: string;
  elements?: Record<string, unknown>[];
  fields?: { text: string }[];
  text?: { text: string };
};

/** The interactive elements of a nudge, as its blocks carry them. */
export function nudgeElements(blocks: unknown): Record<string, Record<string, unknown>> {
  const actions = (blocks as Block[]).find((b) => b.type === 'actions');
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of actions?.elements ?? []) out[String(e.action_id).split('|')[0]!] = e;
  return out;
}

/** All text in a list of blocks, for "does it say X" checks. */
export function blocksText(blocks: unknown): string {
  return JSON.stringify(blocks ?? []);
}

/** The URL a response_url points at: the fake Slack, so respond() calls are recorded. */
export function responseUrl(h: Harness): string {
  return `${h.carelog.deps.config.env.SLACK_API_URL}response_url.${TEAM}`;
}

/**
 * A block_actions payload for an element of a message carelog posted, as Slack sends it: the
 * message container, the element's action id, block id and value, and the chosen option or user.
 */
export function messageAction(
  h: Harness,
  userId: string,
  sent: { channel: string; ts: string; blocks: unknown },
  element: Record<string, unknown>,
  choice: { selected_option?: unknown; selected_user?: string } = {},
) {
  const block = (sent.blocks as Block[]).find((b) => b.elements?.includes(element));
  const action: Record<string, unknown> = {
    type: element.type,
    action_id: element.action_id,
    block_id: block?.block_id ?? 'nudge_actions',
    action_ts: `${Date.now() / 1000}`,
    ...(element.type === 'button' ? { value: element.value, text: element.text } : {}),
    ...choice,
  };
  return {
    type: 'block_actions',
    user: { id: userId, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    container: { type: 'message', message_ts: sent.ts, channel_id: sent.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.4.trigger`,
    team: { id: TEAM, domain: 'carelog-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: sent.channel, name: 'directmessage' },
    message: {
      type: 'message',
      user: 'U0CARELOG',
      ts: sent.ts,
      bot_id: 'B0CARELOG',
      text: 'nudge',
      blocks: sent.blocks,
    },
    state: { values: {} },
    response_url: responseUrl(h),
    actions: [action],
  };
}

/** One reminder job, as the worker runs it (sendReminders), its error thrown. */
export async function sendReminder(deps: CarelogDeps, job: ReminderJobData): Promise<ReminderResult> {
  const [result] = await sendReminders(deps, [job]);
  if (result instanceof Error) throw result;
  return result!;
}
