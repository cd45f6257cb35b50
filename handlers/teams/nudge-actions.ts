// Acting on a follow-up nudge from its card: Log follow-up (a contact form with the client chosen),
// Tried no answer, Snooze, Done, Reassign. The card is replaced in place by the invoke's answer: the
// nudge as it now is, or, pressed in the "followups" list, the whole list drawn again (the entry gone
// once settled) under a line saying what was done. No channel noise.
import type { App } from '@microsoft/teams.apps';
import { z } from 'zod';
import type { CarelogDeps } from '../../src/deps.js';
import { SNOOZE_CHOICES } from '../../src/domain/followups.js';
import {
  actOnFollowUp,
  clientCodeForFollowUp,
  mayWorkFollowUps,
  type TFollowUpAction,
} from '../../src/services/followup-actions.js';
import { NUDGE_ACTION } from '../../src/views/nudge.js';
import { teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, cardResponse, messageResponse } from '../../src/platforms/teams/cards.js';
import { newContactFormCard } from '../../src/platforms/teams/contact-form.js';
import { followUpListCard } from '../../src/platforms/teams/lists.js';
import { listNotice } from '../../src/views/list-notice.js';
import { renderNudgeCard, ZNudgeCardData, type TNudgeCardData } from '../../src/platforms/teams/nudge-card.js';
import { refusalText } from '../../src/services/access.js';

const NOT_A_MEMBER = 'Only members of your co-responder team can work follow-ups in carelog.';
/** Log follow-up pressed on a card shown outside the person's 1:1 chat with carelog. */
export const LOG_IN_PRIVATE_CHAT =
  'For privacy, carelog opens the contact form only in your private chat with it. Press Log follow-up on the nudge there.';

function actionData(activity: unknown): unknown {
  return (activity as { value?: { action?: { data?: unknown } } })?.value?.action?.data;
}

/** The value of the input an action names (the snooze choice, the person to reassign to). */
function chosen(raw: unknown, data: TNudgeCardData): string | undefined {
  if (!data.input) return undefined;
  const v = z.record(z.string(), z.unknown()).safeParse(raw);
  const value = v.success ? v.data[data.input] : undefined;
  return typeof value === 'string' && value.length <= 100 ? value : undefined;
}

export function register(app: App, deps: CarelogDeps): void {
  const handle =
    (read: (data: TNudgeCardData, raw: unknown) => TFollowUpAction | null) => async (ctx: { activity: unknown }) => {
      const { member } = teamsActor(deps, ctx.activity);
      if (!mayWorkFollowUps(member)) return messageResponse(refusalText(deps, NOT_A_MEMBER));
      const raw = actionData(ctx.activity);
      const data = ZNudgeCardData.safeParse(raw);
      if (!data.success) return messageResponse('That button is not carelog’s.');
      const action = read(data.data, raw);
      if (!action) return messageResponse('Choose an option first.');
      const result = await actOnFollowUp(deps, member, data.data.ref, action);
      // From the list, about an entry (not a refused choice, which changes nothing): the list again.
      if (data.data.list && result.message) {
        const notice = listNotice(result.message, result.ok ? undefined : result.error);
        return cardResponse((await followUpListCard(deps, member, notice)).card);
      }
      if (result.message)
        return cardResponse(
          renderNudgeCard(result.ok ? result.message : { ...result.message, outcome: result.error }, data.data.nudge),
        );
      return messageResponse(result.ok ? 'Done.' : result.error);
    };

  app.on(
    `card.action.${NUDGE_ACTION.done}`,
    handle(() => ({ kind: 'done' })),
  );
  app.on(
    `card.action.${NUDGE_ACTION.attempt}`,
    handle(() => ({ kind: 'attempt' })),
  );
  app.on(
    `card.action.${NUDGE_ACTION.snooze}`,
    handle((data, raw) => {
      const choice = SNOOZE_CHOICES.find((c) => c.key === chosen(raw, data))?.key;
      return choice ? { kind: 'snooze', choice } : null;
    }),
  );
  app.on(
    `card.action.${NUDGE_ACTION.reassign}`,
    handle((data, raw) => {
      const to = chosen(raw, data);
      return to ? { kind: 'reassign', toPlatformUserId: to.toLowerCase() } : null;
    }),
  );
  app.on(`card.action.${NUDGE_ACTION.log}`, async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    if (!program || !mayWorkFollowUps(member)) return messageResponse(refusalText(deps, NOT_A_MEMBER));
    // The form would be sent where the button was pressed: in a group chat or channel, others see it.
    if (!personal) return messageResponse(LOG_IN_PRIVATE_CHAT);
    const data = ZNudgeCardData.safeParse(actionData(ctx.activity));
    if (!data.success) return messageResponse('That button is not carelog’s.');
    const code = await clientCodeForFollowUp(deps, member, data.data.ref);
    await ctx.send(cardMessage(await newContactFormCard(deps, { program, member }, code ?? ''), 'Log a contact'));
    return messageResponse('The contact form is below.');
  });
}
