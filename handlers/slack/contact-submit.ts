// Saving the contact form. Errors go back beside their fields with the input kept; a saved contact
// closes the form and the clinician gets a direct message with the code, number and follow-up date.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import {
  CONTACT_VIEW_CALLBACK,
  readContactDraft,
  readContactMetadata,
  ZViewState,
} from '../../src/platforms/slack/contact-modal.js';
import { submitContact, withoutStaleAssignee } from '../../src/services/contact-flow.js';
import { contactConfirmationText } from '../../src/views/confirmation.js';
import { FIELD } from '../../src/domain/contact-draft.js';
import { slackApi } from '../../src/platforms/slack/listener-context.js';
import { slackMention } from '../../src/platforms/slack/messenger.js';
import { errorsByBlock, reshapedContactView, shownInputIds } from '../../src/platforms/slack/reshape-contact-form.js';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.view(CONTACT_VIEW_CALLBACK, async ({ ack, body, view, context }) => {
    const actor = slackActor(deps, body);
    const meta = readContactMetadata(view.private_metadata);
    const state = ZViewState.safeParse(view.state?.values ?? {});
    if (!actor.program || !meta || meta.programId !== actor.program.id || !state.success) {
      await ack({
        response_action: 'errors',
        errors: { [FIELD.client]: 'This form has expired. Close it and type /contact again.' },
      });
      return;
    }
    const result = await submitContact(
      deps,
      { program: actor.program, member: actor.member },
      withoutStaleAssignee(readContactDraft(state.data), meta),
      // One modal logs one contact, however often it is submitted or retried.
      `slack:${view.id}`,
    );
    if (!result.ok) {
      // A field the modal did not show when Save was pressed (a transport or "New client" chosen
      // just before, before the modal was redrawn): Slack refuses errors for a block it does not
      // show, and the person never saw it, so the modal is redrawn with the field and the errors
      // listed above it; every answer stays in its input.
      const shown = shownInputIds(view);
      const missing = Object.keys(result.errors).some((id) => !shown.includes(id));
      const redrawn = missing ? reshapedContactView(actor.program, view, { errors: result.errors }) : null;
      if (redrawn) await ack({ response_action: 'update', view: redrawn.view });
      else await ack({ response_action: 'errors', errors: errorsByBlock(view, result.errors) });
      return;
    }
    await ack({ response_action: 'clear' });
    if (!result.logged.created) return;
    const assignee = result.logged.followUp?.assigneeMemberId
      ? deps.directory.memberById(result.logged.followUp.assigneeMemberId)
      : undefined;
    const assigneeMention = assignee && slackMention(assignee);
    await slackApi(context).chat.postMessage({
      channel: body.user.id,
      text: contactConfirmationText({ logged: result.logged, ...(assigneeMention ? { assigneeMention } : {}) }),
    });
    deps.logger.info(
      { programId: actor.program.id, contactId: result.logged.contactId, clientCode: result.logged.clientCode },
      'contact logged',
    );
  });
}
