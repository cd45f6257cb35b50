// Answering a linkage check from its card: Not yet, Declined and Couldn't reach (Action.Execute,
// answered by replacing the card), and Connected, which opens a dialog (task/fetch) asking the
// date: a dialog is not kept in the chat, so it is the one place a Part 2 category is named. Saving
// the dialog (task/submit) records the date; every copy of the check in the chat is updated in place.
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

function cardData(activity: unknown): unknown {
  return (activity as { value?: { action?: { data?: unknown } } })?.value?.action?.data;
}

function dialogData(activity: unknown): unknown {
  return (activity as { value?: { data?: unknown } })?.value?.data;
}

export function register(app: App, deps: CarelogDeps): void {
  const answer = (kind: Exclude<TReferralAction['kind'], 'connected'>) => async (ctx: { activity: unknown }) => {
    const { member } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) return messageResponse(NOT_A_REFERRAL_WORKER);
    const data = ZReferralCardData.safeParse(cardData(ctx.activity));
    if (!data.success) return messageResponse('That button is not carelog’s.');
    const result = await actOnReferral(deps, member, data.data.ref, { kind });
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
    if (!mayWorkReferrals(member)) return dialogMessage(NOT_A_REFERRAL_WORKER);
    const data = ZConnectedDialogData.safeParse(dialogData(ctx.activity));
    if (!data.success) return dialogMessage('That button is not carelog’s.');
    const form = await connectedFormFor(deps, member, data.data.ref);
    return form.ok ? connectedDialog(form.form, data.data.check) : dialogMessage(form.error);
  });

  app.on(`dialog.submit.${CONNECTED_SAVE}`, async (ctx) => {
    const { member } = teamsActor(deps, ctx.activity);
    if (!mayWorkReferrals(member)) return dialogMessage(NOT_A_REFERRAL_WORKER);
    const data = ZConnectedSaveData.safeParse(dialogData(ctx.activity));
    if (!data.success) return dialogMessage('That form is not carelog’s.');
    const on = data.data[CONNECTED_FIELD.date] ?? '';
    const result = await actOnReferral(deps, member, data.data.ref, { kind: 'connected', on });
    if (result.ok) return dialogMessage(`Recorded as connected on ${formatDay(on)}.`);
    if (!result.field) return dialogMessage(result.error);
    // A date carelog cannot take: the same dialog again, the error under the date.
    const form = await connectedFormFor(deps, member, data.data.ref);
    return form.ok ? connectedDialog(form.form, data.data.check, result.error) : dialogMessage(form.error);
  });
}
