// The Home tab: a "Log a contact" button and the person's follow-ups.
import type { KnownBlock } from '@slack/types';
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { MAX_LISTED, renderFollowUpList } from '../../src/platforms/slack/followup-list.js';
import { followUpListIntro } from '../../src/views/followups.js';
import { openContactForm } from '../../src/platforms/slack/open-contact-form.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { mayLogContacts } from '../../src/services/contact-flow.js';
import { mayWorkFollowUps } from '../../src/services/followup-actions.js';
import { listFollowUps } from '../../src/services/followups.js';
import { HELP_TEXT } from '../../src/views/help.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';

export const HOME_LOG_CONTACT = 'home_log_contact';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.event('app_home_opened', async ({ event, body, context }) => {
    if (event.tab !== 'home') return;
    const { member } = slackActor(deps, { team_id: (body as { team_id?: string }).team_id, user_id: event.user });
    const blocks: KnownBlock[] = [];
    if (mayWorkFollowUps(member)) {
      blocks.push({
        type: 'actions',
        block_id: 'home_actions',
        elements: [
          {
            type: 'button',
            action_id: HOME_LOG_CONTACT,
            style: 'primary',
            text: { type: 'plain_text', text: 'Log a contact' },
          },
        ],
      });
      const items = await listFollowUps(deps, member, MAX_LISTED);
      blocks.push(...renderFollowUpList(items, followUpListIntro(items)));
    } else {
      blocks.push({ type: 'section', block_id: 'home_help', text: { type: 'mrkdwn', text: HELP_TEXT } });
    }
    await slackApi(context).views.publish({ user_id: event.user, view: { type: 'home', blocks } });
  });

  routes.action(HOME_LOG_CONTACT, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    if (!program || !mayLogContacts(member)) return;
    await openContactForm(deps, slackApi(context), { program, member }, { triggerId: body.trigger_id });
  });
}
