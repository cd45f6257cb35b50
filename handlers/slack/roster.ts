// `/carelog roster` (admins only): the roster modal, and applying a change from it. A refusal goes
// back beside its field with the input kept; a change redraws the modal with the new list.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import {
  readRosterMetadata,
  readRosterState,
  renderRosterModal,
  ROSTER_BLOCK,
  ROSTER_VIEW_CALLBACK,
  ZRosterState,
} from '../../src/platforms/slack/roster-modal.js';
import { changeRoster, mayManageRoster, rosterView } from '../../src/services/roster.js';
import { NOT_AN_ADMIN, ROSTER_ACTIONS } from '../../src/views/roster.js';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { refusalText } from '../../src/services/access.js';

/** `/carelog roster`, handed over by handlers/slack/carelog-command.ts. */
export async function openRoster(
  deps: CarelogDeps,
  { ack, body, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  const { program, member } = slackActor(deps, body);
  if (!program || !mayManageRoster(member)) {
    await ack({ response_type: 'ephemeral', text: refusalText(deps, NOT_AN_ADMIN) });
    return;
  }
  await ack();
  if (context.retryNum) return;
  await slackApi(context).views.open({
    trigger_id: body.trigger_id,
    view: renderRosterModal(await rosterView(deps, program.id)),
  });
}

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.view(ROSTER_VIEW_CALLBACK, async ({ ack, body, view }) => {
    const { program, member } = slackActor(deps, body);
    const meta = readRosterMetadata(view.private_metadata);
    const state = ZRosterState.safeParse(view.state?.values ?? {});
    if (!program || !mayManageRoster(member) || !meta || meta.programId !== program.id) {
      await ack({ response_action: 'errors', errors: { [ROSTER_BLOCK.person]: refusalText(deps, NOT_AN_ADMIN) } });
      return;
    }
    if (!state.success) {
      await ack({
        response_action: 'errors',
        errors: { [ROSTER_BLOCK.person]: 'This form is not carelog’s: close it and type /carelog roster again.' },
      });
      return;
    }
    const input = readRosterState(state.data);
    const action = ROSTER_ACTIONS.find((a) => a.value === input.action)?.value;
    if (!action) {
      await ack({ response_action: 'errors', errors: { [ROSTER_BLOCK.action]: 'Choose what to do.' } });
      return;
    }
    const result = await changeRoster(deps, member, {
      version: meta.version,
      action,
      userId: input.userId,
      roles: input.roles,
    });
    if (!result.ok) {
      const block = result.field === 'roles' ? ROSTER_BLOCK.roles : ROSTER_BLOCK.person;
      await ack({ response_action: 'errors', errors: { [block]: result.error } });
      return;
    }
    await ack({ response_action: 'update', view: renderRosterModal(result.view) });
  });
}
