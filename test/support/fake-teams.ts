// A local stand-in for Microsoft's side of Teams, speaking the real protocols:
//  - the Bot Framework token service: an OpenID configuration and its signing keys (JWKS), and a
//    signer for the tokens Teams puts on every activity it POSTs to a bot;
//  - Entra ID's token endpoint (client-credentials grant), issuing the bot's own access tokens;
//  - the Bot Connector at the service URL: POST /v3/conversations, POST …/activities and
//    PUT …/activities/{id}, each recorded, each checking the bot's token when credentials are set;
//  - activities built exactly as Teams sends them (message, invoke adaptiveCard/action,
//    application/search and fileConsent/invoke, conversationUpdate, installationUpdate), and the way
//    a card's Action.Execute merges the card's inputs into its data;
//  - a file consent card's accept as Teams does it for a bot in a 1:1 chat: an upload session in
//    the person's OneDrive (its pre-authorised URL takes the bytes by PUT with Content-Range) named
//    in the fileConsent/invoke's uploadInfo, and the file it makes kept in `files`;
//  - every Adaptive Card carelog sends (in an activity, or as an invoke's answer) checked with
//    Microsoft's `adaptivecards` package at the card's version (test/support/card-validator.ts):
//    an invoke's answer with a problem fails at once, an activity's is kept in `cardProblems` and
//    fails the test file when the fake stops.
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adaptiveCardProblems, cardsIn } from './card-validator.js';
import { readJsonResponse, type JsonResponse } from './json-response.js';

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
export const BOT_SCOPE = 'https://api.botframework.com/.default';

export interface TeamsUser {
  /** Entra object id: what carelog's roster names. */
  aadObjectId: string;
  /** Teams user id, 29:… */
  id: string;
  name: string;
}

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  kind: 'createConversation' | 'sendActivity' | 'updateActivity';
  conversationId: string | null;
  activityId: string | null;
  body: Record<string, unknown>;
  raw: string;
  authorization: string | undefined;
}

export type ConnectorReply = { status: number; headers?: Record<string, string>; body?: unknown };

/** A file a person accepted through a file consent card: its upload session, and what was PUT there. */
export interface FakeTeamsFile {
  uniqueId: string;
  name: string;
  /** Whose OneDrive it goes to (Entra object id). */
  owner: string;
  uploadUrl: string;
  contentUrl: string;
  /** The file once a PUT covered it whole; null until then. */
  bytes: Buffer | null;
  /** Every PUT to the session: its Content-Range, its length, whether it carried an Authorization. */
  puts: { contentRange: string | undefined; length: number; authorized: boolean; status: number }[];
}

export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';

