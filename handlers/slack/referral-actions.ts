// Answering a linkage check: Connected (a modal asking the date, the only place a Part 2 category is
// named), Not yet, Declined, Couldn't reach. The check is updated in place wherever it was sent
// (the service redraws every copy); an answer from the /carelog referrals list draws the list again
// through the response URL (the entry gone once the referral is closed, or as it now is), and one
// from the Home tab publishes the tab again; either with a line saying what was recorded. Connected
// from a list does the same once its form is saved: the form carries where it was opened from.
import type { BlockAction, Context, RespondFn } from '@slack/bolt';
import type { CarelogDeps } from '../../src/deps.js';
import type { BlockActionListener, SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { publishHome } from '../../src/platforms/slack/home-view.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { referralListMessage } from '../../src/platforms/slack/lists.js';
import { respondLater } from '../../src/platforms/slack/respond.js';
import {
  CONNECTED_VIEW_CALLBACK,
  readConnectedMetadata,
  renderConnectedModal,
  renderReferralBlocks,
  ZConnectedState,
} from '../../src/platforms/slack/referral-blocks.js';
import type { MemberRef } from '../../src/services/directory.js';
import {
  actOnReferral,
  connectedFormFor,
  mayWorkReferrals,
  NOT_A_REFERRAL_WORKER,
  type TReferralAction,
} from '../../src/services/referral-actions.js';
import { listNotice } from '../../src/views/list-notice.js';
import { CONNECTED_FIELD, REFERRAL_ACTION, type ReferralCheckMessage } from '../../src/views/referral-check.js';
import { refusalText } from '../../src/services/access.js';

interface Container {
  type?: string;
  channel_id?: string;
  message_ts?: string;
  is_ephemeral?: boolean;
}

const inDm = (c: Container) => c.type === 'message' && !c.is_ephemeral && !!c.channel_id && !!c.message_ts;
/** The /carelog referrals list: the only ephemeral message with linkage-check buttons. */
const inList = (c: Container) => c.type === 'message' && !!c.is_ephemeral;

/** Shows what an answer did where the button was pressed. */
async function show(
  deps: CarelogDeps,
  context: Context,
  body: BlockAction,
  member: MemberRef,
  respond: RespondFn,
  result: { ok: boolean; error?: string; message?: ReferralCheckMessage | undefined },
): Promise<void> {
  const container = body.container as Container;
  const notice = listNotice(result.message, result.ok ? undefined : result.error);
  if (container.type === 'view') {
    // The Home tab: drawn again as things now are, with what was recorded (or why not).
    await publishHome(deps, slackApi(context), body.user.id, member, { list: 'referrals', text: notice });
    return;
  }
  if (inList(container)) {
    // The list the person is looking at, drawn again: the answered entry gone or as it now is.
    await respond({ replace_original: true, ...(await referralListMessage(deps, member, notice)) });
    return;
  }
  const message = result.message;
  if (!message) {
    if (result.error) await respond({ response_type: 'ephemeral', text: result.error });
    return;
  }
  const shown = result.ok ? message : { ...message, ...(result.error ? { outcome: result.error } : {}) };
  if (inDm(container)) {
    // A sent check: the service redrew it already after an answer; an out-of-date one is drawn here.
    if (result.ok) return;
    await slackApi(context).chat.update({
      channel: container.channel_id!,
      ts: container.message_ts!,
      text: shown.text,
      blocks: renderReferralBlocks(shown),
    });
    return;
  }
  await respond({ replace_original: true, text: shown.text, blocks: renderReferralBlocks(shown) });
}

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  const answer =
    (kind: Exclude<TReferralAction['kind'], 'connected'>): BlockActionListener =>
    async ({ ack, body, action, context, respond }) => {
      await ack();
      const { member } = slackActor(deps, body);
      if (!mayWorkReferrals(member)) {
        await respond({ response_type: 'ephemeral', text: refusalText(deps, NOT_A_REFERRAL_WORKER) });
        return;
      }
      if (action.type !== 'button' || !action.value) return;
      const result = await actOnReferral(deps, member, action.value, { kind });
      await show(deps, context, body, member, respond, result);
    };
  routes.action(REFERRAL_ACTION.notYet, answer('not_yet'));
  routes.action(REFERRAL_ACTION.declined, answer('declined'));
  routes.action(REFERRAL_ACTION.unreachable, answer('unreachable'));

  routes.action(REFERRAL_ACTION.connected, async ({ ack, body, action, context, respond }) => {
    await ack();
    const { member } = slackActor(deps, body);
    if (!mayWorkReferrals(member)) {
      await respond({ response_type: 'ephemeral', text: refusalText(deps, NOT_A_REFERRAL_WORKER) });
      return;
    }
    if (action.type !== 'button' || !action.value) return;
    const form = await connectedFormFor(deps, member, action.value);
    if (!form.ok) {
      await show(deps, context, body, member, respond, form);
      return;
    }
    // Opened from a list: the form remembers which, to draw it again once saved.
    const container = body.container as Container;
    const from =
      container.type === 'view'
        ? { list: 'home' as const }
        : inList(container) && body.response_url
          ? { list: 'ephemeral' as const, responseUrl: body.response_url }
          : {};
    await slackApi(context).views.open({
      trigger_id: body.trigger_id,
      view: renderConnectedModal(form.form, { ref: action.value, ...from }),
    });
  });

  routes.view(CONNECTED_VIEW_CALLBACK, async ({ ack, body, view, context }) => {
    const { member } = slackActor(deps, body);
    const meta = readConnectedMetadata(view.private_metadata);
    const state = ZConnectedState.safeParse(view.state?.values ?? {});
    if (!mayWorkReferrals(member) || !meta || !state.success) {
      await ack({
        response_action: 'errors',
        errors: { [CONNECTED_FIELD.date]: 'This form has expired. Close it and press Connected again.' },
      });
      return;
    }
    const on = state.data[CONNECTED_FIELD.date][CONNECTED_FIELD.date].selected_date ?? '';
    const result = await actOnReferral(deps, member, meta.ref, { kind: 'connected', on });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [CONNECTED_FIELD.date]: result.error } });
      return;
    }
    // The check the form was opened from is redrawn by the service, with every other copy; a list
    // it was opened from is drawn again here.
    await ack({ response_action: 'clear' });
    const notice = listNotice(result.message);
    if (meta.list === 'home')
      await publishHome(deps, slackApi(context), body.user.id, member, { list: 'referrals', text: notice });
    else if (meta.list === 'ephemeral' && meta.responseUrl)
      await respondLater(deps, slackApi(context), meta.responseUrl, {
        replace_original: true,
        ...(await referralListMessage(deps, member, notice)),
      });
  });
}
