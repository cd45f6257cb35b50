// Choosing the outcome reshapes the form: a transport asks where the person was taken ("Taken to"),
// any other outcome does not. The modal is redrawn only when that changes what it shows.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { mayLogContacts } from '../../src/services/contact-flow.js';
import { FIELD } from '../../src/domain/contact-draft.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { reshapeContactForm } from '../../src/platforms/slack/reshape-contact-form.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.action(FIELD.disposition, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    const view = body.view;
    if (!program || !mayLogContacts(member) || !view) return;
    await reshapeContactForm(slackApi(context), program, view, { onlyIfShapeChanges: true });
  });
}
