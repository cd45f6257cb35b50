// Teams' side of sending nudges and digests: proactive messages through the Bot Connector to the
// 1:1 conversation stored when the person first talked to the bot or installed it (or one opened
// for them from their Teams id), and to the program's digest channel.
//
// The crash window (a worker killed after Teams accepted a message, before carelog recorded it) is
// at-least-once on Teams: the Bot Connector offers a bot no way to read its own messages back, so
// findNudge and findDigest find nothing and the taker of an abandoned claim sends again. The copy
// carries the same nudge id and follow-up version, so acting on either applies once (the version is
// compared and set) and the other then says it is out of date. See docs/teams-setup.md, "Nudges on Teams".
import type { Client as ConnectorClient } from '@microsoft/teams.api';
import type { Database } from '../../db/client.js';
import { findConversation, saveConversationId } from '../../services/conversation-refs.js';
import { RecipientUnreachableError, type Messenger, type SentMessage } from '../../services/messenger.js';
import type { NudgeMessage } from '../../views/nudge.js';
import { cardMessage, textMessage } from './cards.js';
import { connectorCall } from './connector.js';
import { digestCardWithinLimit } from './digest-card.js';
import { renderNudgeCard } from './nudge-card.js';
import { renderReferralCard } from './referral-card.js';

/** What the Connector says when the person cannot get the message (removed or blocked the bot, left). */
const UNREACHABLE = [403, 404];

export interface TeamsMessengerOptions {
  db: Pick<Database, 'prisma'>;
  connector: ConnectorClient;
  /** The bot's channel account id, 28:<app id>. */
  botId: string;
}

export function createTeamsMessenger({ db, connector, botId }: TeamsMessengerOptions): Messenger {
  /** The person's 1:1 conversation: stored, or opened now from their Teams id and stored. */
  const conversationFor = async (userId: string): Promise<string> => {
    const ref = await findConversation(db, 'teams', userId);
    // Never talked to carelog nor installed it: Teams gives no way in. The supervisors are told.
    if (!ref) throw new RecipientUnreachableError('no_conversation');
    if (ref.conversationId) return ref.conversationId;
    const created = await connectorCall(
      'creating a conversation',
      () =>
        connector.conversations.create({
          isGroup: false,
          bot: { id: botId },
          members: [{ id: ref.address, role: 'user' }],
          ...(ref.tenantId ? { tenantId: ref.tenantId, channelData: { tenant: { id: ref.tenantId } } } : {}),
        }),
      { unreachableOn: UNREACHABLE },
    );
    await saveConversationId(db, 'teams', userId, created.id);
    return created.id;
  };

  const post = async (
    conversationId: string,
    activity: Parameters<ConnectorClient['conversations']['createActivity']>[1],
    unreachableOn: number[],
  ): Promise<SentMessage> => {
    const res = await connectorCall(
      'a message',
      () => connector.conversations.createActivity(conversationId, activity),
      { unreachableOn },
    );
    return { channel: conversationId, ts: res.id };
  };

  return {
    // A Teams mention is an <at> tag plus a mention entity beside it; carelog's nudges and texts
    // carry none, so they name a person's part in words instead. The digest card mentions the
    // people its view names itself (renderDigestCard), with the entities in the card.
    mention: () => null,
    async sendNudge(recipient, message, nudgeId) {
      const conversationId = await conversationFor(recipient);
      return post(conversationId, cardMessage(renderNudgeCard(message, nudgeId), message.text), UNREACHABLE);
    },
    async sendText(recipient, text) {
      const conversationId = await conversationFor(recipient);
      return post(conversationId, textMessage(text), UNREACHABLE);
    },
    async sendReferralCheck(recipient, message, checkId) {
      const conversationId = await conversationFor(recipient);
      return post(conversationId, cardMessage(renderReferralCard(message, checkId), message.text), UNREACHABLE);
    },
    async updateReferralCheck(sent, message, checkId) {
      await connectorCall('an update', () =>
        connector.conversations.updateActivity(
          sent.channel,
          sent.ts,
          cardMessage(renderReferralCard(message, checkId), message.text),
        ),
      );
    },
    // No history read for bots on Teams: see the top of this file.
    findNudge: () => Promise.resolve(null),
    findReferralCheck: () => Promise.resolve(null),
    findDigest: () => Promise.resolve(null),
    async updateNudge(sent, message: NudgeMessage) {
      await connectorCall('an update', () =>
        connector.conversations.updateActivity(
          sent.channel,
          sent.ts,
          cardMessage(renderNudgeCard(message), message.text),
        ),
      );
    },
    async postDigest(channel, view, chartPng) {
      const { card, chartDropped } = digestCardWithinLimit(view, chartPng, { mention: true });
      // A channel that is gone is not a person to reroute: let the job fail and say so.
      const sent = await post(channel, cardMessage(card, `${view.title}: ${view.summary}`), []);
      return chartDropped ? { ...sent, chartFailed: true } : sent;
    },
  };
}
