// The Teams Adaptive Cards, alone: drawn from the same models as Slack's Block Kit, read back into
// the same drafts, within Teams' message size, and never carrying notes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES, type TCategories } from '../../src/domain/categories.js';
import { renderContactModal } from '../../src/platforms/slack/contact-modal.js';
import { byteSize, MAX_MESSAGE_BYTES } from '../../src/platforms/teams/cards.js';
import {
  CATEGORY_DATASET_PREFIX,
  CONTACT_ACTION,
  MAX_STATIC_CHOICES,
  readContactCardDraft,
  renderContactCard,
  ZContactCardData,
} from '../../src/platforms/teams/contact-card.js';
import { digestCardWithinLimit } from '../../src/platforms/teams/digest-card.js';
import { openDraftNotes, sealDraftNotes } from '../../src/platforms/teams/draft-notes.js';
import { renderFollowUpListCard } from '../../src/platforms/teams/followup-list-card.js';
import { renderNudgeCard } from '../../src/platforms/teams/nudge-card.js';
import { createKeyring } from '../../src/services/crypto.js';
import { buildContactForm, type FormField } from '../../src/views/contact-form.js';
import { FIELD, NEW_CLIENT, type ContactDraft, type TFieldId } from '../../src/domain/contact-draft.js';
import type { DigestView } from '../../src/views/digest.js';
import { buildNudgeMessage, type FollowUpFacts } from '../../src/views/nudge.js';
import { checkAdaptiveCard } from '../support/card-validator.js';
import { elementsOf, initialValues, inputsOf, pressAction, textsOf } from '../support/fake-teams.js';

const FORM_ID = '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e';
const CLIENT_ID = '6f1c2a9e-3b4d-4c5e-8f70-123456789abc';
const CASE_MANAGER = '00000000-0000-4000-8000-000000000002';
const CTX = { formId: FORM_ID, programId: 'wilmington' };

const FULL: ContactDraft = {
  client: NEW_CLIENT,
  sex: 'not_reported',
  ageBand: '60+',
  date: '2026-11-20',
  time: '09:40',
  source: 'call_for_service',
  services: ['crisis_services', 'transport'],
  referrals: ['addiction_treatment', 'youth_response_unit'],
  disposition: 'voluntary_transport',
  incidentRef: 'CAD-2026-11831',
  minutesOnScene: '45',
  followUpDate: '2026-11-24',
  followUpAssignee: CASE_MANAGER,
  notes: 'Agreed to a call on Tuesday.',
};

const slackBlockIds = (fields: FormField[]) =>
  (
    renderContactModal(
      { ...buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL }), fields },
      { timezone: 'America/New_York', metadata: { programId: 'wilmington' } },
    ).blocks as { block_id: string }[]
  ).map((b) => b.block_id);
const teamsInputIds = (fields: FormField[]) =>
  Object.keys(
    inputsOf(renderContactCard({ ...buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL }), fields }, CTX)),
  );

describe('one form model, two platforms', () => {
  it('draws every field of the model in the Slack modal and the Teams card, under the same ids', () => {
    const model = buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL });
    expect(slackBlockIds(model.fields)).toEqual(model.fields.map((f) => f.id));
    expect(teamsInputIds(model.fields)).toEqual(model.fields.map((f) => f.id));
  });

  it('a field added to the model appears in both, and one taken out leaves both', () => {
    const model = buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL });
    const added: FormField = {
      id: 'language' as TFieldId,
      kind: 'select',
      label: 'Language of the contact',
      optional: true,
      options: [
        { key: 'en', label: 'English', part2: false },
        { key: 'es', label: 'Spanish', part2: false },
      ],
    };
    const withField = [...model.fields.slice(0, 3), added, ...model.fields.slice(3)];
    expect(slackBlockIds(withField)).toContain('language');
    expect(teamsInputIds(withField)).toContain('language');
    const teamsInput = inputsOf(renderContactCard({ ...model, fields: withField }, CTX)).language!;
    expect(teamsInput).toMatchObject({
      type: 'Input.ChoiceSet',
      label: 'Language of the contact (optional)',
      choices: [
        { title: 'English', value: 'en' },
        { title: 'Spanish', value: 'es' },
      ],
    });
    const without = model.fields.filter((f) => f.id !== FIELD.incidentRef);
    expect(slackBlockIds(without)).not.toContain('incident_ref');
    expect(teamsInputIds(without)).not.toContain('incident_ref');
  });

  it('shows sex and age only for a new client, as the model says, on both', () => {
    const existing = buildContactForm({ categories: DEFAULT_CATEGORIES, draft: { ...FULL, client: CLIENT_ID } });
    expect(teamsInputIds(existing.fields)).not.toContain('sex');
    expect(slackBlockIds(existing.fields)).not.toContain('sex');
  });
});

