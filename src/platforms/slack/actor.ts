// Who is on the other end of a Slack request: the program (by workspace) and the roster member.
import { z } from 'zod';
import type { ProgramConfig } from '../../config.js';
import type { CarelogDeps } from '../../deps.js';
import type { MemberRef } from '../../services/directory.js';

// Slash commands carry team_id/user_id; interactive payloads carry team.id/user.id.
const ZIds = z.union([
  z
    .object({ team_id: z.string().optional(), user_id: z.string() })
    .transform((b) => ({ teamId: b.team_id, userId: b.user_id })),
  z
    .object({ team: z.object({ id: z.string() }).nullish(), user: z.object({ id: z.string() }) })
    .transform((b) => ({ teamId: b.team?.id, userId: b.user.id })),
]);

export interface SlackActor {
  program: ProgramConfig | undefined;
  member: MemberRef | undefined;
  userId: string | undefined;
}

export function slackActor(deps: CarelogDeps, body: unknown): SlackActor {
  const ids = ZIds.safeParse(body);
  if (!ids.success) return { program: undefined, member: undefined, userId: undefined };
  const program = deps.directory.programForSlackTeam(ids.data.teamId);
  const member = program ? deps.directory.member(program.id, 'slack', ids.data.userId) : undefined;
  return { program, member, userId: ids.data.userId };
}
