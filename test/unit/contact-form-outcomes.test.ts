// The contact form's on-scene group, "Taken to" for transports and the optional demographics: in
// the platform-neutral model, drawn in Slack's modal (within Block Kit's limits) and Teams' card,
// and read back into the draft they were drawn from.
import type { View } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES, RACE_ETHNICITY, VETERAN_STATUS, type TCategories } from '../../src/domain/categories.js';
import { validateContactDraft } from '../../src/domain/contact.js';
import { FIELD, NEW_CLIENT, type ContactDraft } from '../../src/domain/contact-draft.js';
import {
  MAX_CHECKBOXES,
  readContactDraft,
  renderContactModal,
  ZViewState,
} from '../../src/platforms/slack/contact-modal.js';
import { readContactCardDraft, renderContactCard } from '../../src/platforms/teams/contact-card.js';
import { buildContactForm, type ContactFormInput } from '../../src/views/contact-form.js';
import { checkModal } from '../support/block-kit-limits.js';
import { inputsOf, pressAction } from '../support/fake-teams.js';

const CLIENT_ID = '6f1c2a9e-3b4d-4c5e-8f70-123456789abc';
const BOTH = { raceEthnicity: true, veteran: true };
const SLACK_CTX = { timezone: 'America/New_York', metadata: { programId: 'wilmington' } };
const TEAMS_CTX = { formId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e', programId: 'wilmington' };

type TBlock = {
  type: string;
  block_id: string;
  label: { text: string };
  optional: boolean;
  dispatch_action?: boolean;
  element: Record<string, unknown> & { type: string };
};

const form = (draft: ContactDraft, more: Partial<ContactFormInput> = {}) =>
  buildContactForm({ categories: DEFAULT_CATEGORIES, draft, ...more });
const ids = (draft: ContactDraft, more: Partial<ContactFormInput> = {}) => form(draft, more).fields.map((f) => f.id);
const modal = (draft: ContactDraft, more: Partial<ContactFormInput> = {}): View =>
  renderContactModal(form(draft, more), SLACK_CTX);
const blocks = (view: View) => view.blocks as unknown as TBlock[];
const block = (view: View, id: string) => blocks(view).find((b) => b.block_id === id);

/**
 * The fields of the form without on-scene items, destinations and demographics: the typical
 * contact's first, then those behind "More details".
 */
const EARLIER_FIELDS = [
  FIELD.client,
  FIELD.date,
  FIELD.time,
  FIELD.source,
  FIELD.services,
  FIELD.disposition,
  FIELD.followUpDate,
  FIELD.followUpAssignee,
  FIELD.notes,
  FIELD.referrals,
  FIELD.incidentRef,
  FIELD.minutesOnScene,
];

/** view.state.values as Slack reports them for the modal, with the person's choices. */
function slackState(view: View, chosen: Record<string, string | string[]>): unknown {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const b of blocks(view)) {
    const v = chosen[b.block_id];
    const opt = (value: string) => ({ text: { type: 'plain_text', text: value }, value });
    let value: Record<string, unknown>;
    if (b.element.type === 'checkboxes' || b.element.type === 'multi_static_select')
      value = { selected_options: Array.isArray(v) ? v.map(opt) : [] };
    else if (b.element.type === 'static_select' || b.element.type === 'external_select')
      value = { selected_option: typeof v === 'string' ? opt(v) : null };
    else continue;
    values[b.block_id] = { [b.block_id]: { type: b.element.type, ...value } };
  }
  return values;
}

