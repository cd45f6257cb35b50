// "roster" in an admin's 1:1 chat with carelog: the roster card, and Apply on it. A refusal redraws
// the card with the message and the inputs as sent; a change redraws it with the new list.
import type { App } from '@microsoft/teams.apps';
import { z } from 'zod';
import type { CarelogDeps } from '../../src/deps.js';
import { commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, cardResponse, messageResponse, textMessage } from '../../src/platforms/teams/cards.js';
import {
  readRosterCard,
  renderRosterCard,
  ROSTER_VERB,
  ZRosterCardData,
} from '../../src/platforms/teams/roster-card.js';
import { changeRoster, mayManageRoster, rosterView } from '../../src/services/roster.js';
import { NOT_AN_ADMIN, ROSTER_ACTIONS, rosterIntro } from '../../src/views/roster.js';
import { PRIVATE_CHAT_ONLY } from './contact.js';
import { refusalText } from '../../src/services/access.js';

export const ROSTER_MESSAGE = commandPattern('roster');

const ZFrom = z.object({ from: z.object({ name: z.string().max(200).optional() }) });

export function register(app: App, deps: CarelogDeps): void {
  app.message(ROSTER_MESSAGE, async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    if (!program || !mayManageRoster(member)) {
      await ctx.send(textMessage(refusalText(deps, NOT_AN_ADMIN)));
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const view = await rosterView(deps, program.id);
    await ctx.send(cardMessage(renderRosterCard(view), rosterIntro(view)));
  });

  app.on(`card.action.${ROSTER_VERB}`, async (ctx) => {
    const { program, member } = teamsActor(deps, ctx.activity);
    if (!program || !mayManageRoster(member)) return messageResponse(refusalText(deps, NOT_AN_ADMIN));
    const raw = (ctx.activity as { value?: { action?: { data?: unknown } } }).value?.action?.data;
    const data = ZRosterCardData.safeParse(raw);
    if (!data.success || data.data.programId !== program.id) return messageResponse('That card is not carelog’s.');
    const input = readRosterCard(data.data);
    const action = ROSTER_ACTIONS.find((a) => a.value === input.action)?.value;
    const shown = { ...(await rosterView(deps, program.id)), version: data.data.version };
    if (!action) return cardResponse(renderRosterCard(shown, { error: 'Choose what to do.', kept: input }));
    const adminName = ZFrom.safeParse(ctx.activity).data?.from.name;
    const result = await changeRoster(
      deps,
      member,
      { version: data.data.version, action, userId: input.userId, roles: input.roles },
      adminName ? { adminName } : {},
    );
    if (!result.ok) return cardResponse(renderRosterCard(shown, { error: result.error, kept: input }));
    return cardResponse(renderRosterCard(result.view));
  });
}
