// "contact" or "contact PIC-0042" in the bot chat opens the form; its Action.Execute verbs save it,
// switch it to a new client, or close it; its client typeahead lists codes. A form with mistakes
// comes back with the errors by their fields and everything kept; a saved one becomes the
// confirmation. One form logs one contact, however often Teams resends the invoke.
import type { App } from '@microsoft/teams.apps';
import { z } from 'zod';
import type { CarelogDeps } from '../../src/deps.js';
import {
  auditConfirmationShownAgain,
  mayLogContacts,
  NOT_ON_ROSTER,
  submitContact,
  suggestClients,
  withoutStaleAssignee,
} from '../../src/services/contact-flow.js';
import { contactConfirmationText } from '../../src/views/confirmation.js';
import { NEW_CLIENT } from '../../src/domain/contact-draft.js';
import { commandArgument, commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, cardResponse, messageResponse, textMessage } from '../../src/platforms/teams/cards.js';
import {
  CATEGORY_DATASET_PREFIX,
  CLIENT_DATASET,
  CONTACT_ACTION,
  NEW_CLIENT_TITLE,
  readContactCardDraft,
  ZContactCardData,
} from '../../src/platforms/teams/contact-card.js';
import {
  closedFormCard,
  confirmationCard,
  followUpHolder,
  listOfLabels,
  newContactFormCard,
  returnedContactFormCard,
} from '../../src/platforms/teams/contact-form.js';
import { buildContactForm } from '../../src/views/contact-form.js';
import { openDraftNotes } from '../../src/platforms/teams/draft-notes.js';
import { refusalText } from '../../src/services/access.js';

export const CONTACT_MESSAGE = commandPattern('contact');
export const PRIVATE_CHAT_ONLY =
  'For privacy, carelog shows forms and follow-ups only in your private chat with it. Open a chat with carelog and write “contact” there.';
const EXPIRED = 'This form has expired. Write “contact” to open a new one.';
/** Teams shows at most 15 typeahead results. */
const MAX_RESULTS = 15;

const ZSearch = z.object({ queryText: z.string().max(100).default(''), dataset: z.string().max(100).optional() });

function actionData(activity: unknown): unknown {
  return (activity as { value?: { action?: { data?: unknown } } })?.value?.action?.data;
}

