// Acting on a follow-up nudge: Log follow-up, Tried no answer, Snooze, Done, Reassign. The message is
// updated in place: chat.update for a DM; the whole list drawn again for /carelog followups (its
// response URL) and the Home tab (published again), the entry gone once settled or as it now is,
// under a line saying what was done. No channel noise.
import type { BlockAction, BlockElementAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { CarelogDeps } from '../../src/deps.js';
import type { MemberRef } from '../../src/services/directory.js';
import { publishHome } from '../../src/platforms/slack/home-view.js';
import { followUpListMessage } from '../../src/platforms/slack/lists.js';
import { listNotice } from '../../src/views/list-notice.js';
import type { BlockActionListener, SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { renderNudgeBlocks } from '../../src/platforms/slack/nudge-blocks.js';
import { openContactForm } from '../../src/platforms/slack/open-contact-form.js';
import {
  actOnFollowUp,
  clientCodeForFollowUp,
  mayWorkFollowUps,
  type TFollowUpAction,
} from '../../src/services/followup-actions.js';
import { SNOOZE_CHOICES } from '../../src/domain/followups.js';
import { NUDGE_ACTION, type NudgeMessage } from '../../src/views/nudge.js';
import { refusalText } from '../../src/services/access.js';

async function replaceMessage(
  deps: CarelogDeps,
  client: WebClient,
  body: BlockAction,
  member: MemberRef,
  respond: RespondFn,
  message: NudgeMessage,
  note?: string,
): Promise<void> {
  const blocks = renderNudgeBlocks(note ? { ...message, outcome: note } : message);
  const container = body.container as {
    type?: string;
    channel_id?: string;
    message_ts?: string;
    is_ephemeral?: boolean;
  };
  if (container.type === 'view') {
    // The Home tab has no response URL: published again, as things now are.
    await publishHome(deps, client, body.user.id, member, { list: 'followups', text: listNotice(message, note) });
  } else if (container.type === 'message' && container.is_ephemeral) {
    // /carelog followups: the list the person is looking at, drawn again.
    await respond({ replace_original: true, ...(await followUpListMessage(deps, member, listNotice(message, note))) });
  } else if (container.type === 'message' && container.channel_id && container.message_ts) {
    await client.chat.update({
      channel: container.channel_id,
      ts: container.message_ts,
      text: message.text,
      blocks: blocks,
    });
  } else {
    await respond({ replace_original: true, text: message.text, blocks });
  }
}

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  const handle =
    (read: (action: BlockElementAction) => { ref: string; action: TFollowUpAction } | null): BlockActionListener =>
    async ({ ack, body, action, context, respond }) => {
      await ack();
      const { member } = slackActor(deps, body);
      if (!mayWorkFollowUps(member)) {
        await respond({
          response_type: 'ephemeral',
          text: refusalText(deps, 'Only members of your co-responder team can work follow-ups in carelog.'),
        });
        return;
      }
      const parsed = read(action);
      if (!parsed) return;
      const result = await actOnFollowUp(deps, member, parsed.ref, parsed.action);
      if (result.message)
        await replaceMessage(
          deps,
          slackApi(context),
          body,
          member,
          respond,
          result.message,
          result.ok ? undefined : result.error,
        );
      else if (!result.ok) await respond({ response_type: 'ephemeral', text: result.error });
    };

  routes.action(
    NUDGE_ACTION.done,
    handle((a) => (a.type === 'button' && a.value ? { ref: a.value, action: { kind: 'done' } } : null)),
  );
  routes.action(
    NUDGE_ACTION.attempt,
    handle((a) => (a.type === 'button' && a.value ? { ref: a.value, action: { kind: 'attempt' } } : null)),
  );
  routes.action(
    NUDGE_ACTION.snooze,
    handle((a) => {
      if (a.type !== 'static_select' || !a.selected_option) return null;
      const [ref, key] = a.selected_option.value.split('|');
      const choice = SNOOZE_CHOICES.find((c) => c.key === key)?.key;
      return ref && choice ? { ref, action: { kind: 'snooze', choice } } : null;
    }),
  );
  routes.action(
    new RegExp(`^${NUDGE_ACTION.reassign}\\|`),
    handle((a) =>
      a.type === 'users_select' && a.selected_user
        ? { ref: a.action_id.split('|')[1] ?? '', action: { kind: 'reassign', toPlatformUserId: a.selected_user } }
        : null,
    ),
  );
  routes.action(NUDGE_ACTION.log, async ({ ack, body, action, context, respond }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    if (!program || !mayWorkFollowUps(member) || action.type !== 'button' || !action.value) {
      await respond({
        response_type: 'ephemeral',
        text: 'Only members of your co-responder team can log contacts in carelog.',
      });
      return;
    }
    const code = await clientCodeForFollowUp(deps, member, action.value);
    await openContactForm(
      deps,
      slackApi(context),
      { program, member },
      { triggerId: body.trigger_id, codeText: code ?? '' },
    );
  });
}
