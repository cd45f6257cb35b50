// A local stand-in for Slack: a Web API server that records every call carelog makes, and Socket
// Mode's WebSocket end (apps.connections.open, hello, envelopes in, acks back). Tests, `npm run dev`
// without a Slack account, and the demo all use it; it speaks the real protocols, so carelog cannot
// tell. src/carelog.ts loads it only in simulator mode. Requests signed as Slack signs them (what
// tests, benches and the demo send to carelog) are built by test/support/slack-requests.ts.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedCall {
  method: string;
  /** Arguments as carelog sent them (form fields, with JSON-looking values parsed). */
  args: Record<string, unknown>;
  /** The raw body, for checks that nothing private went out. */
  raw: string;
  token: string | undefined;
}

export type FakeReply = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

/** The envelope types Slack sends over a Socket Mode connection. */
export type SocketEnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** What the app sends back over the socket to acknowledge an envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/** One WebSocket connection an app opened with a ticket from apps.connections.open. */
export interface SocketConnection {
  ticket: string;
  /** The app-level token that asked for the ticket. */
  appToken: string;
  /** Resolves when the connection closes, with the close code and reason as the server saw them. */
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
}

/** A message carelog posted (chat.postMessage answered by the fake), as history returns it. */
export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  metadata?: unknown;
  threadTs?: string;
  /** Files shared with the message (files.completeUploadExternal into a channel). */
  files?: { id: string; name: string; title: string }[];
}

/** A file sent through the upload flow (files.getUploadURLExternal, the upload, completion). */
export interface FakeUpload {
  id: string;
  filename: string;
  /** The length announced to files.getUploadURLExternal. */
  length: number;
  /** The bytes received at the upload URL; null until they arrive. */
  bytes: Buffer | null;
  /** Where files.completeUploadExternal shared it. */
  channel?: string;
  threadTs?: string;
  title?: string;
  completed: boolean;
}

/**
 * One page of messages as conversations.history and conversations.replies answer: `limit` (at most
 * 999, 100 when unset) from the `cursor` on, with `has_more` and the next cursor as Slack gives
 * them; `extra` adds what each method shows beyond a message's ts and text.
 */
function pageOfMessages(
  args: Record<string, unknown>,
  all: PostedMessage[],
  extra: (m: PostedMessage) => Record<string, unknown>,
): { body: Record<string, unknown> } {
  const limit = Math.min(999, Number(args.limit ?? 100) || 100);
  const from = Number(args.cursor ?? 0) || 0;
  const messages = all
    .slice(from, from + limit)
    .map((m) => ({ type: 'message', ts: m.ts, text: m.text ?? '', bot_id: 'B0CARELOG', ...extra(m) }));
  const more = all.length > from + limit;
  return {
    body: {
      ok: true,
      messages,
      has_more: more,
      ...(more ? { response_metadata: { next_cursor: String(from + limit) } } : {}),
    },
  };
}

/** The app id the fake reports in Socket Mode's hello and in its connection URLs. */
export const SIMULATOR_APP_ID = 'A0CARELOG';

