// A follow-up nudge (src/views/nudge.ts) as an Adaptive Card: heading, facts, what happened, and
// Log follow-up / Tried, no answer / Snooze / Done / Reassign as Action.Execute. Verbs are the
// view's NUDGE_ACTION ids; every action carries the follow-up reference "<id>:<version>" and the
// nudge id it was sent as.
import type { ActionArray, CardElementArray, IAdaptiveCard, IExecuteAction } from '@microsoft/teams.cards';
import { z } from 'zod';
import { NUDGE_ACTION, type NudgeMessage } from '../../views/nudge.js';
import { adaptiveCard, text } from './cards.js';
import { PEOPLE_DATASET } from './contact-card.js';

/** Input ids inside a nudge (suffixed in a list, where several nudges share one card). */
export const NUDGE_INPUT = {
  snooze: 'nudge_snooze_choice',
  reassign: 'nudge_reassign_to',
} as const;

export const ZNudgeCardData = z.object({
  action: z.enum([
    NUDGE_ACTION.log,
    NUDGE_ACTION.attempt,
    NUDGE_ACTION.snooze,
    NUDGE_ACTION.done,
    NUDGE_ACTION.reassign,
  ]),
  ref: z.string().min(1).max(64),
  /** The Nudge row this card was sent as (absent in lists). */
  nudge: z.uuid().optional(),
  /** Which input holds the choice (snooze and reassign). */
  input: z.string().max(64).optional(),
  /** Pressed in the "followups" list: the answer is the list drawn again. */
  list: z.literal(true).optional(),
});
export type TNudgeCardData = z.infer<typeof ZNudgeCardData>;

function execute(title: string, data: TNudgeCardData, extra: Partial<IExecuteAction> = {}): IExecuteAction {
  return { type: 'Action.Execute', title, verb: data.action, data, ...extra };
}

/** The nudge's elements and actions, for a card of its own or a place in a list. */
export function nudgeParts(
  m: NudgeMessage,
  opts: { nudgeId?: string; suffix?: string; list?: boolean } = {},
): { body: CardElementArray; actions: ActionArray } {
  const body: CardElementArray = [
    text(m.heading, { weight: 'Bolder', size: 'Medium' }),
    { type: 'FactSet', facts: m.facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (m.outcome) body.push(text(m.outcome, { isSubtle: true, id: `nudge_outcome${opts.suffix ?? ''}` }));
  const base = {
    ref: m.ref,
    ...(opts.nudgeId ? { nudge: opts.nudgeId } : {}),
    ...(opts.list ? { list: true as const } : {}),
  };
  const actions: ActionArray = m.actions.map((a) => {
    if (a.id === NUDGE_ACTION.snooze) {
      const inputId = `${NUDGE_INPUT.snooze}${opts.suffix ?? ''}`;
      const options = a.options ?? [];
      return {
        type: 'Action.ShowCard',
        title: a.label,
        card: adaptiveCard(
          [
            {
              type: 'Input.ChoiceSet',
              id: inputId,
              label: 'Snooze for',
              style: 'expanded',
              choices: options.map((o) => ({ title: o.label, value: o.key })),
              ...(options[0] ? { value: options[0].key } : {}),
            },
          ],
          [execute(a.label, { ...base, action: NUDGE_ACTION.snooze, input: inputId })],
        ),
      };
    }
    if (a.id === NUDGE_ACTION.reassign) {
      const inputId = `${NUDGE_INPUT.reassign}${opts.suffix ?? ''}`;
      return {
        type: 'Action.ShowCard',
        title: a.label,
        card: adaptiveCard(
          [
            {
              type: 'Input.ChoiceSet',
              id: inputId,
              label: 'Reassign to',
              style: 'filtered',
              placeholder: 'Search for a person',
              // Empty on purpose: this is Teams' people picker, whose list Teams fills itself from
              // the organisation's directory (the graph.microsoft.com/users dataset) as the person
              // types. Teams documents it so, `choices: []` beside `choices.data`, in 1.5 cards.
              // Microsoft's validator flags both (an empty list; `choices.data` as 1.6), and
              // test/support/card-validator.ts allows exactly these two on a Data.Query input.
              choices: [],
              'choices.data': { type: 'Data.Query', dataset: PEOPLE_DATASET },
            },
          ],
          [execute(a.label, { ...base, action: NUDGE_ACTION.reassign, input: inputId })],
        ),
      };
    }
    return execute(
      a.label,
      { ...base, action: a.id },
      { ...(a.id === NUDGE_ACTION.log ? { style: 'positive' as const } : {}), associatedInputs: 'none' },
    );
  });
  return { body, actions };
}

export function renderNudgeCard(m: NudgeMessage, nudgeId?: string): IAdaptiveCard {
  const { body, actions } = nudgeParts(m, nudgeId ? { nudgeId } : {});
  return adaptiveCard(body, actions);
}
