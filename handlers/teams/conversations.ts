// Remembers how to reach roster members proactively: their 1:1 conversation with the bot when they
// first write to it or install it, or their Teams id when they are added to a team the bot is in
// (a 1:1 conversation is then opened on the first nudge). Only roster members are remembered.
// Uninstalling forgets them: their nudges go to the supervisors until they return.
import type { App } from '@microsoft/teams.apps';
import { z } from 'zod';
import type { CarelogDeps } from '../../src/deps.js';
import { forgetConversation, rememberConversation } from '../../src/services/conversation-refs.js';
import { teamsActor } from '../../src/platforms/teams/actor.js';
import { deliverWelcome } from '../../src/services/roster.js';

const ZMembersAdded = z.object({
  membersAdded: z
    .array(z.object({ id: z.string().min(1).max(256), aadObjectId: z.string().max(64).optional() }))
    .max(500)
    .optional(),
});
const ZInstallation = z.object({ action: z.string().max(32).optional() });

async function remember(deps: CarelogDeps, activity: { type: string }): Promise<void> {
  const store = deps.db;
  const actor = teamsActor(deps, activity);
  if (activity.type === 'installationUpdate') {
    const action = ZInstallation.safeParse(activity).data?.action ?? '';
    if (!actor.member || !actor.personal) return;
    if (action.startsWith('remove')) await forgetConversation(store, 'teams', actor.aadObjectId!);
    else
      await rememberConversation(store, {
        platform: 'teams',
        userId: actor.aadObjectId!,
        address: actor.address!,
        tenantId: actor.tenantId ?? null,
        conversationId: actor.conversationId!,
      });
    if (!action.startsWith('remove')) await deliverWelcome(deps, actor.member.memberId);
    return;
  }
  if ((activity.type === 'message' || activity.type === 'conversationUpdate') && actor.member && actor.personal) {
    await rememberConversation(store, {
      platform: 'teams',
      userId: actor.aadObjectId!,
      address: actor.address!,
      tenantId: actor.tenantId ?? null,
      conversationId: actor.conversationId!,
    });
    // Added in chat before carelog could reach them: their welcome goes now, once.
    await deliverWelcome(deps, actor.member.memberId);
  }
  if (activity.type === 'conversationUpdate' && !actor.personal) {
    // Added to a team or group chat the bot is in: known by Teams id until they write to the bot.
    for (const m of ZMembersAdded.safeParse(activity).data?.membersAdded ?? []) {
      const added = m.aadObjectId
        ? teamsActor(deps, { ...activity, from: { id: m.id, aadObjectId: m.aadObjectId } })
        : undefined;
      if (added?.member)
        await rememberConversation(store, {
          platform: 'teams',
          userId: added.aadObjectId!,
          address: m.id,
          tenantId: added.tenantId ?? null,
          conversationId: null,
        });
    }
  }
}

export function register(app: App, deps: CarelogDeps): void {
  app.use(async (ctx) => {
    try {
      await remember(deps, ctx.activity);
    } catch (err) {
      // Not being able to store a reference must not cost the person their answer.
      deps.logger.warn({ err, type: ctx.activity.type }, 'could not store a Teams conversation reference');
    }
    return ctx.next();
  });
}
