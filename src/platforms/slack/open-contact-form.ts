// Opening the contact form from anywhere in Slack: /contact, a nudge's "Log follow-up", the Home tab.
import type { WebClient } from '@slack/web-api';
import type { CarelogDeps } from '../../deps.js';
import { prepareContactForm, type Actor } from '../../services/contact-flow.js';
import { buildContactForm } from '../../views/contact-form.js';
import { renderContactModal } from './contact-modal.js';

export async function openContactForm(
  deps: CarelogDeps,
  client: WebClient,
  actor: Actor,
  opts: { triggerId: string; codeText?: string; channelId?: string },
): Promise<void> {
  const { program } = actor;
  const prepared = await prepareContactForm(deps, actor, opts.codeText ?? '');
  const form = buildContactForm({
    categories: program.categories,
    demographics: program.demographics,
    draft: prepared.draft,
    sourceRemembered: prepared.sourceRemembered,
    ...(prepared.assigneeDefault ? { assigneeDefault: prepared.assigneeDefault } : {}),
    ...(prepared.notice ? { notice: prepared.notice } : {}),
  });
  await client.views.open({
    trigger_id: opts.triggerId,
    view: renderContactModal(form, {
      timezone: program.timezone,
      metadata: {
        programId: program.id,
        ...(opts.channelId ? { channelId: opts.channelId } : {}),
        // "Follow-up by" follows the client while it holds what it was pre-filled with.
        ...(prepared.draft.followUpAssignee ? { assigneeDefault: prepared.draft.followUpAssignee } : {}),
        ...(prepared.draft.client ? { assigneeFor: prepared.draft.client } : {}),
      },
      ...(prepared.draft.clientLabel ? { clientLabel: prepared.draft.clientLabel } : {}),
    }),
  });
}
