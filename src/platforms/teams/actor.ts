// Who is on the other end of a Teams activity: the person (by Entra object id), their program (the
// roster that names them), and where the activity happened. Parsed with zod once, here.
import { z } from 'zod';
import type { ProgramConfig } from '../../config.js';
import type { CarelogDeps } from '../../deps.js';
import type { MemberRef } from '../../services/directory.js';

/**
 * The Bot Framework channel of Microsoft Teams. The same bot registration can be reached through
 * other channels (Web Chat, Direct Line, the Emulator), where `from.aadObjectId` is whatever the
 * client says: only an activity from Teams itself names a roster member.
 */
export const TEAMS_CHANNEL_ID = 'msteams';

const ZActivityParties = z.object({
  channelId: z.string().max(64).optional(),
  from: z.object({ id: z.string().min(1).max(256), aadObjectId: z.string().max(64).optional() }),
  conversation: z.object({
    id: z.string().min(1).max(1024),
    conversationType: z.string().max(32).optional(),
    tenantId: z.string().max(64).optional(),
  }),
  channelData: z
    .object({ tenant: z.object({ id: z.string().max(64) }).optional() })
    .loose()
    .optional(),
});

export interface TeamsActor {
  program: ProgramConfig | undefined;
  member: MemberRef | undefined;
  /** Entra object id, lower-cased. */
  aadObjectId: string | undefined;
  /** The person's Teams id (29:…). */
  address: string | undefined;
  tenantId: string | undefined;
  conversationId: string | undefined;
  /** A 1:1 chat with the bot, where forms and lists may be shown. */
  personal: boolean;
}

const NOBODY: TeamsActor = {
  program: undefined,
  member: undefined,
  aadObjectId: undefined,
  address: undefined,
  tenantId: undefined,
  conversationId: undefined,
  personal: false,
};

export function teamsActor(deps: CarelogDeps, activity: unknown): TeamsActor {
  const parsed = ZActivityParties.safeParse(activity);
  if (!parsed.success) return NOBODY;
  const { channelId, from, conversation, channelData } = parsed.data;
  const aadObjectId = from.aadObjectId?.toLowerCase();
  const tenantId = (conversation.tenantId ?? channelData?.tenant?.id)?.toLowerCase();
  const base = {
    aadObjectId,
    address: from.id,
    tenantId,
    conversationId: conversation.id,
    personal: conversation.conversationType === 'personal',
  };
  const program =
    aadObjectId && channelId === TEAMS_CHANNEL_ID ? deps.directory.programForTeamsUser(aadObjectId) : undefined;
  // A program's people are in its tenant: the same object id arriving from another tenant is not them.
  const expectedTenant = program?.teams.tenantId ?? deps.config.env.TEAMS_TENANT_ID?.toLowerCase();
  if (!program || (expectedTenant && tenantId !== expectedTenant))
    return { ...base, program: undefined, member: undefined };
  return { ...base, program, member: deps.directory.member(program.id, 'teams', aadObjectId!) };
}

/** Leading @mentions, as a channel message carries them (<at>carelog</at> contact). */
const MENTIONS = String.raw`^\s*(?:<at>[^<]{0,200}</at>\s*)*`;

/**
 * A text command: the word at the start of a message, after any @mentions. Routes are chosen on the
 * text as Teams sent it, before the SDK strips mentions, so the pattern allows for them.
 */
export function commandPattern(word: string): RegExp {
  return new RegExp(`${MENTIONS}(?:${word})\\b`, 'i');
}

/** What follows the command word ("PIC-0042" in "contact PIC-0042"). */
export function commandArgument(text: string | undefined, pattern: RegExp): string {
  return (text ?? '').replace(pattern, '').trim();
}
