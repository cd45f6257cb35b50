// The contact form as Teams shows it, from anywhere: "contact" in the bot chat, a nudge's
// "Log follow-up", or a form coming back with errors. Each new form gets its own id: the
// idempotency key of its submission.
import { randomUUID } from 'node:crypto';
import type { IAdaptiveCard } from '@microsoft/teams.cards';
import type { CarelogDeps } from '../../deps.js';
import { clientCodeOf, prepareContactForm, type Actor } from '../../services/contact-flow.js';
import { buildContactForm, type ContactFormModel } from '../../views/contact-form.js';
import type { ProgramConfig } from '../../config.js';
import { NEW_CLIENT, NOTES_MAX_LENGTH, type ContactDraft, type TFieldId } from '../../domain/contact-draft.js';
import { adaptiveCard, text } from './cards.js';
import { renderContactCard } from './contact-card.js';
import { sealDraftNotes } from './draft-notes.js';

/** How the follow-up person is shown: their name is known only to Teams' people picker. */
function assigneeLabel(deps: CarelogDeps, actor: Actor, id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (id === actor.member.platformUserId) return 'You';
  const m = deps.directory.member(actor.program.id, 'teams', id);
  return m?.roles.includes('case_manager') ? 'The program’s case manager' : 'The person chosen';
}

/**
 * The form model as Teams draws it: a card cannot redraw itself when the outcome changes, so
 * "Taken to" is always there, labelled as asked of transports only.
 */
export function teamsContactForm(program: ProgramConfig, draft: ContactDraft, notice?: string): ContactFormModel {
  return buildContactForm({
    categories: program.categories,
    demographics: program.demographics,
    draft,
    transportDestination: 'always',
    ...(notice ? { notice } : {}),
  });
}

export async function newContactFormCard(deps: CarelogDeps, actor: Actor, codeText: string): Promise<IAdaptiveCard> {
  const prepared = await prepareContactForm(deps, actor, codeText);
  const form = teamsContactForm(actor.program, prepared.draft, prepared.notice);
  const label = assigneeLabel(deps, actor, prepared.draft.followUpAssignee);
  return renderContactCard(form, {
    formId: randomUUID(),
    programId: actor.program.id,
    ...(prepared.draft.clientLabel ? { clientLabel: prepared.draft.clientLabel } : {}),
    ...(label ? { assigneeLabel: label } : {}),
  });
}

/** The same form again, shaped by the draft, with errors by the field and the notes kept sealed. */
export async function returnedContactFormCard(
  deps: CarelogDeps,
  actor: Actor,
  formId: string,
  draft: ContactDraft,
  errors?: Partial<Record<TFieldId, string>>,
): Promise<IAdaptiveCard> {
  const form = teamsContactForm(actor.program, draft);
  // The code is only a label: a form coming back because the database is down must still come back.
  const clientLabel =
    draft.client && draft.client !== NEW_CLIENT
      ? await clientCodeOf(deps, actor, draft.client).catch(() => undefined)
      : undefined;
  const label = assigneeLabel(deps, actor, draft.followUpAssignee);
  // Notes too long to be saved are not kept either: the error beside them says so.
  const notes = draft.notes && draft.notes.length <= NOTES_MAX_LENGTH ? draft.notes : undefined;
  return renderContactCard(form, {
    formId,
    programId: actor.program.id,
    ...(clientLabel ? { clientLabel } : {}),
    ...(label ? { assigneeLabel: label } : {}),
    ...(errors ? { errors } : {}),
    ...(notes
      ? {
          keptNotes: {
            sealed: sealDraftNotes(
              deps.keyring,
              { programId: actor.program.id, formId, memberId: actor.member.memberId },
              notes,
            ),
            length: notes.length,
          },
        }
      : {}),
  });
}

/** What replaces a saved form: the same confirmation Slack's clinicians get by DM. */
export function confirmationCard(confirmation: string): IAdaptiveCard {
  return adaptiveCard([
    text('✅ Contact saved', { weight: 'Bolder', size: 'Medium' }),
    text(confirmation, { id: 'confirmation' }),
  ]);
}

export function closedFormCard(): IAdaptiveCard {
  return adaptiveCard([text('Form closed. Nothing was saved.', { id: 'closed', isSubtle: true })]);
}
