// A Bolt receiver on carelog's own HTTP server, at POST /slack/events. It checks what Slack's
// receivers check (Bolt's own signature verification, exact content types) and more: timestamps
// more than five minutes in the future are refused too, and bodies are size-limited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifySlackRequest, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { z } from 'zod';
import { contentTypeOf, readPlatformBody, sendJson, sendText, type HttpServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import { isRoutableSlackBody } from './envelope.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Signed requests are accepted for five minutes either side of the server clock. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** Slack gives up waiting for an acknowledgement after three seconds. */
const ACK_DEADLINE_MS = 3_000;

const ZHeaders = z.object({
  'x-slack-signature': z.string().regex(/^v0=[0-9a-f]{64}$/),
  'x-slack-request-timestamp': z.string().regex(/^\d{1,12}$/).transform(Number),
});

export interface SlackReceiverOptions {
  signingSecret: string;
  http: HttpServer;
  logger: Logger;
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
  /** Reports how long each request took to acknowledge (for the ack-latency figures). */
  onAck?: (ms: number) => void;
}

export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly opts: SlackReceiverOptions) {
    opts.http.route('POST', SLACK_EVENTS_PATH, (req, res) => this.handle(req, res));
  }

  init(app: App): void {
    this.app = app;
  }

  // The shared HTTP server is started and stopped by carelog's main, not by Bolt.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const raw = await readPlatformBody(req, res, ['application/x-www-form-urlencoded', 'application/json']);
    if (raw === null) return;
    if (!this.verify(req, raw)) {
      sendText(res, 401, 'invalid signature');
      return;
    }
    const body = parseSlackBody(raw, contentTypeOf(req));
    if (!body) {
      sendText(res, 400, 'malformed body');
      return;
    }
    if (body.type === 'url_verification' && typeof body.challenge === 'string') {
      sendJson(res, 200, { challenge: body.challenge });
      return;
    }
    // Signed, but not a body Bolt can route (Slack never sends one): an input error, not ours.
    if (!isRoutableSlackBody(body)) {
      sendText(res, 400, 'malformed body');
      return;
    }
    if (!this.app) throw new Error('receiver not initialised');

    let acked = false;
    const timer = setTimeout(() => {
      if (!acked) this.opts.logger.warn({ path: SLACK_EVENTS_PATH }, 'a Slack request was not acknowledged within 3 seconds');
    }, ACK_DEADLINE_MS);
    timer.unref();
    const retryHeader = req.headers['x-slack-retry-num'];
    const event: ReceiverEvent = {
      body,
      retryNum: typeof retryHeader === 'string' && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined,
      retryReason: typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        clearTimeout(timer);
        if (response === undefined || response === '') {
          res.writeHead(200, { 'content-length': 0 });
          res.end();
        } else if (typeof response === 'string') {
          sendText(res, 200, response);
        } else {
          sendJson(res, 200, response);
        }
        this.opts.onAck?.(performance.now() - started);
      },
    };
    try {
      await this.app.processEvent(event);
    } catch (err) {
      // Bolt's global error handler has logged it (without content); the person still needs an answer.
      if (!acked) {
        acked = true;
        clearTimeout(timer);
        sendText(res, 500, 'internal error');
      }
      void err;
    }
    if (!acked) {
      // Nothing listened (an action carelog does not handle): answer so Slack does not retry.
      acked = true;
      clearTimeout(timer);
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    }
  }

  private verify(req: IncomingMessage, raw: string): boolean {
    const headers = ZHeaders.safeParse(req.headers);
    if (!headers.success) return false;
    const ts = headers.data['x-slack-request-timestamp'];
    const now = this.opts.now?.() ?? Math.floor(Date.now() / 1000);
    // Bolt refuses stale timestamps but accepts any future one; a replay window has two sides.
    if (ts > now + MAX_CLOCK_SKEW_SECONDS) return false;
    try {
      verifySlackRequest({
        signingSecret: this.opts.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': headers.data['x-slack-signature'], 'x-slack-request-timestamp': ts },
        nowMilliseconds: now * 1000,
      });
      return true;
    } catch {
      return false;
    }
  }
}

/** Slash commands arrive as form fields; interactivity as a form field `payload` holding JSON. */
export function parseSlackBody(raw: string, contentType: string): Record<string, unknown> | null {
  try {
    if (contentType === 'application/json') {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (typeof form.payload === 'string') {
      const parsed: unknown = JSON.parse(form.payload);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    }
    return form;
  } catch {
    return null;
  }
}
