// The contact form as Teams shows it, from anywhere: "contact" in the bot chat, a nudge's
// "Log follow-up", or a form coming back with errors. Each new form gets its own id: the
// idempotency key of its submission.
import { randomUUID } from 'node:crypto';
import type { IAdaptiveCard } from '@microsoft/teams.cards';
import type { CarelogDeps } from '../../deps.js';
import {
  assigneeDefaultFor,
  assigneeFollowsClient,
  clientCodeOf,
  prepareContactForm,
  type Actor,
  type AssigneeDefault,
} from '../../services/contact-flow.js';
import { buildContactForm, type ContactFormModel } from '../../views/contact-form.js';
import type { ProgramConfig } from '../../config.js';
import { NEW_CLIENT, NOTES_MAX_LENGTH, type ContactDraft, type TFieldId } from '../../domain/contact-draft.js';
import { adaptiveCard, text } from './cards.js';
import { renderContactCard } from './contact-card.js';
import { sealDraftNotes } from './draft-notes.js';

/** How the follow-up person is shown: their name is known only to Teams' people picker. */
function assigneeLabel(
  deps: CarelogDeps,
  actor: Actor,
  id: string | undefined,
  clientsOwn = false,
): string | undefined {
  if (!id) return undefined;
  if (id === actor.member.platformUserId) return 'You';
  if (clientsOwn) return 'The client’s case manager';
  const m = deps.directory.member(actor.program.id, 'teams', id);
  return m?.roles.includes('case_manager') ? 'A case manager' : 'The person chosen';
}

export interface TeamsFormShape {
  notice?: string;
  sourceRemembered?: boolean;
  assigneeDefault?: 'prefilled' | 'least_loaded';
}

/**
 * The form model as Teams draws it. A card cannot redraw itself when a choice changes, so what a
 * choice adds ("Taken to" for a transport, sex and age for a new client) appears when the card
 * comes back: from the "New client" button at once, or from Save, which then asks for it and
 * saves nothing yet (handlers/teams/contact.ts). The same fields by default as Slack's modal.
 */
export function teamsContactForm(
  program: ProgramConfig,
  draft: ContactDraft,
  shape: TeamsFormShape = {},
): ContactFormModel {
  return buildContactForm({
    categories: program.categories,
    demographics: program.demographics,
    draft,
    ...(shape.notice ? { notice: shape.notice } : {}),
    ...(shape.sourceRemembered ? { sourceRemembered: true } : {}),
    ...(shape.assigneeDefault ? { assigneeDefault: shape.assigneeDefault } : {}),
  });
}

export async function newContactFormCard(deps: CarelogDeps, actor: Actor, codeText: string): Promise<IAdaptiveCard> {
  const prepared = await prepareContactForm(deps, actor, codeText);
  const form = teamsContactForm(actor.program, prepared.draft, {
    ...(prepared.notice ? { notice: prepared.notice } : {}),
    sourceRemembered: prepared.sourceRemembered,
    ...(prepared.assigneeDefault ? { assigneeDefault: prepared.assigneeDefault } : {}),
  });
  const label = assigneeLabel(deps, actor, prepared.draft.followUpAssignee, prepared.assigneeDefault === 'prefilled');
  return renderContactCard(form, {
    formId: randomUUID(),
    programId: actor.program.id,
    ...(prepared.draft.clientLabel ? { clientLabel: prepared.draft.clientLabel } : {}),
    ...(label ? { assigneeLabel: label } : {}),
    prefilled: {
      ...(prepared.draft.followUpAssignee ? { assigneeDefault: prepared.draft.followUpAssignee } : {}),
      ...(prepared.draft.client ? { assigneeFor: prepared.draft.client } : {}),
    },
  });
}

/** What "Follow-up by" was pre-filled with, and for which client, as the card carries it. */
export interface TeamsPrefilled {
  assigneeDefault?: string;
  assigneeFor?: string;
}