describe('the on-scene group', () => {
  it('is one optional group of the program’s on-scene items, behind More details after the referrals, with none ticked', () => {
    const f = form({ client: CLIENT_ID }).fields.find((x) => x.id === FIELD.onScene)!;
    expect(f).toMatchObject({ kind: 'checkboxes', label: 'On scene', optional: true, detail: true });
    expect(f.options!.map((o) => o.key)).toEqual(DEFAULT_CATEGORIES.onScene.map((o) => o.key));
    expect(f.initial).toBeUndefined();
    const order = ids({ client: CLIENT_ID });
    expect(order.indexOf(FIELD.onScene)).toBe(order.indexOf(FIELD.referrals) + 1);
  });

  it('leaves every earlier field as it was, in the same order, when the program asks nothing more', () => {
    for (const draft of [{}, { client: CLIENT_ID }, { client: CLIENT_ID, disposition: 'resolved_on_scene' }])
      expect(ids(draft).filter((id) => id !== FIELD.onScene)).toEqual(EARLIER_FIELDS);
    expect(ids({ client: NEW_CLIENT }).filter((id) => id !== FIELD.onScene)).toEqual([
      FIELD.client,
      FIELD.sex,
      FIELD.ageBand,
      ...EARLIER_FIELDS.slice(1),
    ]);
  });

  it('is Slack checkboxes, none ticked, or a multi-select when the program lists more than Slack’s ten', () => {
    expect(block(modal({}), FIELD.onScene)).toBeUndefined();
    const el = block(modal({}, { showDetails: true }), FIELD.onScene)!;
    expect(el.optional).toBe(true);
    expect(el.element.type).toBe('checkboxes');
    expect(el.element.initial_options).toBeUndefined();
    const many: TCategories = {
      ...DEFAULT_CATEGORIES,
      onScene: Array.from({ length: MAX_CHECKBOXES + 1 }, (_, i) => ({
        key: `k${i}`,
        label: `Item ${i}`,
        part2: false,
      })),
    };
    const view = renderContactModal(buildContactForm({ categories: many, draft: { onScene: ['k3'] } }), SLACK_CTX);
    expect(checkModal(view)).toEqual([]);
    expect(block(view, FIELD.onScene)!.element).toMatchObject({
      type: 'multi_static_select',
      initial_options: [{ value: 'k3' }],
    });
  });

  it('is Teams checkboxes (an expanded multi-select), none ticked', () => {
    const input = inputsOf(renderContactCard(form({}), TEAMS_CTX))[FIELD.onScene]!;
    expect(input).toMatchObject({
      type: 'Input.ChoiceSet',
      isMultiSelect: true,
      style: 'expanded',
      label: 'On scene (optional)',
    });
    expect(input.value).toBeUndefined();
  });
});

describe('"Taken to"', () => {
  it('appears on Slack once the outcome is a transport, right after it, required, and the outcome redraws the form', () => {
    expect(ids({ disposition: 'resolved_on_scene' })).not.toContain(FIELD.transportDestination);
    expect(ids({})).not.toContain(FIELD.transportDestination);
    for (const disposition of ['voluntary_transport', 'involuntary_commitment']) {
      const order = ids({ disposition });
      expect(order.indexOf(FIELD.transportDestination)).toBe(order.indexOf(FIELD.disposition) + 1);
    }
    const view = modal({ disposition: 'voluntary_transport', transportDestination: 'crisis_center' });
    expect(checkModal(view)).toEqual([]);
    expect(block(view, FIELD.disposition)!.dispatch_action).toBe(true);
    const dest = block(view, FIELD.transportDestination)!;
    expect(dest).toMatchObject({ optional: false, label: { text: 'Taken to' } });
    expect(dest.element.initial_option).toMatchObject({ value: 'crisis_center' });
    expect((dest.element.options as { value: string }[]).map((o) => o.value)).toEqual(
      DEFAULT_CATEGORIES.transportDestinations.map((c) => c.key),
    );
  });

  it('does not make the outcome redraw the form for a program without transport outcomes', () => {
    const categories = {
      ...DEFAULT_CATEGORIES,
      dispositions: DEFAULT_CATEGORIES.dispositions.filter((c) => !c.transport),
    };
    const view = renderContactModal(buildContactForm({ categories, draft: {} }), SLACK_CTX);
    expect(block(view, FIELD.disposition)!.dispatch_action).toBeUndefined();
    expect(block(view, FIELD.client)!.dispatch_action).toBe(true);
  });

  it('is always there with `always`, labelled for transports only, not marked optional, and the outcome does not redraw', () => {
    const always = { transportDestination: 'always' as const };
    expect(ids({ disposition: 'resolved_on_scene' }, always)).toContain(FIELD.transportDestination);
    const input = inputsOf(renderContactCard(form({}, always), TEAMS_CTX))[FIELD.transportDestination]!;
    expect(input).toMatchObject({ type: 'Input.ChoiceSet', label: 'Taken to (transports only)', style: 'compact' });
    expect(form({}, always).fields.find((f) => f.id === FIELD.disposition)!.reshapesForm).toBeUndefined();
  });
});

