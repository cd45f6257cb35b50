// The Slack modal for the contact form: within Slack's Block Kit limits, shaped by the draft, and
// read back into the same draft it was drawn from.
import type { View } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import { DEFAULT_CATEGORIES, type TCategories, type TCategory } from '../../src/domain/categories.js';
import {
  CONTACT_VIEW_CALLBACK,
  NEW_CLIENT_LABEL,
  ZViewState,
  clientOptions,
  readContactDraft,
  readContactMetadata,
  renderContactModal,
  type RenderContext,
} from '../../src/platforms/slack/contact-modal.js';
import { buildContactForm } from '../../src/views/contact-form.js';
import { FIELD, NEW_CLIENT, NOTES_MAX_LENGTH, type ContactDraft } from '../../src/domain/contact-draft.js';
import { checkModal, LIMITS } from '../support/block-kit-limits.js';

const CTX: RenderContext = {
  timezone: 'America/New_York',
  metadata: { programId: 'wilmington', channelId: 'C0456DEF' },
};
const CLIENT_ID = '6f1c2a9e-3b4d-4c5e-8f70-123456789abc';

type TBlock = { type: string; block_id: string; element: Record<string, unknown> & { type: string } };

function render(
  draft: ContactDraft,
  categories: TCategories = DEFAULT_CATEGORIES,
  ctx: Partial<RenderContext> = {},
  notice?: string,
): View {
  return renderContactModal(buildContactForm({ categories, draft, ...(notice ? { notice } : {}) }), { ...CTX, ...ctx });
}

function blocksOf(view: View): TBlock[] {
  return view.blocks as unknown as TBlock[];
}

function blockIds(view: View): string[] {
  return blocksOf(view).map((b) => b.block_id);
}

const FULL_NEW_CLIENT: ContactDraft = {
  client: NEW_CLIENT,
  clientLabel: NEW_CLIENT_LABEL,
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
  followUpAssignee: 'U0CASE1',
  notes: 'Agreed to a call on Tuesday.\nPrefers mornings.',
};

const FULL_EXISTING_CLIENT: ContactDraft = {
  ...FULL_NEW_CLIENT,
  client: CLIENT_ID,
  clientLabel: 'PIC-0042',
  sex: undefined,
  ageBand: undefined,
};
delete FULL_EXISTING_CLIENT.sex;
delete FULL_EXISTING_CLIENT.ageBand;

/** Categories with `count` choices in every list, each label `labelLength` characters long. */
function categoriesOf(count: number, labelLength: number): TCategories {
  const list = (prefix: string): TCategory[] =>
    Array.from({ length: count }, (_, i) => {
      const key = `${prefix}_${String(i).padStart(3, '0')}`;
      return { key, label: `${key} `.padEnd(labelLength, 'x'), part2: false };
    });
  return {
    sources: list('source'),
    services: list('service'),
    referrals: list('referral'),
    dispositions: list('disposition'),
    sex: list('sex'),
    ageBands: list('age'),
    onScene: list('on_scene'),
    transportDestinations: list('destination'),
  };
}

/**
 * view.state.values as Slack would report them had the person changed nothing: each element's
 * initial value becomes its selected value.
 */
function stateFromInitialValues(view: View): unknown {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const block of blocksOf(view)) {
    if (block.type !== 'input') continue;
    const el = block.element;
    const actionId = el.action_id as string;
    let value: Record<string, unknown>;
    switch (el.type) {
      case 'external_select':
      case 'static_select':
        value = { selected_option: el.initial_option ?? null };
        break;
      case 'multi_static_select':
      case 'checkboxes':
        value = { selected_options: el.initial_options ?? [] };
        break;
      case 'datepicker':
        value = { selected_date: el.initial_date ?? null };
        break;
      case 'timepicker':
        value = { selected_time: el.initial_time ?? null };
        break;
      case 'users_select':
        value = { selected_user: el.initial_user ?? null };
        break;
      case 'plain_text_input':
      case 'number_input':
        value = { value: el.initial_value ?? null };
        break;
      default:
        throw new Error(`no state shape for ${el.type}`);
    }
    values[block.block_id] = { [actionId]: { type: el.type, ...value } };
  }
  return values;
}