describe('the contact card', () => {
  const card = renderContactCard(buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL }), {
    ...CTX,
    assigneeLabel: 'The program’s case manager',
  });
  const inputs = inputsOf(card);

  it('renders each kind of field as the Teams input that fits it', () => {
    expect(inputs.client).toMatchObject({
      type: 'Input.ChoiceSet',
      style: 'filtered',
      value: 'new',
      'choices.data': { type: 'Data.Query', dataset: 'carelog.clients' },
    });
    expect(inputs.source).toMatchObject({ type: 'Input.ChoiceSet', style: 'compact', value: 'call_for_service' });
    expect(inputs.services).toMatchObject({
      type: 'Input.ChoiceSet',
      isMultiSelect: true,
      value: 'crisis_services,transport',
    });
    expect(inputs.contact_date).toMatchObject({ type: 'Input.Date', value: '2026-11-20' });
    expect(inputs.contact_time).toMatchObject({ type: 'Input.Time', value: '09:40' });
    expect(inputs.minutes_on_scene).toMatchObject({ type: 'Input.Number', min: 0, max: 1440, value: 45 });
    expect(inputs.incident_ref).toMatchObject({ type: 'Input.Text', maxLength: 40, value: 'CAD-2026-11831' });
    expect(inputs.follow_up_wanted).toBeUndefined();
    expect(inputs.follow_up_assignee).toMatchObject({
      type: 'Input.ChoiceSet',
      value: CASE_MANAGER,
      choices: [{ title: 'The program’s case manager', value: CASE_MANAGER }],
      'choices.data': { dataset: 'graph.microsoft.com/users' },
    });
    expect(inputs.notes).toMatchObject({ type: 'Input.Text', isMultiline: true, maxLength: 3000 });
  });

  it('never puts the notes into the card', () => {
    expect(inputs.notes!.value).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('Agreed to a call');
  });

  it('reads back the draft it was drawn from, the way Teams submits the inputs', () => {
    const submitted = pressAction(card, CONTACT_ACTION.save, { notes: FULL.notes });
    expect(ZContactCardData.parse(submitted.data)).toEqual({
      action: 'contact_save',
      form: FORM_ID,
      program: 'wilmington',
      shown: Object.keys(inputs),
    });
    expect(readContactCardDraft(submitted.data)).toEqual(FULL);
  });

  it('reads Teams’ blanks as missing, for validation to name', () => {
    const draft = readContactCardDraft({
      client: '',
      source: '  ',
      services: '',
      minutes_on_scene: 12,
      contact_time: '09:40:00',
    })!;
    expect(draft).toEqual({ minutesOnScene: '12', time: '09:40' });
    expect(readContactCardDraft({ notes: 7 })).toBeNull();
  });

  it('puts each error beside its field and keeps the Save and Cancel actions', () => {
    const errors = renderContactCard(buildContactForm({ categories: DEFAULT_CATEGORIES, draft: FULL }), {
      ...CTX,
      errors: { source: 'Choose how this contact came about.' },
    });
    const els = elementsOf(errors);
    const at = els.findIndex((e) => e.id === 'source');
    const after = els.slice(at + 1).find((e) => e.type === 'TextBlock' && e.id === 'source_error');
    expect(after).toMatchObject({ text: 'Choose how this contact came about.', color: 'Attention' });
    expect(els.filter((e) => e.type === 'Action.Execute').map((e) => e.verb)).toEqual([
      'contact_save',
      'contact_cancel',
    ]);
    expect(els.find((e) => e.verb === 'contact_cancel')).toMatchObject({ associatedInputs: 'none' });
  });

  it('offers "New client" as a card refresh while an existing client is chosen', () => {
    const existing = renderContactCard(
      buildContactForm({ categories: DEFAULT_CATEGORIES, draft: { ...FULL, client: CLIENT_ID } }),
      { ...CTX, clientLabel: 'PIC-0042' },
    );
    expect(inputsOf(existing).client!.choices).toContainEqual({ title: 'PIC-0042', value: CLIENT_ID });
    expect(elementsOf(existing).some((e) => e.verb === 'contact_new_client')).toBe(true);
    expect(elementsOf(card).some((e) => e.verb === 'contact_new_client')).toBe(false);
  });

  it('stays within a Teams message with the default lists, and searches long lists instead of listing them', () => {
    expect(byteSize(card)).toBeLessThan(MAX_MESSAGE_BYTES);
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `service_${i}`,
        label: `A service with a long descriptive name, number ${i}`.padEnd(70, '.'),
        part2: false,
      }));
    const categories: TCategories = {
      ...DEFAULT_CATEGORIES,
      services: many(100),
      referrals: many(100),
      sources: many(100),
      dispositions: many(100),
    };
    const big = renderContactCard(
      buildContactForm({
        categories,
        draft: { ...FULL, services: ['service_3'], source: 'service_7', referrals: [], disposition: 'service_9' },
      }),
      CTX,
    );
    expect(byteSize(big)).toBeLessThan(MAX_MESSAGE_BYTES);
    const services = inputsOf(big).services!;
    expect(services['choices.data']).toEqual({ type: 'Data.Query', dataset: `${CATEGORY_DATASET_PREFIX}services` });
    expect(services.choices).toEqual([{ title: many(4)[3]!.label, value: 'service_3' }]);
    expect(initialValues(big).source).toBe('service_7');
    expect(MAX_STATIC_CHOICES).toBeLessThan(100);
  });
});

