// `/contact [CODE]`: acknowledge at once, then open the contact form (Slack allows 3 seconds).
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { openContactForm } from '../../src/platforms/slack/open-contact-form.js';
import { mayLogContacts, NOT_ON_ROSTER } from '../../src/services/contact-flow.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { refusalText } from '../../src/services/access.js';

export const CONTACT_COMMAND = '/contact';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.command(CONTACT_COMMAND, async ({ ack, body, context }) => {
    const { program, member } = slackActor(deps, body);
    if (!program || !mayLogContacts(member)) {
      await ack({ response_type: 'ephemeral', text: refusalText(deps, NOT_ON_ROSTER) });
      return;
    }
    await ack();
    // A retried command carries an already-used trigger; the first delivery opened the form.
    if (context.retryNum) return;
    await openContactForm(
      deps,
      slackApi(context),
      { program, member },
      { triggerId: body.trigger_id, codeText: body.text ?? '', channelId: body.channel_id },
    );
  });
}
