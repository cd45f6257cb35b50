// Typeahead for the client field: codes in the caller's program only.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { clientOptions } from '../../src/platforms/slack/contact-modal.js';
import { mayLogContacts, suggestClients } from '../../src/services/contact-flow.js';
import { FIELD } from '../../src/domain/contact-draft.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.options(FIELD.client, async ({ ack, body }) => {
    const { program, member } = slackActor(deps, body);
    if (!program || !mayLogContacts(member)) {
      await ack({ options: [] });
      return;
    }
    const query = typeof body.value === 'string' ? body.value : '';
    const clients = await suggestClients(deps, { program, member }, query);
    await ack({ options: clientOptions(clients, query) });
  });
}
