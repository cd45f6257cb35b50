// "More details" on the contact form: the modal is redrawn with the fields behind it (referrals,
// on scene, CAD number, minutes), everything chosen or typed so far kept.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { mayLogContacts } from '../../src/services/contact-flow.js';
import { MORE_DETAILS_ACTION } from '../../src/platforms/slack/contact-modal.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { reshapeContactForm } from '../../src/platforms/slack/reshape-contact-form.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.action(MORE_DETAILS_ACTION, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    const view = body.view;
    if (!program || !mayLogContacts(member) || !view) return;
    await reshapeContactForm(slackApi(context), program, view, { showDetails: true });
  });
}
