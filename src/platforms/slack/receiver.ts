// A Bolt receiver on carelog's own HTTP server, at POST /slack/events. It checks what Slack's
// receivers check (the v0 signature, stale timestamps, exact content types) and more: timestamps
// more than five minutes in the future are refused too, and bodies are size-limited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { contentTypeOf, readPlatformBody, sendJson, sendText, type HttpServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import { isRoutableSlackBody } from './envelope.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Signed requests are accepted for five minutes either side of the server clock. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** Slack gives up waiting for an acknowledgement after three seconds. */
const ACK_DEADLINE_MS = 3_000;

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

export interface SlackReceiverOptions {
  signingSecret: string;
  http: HttpServer;
  logger: Logger;
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
  /** Reports how long each request took to acknowledge (for the ack-latency figures). */
  onAck?: (ms: number) => void;
  /**
   * Set with the local Slack simulator: a request whose response_url is not under this URL (the
   * simulator's own) is refused, so respond() never posts anywhere else.
   */
  responseUrlPrefix?: string;
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
    if (this.opts.responseUrlPrefix && !responseUrlsUnder(body, this.opts.responseUrlPrefix)) {
      sendText(res, 400, 'response_url must be the local Slack simulator’s');
      return;
    }
    if (!this.app) throw new Error('receiver not initialised');

    let acked = false;
    const timer = setTimeout(() => {
      if (!acked)
        this.opts.logger.warn({ path: SLACK_EVENTS_PATH }, 'a Slack request was not acknowledged within 3 seconds');
    }, ACK_DEADLINE_MS);
    timer.unref();
    const retryHeader = req.headers['x-slack-retry-num'];
    const event: ReceiverEvent = {
      body,
      retryNum: typeof retryHeader === 'string' && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined,
      retryReason:
        typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined,
      ack: (response?: unknown) => {
        if (acked) return Promise.resolve();
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
        return Promise.resolve();
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
    // Plain checks, not a zod object: this runs on every request, before anything else.
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    if (
      typeof signature !== 'string' ||
      !SIGNATURE.test(signature) ||
      typeof timestamp !== 'string' ||
      !TIMESTAMP.test(timestamp)
    )
      return false;
    const ts = Number(timestamp);
    const now = this.opts.now?.() ?? Math.floor(Date.now() / 1000);
    // Bolt's receivers refuse stale timestamps but accept any future one; a replay window has two sides.
    if (ts > now + MAX_CLOCK_SKEW_SECONDS || ts < now - MAX_CLOCK_SKEW_SECONDS) return false;
    return isSlackSignature(this.opts.signingSecret, ts, raw, signature);
  }
}

/**
 * Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` under the signing secret, compared
 * in constant time. What Bolt's verifySlackRequest computes, without its tsscmp step (a random key
 * and two more HMACs on every request, ~25 µs).
 */
export function isSlackSignature(signingSecret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Every response_url a body names (a command's or an action's, a view submission's list) starts with `prefix`. */
function responseUrlsUnder(body: Record<string, unknown>, prefix: string): boolean {
  const urls: unknown[] = [body.response_url];
  if (Array.isArray(body.response_urls))
    for (const r of body.response_urls) urls.push((r as { response_url?: unknown } | null)?.response_url);
  return urls.every((u) => u === undefined || (typeof u === 'string' && u.startsWith(prefix)));
}

/** Slash commands arrive as form fields; interactivity as a form field `payload` holding JSON. */
export function parseSlackBody(raw: string, contentType: string): Record<string, unknown> | null {
  try {
    if (contentType === 'application/json') {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (typeof form.payload === 'string') {
      const parsed: unknown = JSON.parse(form.payload);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    }
    return form;
  } catch {
    return null;
  }
}
