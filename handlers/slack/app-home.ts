// The Home tab: a "Log a contact" button, the person's follow-ups and open referrals.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { openContactForm } from '../../src/platforms/slack/open-contact-form.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { HOME_LOG_CONTACT, publishHome } from '../../src/platforms/slack/home-view.js';
import { mayLogContacts } from '../../src/services/contact-flow.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.event('app_home_opened', async ({ event, body, context }) => {
    if (event.tab !== 'home') return;
    const { member } = slackActor(deps, { team_id: (body as { team_id?: string }).team_id, user_id: event.user });
    await publishHome(deps, slackApi(context), event.user, member);
  });

  routes.action(HOME_LOG_CONTACT, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    if (!program || !mayLogContacts(member)) return;
    await openContactForm(deps, slackApi(context), { program, member }, { triggerId: body.trigger_id });
  });
}