type Card = { type?: string; body?: unknown[]; actions?: unknown[]; [k: string]: unknown };

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function signJwt(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = base64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${signer.sign(privateKey).toString('base64url')}`;
}

export class FakeTeams {
  readonly calls: ConnectorCall[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  readonly issuedTokens = new Set<string>();
  /** What Microsoft's Adaptive Cards validator found in the cards carelog sent through the Connector. */
  readonly cardProblems: string[] = [];
  /** Adaptive Cards checked so far (sent through the Connector or answered to an invoke). */
  cardsChecked = 0;
  /** GETs of the Bot Framework key set (JWKS), by anyone. */
  keySetFetches = 0;
  /** Upload sessions opened by accepted file consent cards, oldest first. */
  readonly files: FakeTeamsFile[] = [];
  /** Bot Connector answers replaced per call kind (errors, rate limits); undefined falls through. */
  private overrides = new Map<ConnectorCall['kind'], (call: ConnectorCall) => ConnectorReply | undefined>();
  private waiters: { match: (c: ConnectorCall) => boolean; resolve: (c: ConnectorCall) => void }[] = [];
  private server: http.Server | undefined;
  private base = '';
  private counter = 0;
  /** The Bot Framework key pair whose public half is in the JWKS. */
  private readonly signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Another key pair, trusted by nobody: for forged tokens. */
  readonly untrusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly kid = 'fake-botframework-key-1';

  constructor(
    readonly appId: string,
    readonly tenantId: string,
    /** When set, Entra issues tokens only for this secret and the Connector demands one. */
    readonly clientSecret: string | null,
  ) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'PUT' && (req.url ?? '').startsWith('/onedrive/upload/')) this.receiveFile(req, body, res);
        else this.handle(req, body.toString('utf8'), res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server?.closeAllConnections();
    if (this.cardProblems.length)
      throw new Error(`carelog sent Adaptive Cards Teams would not take:\n${this.cardProblems.join('\n')}`);
  }

  /** Checks each card in `body`; the problems found, each prefixed with where the card was. */
  checkCards(body: unknown, where: string): string[] {
    const problems: string[] = [];
    for (const card of cardsIn(body)) {
      this.cardsChecked++;
      problems.push(...adaptiveCardProblems(card).map((p) => `${where}: ${p}`));
    }
    return problems;
  }

  /** The Bot Connector base URL (what activities carry as serviceUrl, and TEAMS_SERVICE_URL). */
  get serviceUrl(): string {
    return `${this.base}/teams`;
  }

  /** The Microsoft endpoints carelog is pointed at: OpenID configuration and login (token) endpoint. */
  get cloud(): { loginEndpoint: string; openIdMetadataUrl: string } {
    return {
      loginEndpoint: `${this.base}/login`,
      openIdMetadataUrl: `${this.base}/v1/.well-known/openidconfiguration`,
    };
  }

  get botId(): string {
    return `28:${this.appId}`;
  }

  respond(kind: ConnectorCall['kind'], reply: (call: ConnectorCall) => ConnectorReply | undefined): void {
    this.overrides.set(kind, reply);
  }

  clearResponses(): void {
    this.overrides.clear();
  }

  callsOf(kind: ConnectorCall['kind'], conversationId?: string): ConnectorCall[] {
    return this.calls.filter(
      (c) => c.kind === kind && (conversationId === undefined || c.conversationId === conversationId),
    );
  }

  /** Resolves with the first call after `after` that matches. */
  waitFor(match: (c: ConnectorCall) => boolean, after = 0, timeoutMs = 8_000): Promise<ConnectorCall> {
    const already = this.calls.slice(after).find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching Bot Connector call within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }

  /**
   * A Bot Framework token as Teams sends it with an activity; `overrides` forge the bad ones, and
   * `kid` names a key id other than the published one.
   */
  inboundToken(
    serviceUrl: string,
    overrides: Record<string, unknown> = {},
    key: KeyObject = this.signing.privateKey,
    kid = this.kid,
  ): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(key, kid, {
      iss: BOT_FRAMEWORK_ISSUER,
      aud: this.appId,
      serviceurl: serviceUrl,
      nbf: now - 60,
      iat: now - 60,
      exp: now + 3600,
      ...overrides,
    });
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
      json(200, {
        issuer: BOT_FRAMEWORK_ISSUER,
        authorization_endpoint: `${this.base}/v1/auth`,
        jwks_uri: `${this.base}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/keys') {
      this.keySetFetches++;
      const jwk = this.signing.publicKey.export({ format: 'jwk' });
      json(200, { keys: [{ ...jwk, kid: this.kid, use: 'sig', endorsements: ['msteams'] }] });
      return;
    }
    const token = /^\/login\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === 'POST' && token) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      this.tokenRequests.push({ ...form, tenant: decodeURIComponent(token[1]!) });
      if (
        form.grant_type !== 'client_credentials' ||
        form.client_id !== this.appId ||
        !this.clientSecret ||
        form.client_secret !== this.clientSecret
      ) {
        json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        return;
      }
      if (form.scope !== BOT_SCOPE) {
        json(400, { error: 'invalid_scope' });
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const access = signJwt(this.untrusted.privateKey, 'entra', {
        aud: 'https://api.botframework.com',
        iss: `https://login.microsoftonline.com/${token[1]}/v2.0`,
        appid: this.appId,
        iat: now,
        nbf: now,
        exp: now + 3600,
        jti: randomUUID(),
      });
      this.issuedTokens.add(access);
      json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
      return;
    }
    const conv = /^\/teams\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/]+))?)?\/?$/.exec(url.pathname);
    if (conv && (req.method === 'POST' || req.method === 'PUT')) {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        json(400, { error: { code: 'BadSyntax', message: 'Invalid JSON' } });
        return;
      }
      const conversationId = conv[1] ? decodeURIComponent(conv[1]) : null;
      const activityId = conv[2] ? decodeURIComponent(conv[2]) : null;
      const kind: ConnectorCall['kind'] = !conversationId
        ? 'createConversation'
        : activityId
          ? 'updateActivity'
          : 'sendActivity';
      const call: ConnectorCall = {
        method: req.method,
        kind,
        conversationId,
        activityId,
        body,
        raw,
        authorization: req.headers.authorization,
      };
      this.calls.push(call);
      this.cardProblems.push(...this.checkCards(body, `${kind} ${conversationId ?? ''}`));
      for (const w of this.waiters.filter((x) => x.match(call))) w.resolve(call);
      this.waiters = this.waiters.filter((x) => !x.match(call));
      if (this.clientSecret && !this.issuedTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
        json(401, { message: 'Authorization has been denied for this request.' });
        return;
      }
      const override = this.overrides.get(kind)?.(call);
      if (override) {
        json(override.status, override.body, override.headers);
        return;
      }
      if (kind === 'createConversation') json(201, { id: `a:1${randomUUID().replace(/-/g, '')}` });
      else if (kind === 'sendActivity') json(201, { id: `1${Date.now()}${String(++this.counter).padStart(4, '0')}` });
      else json(200, { id: activityId });
      return;
    }
    json(404, { error: { code: 'NotFound', message: 'no such endpoint' } });
  }

  /**
   * An upload session's end, as OneDrive's: the bytes in one or more PUTs, each with Content-Range
   * `bytes first-last/total`; 202 while more is expected, 201 with the file once it is whole, 416 for
   * a range that does not follow on or does not match the body.
   */
  private receiveFile(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const file = this.files.find((f) => new URL(f.uploadUrl).pathname === (req.url ?? '').split('?')[0]);
    const range = req.headers['content-range'];
    const answer = (status: number, json: unknown) => {
      file?.puts.push({ contentRange: range, length: body.length, authorized: !!req.headers.authorization, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (!file) return answer(404, { error: { code: 'itemNotFound', message: 'The upload session was not found.' } });
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range ?? '');
    const have = file.bytes?.length ?? 0;
    if (!m || Number(m[1]) !== have || Number(m[2]) - Number(m[1]) + 1 !== body.length || Number(m[2]) >= Number(m[3]))
      return answer(416, { error: { code: 'invalidRange', message: 'The Content-Range does not match.' } });
    file.bytes = Buffer.concat([file.bytes ?? Buffer.alloc(0), body]);
    if (file.bytes.length < Number(m[3]))
      return answer(202, {
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        nextExpectedRanges: [`${file.bytes.length}-`],
      });
    return answer(201, { id: file.uniqueId, name: file.name, size: file.bytes.length, file: {} });
  }

  // ---- activities, as Teams sends them -------------------------------------------------------

  /**
   * The person answers the file consent card in `message` (what the bot sent): on accept, Teams
   * opens an upload session in their OneDrive and sends its details with the card's acceptContext.
   */
  fileConsent(
    user: TeamsUser,
    message: Record<string, unknown>,
    action: 'accept' | 'decline',
    opts: { replyToId?: string } = {},
  ): Record<string, unknown> {
    const attachments = (message.attachments ?? []) as { contentType?: string; name?: string; content?: unknown }[];
    const card = attachments.find((a) => a.contentType === FILE_CONSENT_CONTENT_TYPE);
    if (!card) throw new Error('no file consent card in the message');
    const content = card.content as { acceptContext?: unknown; declineContext?: unknown };
    const base = {
      ...this.envelope(user),
      type: 'invoke',
      name: 'fileConsent/invoke',
      ...(opts.replyToId ? { replyToId: opts.replyToId } : {}),
    };
    if (action === 'decline')
      return { ...base, value: { type: 'fileUpload', action: 'decline', context: content.declineContext } };
    const uniqueId = randomUUID().toUpperCase();
    const name = card.name ?? 'file';
    const file: FakeTeamsFile = {
      uniqueId,
      name,
      owner: user.aadObjectId,
      uploadUrl: `${this.base}/onedrive/upload/${uniqueId}?tempauth=${randomUUID()}`,
      contentUrl: `${this.base}/personal/${user.aadObjectId}/Documents/Applications/carelog/${encodeURIComponent(name)}`,
      bytes: null,
      puts: [],
    };
    this.files.push(file);
    const fileType = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
    return {
      ...base,
      value: {
        type: 'fileUpload',
        action: 'accept',
        context: content.acceptContext,
        uploadInfo: { contentUrl: file.contentUrl, name, uploadUrl: file.uploadUrl, fileType, uniqueId },
      },
    };
  }

  personalConversationId(user: TeamsUser): string {
    return `a:1personal-${user.aadObjectId}`;
  }

  private envelope(user: TeamsUser, conversation?: Record<string, unknown>): Record<string, unknown> {
    const now = new Date();
    return {
      id: `${now.getTime()}${String(++this.counter).padStart(4, '0')}`,
      timestamp: now.toISOString(),
      localTimestamp: now.toISOString(),
      serviceUrl: this.serviceUrl,
      channelId: 'msteams',
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      conversation: conversation ?? {
        conversationType: 'personal',
        tenantId: this.tenantId,
        id: this.personalConversationId(user),
      },
      recipient: { id: this.botId, name: 'carelog' },
      locale: 'en-US',
      localTimezone: 'America/New_York',
      entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'America/New_York' }],
      channelData: { tenant: { id: this.tenantId } },
    };
  }

  message(user: TeamsUser, text: string, opts: { channel?: string } = {}): Record<string, unknown> {
    if (opts.channel) {
      // In a channel the bot only hears @mentions; the text carries the mention markup.
      const base = this.envelope(user, {
        isGroup: true,
        conversationType: 'channel',
        tenantId: this.tenantId,
        id: `${opts.channel};messageid=${Date.now()}`,
      });
      return {
        ...base,
        type: 'message',
        textFormat: 'plain',
        text: `<at>carelog</at> ${text}`,
        entities: [{ type: 'mention', text: '<at>carelog</at>', mentioned: { id: this.botId, name: 'carelog' } }],
        channelData: {
          tenant: { id: this.tenantId },
          teamsChannelId: opts.channel,
          teamsTeamId: '19:team@thread.tacv2',
          channel: { id: opts.channel },
          team: { id: '19:team@thread.tacv2' },
        },
      };
    }
    return { ...this.envelope(user), type: 'message', textFormat: 'plain', text };
  }

  /** The user pressed an Action.Execute on a card: Teams merges the card's inputs into its data. */
  cardAction(
    user: TeamsUser,
    action: { verb: string; data: Record<string, unknown> },
    opts: { replyToId?: string } = {},
  ): Record<string, unknown> {
    return {
      ...this.envelope(user),
      type: 'invoke',
      name: 'adaptiveCard/action',
      ...(opts.replyToId ? { replyToId: opts.replyToId } : {}),
      value: { action: { type: 'Action.Execute', verb: action.verb, data: action.data }, trigger: 'manual' },
    };
  }

  search(user: TeamsUser, queryText: string, dataset: string): Record<string, unknown> {
    return {
      ...this.envelope(user),
      type: 'invoke',
      name: 'application/search',
      value: { queryText, queryOptions: { skip: 0, top: 15 }, dataset },
    };
  }

  /** The app installed in a personal scope: Teams says the bot was added to the 1:1 conversation. */
  personalInstall(user: TeamsUser): Record<string, unknown> {
    return { ...this.envelope(user), type: 'conversationUpdate', membersAdded: [{ id: this.botId }] };
  }

  installationUpdate(user: TeamsUser, action: 'add' | 'remove'): Record<string, unknown> {
    return { ...this.envelope(user), type: 'installationUpdate', action };
  }

  /** Someone added to a team the bot is installed in (they have no 1:1 chat with it yet). */
  teamMemberAdded(adder: TeamsUser, added: TeamsUser, channel = '19:general@thread.tacv2'): Record<string, unknown> {
    return {
      ...this.envelope(adder, { isGroup: true, conversationType: 'channel', tenantId: this.tenantId, id: channel }),
      type: 'conversationUpdate',
      membersAdded: [{ id: added.id, aadObjectId: added.aadObjectId }],
      channelData: {
        eventType: 'teamMemberAdded',
        team: { id: '19:team@thread.tacv2', name: 'Co-responders' },
        tenant: { id: this.tenantId },
      },
    };
  }

  /** POSTs an activity to the bot, with a valid Bot Framework token unless told otherwise. */
  async send(
    url: string,
    activity: Record<string, unknown>,
    opts: { authorization?: string | null } = {},
  ): Promise<JsonResponse> {
    const authorization =
      opts.authorization === undefined
        ? `Bearer ${this.inboundToken(String(activity.serviceUrl))}`
        : opts.authorization;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(activity),
    });
    const answer = await readJsonResponse(res);
    const problems = this.checkCards(
      answer.json,
      `answer to ${String(activity.type)} ${typeof activity.name === 'string' ? activity.name : ''}`,
    );
    if (problems.length)
      throw new Error(`carelog answered with Adaptive Cards Teams would not take:\n${problems.join('\n')}`);
    return answer;
  }
}