describe('demographics', () => {
  it('are asked of new clients only, after sex and age, when the program turns them on', () => {
    const order = ids({ client: NEW_CLIENT }, { demographics: BOTH });
    expect(order.slice(0, 5)).toEqual([FIELD.client, FIELD.sex, FIELD.ageBand, FIELD.raceEthnicity, FIELD.veteran]);
    expect(ids({ client: CLIENT_ID }, { demographics: BOTH })).not.toContain(FIELD.raceEthnicity);
    expect(ids({}, { demographics: BOTH })).not.toContain(FIELD.veteran);
    expect(ids({ client: NEW_CLIENT }, { demographics: { raceEthnicity: false, veteran: true } })).toEqual(
      expect.not.arrayContaining([FIELD.raceEthnicity]),
    );
    expect(ids({ client: NEW_CLIENT }, { demographics: { raceEthnicity: false, veteran: false } })).toEqual(
      ids({ client: NEW_CLIENT }),
    );
  });

  it('offer the OMB SPD 15 minimum categories as one multi-select and veteran status as one choice', () => {
    const view = modal(
      { client: NEW_CLIENT, raceEthnicity: ['asian', 'white'], veteran: 'no' },
      { demographics: BOTH },
    );
    expect(checkModal(view)).toEqual([]);
    const race = block(view, FIELD.raceEthnicity)!;
    expect(race.element.type).toBe('multi_static_select');
    expect((race.element.options as { value: string }[]).map((o) => o.value)).toEqual(RACE_ETHNICITY.map((c) => c.key));
    expect((race.element.initial_options as { value: string }[]).map((o) => o.value)).toEqual(['asian', 'white']);
    const veteran = block(view, FIELD.veteran)!;
    expect(veteran.element.type).toBe('static_select');
    expect((veteran.element.options as { value: string }[]).map((o) => o.value)).toEqual(
      VETERAN_STATUS.map((c) => c.key),
    );
    const card = inputsOf(
      renderContactCard(
        form({ client: NEW_CLIENT }, { demographics: BOTH, transportDestination: 'always' }),
        TEAMS_CTX,
      ),
    );
    expect(card[FIELD.raceEthnicity]).toMatchObject({ isMultiSelect: true, label: 'Race and ethnicity' });
    expect(card[FIELD.veteran]).toMatchObject({ type: 'Input.ChoiceSet', style: 'compact', label: 'Veteran' });
  });
});

describe('reading the new fields back', () => {
  const draft: ContactDraft = {
    client: NEW_CLIENT,
    sex: 'female',
    ageBand: '25-59',
    raceEthnicity: ['black_african_american', 'hispanic_latino'],
    veteran: 'yes',
    disposition: 'involuntary_commitment',
    transportDestination: 'emergency_department',
    onScene: ['police_backup_requested', 'ed_avoided'],
  };

  it('from Slack’s modal state, and nothing ticked reads as nothing said', () => {
    const view = modal(draft, { demographics: BOTH });
    const chosen = {
      client: NEW_CLIENT,
      sex: 'female',
      age_band: '25-59',
      race_ethnicity: draft.raceEthnicity!,
      veteran: 'yes',
      disposition: 'involuntary_commitment',
      transport_destination: 'emergency_department',
      on_scene: draft.onScene!,
    };
    expect(readContactDraft(ZViewState.parse(slackState(view, chosen)))).toMatchObject(draft);
    const none = readContactDraft(ZViewState.parse(slackState(view, { client: NEW_CLIENT })));
    expect(none).not.toHaveProperty('onScene');
    expect(none).not.toHaveProperty('raceEthnicity');
    expect(none).not.toHaveProperty('transportDestination');
  });

  it('from Teams’ card, the way Teams submits the inputs', () => {
    const card = renderContactCard(form(draft, { demographics: BOTH, transportDestination: 'always' }), TEAMS_CTX);
    expect(inputsOf(card)[FIELD.onScene]!.value).toBe('police_backup_requested,ed_avoided');
    expect(readContactCardDraft(pressAction(card, 'contact_save').data)).toMatchObject(draft);
  });

  it('and validation keeps a destination only for a transport, so a leftover one on Teams is dropped', () => {
    const rules = {
      categories: DEFAULT_CATEGORIES,
      demographics: BOTH,
      timezone: 'America/New_York',
      startDate: '2024-03-01',
      now: new Date('2026-11-20T15:00:00Z'),
    };
    const base = { ...draft, date: '2026-11-20', time: '09:40', source: 'call_for_service' };
    const ok = validateContactDraft(base, rules);
    expect(ok.ok && ok.value.transportDestination).toBe('emergency_department');
    const leftover = validateContactDraft({ ...base, disposition: 'resolved_on_scene' }, rules);
    expect(leftover.ok && leftover.value.transportDestination).toBeNull();
    const missing = validateContactDraft({ ...base, transportDestination: undefined }, rules);
    expect(missing.ok ? {} : missing.errors).toEqual({
      [FIELD.transportDestination]: 'Choose where the person was taken.',
    });
  });
});