describe('notes kept between round trips', () => {
  const keyring = createKeyring(Buffer.alloc(32, 3));
  const scope = { programId: 'wilmington', formId: FORM_ID, memberId: '11111111-1111-4111-8111-111111111111' };

  it('open only for the same program, form and person', () => {
    const sealed = sealDraftNotes(keyring, scope, 'Prefers mornings.');
    expect(sealed).not.toContain('mornings');
    expect(openDraftNotes(keyring, scope, sealed)).toBe('Prefers mornings.');
    expect(openDraftNotes(keyring, { ...scope, formId: '2b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e' }, sealed)).toBeNull();
    expect(openDraftNotes(keyring, { ...scope, memberId: '22222222-2222-4222-8222-222222222222' }, sealed)).toBeNull();
    expect(openDraftNotes(keyring, scope, `${sealed.slice(0, -4)}AAAA`)).toBeNull();
  });

  it('the card says they are kept and carries them sealed in the action data', () => {
    const sealed = sealDraftNotes(keyring, scope, 'Prefers mornings.');
    const kept = renderContactCard(
      buildContactForm({ categories: DEFAULT_CATEGORIES, draft: { ...FULL, client: CLIENT_ID } }),
      { ...CTX, keptNotes: { sealed, length: 17 } },
    );
    expect(textsOf(kept).some((t) => t.startsWith('Your notes (17 characters) are kept, encrypted.'))).toBe(true);
    expect(pressAction(kept, CONTACT_ACTION.save).data.notes_sealed).toBe(sealed);
    expect(pressAction(kept, CONTACT_ACTION.newClient).data.notes_sealed).toBe(sealed);
  });
});

const FACTS: FollowUpFacts = {
  followUpId: '6f1c2a9e-3b4d-4c5e-8f70-123456789abc',
  version: 3,
  clientCode: 'PIC-0042',
  dueDate: '2026-11-24',
  lastContactDate: '2026-11-20',
  contactCount: 4,
  overdue: false,
  status: 'pending',
  attempts: 0,
  maxAttempts: 3,
};