export function register(app: App, deps: CarelogDeps): void {
  app.message(CONTACT_MESSAGE, async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    if (!program || !mayLogContacts(member)) {
      await ctx.send(textMessage(refusalText(deps, NOT_ON_ROSTER)));
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const codeText = commandArgument(ctx.activity.text, CONTACT_MESSAGE);
    const card = await newContactFormCard(deps, { program, member }, codeText);
    await ctx.send(cardMessage(card, 'Log a contact'));
  });

  app.on(`card.action.${CONTACT_ACTION.save}`, async (ctx) => {
    const { program, member } = teamsActor(deps, ctx.activity);
    if (!program || !mayLogContacts(member)) return messageResponse(refusalText(deps, NOT_ON_ROSTER));
    const data = ZContactCardData.safeParse(actionData(ctx.activity));
    const draft = readContactCardDraft(actionData(ctx.activity));
    if (!data.success || data.data.program !== program.id || !draft) return messageResponse(EXPIRED);
    const actor = { program, member };
    const { form, notes_sealed: sealed } = data.data;
    if (!draft.notes && sealed) {
      const kept = openDraftNotes(
        deps.keyring,
        { programId: program.id, formId: form, memberId: member.memberId },
        sealed,
      );
      if (kept) draft.notes = kept;
    }
    // "Follow-up by" still holding the default of a client other than the one chosen now (the
    // typeahead changed, and a card cannot redraw itself): left empty, it goes to the chosen
    // client's own case manager, and a card coming back shows that person.
    const was = { assigneeDefault: data.data.assignee_default, assigneeFor: data.data.assignee_for };
    const result = await submitContact(deps, actor, withoutStaleAssignee(draft, was), `teams:${form}`);
    if (!result.ok) {
      // Never an error for a field the card did not show ("New client" chosen in the typeahead,
      // a transport chosen): the card comes back with it, asking for it, and nothing is saved.
      const shown = data.data.shown;
      const unseen = shown ? Object.keys(result.errors).filter((id) => !shown.includes(id)) : [];
      const labelsOf = (ids: string[]) =>
        buildContactForm({ categories: program.categories, demographics: program.demographics, draft })
          .fields.filter((f) => ids.includes(f.id))
          .map((f) => f.label);
      const labels = labelsOf(unseen);
      if (!labels.length)
        return cardResponse(await returnedContactFormCard(deps, actor, form, draft, result.errors, undefined, was));
      const seen = Object.fromEntries(Object.entries(result.errors).filter(([id]) => shown!.includes(id)));
      const notice = `Answer ${listOfLabels(labels)} below, then Save. Nothing is saved yet.`;
      return cardResponse(await returnedContactFormCard(deps, actor, form, draft, seen, notice, was));
    }
    const { logged } = result;
    const holder = followUpHolder(logged, member);
    const text = contactConfirmationText({ logged, ...(holder ? { assigneeMention: holder } : {}) });
    if (logged.created)
      deps.logger.info(
        { programId: program.id, contactId: logged.contactId, clientCode: logged.clientCode },
        'contact logged',
      );
    else await auditConfirmationShownAgain(deps, member, logged);
    return cardResponse(confirmationCard(text));
  });

  app.on(`card.action.${CONTACT_ACTION.newClient}`, async (ctx) => {
    const { program, member } = teamsActor(deps, ctx.activity);
    if (!program || !mayLogContacts(member)) return messageResponse(refusalText(deps, NOT_ON_ROSTER));
    const data = ZContactCardData.safeParse(actionData(ctx.activity));
    const draft = readContactCardDraft(actionData(ctx.activity));
    if (!data.success || data.data.program !== program.id || !draft) return messageResponse(EXPIRED);
    if (!draft.notes && data.data.notes_sealed) {
      const kept = openDraftNotes(
        deps.keyring,
        { programId: program.id, formId: data.data.form, memberId: member.memberId },
        data.data.notes_sealed,
      );
      if (kept) draft.notes = kept;
    }
    // "Follow-up by" follows the client: emptied for the new one unless the person picked someone.
    const was = { assigneeDefault: data.data.assignee_default, assigneeFor: data.data.assignee_for };
    return cardResponse(
      await returnedContactFormCard(
        deps,
        { program, member },
        data.data.form,
        { ...draft, client: NEW_CLIENT },
        undefined,
        undefined,
        was,
      ),
    );
  });

  app.on(`card.action.${CONTACT_ACTION.cancel}`, () => Promise.resolve(cardResponse(closedFormCard())));

  app.on('card.search', async (ctx) => {
    const { program, member } = teamsActor(deps, ctx.activity);
    const search = ZSearch.safeParse(ctx.activity.value);
    const empty = {
      statusCode: 200,
      type: 'application/vnd.microsoft.search.searchResponse' as const,
      value: { results: [] as { title: string; value: string }[] },
    };
    if (!program || !mayLogContacts(member) || !search.success) return empty;
    const q = search.data.queryText.trim().toLowerCase();
    const dataset = search.data.dataset ?? '';
    if (dataset.startsWith(CATEGORY_DATASET_PREFIX)) {
      // A long category list of the form, searched by label: the same lists the form is built from.
      const field = buildContactForm({
        categories: program.categories,
        demographics: program.demographics,
        draft: { client: NEW_CLIENT },
        transportDestination: 'always',
      }).fields.find((f) => `${CATEGORY_DATASET_PREFIX}${f.id}` === dataset);
      const results = (field?.options ?? [])
        .filter((o) => o.label.toLowerCase().includes(q))
        .map((o) => ({ title: o.label, value: o.key }));
      return { ...empty, value: { results: results.slice(0, MAX_RESULTS) } };
    }
    if (dataset !== CLIENT_DATASET) return empty;
    const clients = await suggestClients(deps, { program, member }, q);
    const showNew = q === '' || 'new client'.startsWith(q) || q === 'new';
    const results = [
      ...(showNew ? [{ title: NEW_CLIENT_TITLE, value: NEW_CLIENT }] : []),
      ...clients.map((c) => ({ title: c.code, value: c.id })),
    ].slice(0, MAX_RESULTS);
    return { ...empty, value: { results } };
  });
}