function roundTrip(draft: ContactDraft, ctx: Partial<RenderContext> = {}): ContactDraft {
  return readContactDraft(ZViewState.parse(stateFromInitialValues(render(draft, DEFAULT_CATEGORIES, ctx))));
}

describe('the Block Kit limits checker', () => {
  const good = () => render(FULL_NEW_CLIENT);

  it('finds nothing wrong with the default form', () => {
    expect(checkModal(good())).toEqual([]);
  });

  it('fails a 101st option, a 76-character label and a 151-character value', () => {
    const categories = categoriesOf(100, 75);
    categories.sources.push({ key: 'source_100', label: 'One too many', part2: false });
    categories.services[3] = { key: 'service_003', label: 'y'.repeat(76), part2: false };
    categories.dispositions[0] = { key: 'v'.repeat(151), label: 'Long value', part2: false };
    const problems = checkModal(render({}, categories));
    const at = (field: string) => `blocks[${blockIds(render({}, categories)).indexOf(field)}]`;
    expect(problems).toEqual([
      `${at(FIELD.source)}.element.options: 101 options (max 100)`,
      `${at(FIELD.services)}.element.options[3].text.text: 76 characters (max 75)`,
      `${at(FIELD.disposition)}.element.options[0].value: 151 characters (max 150)`,
    ]);
  });

  it('fails a modal over its own limits', () => {
    const view = good() as View & Record<string, unknown>;
    const blocks = blocksOf(view);
    const long = {
      ...view,
      title: { type: 'plain_text', text: 'Log a contact for a client' },
      submit: { type: 'mrkdwn', text: 'Save' },
      private_metadata: 'm'.repeat(3001),
      callback_id: 'c'.repeat(256),
      blocks: [
        { ...blocks[0]!, block_id: 'b'.repeat(256), label: { type: 'plain_text', text: 'l'.repeat(2001) } },
        {
          ...blocks[1]!,
          block_id: blocks[2]!.block_id,
          element: { ...blocks[1]!.element, action_id: 'a'.repeat(256) },
        },
        ...blocks.slice(2),
        ...Array.from({ length: 100 }, (_, i) => ({
          type: 'section',
          block_id: `s${i}`,
          text: { type: 'mrkdwn', text: 't'.repeat(i === 0 ? 3001 : 1) },
        })),
      ],
    };
    expect(checkModal(long)).toEqual([
      'title.text: 26 characters (max 24)',
      'submit: must be a plain_text object',
      'private_metadata: 3001 characters (max 3000)',
      'callback_id: 256 characters (max 255)',
      `blocks: ${blocks.length + 100} blocks (max 100)`,
      'blocks[0].block_id: 256 characters (max 255)',
      'blocks[0].label.text: 2001 characters (max 2000)',
      'blocks[1].element.action_id: 256 characters (max 255)',
      `blocks[2].block_id: "${blocks[2]!.block_id}" is used twice`,
      `blocks[${blocks.length}].text.text: 3001 characters (max 3000)`,
    ]);
  });

  it('fails an initial option that is not one of the options, and an over-long input or placeholder', () => {
    const view = good();
    const blocks = blocksOf(view);
    const source = blocks.findIndex((b) => b.block_id === FIELD.source);
    const notes = blocks.findIndex((b) => b.block_id === FIELD.notes);
    const client = blocks.findIndex((b) => b.block_id === FIELD.client);
    blocks[source]!.element = {
      ...blocks[source]!.element,
      initial_option: { text: { type: 'plain_text', text: 'Walk-in' }, value: 'walk_in' },
    };
    blocks[notes]!.element = { ...blocks[notes]!.element, max_length: 3001 };
    blocks[client]!.element = {
      ...blocks[client]!.element,
      placeholder: { type: 'plain_text', text: 'p'.repeat(151) },
    };
    expect(checkModal(view)).toEqual([
      `blocks[${client}].element.placeholder.text: 151 characters (max 150)`,
      `blocks[${source}].element.initial_option: not one of the options`,
      `blocks[${notes}].element.max_length: 3001 (max 3000)`,
    ]);
  });
});

