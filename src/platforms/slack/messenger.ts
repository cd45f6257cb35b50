// Slack's side of sending nudges: a DM with the nudge id in message metadata, so that after a
// crash the message can be found in the DM's history instead of being sent twice.
import type { WebClient } from '@slack/web-api';
import { RecipientUnreachableError, type Messenger, type SentMessage } from '../../services/messenger.js';
import type { DigestView } from '../../views/digest.js';
import type { NudgeMessage } from '../../views/nudge.js';
import { renderDigestBlocks } from './digest-blocks.js';
import { slackMention } from './mention.js';
import { renderNudgeBlocks } from './nudge-blocks.js';
import { renderReferralBlocks } from './referral-blocks.js';

export const NUDGE_EVENT_TYPE = 'carelog_nudge';
export const DIGEST_EVENT_TYPE = 'carelog_digest';
export const REFERRAL_CHECK_EVENT_TYPE = 'carelog_referral_check';
export const CHART_FILENAME = 'new-clients-by-quarter.png';

export { slackMention };

/** Slack errors that mean this person cannot get a DM from carelog, now or on retry. */
const UNREACHABLE = new Set([
  'user_not_found',
  'user_disabled',
  'account_inactive',
  'cannot_dm_bot',
  'channel_not_found',
  'is_archived',
  'messages_tab_disabled',
  'user_not_visible',
  'not_in_channel',
]);

function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}

async function unreachableAware<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = slackErrorCode(err);
    if (code && UNREACHABLE.has(code)) throw new RecipientUnreachableError(code);
    throw err;
  }
}

/** How far back a crash-recovery lookup reads: pages of 200, newest first. */
export const HISTORY_PAGE = 200;
export const HISTORY_PAGES = 10;

/**
 * Finds carelog's own message by its metadata in a channel's history, newest first, page by page
 * (a busy team channel may have moved on by hundreds of messages before a digest run is taken
 * over). Stops at the first hit or after HISTORY_PAGES pages.
 */
async function findInHistory(
  client: WebClient,
  channel: string,
  matches: (payload: Record<string, unknown> | undefined) => boolean,
): Promise<SentMessage | null> {
  let cursor: string | undefined;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const res = await client.conversations.history({
      channel,
      limit: HISTORY_PAGE,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    const hit = (res.messages ?? []).find((m) =>
      matches((m as { metadata?: { event_payload?: Record<string, unknown> } }).metadata?.event_payload),
    );
    if (hit?.ts) return { channel, ts: hit.ts };
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return null;
  }
  return null;
}

export function createSlackMessenger(client: WebClient): Messenger {
  // A bot's DM channel with a person does not change, so it is opened once per process and person
  // (one Web API call per nudge instead of two). The crash-recovery lookup opens it afresh, and a
  // send that fails forgets it.
  const dmChannels = new Map<string, string>();
  const openDm = async (user: string) => {
    const res = await client.conversations.open({ users: user });
    const id = res.channel?.id;
    if (!id) throw new RecipientUnreachableError('channel_not_found');
    dmChannels.set(user, id);
    return id;
  };
  const post = (
    recipient: string,
    body: { text: string; blocks?: unknown[] },
    nudgeId: string,
    metadata = { event_type: NUDGE_EVENT_TYPE, event_payload: { nudge_id: nudgeId } as Record<string, string> },
  ) =>
    unreachableAware(async (): Promise<SentMessage> => {
      const channel = dmChannels.get(recipient) ?? (await openDm(recipient));
      try {
        const res = await client.chat.postMessage({
          channel,
          text: body.text,
          ...(body.blocks ? { blocks: body.blocks as never } : {}),
          metadata,
        });
        return { channel: res.channel ?? channel, ts: res.ts! };
      } catch (err) {
        dmChannels.delete(recipient);
        throw err;
      }
    });
  return {
    mention: slackMention,
    sendNudge: (recipient, message, nudgeId) =>
      post(recipient, { text: message.text, blocks: renderNudgeBlocks(message) }, nudgeId),
    sendText: (recipient, text, nudgeId) => post(recipient, { text }, nudgeId),
    async findNudge(recipient, nudgeId) {
      return unreachableAware(async () => {
        const channel = await openDm(recipient);
        return findInHistory(client, channel, (payload) => payload?.nudge_id === nudgeId);
      });
    },
    sendReferralCheck: (recipient, message, checkId) =>
      post(recipient, { text: message.text, blocks: renderReferralBlocks(message) }, checkId, {
        event_type: REFERRAL_CHECK_EVENT_TYPE,
        event_payload: { check_id: checkId },
      }),
    async findReferralCheck(recipient, checkId) {
      return unreachableAware(async () => {
        const channel = await openDm(recipient);
        return findInHistory(client, channel, (payload) => payload?.check_id === checkId);
      });
    },
    async updateReferralCheck(sent, message) {
      await client.chat.update({
        channel: sent.channel,
        ts: sent.ts,
        text: message.text,
        blocks: renderReferralBlocks(message),
      });
    },
    async postDigest(channel, view: DigestView, chartPng, runId) {
      const res = await client.chat.postMessage({
        channel,
        text: `${view.title}: ${view.summary}`,
        blocks: renderDigestBlocks(view),
        metadata: { event_type: DIGEST_EVENT_TYPE, event_payload: { run_id: runId } },
      });
      const ts = res.ts!;
      const posted = res.channel ?? channel;
      if (chartPng) {
        // The chart goes in the digest's thread, so it stays with the figures it draws. The digest
        // is posted by now: a failed upload must not make a retry post it a second time.
        try {
          await client.filesUploadV2({
            channel_id: posted,
            thread_ts: ts,
            file: chartPng,
            filename: CHART_FILENAME,
            title: 'New clients by quarter',
          });
        } catch {
          return { channel: posted, ts, chartFailed: true };
        }
      }
      return { channel: posted, ts };
    },
    findDigest: (channel, runId) => findInHistory(client, channel, (payload) => payload?.run_id === runId),
    async attachToDigest(digest, file) {
      const res = await client.filesUploadV2({
        channel_id: digest.channel,
        thread_ts: digest.ts,
        file: file.bytes,
        filename: file.filename,
        title: file.title,
        initial_comment: file.comment,
      });
      const completions = (res as { files?: { files?: { id?: string }[] }[] }).files ?? [];
      const fileId = completions.flatMap((c) => c.files ?? [])[0]?.id;
      if (!fileId) throw new Error('Slack completed the upload without a file id');
      return { fileId };
    },
    async findDigestAttachment(digest, filename) {
      // carelog's own file in the digest's thread, by name: the thread holds the digest, its chart
      // and this file, so a page or two at most.
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const res = await client.conversations.replies({
          channel: digest.channel,
          ts: digest.ts,
          limit: HISTORY_PAGE,
          ...(cursor ? { cursor } : {}),
        });
        for (const m of res.messages ?? []) {
          const hit = (m.files ?? []).find((f) => f.name === filename && f.id);
          if (hit?.id) return { fileId: hit.id };
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) return null;
      }
      return null;
    },
    async updateNudge(sent, message: NudgeMessage) {
      await client.chat.update({
        channel: sent.channel,
        ts: sent.ts,
        text: message.text,
        blocks: renderNudgeBlocks(message),
      });
    },
  };
}
