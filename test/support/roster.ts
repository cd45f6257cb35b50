// The roster modal as an admin uses it on Slack: `/carelog roster` opens it (views.open on the fake
// Slack), and a view_submission carries the person, roles and action as Slack reports them.
import { expect } from 'vitest';
import { TEAM, type Harness } from './harness.js';
import { carelogCommand, waitUntil } from './followups.js';
import { cardOf, type TeamsUser } from './fake-teams.js';
import type { TeamsHarness } from './teams-harness.js';

export interface OpenedRoster {
  id: string;
  view: Record<string, unknown>;
}

let opened = 0;

/** `/carelog roster` as `userId`; the modal carelog opened (fails if none was). */
export async function openRosterModal(h: Harness, userId: string): Promise<OpenedRoster> {
  const before = h.slack.calls.length;
  const res = await carelogCommand(h, userId, 'roster');
  expect(res.status).toBe(200);
  // Another replica may open forms on the same fake Slack meanwhile: only the roster modal counts.
  const call = await waitUntil(() =>
    h.slack.calls
      .slice(before)
      .find(
        (c) =>
          c.method === 'views.open' &&
          (c.args.view as { callback_id?: string } | undefined)?.callback_id === 'roster_submit',
      ),
  );
  return { id: `VROSTER${++opened}${Date.now()}`, view: call.args.view as Record<string, unknown> };
}

export interface RosterValues {
  person?: string;
  roles?: string[];
  /** add, roles or deactivate (anything else, to see it refused). */
  action?: string;
}

const opt = (value: string) => ({ text: { type: 'plain_text', text: value, emoji: true }, value });

/** Submits the roster modal as Slack does; `view` may be a redrawn one (the response's `view`). */
export function submitRoster(h: Harness, userId: string, form: OpenedRoster, v: RosterValues) {
  return h.interact(rosterSubmission(userId, form, v));
}

/** The view_submission payload of the roster modal, as Slack sends it from `teamId`. */
export function rosterSubmission(userId: string, form: OpenedRoster, v: RosterValues, teamId = TEAM) {
  return {
    type: 'view_submission',
    team: { id: teamId, domain: 'carelog-test' },
    user: { id: userId, username: 'someone', name: 'someone', team_id: teamId },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    trigger_id: `${Date.now()}.3.trigger`,
    view: {
      id: form.id,
      team_id: teamId,
      type: 'modal',
      callback_id: form.view.callback_id,
      private_metadata: form.view.private_metadata,
      hash: 'h1',
      blocks: form.view.blocks,
      state: {
        values: {
          roster_person: { person: { type: 'users_select', selected_user: v.person ?? null } },
          roster_roles: { roles: { type: 'multi_static_select', selected_options: (v.roles ?? []).map(opt) } },
          roster_action: { action: { type: 'radio_buttons', selected_option: v.action ? opt(v.action) : null } },
        },
      },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The modal a successful submission redrew, to act on next (its version is the new one). */
export function redrawn(form: OpenedRoster, json: unknown): OpenedRoster {
  const answer = json as { response_action?: string; view?: Record<string, unknown> };
  expect(answer.response_action, JSON.stringify(json)).toBe('update');
  return { id: form.id, view: answer.view! };
}

/** Writes "roster" in `user`'s 1:1 chat with carelog and returns the roster card it sent back. */
export async function openTeamsRosterCard(h: TeamsHarness, user: TeamsUser) {
  const before = h.teams.calls.length;
  expect((await h.send(h.teams.message(user, 'roster'))).status).toBe(200);
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity' && cardOf(c.body) !== undefined, before);
  return cardOf(call.body)!;
}
