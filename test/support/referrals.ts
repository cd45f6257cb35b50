// Helpers for linkage-check tests: a referral on a logged contact (made by the contact's save, or
// written here when the save does not make it), check DMs as the fake Slack saw them, and one check
// job run as the worker runs it.
import type { CarelogDeps } from '../../src/deps.js';
import { followUpRules } from '../../src/domain/followups.js';
import { firstCheckAt } from '../../src/domain/referrals.js';
import type { RecordedCall } from '../../src/platforms/slack/simulator.js';
import type { CheckJobData } from '../../src/queue/referral-checks.js';
import { scheduleReferralChecks, sendReferralChecks, type CheckResult } from '../../src/services/referral-checks.js';
import { TEAM, type Harness } from './harness.js';
import type { FakeTeams, TeamsUser } from './fake-teams.js';

/**
 * The referral of `category` on a contact: the one its save made, or one written now as the save
 * would (assignee, first check time), its check queued. Answers the row.
 */
export async function referralOn(deps: CarelogDeps, contactId: string, category: string, assigneeId: string | null) {
  const prisma = deps.db.prisma;
  const existing = await prisma.referral.findUnique({ where: { contactId_category: { contactId, category } } });
  if (existing) return existing;
  const contact = await prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
  const program = deps.directory.program(contact.programId)!;
  const row = await prisma.referral.create({
    data: {
      programId: contact.programId,
      clientId: contact.clientId,
      contactId,
      category,
      madeAt: contact.occurredAt,
      assigneeId,
      nextCheckAt: firstCheckAt(contact.occurredAt, deps.now(), program.referrals, followUpRules(program)),
    },
  });
  await scheduleReferralChecks(deps, [row.id]);
  return row;
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
