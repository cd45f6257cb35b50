// /contact's on-scene group, "Taken to" and demographics end to end on Slack: signed requests into
// the real server, the modal redrawn through the fake Web API, rows read back from Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM_YAML, startHarness, type Harness } from '../support/harness.js';
import {
  clientChosenAction,
  modalButtonAction,
  outcomeChosenAction,
  viewSubmission,
  type ModalValues,
  type OpenedView,
} from '../support/slack-payloads.js';
import { checkModal } from '../support/block-kit-limits.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-NOTE-91d2e the person was taken to St Francis';
// Wilmington asks both demographic questions; Dover (the second program) asks none.
const YAML = PROGRAM_YAML.replace(
  'clientCodePrefix: PIC\n',
  'clientCodePrefix: PIC\n    demographics: { raceEthnicity: true, veteran: true }\n',
);

type TBlock = {
  type: string;
  block_id: string;
  optional?: boolean;
  dispatch_action?: boolean;
  element: Record<string, unknown>;
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW, yaml: YAML });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const blocksOf = (view: Record<string, unknown>) => view.blocks as TBlock[];
const inputIds = (view: Record<string, unknown>) =>
  blocksOf(view)
    .filter((b) => b.type === 'input')
    .map((b) => b.block_id);

async function openForm(userId = 'U0CLIN1', text = ''): Promise<OpenedView> {
  const before = h.slack.calls.length;
  expect((await h.command(userId, text)).status).toBe(200);
  const call = await h.slack.waitFor('views.open', before);
  return { id: `V${before}${Date.now()}`, hash: 'h1', view: call.args.view as Record<string, unknown> };
}

/** Sends a block action and returns the view Slack was asked to show instead. */
async function redrawn(payload: Record<string, unknown>, opened: OpenedView): Promise<OpenedView> {
  const before = h.slack.calls.length;
  expect((await h.interact(payload)).status).toBe(200);
  const update = await h.slack.waitFor('views.update', before);
  expect(update.args).toMatchObject({ view_id: opened.id, hash: opened.hash });
  return { id: opened.id, hash: `${opened.hash}+`, view: update.args.view as Record<string, unknown> };
}

const NEW_CLIENT: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'male',
  age_band: '18-24',
  race_ethnicity: ['black_african_american', 'hispanic_latino'],
  veteran: 'no',
  contact_date: '2026-11-20',
  contact_time: '09:10',
  source: 'call_for_service',
  services: ['crisis_services', 'transport'],
  referrals: ['mental_health_treatment'],
  disposition: 'voluntary_transport',
  on_scene: ['police_backup_requested', 'ed_avoided'],
  notes: CANARY,
};