describe('renderContactModal', () => {
  it.each([
    ['an empty draft', {}],
    ['a new client', FULL_NEW_CLIENT],
    ['an existing client', FULL_EXISTING_CLIENT],
  ])('keeps the default form for %s within Slack’s limits', (_what, draft) => {
    expect(
      checkModal(
        render(
          draft,
          DEFAULT_CATEGORIES,
          { clientLabel: 'PIC-0042' },
          'No client PIC-9999 in Wilmington Partners in Care.',
        ),
      ),
    ).toEqual([]);
  });

  it('keeps a program with 100 choices of 75-character labels in every list within the limits', () => {
    const categories = categoriesOf(100, 75);
    const draft: ContactDraft = {
      client: NEW_CLIENT,
      sex: 'sex_099',
      ageBand: 'age_000',
      services: categories.services.map((c) => c.key),
    };
    const view = render(draft, categories);
    expect(checkModal(view)).toEqual([]);
    const sources = blocksOf(view).find((b) => b.block_id === FIELD.source)!.element.options as {
      text: { text: string };
    }[];
    expect(sources).toHaveLength(100);
    expect(sources.every((o) => o.text.text.length === 75)).toBe(true);
  });

  it('keeps the largest program carelog.yml accepts within the limits', () => {
    const label = 'L'.repeat(75);
    const list = (prefix: string) =>
      `[${Array.from({ length: 100 }, (_, i) => `{ key: ${prefix}${String(i).padStart(3, '0')}, label: "${label}" }`).join(', ')}]`;
    const yml = `programs:
  - id: wilmington
    name: Wilmington
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    categories:
      sources: ${list('src')}
      services: ${list('svc')}
      referrals: ${list('ref')}
      dispositions: ${list('dis')}
      sex: ${list('sex')}
      ageBands: ${list('age')}
`;
    const program = parseProgramFile(yml, 'carelog.yml')[0]!;
    expect(program.categories.sources).toHaveLength(100);
    expect(checkModal(render({ client: NEW_CLIENT }, program.categories))).toEqual([]);
  });

  it('keeps categories given as bare keys, which become their labels, within the limits', () => {
    const keys = (prefix: string) =>
      `[${Array.from({ length: 100 }, (_, i) => `${prefix}${i}_`.padEnd(75, 'k')).join(', ')}]`;
    const yml = `programs:
  - id: wilmington
    name: Wilmington
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    categories: { sources: ${keys('src')}, services: ${keys('svc')}, sex: ${keys('sex')} }
`;
    const program = parseProgramFile(yml, 'carelog.yml')[0]!;
    expect(program.categories.sources[0]!.label).toHaveLength(75);
    expect(checkModal(render({ client: NEW_CLIENT }, program.categories))).toEqual([]);
  });

  it('describes the modal: callback id, buttons, metadata, block and action ids from the form', () => {
    const view = render(FULL_EXISTING_CLIENT, DEFAULT_CATEGORIES, { clientLabel: 'PIC-0042' });
    expect(view.callback_id).toBe(CONTACT_VIEW_CALLBACK);
    expect(readContactMetadata(view.private_metadata)).toEqual(CTX.metadata);
    for (const block of blocksOf(view)) expect(block.element.action_id).toBe(block.block_id);
    const client = blocksOf(view).find((b) => b.block_id === FIELD.client)!;
    expect(client.element.initial_option).toEqual({
      text: { type: 'plain_text', text: 'PIC-0042', emoji: true },
      value: CLIENT_ID,
    });
  });

  it('shows sex and age for a new client only', () => {
    const newIds = blockIds(render({ client: NEW_CLIENT }));
    expect(newIds).toContain(FIELD.sex);
    expect(newIds).toContain(FIELD.ageBand);
    expect(newIds.indexOf(FIELD.sex)).toBe(newIds.indexOf(FIELD.client) + 1);
    for (const draft of [{ client: CLIENT_ID }, {}]) {
      const ids = blockIds(render(draft));
      expect(ids).not.toContain(FIELD.sex);
      expect(ids).not.toContain(FIELD.ageBand);
    }
  });

  it('puts a notice above the fields', () => {
    const view = render({}, DEFAULT_CATEGORIES, {}, 'No client PIC-9999 in Wilmington Partners in Care.');
    const [first] = view.blocks as unknown as { type: string; text: { text: string } }[];
    expect(first!.type).toBe('section');
    expect(first!.text.text).toContain('No client PIC-9999');
  });

  it('caps the notes at what validation allows', () => {
    const notes = blocksOf(render({})).find((b) => b.block_id === FIELD.notes)!;
    expect(notes.element.max_length).toBe(NOTES_MAX_LENGTH);
  });

  it('drops an initial value that is not on the program’s list rather than break the modal', () => {
    const view = render({ client: NEW_CLIENT, sex: 'retired_key', services: ['crisis_services', 'retired_key'] });
    expect(checkModal(view)).toEqual([]);
    const sex = blocksOf(view).find((b) => b.block_id === FIELD.sex)!;
    expect(sex.element.initial_option).toBeUndefined();
    const services = blocksOf(view).find((b) => b.block_id === FIELD.services)!;
    expect((services.element.initial_options as { value: string }[]).map((o) => o.value)).toEqual(['crisis_services']);
  });
});

