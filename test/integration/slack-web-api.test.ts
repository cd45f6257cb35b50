// src/platforms/slack/web-api.ts: carelog's Slack client against the fake Web API. The hot-path
// methods go as one JSON POST, everything else through Slack's WebClient, and both kinds fail the
// same way, so the messenger and the handlers cannot tell them apart.
import net from 'node:net';
import { ErrorCode } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../src/platforms/slack/simulator.js';
import { CarelogWebClient } from '../../src/platforms/slack/web-api.js';

const slack = new FakeSlackApi();
let client: CarelogWebClient;
let apiUrl: string;
beforeAll(async () => {
  apiUrl = await slack.start();
  client = new CarelogWebClient('xoxb-carelog-test', { slackApiUrl: apiUrl, retries: 2 });
});
afterAll(async () => {
  await client.close();
  await slack.stop();
});

const last = (method: string) => slack.callsTo(method).at(-1)!;

describe('CarelogWebClient', () => {
  it('sends the hot-path methods as JSON with the bot token, and the answer as Slack gave it', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Follow-up due: PIC-0042' } }];
    const res = await client.chat.postMessage({
      channel: 'D0CASE1',
      text: 'due',
      blocks,
      metadata: { event_type: 'carelog_nudge', event_payload: { nudge_id: 'n1' } },
    });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('D0CASE1');
    expect(res.ts).toMatch(/^\d+\.\d+$/);
    const call = last('chat.postMessage');
    expect(call.token).toBe('xoxb-carelog-test');
    expect(JSON.parse(call.raw)).toEqual({
      channel: 'D0CASE1',
      text: 'due',
      blocks,
      metadata: { event_type: 'carelog_nudge', event_payload: { nudge_id: 'n1' } },
    });
    const opened = await client.conversations.open({ users: 'U0CASE1' });
    expect((opened.channel as { id: string }).id).toBe('DU0CASE1');
    expect(JSON.parse(last('conversations.open').raw)).toEqual({ users: 'U0CASE1' });
  });

  it('leaves every other method to WebClient (form-encoded)', async () => {
    await client.conversations.history({ channel: 'D0CASE1', limit: 5, include_all_metadata: true });
    const call = last('conversations.history');
    expect(() => JSON.parse(call.raw) as unknown).toThrow();
    expect(new URLSearchParams(call.raw).get('limit')).toBe('5');
    expect(call.token).toBe('xoxb-carelog-test');
  });

  it('turns ok:false into the platform error WebClient throws, with Slack’s error code', async () => {
    slack.respond('chat.postMessage', () => ({ body: { ok: false, error: 'user_not_found' } }));
    try {
      const err = await client.chat.postMessage({ channel: 'D0GONE', text: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'user_not_found' } });
      expect(String((err as Error).message)).toBe('An API error occurred: user_not_found');
      // WebClient's own path fails the same way.
      slack.respond('conversations.history', () => ({ body: { ok: false, error: 'channel_not_found' } }));
      const viaWebClient = await client.conversations.history({ channel: 'D0GONE' }).catch((e: unknown) => e);
      expect(viaWebClient).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'channel_not_found' } });
    } finally {
      slack.respond('chat.postMessage', () => undefined);
      slack.respond('conversations.history', () => undefined);
    }
  });

  it('waits out a 429 for its Retry-After, then sends once more', async () => {
    const at: number[] = [];
    slack.respond('views.open', () => {
      at.push(Date.now());
      return at.length === 1
        ? { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } }
        : undefined;
    });
    try {
      const res = await client.views.open({
        trigger_id: 't1',
        view: { type: 'modal', title: { type: 'plain_text', text: 'Log a contact' }, blocks: [] },
      });
      expect(res.ok).toBe(true);
      expect(at).toHaveLength(2);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    } finally {
      slack.respond('views.open', () => undefined);
    }
  });

  it('fails at once, as rate limited, when Retry-After is longer than it will wait', async () => {
    const short = new CarelogWebClient('xoxb-carelog-test', { slackApiUrl: apiUrl, maxRetryAfterSeconds: 5 });
    slack.respond('chat.update', () => ({
      status: 429,
      headers: { 'retry-after': '120' },
      body: { ok: false, error: 'ratelimited' },
    }));
    try {
      const before = slack.callsTo('chat.update').length;
      const err = await short.chat.update({ channel: 'D0CASE1', ts: '1.2', text: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 120 });
      // One request and no retry: it did not wait out the two minutes.
      expect(slack.callsTo('chat.update').length - before).toBe(1);
    } finally {
      slack.respond('chat.update', () => undefined);
      await short.close();
    }
  });

  it('retries a 5xx answer and gives up with an HTTP error after its retries', async () => {
    let n = 0;
    slack.respond('views.publish', () => (++n === 1 ? { status: 503, body: { ok: false } } : undefined));
    try {
      expect((await client.views.publish({ user_id: 'U0CASE1', view: { type: 'home', blocks: [] } })).ok).toBe(true);
      expect(n).toBe(2);
      n = 0;
      slack.respond('views.publish', () => (++n, { status: 502, body: { ok: false } }));
      const err = await client.views
        .publish({ user_id: 'U0CASE1', view: { type: 'home', blocks: [] } })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 502 });
      expect(n).toBe(3);
    } finally {
      slack.respond('views.publish', () => undefined);
    }
  });

  it('answers a server that cannot be reached with a request error, after its retries', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const nowhere = new CarelogWebClient('xoxb-carelog-test', {
      slackApiUrl: `http://127.0.0.1:${closed}/api/`,
      retries: 1,
    });
    try {
      const err = await nowhere.chat.postMessage({ channel: 'D0CASE1', text: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.RequestError });
    } finally {
      await nowhere.close();
    }
  });
});
