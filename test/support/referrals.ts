// Helpers for linkage-check tests: the referral a logged contact made, check DMs as the fake Slack
// saw them, a Teams dialog invoke, and one check job run as the worker runs it.
import type { CarelogDeps } from '../../src/deps.js';
import type { RecordedCall } from '../../src/platforms/slack/simulator.js';
import type { CheckJobData } from '../../src/queue/referral-checks.js';
import { sendReferralChecks, type CheckResult } from '../../src/services/referral-checks.js';
import { TEAM, type Harness } from './harness.js';
import type { FakeTeams, TeamsUser } from './fake-teams.js';

/** The referral of `category` that saving a contact recorded (and whose check it queued). */
export async function referralOf(deps: CarelogDeps, contactId: string, category: string) {
  return deps.db.prisma.referral.findUniqueOrThrow({ where: { contactId_category: { contactId, category } } });
}

/** chat.postMessage calls that carry a linkage check (metadata of type carelog_referral_check). */
export function checkPosts(h: Harness): RecordedCall[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'carelog_referral_check');
}

/** The post carrying a ReferralCheck row's id. */
export function checkPost(h: Harness, checkId: string): RecordedCall | undefined {
  return checkPosts(h).find(
    (c) => (c.args.metadata as { event_payload: { check_id: string } }).event_payload.check_id === checkId,
  );
}

/** One check job, as the worker runs it, its error thrown. */
export async function runCheck(deps: CarelogDeps, job: CheckJobData): Promise<CheckResult> {
  const [result] = await sendReferralChecks(deps, [job]);
  if (result instanceof Error) throw result;
  return result!;
}

/** The Connected modal's view_submission with a date, as Slack sends it. */
export function connectedSubmission(userId: string, view: { id: string; view: Record<string, unknown> }, date: string) {
  return {
    type: 'view_submission',
    team: { id: TEAM, domain: 'carelog-test' },
    user: { id: userId, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    trigger_id: `${Date.now()}.5.trigger`,
    view: {
      id: view.id,
      team_id: TEAM,
      type: 'modal',
      callback_id: view.view.callback_id,
      private_metadata: view.view.private_metadata,
      hash: 'h1',
      title: view.view.title,
      blocks: view.view.blocks,
      state: { values: { connected_on: { connected_on: { type: 'datepicker', selected_date: date } } } },
      root_view_id: view.id,
      app_id: 'A0CARELOG',
      bot_id: 'B0CARELOG',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * What Teams sends when a person presses an Action.Submit that opens a dialog (`msteams: { type:
 * 'task/fetch' }`), and when they press the dialog's Action.Submit: a task/fetch or task/submit
 * invoke whose value.data is the action's data (for a submit, with the dialog's inputs merged in).
 */
export function dialogInvoke(
  teams: FakeTeams,
  user: TeamsUser,
  name: 'task/fetch' | 'task/submit',
  data: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...teams.cardAction(user, { verb: '', data: {} }),
    name,
    value: { data, context: { theme: 'default' } },
  };
}
