// A local stand-in for Slack: a Web API server that records every call carelog makes, and a signer
// that sends requests to carelog exactly as Slack does. Tests, `npm run dev` without a Slack
// account, and the demo all use it; it speaks the real protocols, so carelog cannot tell.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** Arguments as carelog sent them (form fields, with JSON-looking values parsed). */
  args: Record<string, unknown>;
  /** The raw body, for checks that nothing private went out. */
  raw: string;
  token: string | undefined;
}

export type FakeReply = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  private server: http.Server | undefined;
  private overrides = new Map<string, (call: RecordedCall) => FakeReply | undefined>();
  private counter = 0;
  private waiters: { method: string; resolve: (c: RecordedCall) => void }[] = [];
  teamId = 'T0SIM';
  botUserId = 'U0CARELOG';

  /** Replaces the answer to one Web API method (e.g. a 429, or users who closed their DMs). */
  respond(method: string, reply: (call: RecordedCall) => FakeReply | undefined): void {
    this.overrides.set(method, reply);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the next call to `method` (or one already made after `after` calls). */
  waitFor(method: string, after = 0, timeoutMs = 5_000): Promise<RecordedCall> {
    const already = this.calls.slice(after).find((c) => c.method === method);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} call within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        method,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
        const call: RecordedCall = {
          method,
          args: parseArgs(raw, req.headers['content-type'] ?? ''),
          raw,
          token: (req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined,
        };
        this.calls.push(call);
        const reply = this.overrides.get(method)?.(call) ?? this.defaultReply(call);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        res.end(JSON.stringify(reply.body));
        for (const w of this.waiters.filter((x) => x.method === method)) w.resolve(call);
        this.waiters = this.waiters.filter((x) => x.method !== method);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
  }

  private defaultReply(call: RecordedCall): FakeReply {
    const n = ++this.counter;
    switch (call.method) {
      case 'auth.test':
        return { body: { ok: true, url: 'https://carelog-sim.slack.com/', team: 'carelog simulator', user: 'carelog', team_id: this.teamId, user_id: this.botUserId, bot_id: 'B0CARELOG' } };
      case 'views.open':
      case 'views.update':
      case 'views.publish': {
        const view = (call.args.view ?? {}) as Record<string, unknown>;
        return { body: { ok: true, view: { ...view, id: (call.args.view_id as string) ?? `V${String(n).padStart(8, '0')}`, hash: `h${n}` } } };
      }
      case 'chat.postMessage':
        return { body: { ok: true, channel: call.args.channel, ts: `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`, message: { text: call.args.text } } };
      case 'chat.update':
        return { body: { ok: true, channel: call.args.channel, ts: call.args.ts } };
      case 'conversations.open':
        return { body: { ok: true, channel: { id: `D${String(call.args.users ?? 'X').replace(/,/g, '')}` } } };
      default:
        return { body: { ok: true } };
    }
  }
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON after all
      }
    }
    out[k] = v;
  }
  return out;
}

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>"). */
export function signSlackRequest(signingSecret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedRequestOptions {
  url: string;
  signingSecret: string;
  body: string;
  contentType?: string;
  timestamp?: number;
  headers?: Record<string, string>;
}

/** Sends a request to carelog the way Slack does. */
export async function sendSignedRequest(opts: SignedRequestOptions): Promise<{ status: number; text: string; json: unknown }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(opts.url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(opts.signingSecret, opts.body, ts),
      ...(opts.headers ?? {}),
    },
    body: opts.body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

/** A slash command body, form-encoded as Slack sends it. */
export function slashCommandBody(fields: { command: string; text?: string; teamId: string; userId: string; channelId?: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.teamId,
    team_domain: 'carelog-sim',
    channel_id: fields.channelId ?? 'C0SIMCHAN',
    channel_name: 'co-responders',
    user_id: fields.userId,
    user_name: 'clinician',
    command: fields.command,
    text: fields.text ?? '',
    api_app_id: 'A0CARELOG',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/T0SIM/1/abc',
    trigger_id: fields.triggerId ?? `${Date.now()}.1.trigger`,
  }).toString();
}

/** An interactive payload (block_actions, block_suggestion, view_submission), form-encoded. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
