// Choosing the client reshapes the form: sex and age (and the demographics the program asks)
// appear only for a new client, and "Follow-up by" follows the client (their own case manager)
// unless the clinician picked someone themselves.
import { z } from 'zod';
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { assigneeDefaultFor, mayLogContacts } from '../../src/services/contact-flow.js';
import { FIELD } from '../../src/domain/contact-draft.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { readContactMetadata } from '../../src/platforms/slack/contact-modal.js';
import { reshapeContactForm } from '../../src/platforms/slack/reshape-contact-form.js';

/** The choice as the block action carries it: a client id, "new", or nothing (cleared). */
const ZClientChoice = z.object({
  actions: z.array(z.object({ selected_option: z.object({ value: z.string().max(64) }).nullish() })).min(1),
});

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.action(FIELD.client, async ({ ack, body, context }) => {
    await ack();
    const { program, member } = slackActor(deps, body);
    const view = body.view;
    if (!program || !mayLogContacts(member) || !view) return;
    const choice = ZClientChoice.safeParse(body);
    const client = choice.success ? choice.data.actions[0]!.selected_option?.value : undefined;
    const meta = readContactMetadata(view.private_metadata);
    // The same client chosen again: the box already follows them, and nothing is read again.
    const clientChosen =
      meta && client !== undefined && client === meta.assigneeFor
        ? undefined
        : { client, followUp: await assigneeDefaultFor(deps, { program, member }, client) };
    await reshapeContactForm(slackApi(context), program, view, clientChosen ? { clientChosen } : {});
  });
}