export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  /** Messages posted through chat.postMessage (default answers only), oldest first. */
  readonly messages: PostedMessage[] = [];
  /** Files uploaded through the files upload v2 flow, in the order their URLs were asked for. */
  readonly uploads: FakeUpload[] = [];
  private server: http.Server | undefined;
  private overrides = new Map<string, (call: RecordedCall) => FakeReply | undefined | Promise<FakeReply | undefined>>();
  private counter = 0;
  private waiters: { method: string; resolve: (c: RecordedCall) => void }[] = [];
  teamId = 'T0SIM';
  botUserId = 'U0CARELOG';
  /** Acks received over Socket Mode, in order. */
  readonly socketAcks: SocketAck[] = [];
  private wss: WebSocketServer | undefined;
  private tickets = new Map<string, string>();
  private connections: (SocketConnection & { ws: WebSocket })[] = [];
  private connectionWaiters: ((c: SocketConnection) => void)[] = [];
  private ackWaiters = new Map<string, (ack: SocketAck) => void>();
  private pingTimer: NodeJS.Timeout | undefined;
  private port = 0;

  /**
   * Replaces the answer to one Web API method (e.g. a 429, or users who closed their DMs). The call
   * is recorded as it arrives; a promised reply is sent when it settles (a slow Slack).
   */
  respond(method: string, reply: (call: RecordedCall) => FakeReply | undefined | Promise<FakeReply | undefined>): void {
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
        if ((req.url ?? '').startsWith('/upload/')) {
          void this.receiveUpload(req, Buffer.concat(chunks), res);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
        const call: RecordedCall = {
          method,
          args: parseArgs(raw, req.headers['content-type'] ?? ''),
          raw,
          token: (req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined,
        };
        this.calls.push(call);
        for (const w of this.waiters.filter((x) => x.method === method)) w.resolve(call);
        this.waiters = this.waiters.filter((x) => x.method !== method);
        const send = (reply: FakeReply) => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
          res.end(JSON.stringify(reply.body));
        };
        const override = this.overrides.get(method)?.(call);
        if (override instanceof Promise) {
          override.then(
            (r) => send(r ?? this.defaultReply(call)),
            () => send({ status: 500, body: { ok: false, error: 'fatal_error' } }),
          );
        } else {
          send(override ?? this.defaultReply(call));
        }
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const ticket = url.searchParams.get('ticket') ?? '';
      const appToken = this.tickets.get(ticket);
      // A ticket is good for one connection, as Slack's are.
      if (url.pathname !== '/link/' || appToken === undefined) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.tickets.delete(ticket);
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket, appToken));
    });
    // Slack pings each connection every few seconds; ws answers the app's own pings by itself.
    this.pingTimer = setInterval(() => {
      for (const c of this.connections) if (c.isOpen()) c.ws.ping();
    }, 5_000).unref();
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.apiUrl;
  }

  /** The Web API base URL (and where response_urls point), once started. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** Socket Mode connections opened so far, oldest first. */
  get socketConnections(): readonly SocketConnection[] {
    return this.connections;
  }

  /** Resolves with an open Socket Mode connection once the app has one (after hello was sent). */
  waitForSocketConnection(timeoutMs = 5_000): Promise<SocketConnection> {
    const open = this.connections.find((c) => c.isOpen());
    if (open) return Promise.resolve(open);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Socket Mode connection within ${timeoutMs} ms`)), timeoutMs);
      this.connectionWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  /**
   * Sends an envelope over the newest open Socket Mode connection, as Slack does, and resolves
   * with the app's ack. Rejects when no ack comes within `timeoutMs` (Slack allows 3 seconds).
   */
  sendSocketEnvelope(
    type: SocketEnvelopeType,
    payload: Record<string, unknown>,
    opts: { timeoutMs?: number; retryAttempt?: number; retryReason?: string } = {},
  ): Promise<SocketAck> {
    const connection = this.connections.findLast((c) => c.isOpen());
    if (!connection) return Promise.reject(new Error('no open Socket Mode connection'));
    const envelopeId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? 3_000;
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope within ${timeoutMs} ms`));
      }, timeoutMs);
      this.ackWaiters.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    connection.ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: opts.retryAttempt ?? 0,
        retry_reason: opts.retryReason ?? '',
      }),
    );
    return acked;
  }

  /** Asks every open connection to reconnect, as Slack does before recycling a server. */
  sendSocketDisconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    for (const c of this.connections) {
      if (c.isOpen()) c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'carelog-sim' } }));
    }
  }

  private accept(ws: WebSocket, ticket: string, appToken: string): void {
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    const connection = { ticket, appToken, ws, closed, isOpen: () => ws.readyState === ws.OPEN };
    this.connections.push(connection);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: unknown;
      try {
        const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        message = JSON.parse(bytes.toString('utf8'));
      } catch {
        return;
      }
      const envelopeId = (message as { envelope_id?: unknown }).envelope_id;
      if (typeof envelopeId !== 'string') return;
      const ack = message as SocketAck;
      this.socketAcks.push(ack);
      this.ackWaiters.get(envelopeId)?.(ack);
      this.ackWaiters.delete(envelopeId);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections.filter((c) => c.isOpen()).length,
        debug_info: { host: 'carelog-sim', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: SIMULATOR_APP_ID },
      }),
    );
    for (const w of this.connectionWaiters.splice(0)) w(connection);
  }

  async stop(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const c of this.connections) c.ws.terminate();
    this.wss?.close();
    if (!this.server) return;
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
  }

  /** The upload URL's end: the bytes, as a multipart form (what @slack/web-api sends) or raw. */
  private async receiveUpload(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const upload = this.uploads.find((u) => u.id === (req.url ?? '').slice('/upload/'.length));
    let bytes = body;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } })
        .formData()
        .catch(() => null);
      const file = form && [...form.values()].find((v) => typeof v !== 'string');
      bytes = file && typeof file !== 'string' ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    }
    if (!upload || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    upload.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  }

  private defaultReply(call: RecordedCall): FakeReply {
    const n = ++this.counter;
    switch (call.method) {
      case 'apps.connections.open': {
        // Only an app-level token may open a connection; Slack answers a bot token this way.
        if (!call.token?.startsWith('xapp-')) return { body: { ok: false, error: 'not_allowed_token_type' } };
        const ticket = randomUUID();
        this.tickets.set(ticket, call.token);
        return {
          body: { ok: true, url: `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=${SIMULATOR_APP_ID}` },
        };
      }
      case 'auth.test':
        return {
          body: {
            ok: true,
            url: 'https://carelog-sim.slack.com/',
            team: 'carelog simulator',
            user: 'carelog',
            team_id: this.teamId,
            user_id: this.botUserId,
            bot_id: 'B0CARELOG',
          },
        };
      case 'views.open':
      case 'views.update':
      case 'views.publish': {
        const view = (call.args.view ?? {}) as Record<string, unknown>;
        return {
          body: {
            ok: true,
            view: { ...view, id: (call.args.view_id as string) ?? `V${String(n).padStart(8, '0')}`, hash: `h${n}` },
          },
        };
      }
      case 'chat.postMessage': {
        const ts = `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`;
        const a = call.args;
        this.messages.push({
          channel: String(a.channel),
          ts,
          ...(typeof a.text === 'string' ? { text: a.text } : {}),
          ...(a.blocks !== undefined ? { blocks: a.blocks } : {}),
          ...(a.metadata !== undefined ? { metadata: a.metadata } : {}),
          ...(typeof a.thread_ts === 'string' ? { threadTs: a.thread_ts } : {}),
        });
        return { body: { ok: true, channel: a.channel, ts, message: { text: a.text } } };
      }
      case 'conversations.history': {
        // Newest first, top-level messages only, metadata only when asked for (as Slack does).
        const withMetadata = call.args.include_all_metadata === true || call.args.include_all_metadata === 'true';
        const all = this.messages.filter((m) => m.channel === call.args.channel && !m.threadTs).reverse();
        return pageOfMessages(call.args, all, (m) => ({
          ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
        }));
      }
      case 'conversations.replies': {
        // A thread: its parent first, then the replies oldest first, paged by a cursor.
        const parent = this.messages.find((m) => m.channel === call.args.channel && m.ts === call.args.ts);
        if (!parent) return { body: { ok: false, error: 'thread_not_found' } };
        const thread = [
          parent,
          ...this.messages.filter((m) => m.channel === parent.channel && m.threadTs === parent.ts),
        ];
        return pageOfMessages(call.args, thread, (m) => ({
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          ...(m.files ? { files: m.files } : {}),
        }));
      }
      case 'files.getUploadURLExternal': {
        const id = `F${String(n).padStart(8, '0')}`;
        this.uploads.push({
          id,
          filename: typeof call.args.filename === 'string' ? call.args.filename : '',
          length: Number(call.args.length ?? 0),
          bytes: null,
          completed: false,
        });
        return { body: { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id } };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(call.args.files) ? (call.args.files as { id?: string; title?: string }[]) : [];
        const done = files.map((f) => this.uploads.find((u) => u.id === f.id && u.bytes !== null));
        if (!files.length || done.some((u) => !u)) return { body: { ok: false, error: 'invalid_arguments' } };
        for (const [i, u] of done.entries()) {
          u!.completed = true;
          if (typeof call.args.channel_id === 'string') u!.channel = call.args.channel_id;
          if (typeof call.args.thread_ts === 'string') u!.threadTs = call.args.thread_ts;
          if (files[i]!.title) u!.title = files[i]!.title;
        }
        // Shared into a channel, the files arrive as one message there (in the thread, if given),
        // carrying the initial comment as its text, as Slack shows them.
        if (typeof call.args.channel_id === 'string')
          this.messages.push({
            channel: call.args.channel_id,
            ts: `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`,
            ...(typeof call.args.initial_comment === 'string' ? { text: call.args.initial_comment } : {}),
            ...(typeof call.args.thread_ts === 'string' ? { threadTs: call.args.thread_ts } : {}),
            files: done.map((u) => ({ id: u!.id, name: u!.filename, title: u!.title ?? u!.filename })),
          });
        return {
          body: {
            ok: true,
            files: done.map((u) => ({ id: u!.id, name: u!.filename, title: u!.title ?? u!.filename })),
          },
        };
      }
      case 'chat.update':
        return { body: { ok: true, channel: call.args.channel, ts: call.args.ts } };
      case 'conversations.open':
        return {
          body: {
            ok: true,
            channel: { id: `D${(typeof call.args.users === 'string' ? call.args.users : 'X').replace(/,/g, '')}` },
          },
        };
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
