// The roster (src/views/roster.ts) as a Slack modal: the members with their roles, then one form
// to add a person (users_select), change a member's roles or deactivate them. Submitting it
// applies the change and redraws the modal with the new list; a refusal shows beside its field
// with every input kept. private_metadata carries the program and the roster version shown.
import type { ModalView, KnownBlock } from '@slack/types';
import { z } from 'zod';
import { ROLE_OPTIONS, ROSTER_ACTIONS, rolesText, rosterIntro, type RosterView } from '../../views/roster.js';

export const ROSTER_VIEW_CALLBACK = 'roster_submit';
export const ROSTER_BLOCK = { person: 'roster_person', roles: 'roster_roles', action: 'roster_action' } as const;
export const ROSTER_INPUT = { person: 'person', roles: 'roles', action: 'action' } as const;
/** Slack shows at most 100 blocks in a modal: the list is cut, and the count says so. */
const MAX_LISTED = 80;

export const ZRosterMetadata = z.object({ programId: z.string().max(64), version: z.number().int().nonnegative() });

export function readRosterMetadata(raw: string | undefined): z.infer<typeof ZRosterMetadata> | null {
  try {
    const parsed = ZRosterMetadata.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const ZOption = z.object({ value: z.string().max(100) });
export const ZRosterState = z.object({
  [ROSTER_BLOCK.person]: z.object({ [ROSTER_INPUT.person]: z.object({ selected_user: z.string().max(32).nullish() }) }),
  [ROSTER_BLOCK.roles]: z
    .object({ [ROSTER_INPUT.roles]: z.object({ selected_options: z.array(ZOption).max(20).nullish() }) })
    .optional(),
  [ROSTER_BLOCK.action]: z.object({ [ROSTER_INPUT.action]: z.object({ selected_option: ZOption.nullish() }) }),
});

export function readRosterState(state: z.infer<typeof ZRosterState>): {
  userId: string | undefined;
  roles: string[];
  action: string | undefined;
} {
  return {
    userId: state[ROSTER_BLOCK.person][ROSTER_INPUT.person].selected_user ?? undefined,
    roles: (state[ROSTER_BLOCK.roles]?.[ROSTER_INPUT.roles].selected_options ?? []).map((o) => o.value),
    action: state[ROSTER_BLOCK.action][ROSTER_INPUT.action].selected_option?.value,
  };
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

export function renderRosterModal(view: RosterView): ModalView {
  const members = view.members.filter((m) => m.platform === 'slack');
  const others = view.members.length - members.length;
  const lines = members.slice(0, MAX_LISTED).map((m) => `• <@${m.platformUserId}> — ${rolesText(m.roles)}`);
  if (members.length > MAX_LISTED) lines.push(`…and ${members.length - MAX_LISTED} more`);
  if (others) lines.push(`_${others} on Teams (their admins manage them there)._`);
  const blocks: KnownBlock[] = [];
  if (view.outcome)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${view.outcome}` } });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: rosterIntro(view) } });
  // Section text is limited to 3,000 characters: the list goes in several sections.
  for (let i = 0; i < lines.length; i += 20)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.slice(i, i + 20).join('\n') } });
  blocks.push(
    { type: 'divider' },
    {
      type: 'input',
      block_id: ROSTER_BLOCK.person,
      label: plain('Person'),
      element: { type: 'users_select', action_id: ROSTER_INPUT.person, placeholder: plain('Choose a person') },
    },
    {
      type: 'input',
      block_id: ROSTER_BLOCK.roles,
      optional: true,
      label: plain('Roles'),
      hint: plain('Needed to add a person or change roles.'),
      element: {
        type: 'multi_static_select',
        action_id: ROSTER_INPUT.roles,
        placeholder: plain('Choose roles'),
        options: ROLE_OPTIONS.map((o) => ({ text: plain(o.label), value: o.value })),
      },
    },
    {
      type: 'input',
      block_id: ROSTER_BLOCK.action,
      label: plain('What to do'),
      element: {
        type: 'radio_buttons',
        action_id: ROSTER_INPUT.action,
        initial_option: { text: plain(ROSTER_ACTIONS[0].label), value: ROSTER_ACTIONS[0].value },
        options: ROSTER_ACTIONS.map((a) => ({ text: plain(a.label), value: a.value })),
      },
    },
  );
  return {
    type: 'modal',
    callback_id: ROSTER_VIEW_CALLBACK,
    title: plain('Team roster'),
    submit: plain('Apply'),
    close: plain('Close'),
    private_metadata: JSON.stringify({ programId: view.programId, version: view.version }),
    blocks,
  };
}
