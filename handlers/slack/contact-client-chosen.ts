// Choosing the client reshapes the form: sex and age appear only for a new client.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import {
  readContactDraft,
  renderContactModal,
  readContactMetadata,
  ZViewState,
} from '../../src/platforms/slack/contact-modal.js';
import { mayLogContacts } from '../../src/services/contact-flow.js';
import { buildContactForm } from '../../src/views/contact-form.js';
import { FIELD } from '../../src/domain/contact-draft.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.action(FIELD.client, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    const view = body.view;
    if (!program || !mayLogContacts(member) || !view) return;
    const meta = readContactMetadata(view.private_metadata);
    const state = ZViewState.safeParse(view.state?.values ?? {});
    if (!meta || !state.success || meta.programId !== program.id) return;
    // What was typed in the free-text fields (notes, CAD number) is never sent back to Slack: an
    // input with the same block and action ids keeps what was typed in it when the view is updated.
    const { notes: _notes, incidentRef: _incidentRef, ...draft } = readContactDraft(state.data);
    const form = buildContactForm({ categories: program.categories, draft });
    await slackApi(context).views.update({
      view_id: view.id,
      // The hash makes Slack refuse this update if the form changed in the meantime.
      hash: view.hash,
      view: renderContactModal(form, {
        timezone: program.timezone,
        metadata: meta,
        ...(draft.clientLabel ? { clientLabel: draft.clientLabel } : {}),
      }),
    });
  });
}