describe('readContactDraft', () => {
  it('reads back a new client’s full draft from the modal drawn with it', () => {
    expect(roundTrip(FULL_NEW_CLIENT)).toEqual(FULL_NEW_CLIENT);
  });

  it('reads back an existing client’s full draft, with the code shown for the client', () => {
    expect(roundTrip(FULL_EXISTING_CLIENT, { clientLabel: 'PIC-0042' })).toEqual(FULL_EXISTING_CLIENT);
  });

  it('reads an untouched empty form as an empty draft (empty multi-selects are empty lists)', () => {
    expect(roundTrip({})).toEqual({ services: [] });
  });

  it('reads a partial draft without inventing values', () => {
    const draft: ContactDraft = {
      client: CLIENT_ID,
      clientLabel: 'PIC-0042',
      date: '2026-11-20',
      time: '10:00',
      followUpAssignee: 'U0CASE1',
    };
    expect(roundTrip(draft, { clientLabel: 'PIC-0042' })).toEqual({ ...draft, services: [] });
  });
});

describe('clientOptions', () => {
  const clients = Array.from({ length: 150 }, (_, i) => ({
    id: `id-${i}`,
    code: `PIC-${String(150 - i).padStart(4, '0')}`,
  }));

  it.each(['', 'n', 'NEW', ' new cl ', 'new client'])('offers “New client” first for %j', (query) => {
    const options = clientOptions(clients.slice(0, 3), query);
    expect(options.map((o) => o.value)).toEqual([NEW_CLIENT, 'id-0', 'id-1', 'id-2']);
    expect(options[0]!.text).toMatchObject({ type: 'plain_text', text: NEW_CLIENT_LABEL });
  });

  it.each(['42', 'pic-4', 'newt', 'client'])('does not offer “New client” for %j', (query) => {
    expect(clientOptions(clients.slice(0, 3), query).map((o) => o.value)).toEqual(['id-0', 'id-1', 'id-2']);
  });

  it('never returns more than 100 options', () => {
    const withNew = clientOptions(clients, '');
    expect(withNew).toHaveLength(100);
    expect(withNew[0]!.value).toBe(NEW_CLIENT);
    expect(clientOptions(clients, '0').length).toBeLessThanOrEqual(100);
  });

  it('shows codes, not ids, and keeps every option within Slack’s option limits', () => {
    const options = clientOptions(clients, '');
    expect(options[1]).toMatchObject({ value: 'id-0', text: { text: 'PIC-0150' } });
    for (const o of options) {
      expect([...(o.text as { text: string }).text].length).toBeLessThanOrEqual(LIMITS.optionText);
      expect(o.value!.length).toBeLessThanOrEqual(LIMITS.optionValue);
    }
  });
});