describe('nudge cards', () => {
  it('offer the nudge’s actions as Action.Execute with the view’s ids, each carrying the reference', () => {
    const card = renderNudgeCard(buildNudgeMessage(FACTS), '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    const actions = elementsOf(card).filter((e) => e.type === 'Action.Execute');
    expect(actions.map((a) => a.verb)).toEqual([
      'nudge_log',
      'nudge_attempt',
      'nudge_snooze',
      'nudge_done',
      'nudge_reassign',
    ]);
    for (const a of actions)
      expect(a.data).toMatchObject({
        action: a.verb,
        ref: `${FACTS.followUpId}:3`,
        nudge: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      });
    expect(inputsOf(card).nudge_snooze_choice!.choices).toEqual([
      { title: '1 day', value: '1d' },
      { title: '3 days', value: '3d' },
      { title: '1 week', value: '1w' },
    ]);
    expect(inputsOf(card).nudge_reassign_to!['choices.data']).toEqual({
      type: 'Data.Query',
      dataset: 'graph.microsoft.com/users',
    });
  });

  it('pass Microsoft’s validator at 1.5; the Reassign people picker’s empty choices are the one documented exception', () => {
    const card = renderNudgeCard(buildNudgeMessage(FACTS), '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    const { errors, warnings } = checkAdaptiveCard(card as unknown as Record<string, unknown>);
    expect(errors).toEqual([]);
    // Exactly Teams' people picker: an empty list Teams fills, and `choices.data`, which the package
    // dates to 1.6 while Teams documents it in 1.5 cards.
    expect(warnings).toEqual([
      'UnsupportedProperty (Input.ChoiceSet nudge_reassign_to): Property "choices.data" is supported in version 1.6, but you are using version 1.5.',
      'CollectionCantBeEmpty (Input.ChoiceSet nudge_reassign_to): An Input.ChoiceSet must have at least one choice defined.',
    ]);
  });

  it('the validator catches what Teams would refuse, and allows the empty list only beside a Data.Query', () => {
    const card = renderNudgeCard(buildNudgeMessage(FACTS)) as unknown as Record<string, unknown>;
    const json = JSON.stringify(card);
    const staticEmpty = JSON.parse(json.replace(/,"choices\.data":\{[^}]*\}/, '')) as Record<string, unknown>;
    expect(checkAdaptiveCard(staticEmpty).errors).toEqual([
      'CollectionCantBeEmpty (Input.ChoiceSet nudge_reassign_to): An Input.ChoiceSet must have at least one choice defined.',
    ]);
    const at16 = { ...card, version: '1.6' };
    expect(checkAdaptiveCard(at16).warnings).toHaveLength(1);
    const unknown = { ...card, body: [...(card.body as object[]), { type: 'Input.Rating', id: 'stars' }] };
    expect(checkAdaptiveCard(unknown).errors.join('\n')).toMatch(/Input\.Rating/);
    const unlabelled = {
      ...card,
      body: [{ type: 'Input.Text', id: 'why', isRequired: true }],
    };
    expect(checkAdaptiveCard(unlabelled).errors).toEqual([
      'RequiredInputsShouldHaveLabel (Input.Text why): Required inputs should have a label',
      'RequiredInputsShouldHaveErrorMessage (Input.Text why): Required inputs should have an error message',
    ]);
    expect(checkAdaptiveCard({ ...card, version: '9' }).errors[0]).toMatch(/not an Adaptive Cards version/);
  });

  it('has no actions once settled, and says what happened', () => {
    const card = renderNudgeCard(buildNudgeMessage(FACTS, { kind: 'snoozed', until: '2026-11-27' }));
    expect(elementsOf(card).filter((e) => String(e.type).startsWith('Action.'))).toEqual([]);
    expect(textsOf(card)).toContain('Snoozed until Fri, Nov 27, 2026.');
  });

  it('show the tries recorded so far, and once the last try closes the follow-up, what happened without actions', () => {
    const tried = renderNudgeCard(buildNudgeMessage({ ...FACTS, attempts: 2 }));
    const facts = elementsOf(tried).find((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] };
    expect(facts.facts.at(-1)).toEqual({ title: 'No answer', value: '2 of 3 tries recorded' });
    const retried = renderNudgeCard(
      buildNudgeMessage({ ...FACTS, attempts: 2 }, { kind: 'tried', next: '2026-11-30' }),
    );
    expect(textsOf(retried)).toContain('Tried, no answer. carelog will remind you again on Mon, Nov 30, 2026.');
    expect(elementsOf(retried).filter((e) => String(e.type).startsWith('Action.'))).toEqual([]);
    const closed = renderNudgeCard(buildNudgeMessage({ ...FACTS, attempts: 3, status: 'unreachable' }));
    expect(textsOf(closed)).toContain(
      'Closed as unreachable after 3 tries with no answer. The program’s supervisors are told.',
    );
    expect(elementsOf(closed).filter((e) => String(e.type).startsWith('Action.'))).toEqual([]);
  });

  it('lists follow-ups with inputs of their own, within a message', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      ...FACTS,
      followUpId: FACTS.followUpId.replace(/c$/, String(i % 10)),
      clientCode: `PIC-${String(i).padStart(4, '0')}`,
      // The longest entry: a try already recorded adds a fact.
      attempts: 2,
      maxAttempts: 20,
    }));
    const card = renderFollowUpListCard(items);
    const ids = Object.keys(inputsOf(card));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('nudge_snooze_choice_9');
    expect(textsOf(card).at(-1)).toBe('…and 15 more.');
    expect(byteSize(card)).toBeLessThan(MAX_MESSAGE_BYTES);
  });
});

describe('digest cards', () => {
  const view: DigestView = {
    title: 'Wilmington Partners in Care: quarterly digest, Jul–Sep 2024',
    summary: '128 people served, 115 of them new',
    headline: [{ label: 'Individuals served', value: '128' }],
    tables: [{ title: 'Referrals made (contacts)', rows: [{ label: 'Addiction treatment', value: '31' }] }],
    chart: [{ label: '2024-Q3', count: 115 }],
  };

  it('keeps the chart inline while the message fits, and leaves it out (saying so) when it would not', () => {
    const small = digestCardWithinLimit(view, Buffer.alloc(2_000, 1));
    expect(small.chartDropped).toBe(false);
    expect(elementsOf(small.card).some((e) => e.type === 'Image')).toBe(true);
    const huge = digestCardWithinLimit(view, Buffer.alloc(30_000, 1));
    expect(huge.chartDropped).toBe(true);
    expect(elementsOf(huge.card).some((e) => e.type === 'Image')).toBe(false);
    expect(textsOf(huge.card)).toContain('2024-Q3: 115');
  });
});
