// Interactive payloads shaped as Slack sends them, built from the modal carelog opened.
import { TEAM } from './harness.js';

export interface ModalValues {
  client?: { value: string; text: string };
  sex?: string;
  age_band?: string;
  contact_date?: string;
  contact_time?: string;
  source?: string;
  services?: string[];
  referrals?: string[];
  disposition?: string;
  transport_destination?: string;
  on_scene?: string[];
  race_ethnicity?: string[];
  veteran?: string;
  incident_ref?: string;
  minutes_on_scene?: string;
  follow_up_date?: string;
  follow_up_assignee?: string;
  notes?: string;
}

const opt = (value: string, text = value) => ({ text: { type: 'plain_text', text, emoji: true }, value });

/** view.state.values as Slack reports them for carelog's modal. */
export function stateValues(v: ModalValues): Record<string, Record<string, unknown>> {
  const s: Record<string, Record<string, unknown>> = {};
  const put = (id: string, value: Record<string, unknown>) => {
    s[id] = { [id]: value };
  };
  put('client', { type: 'external_select', selected_option: v.client ? opt(v.client.value, v.client.text) : null });
  if ('sex' in v) put('sex', { type: 'static_select', selected_option: v.sex ? opt(v.sex) : null });
  if ('age_band' in v) put('age_band', { type: 'static_select', selected_option: v.age_band ? opt(v.age_band) : null });
  put('contact_date', { type: 'datepicker', selected_date: v.contact_date ?? null });
  put('contact_time', { type: 'timepicker', selected_time: v.contact_time ?? null });
  put('source', { type: 'static_select', selected_option: v.source ? opt(v.source) : null });
  put('services', { type: 'multi_static_select', selected_options: (v.services ?? []).map((x) => opt(x)) });
  put('referrals', { type: 'multi_static_select', selected_options: (v.referrals ?? []).map((x) => opt(x)) });
  if ('race_ethnicity' in v)
    put('race_ethnicity', {
      type: 'multi_static_select',
      selected_options: (v.race_ethnicity ?? []).map((x) => opt(x)),
    });
  if ('veteran' in v) put('veteran', { type: 'static_select', selected_option: v.veteran ? opt(v.veteran) : null });
  put('disposition', { type: 'static_select', selected_option: v.disposition ? opt(v.disposition) : null });
  if ('transport_destination' in v)
    put('transport_destination', {
      type: 'static_select',
      selected_option: v.transport_destination ? opt(v.transport_destination) : null,
    });
  put('on_scene', { type: 'checkboxes', selected_options: (v.on_scene ?? []).map((x) => opt(x)) });
  put('incident_ref', { type: 'plain_text_input', value: v.incident_ref ?? null });
  put('minutes_on_scene', { type: 'number_input', value: v.minutes_on_scene ?? null });
  put('follow_up_date', { type: 'datepicker', selected_date: v.follow_up_date ?? null });
  put('follow_up_assignee', { type: 'users_select', selected_user: v.follow_up_assignee ?? null });
  put('notes', { type: 'plain_text_input', value: v.notes ?? null });
  return s;
}

export interface OpenedView {
  id: string;
  hash: string;
  view: Record<string, unknown>;
}

/** The block id the view draws a field in: the field id, or with ".n" once drawn afresh. */
export function blockIdOf(view: Record<string, unknown>, fieldId: string): string | undefined {
  const blocks = (view.blocks ?? []) as { block_id?: string }[];
  return blocks.find((b) => b.block_id === fieldId || b.block_id?.startsWith(`${fieldId}.`))?.block_id;
}

/**
 * What an input shows after views.update, as Slack does it: what it held before when its block id
 * (and action id) did not change, whatever the new view's initial value says; else the new view's
 * initial value. `held` is what the input held before the update.
 */
export function shownAfterUpdate<T>(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fieldId: string,
  held: T,
  initialOf: (element: Record<string, unknown>) => T,
): T {
  const id = blockIdOf(after, fieldId);
  if (id && id === blockIdOf(before, fieldId)) return held;
  const block = ((after.blocks ?? []) as { block_id?: string; element?: Record<string, unknown> }[]).find(
    (b) => b.block_id === id,
  );
  return initialOf(block?.element ?? {});
}

/** state.values keyed by the block ids the view draws, as Slack keys them. */
function keyedByBlock(view: Record<string, unknown>, values: ModalValues) {
  return Object.fromEntries(
    Object.entries(stateValues(values)).map(([field, value]) => [blockIdOf(view, field) ?? field, value]),
  );
}

function viewPayload(opened: OpenedView, values: ModalValues) {
  return {
    id: opened.id,
    team_id: TEAM,
    type: 'modal',
    callback_id: opened.view.callback_id,
    private_metadata: opened.view.private_metadata,
    hash: opened.hash,
    title: opened.view.title,
    blocks: opened.view.blocks,
    state: { values: keyedByBlock(opened.view, values) },
    root_view_id: opened.id,
    app_id: 'A0CARELOG',
    bot_id: 'B0CARELOG',
  };
}

export function viewSubmission(userId: string, opened: OpenedView, values: ModalValues, teamId = TEAM) {
  return {
    type: 'view_submission',
    team: { id: teamId, domain: 'carelog-test' },
    user: { id: userId, username: 'someone', name: 'someone', team_id: teamId },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    trigger_id: `${Date.now()}.2.trigger`,
    view: viewPayload(opened, values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function clientChosenAction(userId: string, opened: OpenedView, values: ModalValues) {
  return {
    type: 'block_actions',
    team: { id: TEAM, domain: 'carelog-test' },
    user: { id: userId, username: 'someone', name: 'someone', team_id: TEAM },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    container: { type: 'view', view_id: opened.id },
    trigger_id: `${Date.now()}.3.trigger`,
    view: viewPayload(opened, values),
    actions: [
      {
        type: 'external_select',
        action_id: 'client',
        block_id: 'client',
        selected_option: values.client ? opt(values.client.value, values.client.text) : null,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
    is_enterprise_install: false,
  };
}

/** The outcome chosen in the modal (its input block dispatches the choice). */
export function outcomeChosenAction(userId: string, opened: OpenedView, values: ModalValues) {
  return {
    ...clientChosenAction(userId, opened, values),
    actions: [
      {
        type: 'static_select',
        action_id: 'disposition',
        block_id: 'disposition',
        selected_option: values.disposition ? opt(values.disposition) : null,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export function clientSuggestion(userId: string, opened: OpenedView, query: string, teamId = TEAM) {
  return {
    type: 'block_suggestion',
    user: { id: userId, username: 'someone', name: 'someone', team_id: teamId },
    team: { id: teamId, domain: 'carelog-test' },
    container: { type: 'view', view_id: opened.id },
    api_app_id: 'A0CARELOG',
    token: 'deprecated',
    action_id: 'client',
    block_id: 'client',
    value: query,
    view: viewPayload(opened, {}),
  };
}

/** A button pressed in the modal ("More details"), with what the inputs hold at that moment. */
export function modalButtonAction(userId: string, opened: OpenedView, actionId: string, values: ModalValues) {
  return {
    ...clientChosenAction(userId, opened, values),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: actionId,
        value: 'show',
        text: { type: 'plain_text', text: 'More details' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}