/**
 * The draft a card comes back with when its client may have changed since "Follow-up by" was
 * pre-filled (chosen in the typeahead, or "New client"): the box follows the client, with the
 * client's own case manager looked up (an audited read), unless the person picked someone. A card
 * cannot redraw itself on a typeahead choice, so this happens when it comes back, as Slack's modal
 * does at once (src/platforms/slack/reshape-contact-form.ts).
 */
export async function followChosenClient(
  deps: CarelogDeps,
  actor: Actor,
  draft: ContactDraft,
  was: TeamsPrefilled,
): Promise<{ draft: ContactDraft; prefilled: TeamsPrefilled; hint?: AssigneeDefault['hint'] }> {
  const stillDefault = !!draft.followUpAssignee && draft.followUpAssignee === was.assigneeDefault;
  if (draft.client === was.assigneeFor || !assigneeFollowsClient(draft.followUpAssignee, was.assigneeDefault))
    return { draft, prefilled: was, ...(stillDefault ? { hint: 'prefilled' as const } : {}) };
  const followUp = await assigneeDefaultFor(deps, actor, draft.client);
  const { followUpAssignee: _was, ...rest } = draft;
  return {
    draft: { ...rest, ...(followUp.assignee ? { followUpAssignee: followUp.assignee } : {}) },
    prefilled: {
      ...(followUp.assignee ? { assigneeDefault: followUp.assignee } : {}),
      ...(draft.client ? { assigneeFor: draft.client } : {}),
    },
    ...(followUp.hint ? { hint: followUp.hint } : {}),
  };
}

/** The same form again, shaped by the draft, with errors by the field and the notes kept sealed. */
export async function returnedContactFormCard(
  deps: CarelogDeps,
  actor: Actor,
  formId: string,
  draft: ContactDraft,
  errors?: Partial<Record<TFieldId, string>>,
  notice?: string,
  was: TeamsPrefilled = {},
): Promise<IAdaptiveCard> {
  const followed = await followChosenClient(deps, actor, draft, was);
  draft = followed.draft;
  const form = teamsContactForm(actor.program, draft, {
    ...(notice ? { notice } : {}),
    ...(followed.hint ? { assigneeDefault: followed.hint } : {}),
  });
  // The code is only a label: a form coming back because the database is down must still come back.
  const clientLabel =
    draft.client && draft.client !== NEW_CLIENT
      ? await clientCodeOf(deps, actor, draft.client).catch(() => undefined)
      : undefined;
  const label = assigneeLabel(deps, actor, draft.followUpAssignee, followed.hint === 'prefilled');
  // Notes too long to be saved are not kept either: the error beside them says so.
  const notes = draft.notes && draft.notes.length <= NOTES_MAX_LENGTH ? draft.notes : undefined;
  return renderContactCard(form, {
    formId,
    programId: actor.program.id,
    ...(clientLabel ? { clientLabel } : {}),
    ...(label ? { assigneeLabel: label } : {}),
    ...(errors && Object.keys(errors).length ? { errors } : {}),
    prefilled: followed.prefilled,
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

/**
 * Who has the follow-up, in words the person who saved it reads on the confirmation card (Slack's
 * DM mentions them; carelog knows no Teams display names, and the Teams picker's names stay in Teams).
 */
export function followUpHolder(
  logged: { followUp: { assigneeMemberId: string | null; assigneeIsClientsCaseManager: boolean } | null },
  member: { memberId: string },
): string | undefined {
  const f = logged.followUp;
  if (!f?.assigneeMemberId) return undefined;
  if (f.assigneeMemberId === member.memberId) return 'you';
  if (f.assigneeIsClientsCaseManager) return 'the client’s case manager';
  return 'the person chosen in “Follow-up by”';
}

/** "Sex and Age", "Sex, Age and Veteran". */
export function listOfLabels(labels: string[]): string {
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : (labels[0] ?? '');
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
