// Answering a linkage check from its card: Not yet, Declined and Couldn't reach (Action.Execute,
// answered by replacing the card), and Connected, which opens a dialog (task/fetch) asking the
// date: a dialog is not kept in the chat, so it is the one place a Part 2 category is named. Saving
// the dialog (task/submit) records the date; every copy of the check in the chat is updated in place.
// Pressed in the "referrals" list, an answer is the whole list drawn again (the entry gone once the
// referral is closed, or as it now is) under a line saying what was recorded; Connected from the
// list draws the list message again once the dialog is saved (the task/fetch names it: replyToId).
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { teamsActor } from '../../src/platforms/teams/actor.js';
import { cardResponse, messageResponse } from '../../src/platforms/teams/cards.js';
import {
  CONNECTED_DIALOG,
  CONNECTED_SAVE,
  connectedDialog,
  dialogMessage,
  renderReferralCard,
  ZConnectedDialogData,
  ZConnectedSaveData,
  ZReferralCardData,
} from '../../src/platforms/teams/referral-card.js';
import {
  actOnReferral,
  connectedFormFor,
  mayWorkReferrals,
  NOT_A_REFERRAL_WORKER,
  type TReferralAction,
} from '../../src/services/referral-actions.js';
import { CONNECTED_FIELD, REFERRAL_ACTION } from '../../src/views/referral-check.js';
import { formatDay } from '../../src/views/confirmation.js';
import { listNotice } from '../../src/views/list-notice.js';
import { cardMessage } from '../../src/platforms/teams/cards.js';
import { referralListCard } from '../../src/platforms/teams/lists.js';
import type { MemberRef } from '../../src/services/directory.js';
import type { ReferralCheckMessage } from '../../src/views/referral-check.js';
import { refusalText } from '../../src/services/access.js';

function cardData(activity: unknown): unknown {
  return (activity as { value?: { action?: { data?: unknown } } })?.value?.action?.data;
}

function dialogData(activity: unknown): unknown {
  return (activity as { value?: { data?: unknown } })?.value?.data;
}

/** The message a card action or dialog came from (Teams names it on invokes from a message's card). */
function replyToId(activity: unknown): string | undefined {
  const id = (activity as { replyToId?: unknown })?.replyToId;
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
}

type TUpdateApi = {
  api: {
    conversations: {
      activities(id: string): { update(id: string, activity: ReturnType<typeof cardMessage>): Promise<unknown> };
    };
  };
  activity: { conversation: { id: string } };
};

/** Draws the "referrals" list message `listId` again after a dialog opened from it was saved. Logged, never thrown. */
async function redrawList(
  deps: CarelogDeps,
  ctx: TUpdateApi,
  member: MemberRef,
  listId: string,
  message: ReferralCheckMessage,
): Promise<void> {
  try {
    const list = await referralListCard(deps, member, listNotice(message));
    await ctx.api.conversations
      .activities(ctx.activity.conversation.id)
      .update(listId, cardMessage(list.card, list.intro));
  } catch (err) {
    deps.logger.warn({ err }, 'could not draw a referrals list again');
  }
}

export function register(app: App, deps: CarelogDeps): void {
  const answer = (kind: Exclude<TReferralAction['kind'], 'connected'>) => async (ctx: { activity: unknown }) => {
    const { member } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) return messageResponse(refusalText(deps, NOT_A_REFERRAL_WORKER));
    const data = ZReferralCardData.safeParse(cardData(ctx.activity));
    if (!data.success) return messageResponse('That button is not carelog’s.');
    const result = await actOnReferral(deps, member, data.data.ref, { kind });
    if (data.data.list && result.message) {
      const notice = listNotice(result.message, result.ok ? undefined : result.error);
      return cardResponse((await referralListCard(deps, member, notice)).card);
    }
    if (result.message)
      return cardResponse(
        renderReferralCard(result.ok ? result.message : { ...result.message, outcome: result.error }, data.data.check),
      );
    return messageResponse(result.ok ? 'Recorded.' : result.error);
  };
  app.on(`card.action.${REFERRAL_ACTION.notYet}`, answer('not_yet'));
  app.on(`card.action.${REFERRAL_ACTION.declined}`, answer('declined'));
  app.on(`card.action.${REFERRAL_ACTION.unreachable}`, answer('unreachable'));

  app.on(`dialog.open.${CONNECTED_DIALOG}`, async (ctx) => {
    const { member } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) return dialogMessage(refusalText(deps, NOT_A_REFERRAL_WORKER));
    const data = ZConnectedDialogData.safeParse(dialogData(ctx.activity));
    if (!data.success) return dialogMessage('That button is not carelog’s.');
    const form = await connectedFormFor(deps, member, data.data.ref);
    const listId = data.data.list ? replyToId(ctx.activity) : undefined;
    const from = data.data.list ? { list: true as const, ...(listId ? { listId } : {}) } : {};
    return form.ok ? connectedDialog(form.form, data.data.check, undefined, from) : dialogMessage(form.error);
  });

  app.on(`dialog.submit.${CONNECTED_SAVE}`, async (ctx) => {
    const { member } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) return dialogMessage(refusalText(deps, NOT_A_REFERRAL_WORKER));
    const data = ZConnectedSaveData.safeParse(dialogData(ctx.activity));
    if (!data.success) return dialogMessage('That form is not carelog’s.');
    const on = data.data[CONNECTED_FIELD.date] ?? '';
    const result = await actOnReferral(deps, member, data.data.ref, { kind: 'connected', on });
    if (result.ok) {
      if (data.data.list && data.data.listId) await redrawList(deps, ctx, member, data.data.listId, result.message);
      return dialogMessage(`Recorded as connected on ${formatDay(on)}.`);
    }
    if (!result.field) return dialogMessage(result.error);
    // A date carelog cannot take: the same dialog again, the error under the date.
    const form = await connectedFormFor(deps, member, data.data.ref);
    const from = data.data.list
      ? { list: true as const, ...(data.data.listId ? { listId: data.data.listId } : {}) }
      : {};
    return form.ok ? connectedDialog(form.form, data.data.check, result.error, from) : dialogMessage(form.error);
  });
}