describe('on-scene items, "Taken to" and demographics on Slack', () => {
  let form: OpenedView;

  it('opens with one optional on-scene group behind More details, none ticked, and neither "Taken to" nor demographics yet', async () => {
    form = await openForm();
    expect(checkModal(form.view)).toEqual([]);
    expect(inputIds(form.view)).not.toContain('on_scene');
    form = await redrawn(modalButtonAction('U0CLIN1', form, 'contact_more_details', {}), form);
    expect(checkModal(form.view)).toEqual([]);
    const ids = inputIds(form.view);
    expect(ids).toContain('on_scene');
    expect(ids).not.toContain('transport_destination');
    expect(ids).not.toContain('race_ethnicity');
    expect(ids).not.toContain('veteran');
    const onScene = blocksOf(form.view).find((b) => b.block_id === 'on_scene')!;
    expect(onScene.optional).toBe(true);
    expect(onScene.element.type).toBe('checkboxes');
    expect(onScene.element.initial_options).toBeUndefined();
    expect((onScene.element.options as { value: string }[]).map((o) => o.value)).toEqual([
      'police_backup_requested',
      'use_of_force',
      'injury',
      'arrest_avoided',
      'ed_avoided',
    ]);
    expect(blocksOf(form.view).find((b) => b.block_id === 'disposition')!.dispatch_action).toBe(true);
  });

  it('asks a new client’s race and ethnicity and veteran status beside sex and age, as the program asks', async () => {
    form = await redrawn(
      clientChosenAction('U0CLIN1', form, { client: NEW_CLIENT.client!, source: 'call_for_service', notes: CANARY }),
      form,
    );
    expect(checkModal(form.view)).toEqual([]);
    const ids = inputIds(form.view);
    expect(ids.slice(0, 5)).toEqual(['client', 'sex', 'age_band', 'race_ethnicity', 'veteran']);
    expect(JSON.stringify(form.view)).not.toContain('CANARY');
  });

  it('leaves the modal alone for an outcome that is not a transport, and adds "Taken to" for one that is', async () => {
    const before = h.slack.callsTo('views.update').length;
    const plain = await h.interact(outcomeChosenAction('U0CLIN1', form, { ...NEW_CLIENT, disposition: 'arrest' }));
    expect(plain.status).toBe(200);
    form = await redrawn(outcomeChosenAction('U0CLIN1', form, NEW_CLIENT), form);
    // One update: the transport's; "Arrest" showed the same fields and changed nothing.
    expect(h.slack.callsTo('views.update')).toHaveLength(before + 1);
    expect(checkModal(form.view)).toEqual([]);
    const ids = inputIds(form.view);
    expect(ids.indexOf('transport_destination')).toBe(ids.indexOf('disposition') + 1);
    const dest = blocksOf(form.view).find((b) => b.block_id === 'transport_destination')!;
    expect(dest.optional).toBe(false);
    expect((dest.element.options as { value: string }[]).map((o) => o.value)).toContain('crisis_center');
    // What was chosen so far is drawn again: the outcome, the boxes ticked, the demographics.
    const el = (id: string) => blocksOf(form.view).find((b) => b.block_id === id)!.element;
    expect(el('disposition').initial_option).toMatchObject({ value: 'voluntary_transport' });
    expect((el('on_scene').initial_options as { value: string }[]).map((o) => o.value)).toEqual([
      'police_backup_requested',
      'ed_avoided',
    ]);
    expect((el('race_ethnicity').initial_options as { value: string }[]).map((o) => o.value)).toEqual([
      'black_african_american',
      'hispanic_latino',
    ]);
    expect(el('veteran').initial_option).toMatchObject({ value: 'no' });
    expect(JSON.stringify(form.view)).not.toContain('CANARY');
  });

  it('refuses a transport without its destination, with the error by the field, storing nothing', async () => {
    const res = await h.interact(viewSubmission('U0CLIN1', form, { ...NEW_CLIENT, transport_destination: undefined }));
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { transport_destination: 'Choose where the person was taken.' },
    });
    expect(await prisma().contact.count()).toBe(0);
  });

  it('refuses a new client without the demographics the program asks, by their fields', async () => {
    const res = await h.interact(
      viewSubmission('U0CLIN1', form, {
        ...NEW_CLIENT,
        transport_destination: 'crisis_center',
        race_ethnicity: [],
        veteran: undefined,
      }),
    );
    const body = res.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['race_ethnicity', 'veteran']);
    expect(await prisma().contact.count()).toBe(0);
  });

  it('stores the on-scene items, the destination and the new client’s demographics, and keeps them out of the DM', async () => {
    const dms = h.slack.callsTo('chat.postMessage').length;
    const res = await h.interact(
      viewSubmission('U0CLIN1', form, { ...NEW_CLIENT, transport_destination: 'crisis_center' }),
    );
    expect(res.json).toEqual({ response_action: 'clear' });
    const c = await prisma().contact.findFirstOrThrow({ include: { client: true } });
    expect(c.disposition).toBe('voluntary_transport');
    expect(c.transportDestination).toBe('crisis_center');
    expect(c.onScene).toEqual(['police_backup_requested', 'ed_avoided']);
    expect(c.client.raceEthnicity).toEqual(['black_african_american', 'hispanic_latino']);
    expect(c.client.veteran).toBe('no');
    const dm = await h.slack.waitFor('chat.postMessage', 0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(dms + 1);
    expect(dm.args.text).toContain('PIC-0001');
    expect(dm.raw).not.toMatch(/crisis|police|backup|ED without|Black|Hispanic|veteran/i);
  });

  it('asks an existing client nothing more, stores no destination for another outcome and no on-scene item when none is ticked', async () => {
    const client = await prisma().client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const opened = await openForm('U0CLIN1', 'PIC-0001');
    const ids = inputIds(opened.view);
    expect(ids).not.toContain('race_ethnicity');
    expect(ids).not.toContain('veteran');
    expect(ids).not.toContain('sex');
    const res = await h.interact(
      viewSubmission('U0CLIN1', opened, {
        client: { value: client.id, text: 'PIC-0001' },
        contact_date: '2026-11-20',
        contact_time: '09:50',
        source: 'proactive_outreach',
        disposition: 'resolved_on_scene',
        // Left over from a transport chosen first: not stored.
        transport_destination: 'home',
      }),
    );
    expect(res.json).toEqual({ response_action: 'clear' });
    const second = await prisma().contact.findFirstOrThrow({ where: { number: 2 }, include: { client: true } });
    expect(second.transportDestination).toBeNull();
    expect(second.onScene).toEqual([]);
    // The client's demographics stay as first recorded.
    expect(second.client.raceEthnicity).toEqual(['black_african_american', 'hispanic_latino']);
  });

  it('redraws the modal with "Taken to" when a transport is saved before the modal showed it, keeping the answers', async () => {
    const opened = await openForm();
    const count = await prisma().contact.count();
    const res = await h.interact(
      viewSubmission('U0CLIN1', opened, {
        ...NEW_CLIENT,
        disposition: 'involuntary_commitment',
        notes: CANARY,
      }),
    );
    const body = res.json as { response_action: string; view: Record<string, unknown> };
    expect(body.response_action).toBe('update');
    expect(checkModal(body.view)).toEqual([]);
    const ids = inputIds(body.view);
    expect(ids.indexOf('transport_destination')).toBe(ids.indexOf('disposition') + 1);
    const notice = blocksOf(body.view).find((b) => b.block_id === 'notice') as unknown as { text: { text: string } };
    expect(notice.text.text).toContain('Taken to: Choose where the person was taken.');
    const el = (id: string) => blocksOf(body.view).find((b) => b.block_id === id)!.element;
    expect(el('disposition').initial_option).toMatchObject({ value: 'involuntary_commitment' });
    expect(el('source').initial_option).toMatchObject({ value: 'call_for_service' });
    // The notes stay in their input on Slack's side; they are not sent back.
    expect(res.text).not.toContain('CANARY');
    expect(await prisma().contact.count()).toBe(count);
  });
});
