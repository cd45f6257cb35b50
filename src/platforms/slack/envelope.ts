// The shape of a Slack request body, checked at the edge before Bolt sees it. Bolt routes a body
// by which fields it has (event, command, actions, type…) and then reads the fields that kind
// must carry: a signed body without them made Bolt throw before any listener ran (a 500, for an
// input error), and a workspace id such as "toString" reached a plain-object lookup inside Bolt.
// Only what Bolt and carelog's handlers read is checked; everything else passes untouched.
import { z } from 'zod';

/** Slack workspace (T…) and Enterprise Grid (E…) ids. */
const ZTeamId = z.string().regex(/^[TE][A-Z0-9]{1,30}$/);
const ZUserId = z.string().min(1).max(64);
const ZOptionalString = z.string().optional();

const ZTeam = z.object({ id: ZTeamId, enterprise_id: ZTeamId.nullish() }).nullish();
const ZEnterprise = z.object({ id: ZTeamId }).nullish();
const ZUser = z.object({ id: ZUserId, team_id: ZTeamId.optional() });
const ZChannel = z.object({ id: z.string() }).optional();
const ZOption = z.object({ value: z.string() }).nullish();

const ZView = z.object({
  id: z.string().min(1),
  hash: ZOptionalString,
  callback_id: ZOptionalString,
  private_metadata: ZOptionalString,
  app_installed_team_id: ZTeamId.optional(),
  state: z.object({ values: z.record(z.string(), z.unknown()) }).optional(),
});

/** Fields every interactive payload carries; with `team` null, the user's team_id names the workspace. */
const ZInteractive = z
  .object({
    user: ZUser,
    team: ZTeam,
    enterprise: ZEnterprise,
    is_enterprise_install: z.boolean().optional(),
    trigger_id: ZOptionalString,
    response_url: ZOptionalString,
    channel: ZChannel,
  })
  .refine((b) => b.team || b.user.team_id, { error: 'no workspace' });

const ZAction = z.object({
  type: z.string(),
  action_id: z.string().min(1),
  block_id: ZOptionalString,
  value: ZOptionalString,
  selected_option: ZOption,
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
  selected_user: z.string().nullish(),
  selected_date: z.string().nullish(),
});

const ZBlockActions = ZInteractive.and(
  z.object({
    type: z.literal('block_actions'),
    actions: z.array(ZAction).min(1),
    container: z
      .object({
        type: ZOptionalString,
        view_id: ZOptionalString,
        channel_id: ZOptionalString,
        message_ts: ZOptionalString,
        is_ephemeral: z.boolean().optional(),
      })
      .optional(),
    view: ZView.optional(),
  }),
);

const ZViewAction = ZInteractive.and(
  z.object({
    type: z.enum(['view_submission', 'view_closed']),
    view: ZView,
    response_urls: z.array(z.object({ response_url: z.string() })).optional(),
  }),
);

const ZBlockSuggestion = ZInteractive.and(
  z.object({
    type: z.literal('block_suggestion'),
    action_id: z.string(),
    block_id: z.string(),
    value: z.string(),
    view: ZView.optional(),
  }),
);

const ZShortcut = ZInteractive.and(z.object({ type: z.enum(['shortcut', 'message_action']), callback_id: z.string() }));

const ZSlashCommand = z.object({
  command: z.string().min(1),
  user_id: ZUserId,
  team_id: ZTeamId,
  enterprise_id: ZTeamId.optional(),
  channel_id: ZOptionalString,
  text: ZOptionalString,
  trigger_id: ZOptionalString,
  response_url: ZOptionalString,
  is_enterprise_install: ZOptionalString,
});

const ZEventCallback = z.object({
  type: z.literal('event_callback'),
  team_id: ZTeamId.optional(),
  enterprise_id: ZTeamId.nullish(),
  authorizations: z
    .array(
      z.object({
        enterprise_id: ZTeamId.nullish(),
        team_id: ZTeamId.nullish(),
        is_enterprise_install: z.boolean().optional(),
      }),
    )
    .optional(),
  event: z.object({
    type: z.string(),
    user: z.union([ZUserId, z.object({ id: ZUserId })]).optional(),
    channel: z.union([z.string(), z.object({ id: ZOptionalString, creator: ZOptionalString })]).optional(),
    channel_id: ZOptionalString,
    item: z.object({ channel: ZOptionalString }).optional(),
    subteam: z.object({ created_by: ZOptionalString }).optional(),
    tab: ZOptionalString,
  }),
});

/**
 * Whether a parsed body is one Bolt can route safely: in the order Bolt tells the kinds apart, the
 * fields of the kind it will be taken for. Bodies of no kind Bolt knows pass (Bolt ignores them).
 */
export function isRoutableSlackBody(body: Record<string, unknown>): boolean {
  if (body.event !== undefined) return ZEventCallback.safeParse(body).success;
  if (body.command !== undefined) return ZSlashCommand.safeParse(body).success;
  if (body.name !== undefined || body.type === 'block_suggestion') return ZBlockSuggestion.safeParse(body).success;
  if (body.actions !== undefined || body.type === 'dialog_submission') return ZBlockActions.safeParse(body).success;
  if (body.type === 'shortcut' || body.type === 'message_action') return ZShortcut.safeParse(body).success;
  if (body.type === 'view_submission' || body.type === 'view_closed') return ZViewAction.safeParse(body).success;
  return true;
}
