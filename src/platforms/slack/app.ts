// The Bolt app: HTTP (POST /slack/events on carelog's server) or Socket Mode when SLACK_APP_TOKEN is
// set. Features register themselves (handlers/slack/, handed in by src/carelog.ts); this file only
// wires transport and errors.
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { CarelogDeps } from '../../deps.js';
import type { HttpServer } from '../../http/server.js';
import type { Logger } from '../../logger.js';
import { provideSlackApi } from './listener-context.js';
import { SlackHttpReceiver } from './receiver.js';
import { SlackRoutes } from './routes.js';
import { CarelogWebClient } from './web-api.js';

/** Registers carelog's Slack listeners (handlers/slack/index.ts); the app never imports them. */
export type RegisterSlackListeners = (routes: SlackRoutes, deps: CarelogDeps) => void;

export interface SlackAppOptions {
  /** The listeners, handed in by src/carelog.ts. */
  register: RegisterSlackListeners;
  signingSecret: string;
  botToken: string;
  appToken?: string;
  apiUrl: string;
  http: HttpServer;
  onAck?: (ms: number) => void;
  /** With the local simulator: the only place a response_url may point (see SlackHttpReceiver). */
  responseUrlPrefix?: string;
}

/**
 * Cuts a Bolt log line at its first JSON: the Socket Mode client logs every envelope it receives
 * ("Received a message on the WebSocket: {…}") and every ack, whole, and a view submission carries
 * the notes. pino's redact only sees fields, never the text of a message.
 */
function withoutPayload(msg: unknown[]): string {
  const line = msg.map(String).join(' ');
  const json = line.search(/[{[]/);
  return json === -1 ? line : `${line.slice(0, json)}[payload omitted]`;
}

/** Bolt's log lines go through carelog's logger; its debug chatter only at trace level. */
function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.trace(withoutPayload(msg)),
    info: (...msg: unknown[]) => log.info(withoutPayload(msg)),
    warn: (...msg: unknown[]) => log.warn(withoutPayload(msg)),
    error: (...msg: unknown[]) => log.error(withoutPayload(msg.map((m) => (m instanceof Error ? m.name : m)))),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * Bolt's built-ins carelog does not use, each a step on every request: the conversation store
 * (context.conversation, never read here) and ignoreSelf, which drops events the bot itself caused;
 * carelog listens to no event the bot can cause (app_home_opened is a person opening the tab).
 * A listener for message events would need ignoreSelf back.
 */
const LEAN = { convoStore: false, ignoreSelf: false } as const;

export interface SlackApp {
  app: App;
  /** The client carelog calls Slack with, for the messenger as well as the listeners. */
  api: CarelogWebClient;
  /**
   * Hands carelog's parts to the listeners and puts them on the app. Until then it has none: its
   * caller starts it (Socket Mode) and listens (HTTP) only after this.
   */
  route(deps: CarelogDeps): void;
}

/**
 * Builds the Bolt app and checks the token with Slack (auth.test: a wrong token or API URL stops
 * start-up here, with Slack's error code). It needs nothing of carelog's but the logger and the HTTP
 * server, so src/carelog.ts builds it while the database opens, and routes its listeners after.
 */
export async function createSlackApp(logger: Logger, opts: SlackAppOptions): Promise<SlackApp> {
  const clientOptions = {
    slackApiUrl: opts.apiUrl,
    // A trigger id lives three seconds; retrying for minutes helps nobody.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 },
  };
  const api = new CarelogWebClient(opts.botToken, clientOptions);
  const app = opts.appToken
    ? new App({
        token: opts.botToken,
        appToken: opts.appToken,
        socketMode: true,
        clientOptions,
        installerOptions: { clientOptions },
        logger: boltLogger(logger),
        deferInitialization: true,
        ...LEAN,
      })
    : new App({
        token: opts.botToken,
        receiver: new SlackHttpReceiver({
          signingSecret: opts.signingSecret,
          http: opts.http,
          logger,
          ...(opts.onAck ? { onAck: opts.onAck } : {}),
          ...(opts.responseUrlPrefix ? { responseUrlPrefix: opts.responseUrlPrefix } : {}),
        }),
        clientOptions,
        logger: boltLogger(logger),
        deferInitialization: true,
        ...LEAN,
      });
  app.error((err) => {
    // The logger keeps names, codes and frames only (of Bolt's `original` too): a Slack API error or
    // a database error may quote what was sent.
    logger.error({ err }, 'a Slack listener failed');
    return Promise.resolve();
  });
  try {
    await app.init();
  } catch (err) {
    await api.close();
    throw err;
  }
  return {
    app,
    api,
    route(deps) {
      const routes = new SlackRoutes();
      opts.register(routes, deps);
      app.use(
        routes.middleware(({ context }) => {
          provideSlackApi(context, api);
        }),
      );
    },
  };
}
