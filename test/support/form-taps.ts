// The tap model: what filling the contact form costs a person on a phone, counted from the form
// carelog actually sent (a Slack modal or a Teams card), so the e2e tests can hold it to the goal
// (issue 14: at most 9 inputs for a known client, 11 for a new one, a typical contact in 12 taps).
//
// A tap is one touch of the screen. Typing is not counted (a code, a note: the keyboard is the
// same whatever the form). Per input the person has to change:
//   - a single choice (a menu, the client typeahead, the people picker): 2 (open it, pick);
//   - a multiple choice: 2 + one per value (open it, pick each, close the list);
//   - a group of boxes: one per box ticked;
//   - a date or time picker: 2 (open it, pick the day);
//   - a text or number box: 1 (put the cursor in it);
//   - an input already holding the wanted value (a default, a remembered choice): 0.
// A button ("More details", "New client"): 1. Save: 1.
// Scrolling: a phone screen shows INPUTS_PER_SCREEN inputs; reaching the n-th input shown (from 0)
// costs floor(n / INPUTS_PER_SCREEN) swipes, counted once for the furthest input the person needs.
// Slack keeps its Submit button in the modal's header (no swipe); a Teams card's Save is below its
// last input.
import { elementsOf } from './fake-teams.js';

/** Inputs a phone screen shows at once, with their labels (and a short hint): about five. */
export const INPUTS_PER_SCREEN = 5;

export type TInputKind = 'single' | 'multi' | 'boxes' | 'picker' | 'text';

export interface ShownInput {
  id: string;
  kind: TInputKind;
  /** What it holds before the person touches it: a key, keys, a date, a user id. */
  initial: string | string[] | undefined;
}

/** The inputs a Slack modal shows, in order. */
export function slackInputs(view: Record<string, unknown>): ShownInput[] {
  const blocks = view.blocks as { type: string; block_id: string; element?: Record<string, unknown> }[];
  return blocks
    .filter((b) => b.type === 'input' && b.element)
    .map((b) => {
      const e = b.element!;
      const kind: TInputKind = (
        {
          external_select: 'single',
          static_select: 'single',
          users_select: 'single',
          multi_static_select: 'multi',
          checkboxes: 'boxes',
          datepicker: 'picker',
          timepicker: 'picker',
          plain_text_input: 'text',
          number_input: 'text',
        } as Record<string, TInputKind>
      )[String(e.type)]!;
      const opt = (o: unknown) => (o as { value: string } | undefined)?.value;
      const initial =
        opt(e.initial_option) ??
        (Array.isArray(e.initial_options) ? e.initial_options.map(opt) : undefined) ??
        (e.initial_date as string | undefined) ??
        (e.initial_time as string | undefined) ??
        (e.initial_user as string | undefined) ??
        (e.initial_value as string | undefined);
      // A block id is its field id, with ".n" once the input was drawn afresh.
      return { id: b.block_id.split('.')[0]!, kind, initial: initial as ShownInput['initial'] };
    });
}

/** The inputs a Teams card shows, in order: none inside an element drawn hidden (`isVisible: false`). */
export function teamsInputs(card: object): ShownInput[] {
  const hidden = new Set<unknown>();
  for (const e of elementsOf(card))
    if (e.isVisible === false) for (const inner of elementsOf({ body: e.items ?? [] })) hidden.add(inner);
  return elementsOf(card)
    .filter((e) => String(e.type).startsWith('Input.') && !hidden.has(e))
    .map((e) => {
      const multi = e.isMultiSelect === true;
      const kind: TInputKind =
        e.type === 'Input.ChoiceSet'
          ? multi
            ? e.style === 'expanded'
              ? 'boxes'
              : 'multi'
            : 'single'
          : e.type === 'Input.Date' || e.type === 'Input.Time'
            ? 'picker'
            : e.type === 'Input.Toggle'
              ? 'boxes'
              : 'text';
      const v = typeof e.value === 'string' || typeof e.value === 'number' ? String(e.value) : undefined;
      return { id: String(e.id), kind, initial: multi && v ? v.split(',') : v };
    });
}

/** What the person wants in each input they fill: a key, keys, a date, or 'typed' for text. */
export type TWanted = Record<string, string | string[]>;

export interface TapCount {
  taps: number;
  /** Taps per input, swipes and Save, to say where they went when a test fails. */
  detail: Record<string, number>;
}

function same(a: ShownInput['initial'], b: string | string[]): boolean {
  const x = Array.isArray(a) ? [...a].sort() : a;
  const y = Array.isArray(b) ? [...b].sort() : b;
  return JSON.stringify(x) === JSON.stringify(y);
}

/**
 * The taps to fill `wanted` in a form showing `inputs`, then save. `saveAt`: 'top' for Slack's
 * header button, 'bottom' for a Teams card's. `buttons`: buttons pressed on the way (1 each).
 * Every wanted input must be shown: asking for one that is not is a test mistake.
 */
export function countTaps(
  inputs: ShownInput[],
  wanted: TWanted,
  opts: { saveAt: 'top' | 'bottom'; buttons?: string[] },
): TapCount {
  const detail: Record<string, number> = {};
  let furthest = 0;
  for (const [id, value] of Object.entries(wanted)) {
    const at = inputs.findIndex((i) => i.id === id);
    if (at < 0) throw new Error(`the form does not show ${id}`);
    const input = inputs[at]!;
    furthest = Math.max(furthest, at);
    const n = Array.isArray(value) ? value.length : 1;
    detail[id] =
      value !== 'typed' && same(input.initial, value)
        ? 0
        : { single: 2, multi: 2 + n, boxes: n, picker: 2, text: 1 }[input.kind];
  }
  if (opts.saveAt === 'bottom') furthest = Math.max(furthest, inputs.length);
  detail.swipes = Math.floor(furthest / INPUTS_PER_SCREEN);
  for (const b of opts.buttons ?? []) detail[`button ${b}`] = 1;
  detail.save = 1;
  return { taps: Object.values(detail).reduce((a, b) => a + b, 0), detail };
}