// ---- cards, as a Teams client reads them ------------------------------------------------------

/** The Adaptive Card attached to a Connector call's activity, if any. */
export function cardOf(activity: Record<string, unknown>): Card | undefined {
  const attachments = activity.attachments as { contentType: string; content: Card }[] | undefined;
  return attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** Every element of a card (and of the cards inside its ShowCard actions), depth first. */
export function elementsOf(card: object): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && n.type !== 'AdaptiveCard') out.push(n);
    for (const key of ['body', 'items', 'actions', 'columns', 'card']) if (key in n) walk(n[key]);
  };
  walk(card);
  return out;
}

export function inputsOf(card: object): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of elementsOf(card)) if (String(e.type).startsWith('Input.') && typeof e.id === 'string') out[e.id] = e;
  return out;
}

/** The values a Teams client submits for a card's inputs as rendered (their initial values). */
export function initialValues(card: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, e] of Object.entries(inputsOf(card)))
    if (typeof e.value === 'string' || typeof e.value === 'number' || typeof e.value === 'boolean')
      out[id] = String(e.value);
  return out;
}

export function executeAction(
  card: object,
  verb: string,
  match: (data: Record<string, unknown>) => boolean = () => true,
): { verb: string; data: Record<string, unknown>; associatedInputs?: string } {
  const found = elementsOf(card).find(
    (e) => e.type === 'Action.Execute' && e.verb === verb && match((e.data ?? {}) as Record<string, unknown>),
  );
  if (!found) throw new Error(`no Action.Execute with verb ${verb} on the card`);
  return found as { verb: string; data: Record<string, unknown>; associatedInputs?: string };
}

/**
 * What Teams sends when the person presses the action: the action's data with the card's input
 * values merged in (unless the action takes no inputs). `values` are what the person entered; inputs
 * they left alone keep the values the card was rendered with.
 */
export function pressAction(
  card: object,
  verb: string,
  values: Record<string, string | undefined> = {},
  match?: (data: Record<string, unknown>) => boolean,
): { verb: string; data: Record<string, unknown> } {
  const action = executeAction(card, verb, match);
  if (action.associatedInputs === 'none') return { verb, data: { ...action.data } };
  const merged: Record<string, unknown> = { ...initialValues(card) };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return { verb, data: { ...merged, ...action.data } };
}

export function textsOf(card: object): string[] {
  return elementsOf(card)
    .filter((e) => e.type === 'TextBlock')
    .map((e) => String(e.text));
}
