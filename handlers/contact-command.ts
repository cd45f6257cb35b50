// `/contact [CODE]`: acknowledge at once, then open the contact form (Slack allows 3 seconds).
import type { App } from '@slack/bolt';
import type { CarelogDeps } from '../src/deps.js';
import { slackActor } from '../src/platforms/slack/actor.js';
import { renderContactModal } from '../src/platforms/slack/contact-modal.js';
import { mayLogContacts, NOT_ON_ROSTER, prepareContactForm } from '../src/services/contact-flow.js';
import { buildContactForm } from '../src/views/contact-form.js';

export const CONTACT_COMMAND = '/contact';

export function register(app: App, deps: CarelogDeps): void {
  app.command(CONTACT_COMMAND, async ({ ack, body, client, context }) => {
    const { program, member } = slackActor(deps, body);
    if (!program || !mayLogContacts(member)) {
      await ack({ response_type: 'ephemeral', text: NOT_ON_ROSTER });
      return;
    }
    await ack();
    // A retried command carries an already-used trigger; the first delivery opened the form.
    if (context.retryNum) return;
    const prepared = await prepareContactForm(deps, { program, member }, body.text ?? '');
    const form = buildContactForm({ categories: program.categories, draft: prepared.draft, ...(prepared.notice ? { notice: prepared.notice } : {}) });
    await client.views.open({
      trigger_id: body.trigger_id,
      view: renderContactModal(form, {
        timezone: program.timezone,
        metadata: { programId: program.id, channelId: body.channel_id },
        ...(prepared.draft.clientLabel ? { clientLabel: prepared.draft.clientLabel } : {}),
      }),
    });
  });
}
