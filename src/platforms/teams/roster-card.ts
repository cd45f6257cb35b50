// The roster (src/views/roster.ts) as an Adaptive Card in an admin's 1:1 chat with carelog: the
// members with their roles, a people picker, roles and what to do, and Apply (Action.Execute). The
// answer replaces the card: the new list, or the refusal above the inputs as they were sent.
import type { IAdaptiveCard } from '@microsoft/teams.cards';
import { z } from 'zod';
import { ROLE_OPTIONS, ROSTER_ACTIONS, rolesText, rosterIntro, type RosterView } from '../../views/roster.js';
import { adaptiveCard, text } from './cards.js';
import { PEOPLE_DATASET } from './contact-card.js';

export const ROSTER_VERB = 'roster_apply';
export const ROSTER_CARD_INPUT = { person: 'roster_person', roles: 'roster_roles', action: 'roster_action' } as const;
/** Beyond this the list is counted, not drawn (a Teams message holds about 28 KB). */
const MAX_LISTED = 60;

/** What Apply sends: the card's data and the inputs, merged by Teams. */
export const ZRosterCardData = z.object({
  action: z.literal(ROSTER_VERB),
  programId: z.string().max(64),
  version: z.number().int().nonnegative(),
  [ROSTER_CARD_INPUT.person]: z.string().max(64).optional(),
  [ROSTER_CARD_INPUT.roles]: z.string().max(400).optional(),
  [ROSTER_CARD_INPUT.action]: z.string().max(32).optional(),
});
export type TRosterCardData = z.infer<typeof ZRosterCardData>;

export function readRosterCard(data: TRosterCardData): {
  userId: string | undefined;
  roles: string[];
  action: string | undefined;
} {
  return {
    userId: data[ROSTER_CARD_INPUT.person] || undefined,
    roles: (data[ROSTER_CARD_INPUT.roles] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    action: data[ROSTER_CARD_INPUT.action] || undefined,
  };
}

export function renderRosterCard(
  view: RosterView,
  opts: { error?: string; kept?: { userId?: string | undefined; roles?: string[]; action?: string | undefined } } = {},
): IAdaptiveCard {
  const members = view.members.filter((m) => m.platform === 'teams');
  const others = view.members.length - members.length;
  const kept = opts.kept ?? {};
  const body: IAdaptiveCard['body'] = [text('Team roster', { weight: 'Bolder', size: 'Medium' })];
  if (opts.error) body.push(text(opts.error, { color: 'Attention', id: 'roster_error' }));
  else if (view.outcome) body.push(text(view.outcome, { color: 'Good', id: 'roster_outcome' }));
  body.push(text(rosterIntro(view)));
  body.push({
    type: 'FactSet',
    facts: members.slice(0, MAX_LISTED).map((m) => ({ title: m.platformUserId, value: rolesText(m.roles) })),
  });
  if (members.length > MAX_LISTED) body.push(text(`…and ${members.length - MAX_LISTED} more`, { isSubtle: true }));
  if (others) body.push(text(`${others} on Slack (their admins manage them there).`, { isSubtle: true }));
  body.push(
    {
      type: 'Input.ChoiceSet',
      id: ROSTER_CARD_INPUT.person,
      label: 'Person',
      style: 'filtered',
      placeholder: 'Search for a person',
      isRequired: true,
      errorMessage: 'Choose a person.',
      choices: kept.userId ? [{ title: kept.userId, value: kept.userId }] : [],
      'choices.data': { type: 'Data.Query', dataset: PEOPLE_DATASET },
      ...(kept.userId ? { value: kept.userId } : {}),
    },
    {
      type: 'Input.ChoiceSet',
      id: ROSTER_CARD_INPUT.roles,
      label: 'Roles (to add a person or change roles)',
      isMultiSelect: true,
      choices: ROLE_OPTIONS.map((o) => ({ title: o.label, value: o.value })),
      ...(kept.roles?.length ? { value: kept.roles.join(',') } : {}),
    },
    {
      type: 'Input.ChoiceSet',
      id: ROSTER_CARD_INPUT.action,
      label: 'What to do',
      style: 'expanded',
      choices: ROSTER_ACTIONS.map((a) => ({ title: a.label, value: a.value })),
      value: kept.action ?? ROSTER_ACTIONS[0].value,
    },
  );
  const data: TRosterCardData = { action: ROSTER_VERB, programId: view.programId, version: view.version };
  return adaptiveCard(body, [{ type: 'Action.Execute', title: 'Apply', verb: ROSTER_VERB, data }]);
}
